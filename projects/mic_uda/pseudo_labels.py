"""Teacher detections -> hard pseudo-labels for MIC (score threshold, then NMS)."""

from typing import List, Optional, Union

import torch
from detectron2.structures import Boxes, Instances
from torchvision.ops import batched_nms

__all__ = ["filter_pseudo_labels"]


def filter_pseudo_labels(
    detections: List[Instances],
    score_threshold: Union[float, torch.Tensor] = 0.8,
    nms_threshold: Optional[float] = 0.5,
) -> List[Instances]:
    """Keep the detections with score >= `score_threshold` (or above their class's threshold),
    then class-wise NMS.

    Args:
        detections: per image, teacher outputs with `pred_boxes` (R, 4 XYXY), `scores` (R,),
            `pred_classes` (R,), in the coordinates of the image the teacher saw.
        score_threshold: MIC's detection config uses 0.8 (PSEUDO_LABEL_THRESHOLD); or a (K,)
            tensor of per-class thresholds (the "frequency" policy: the (n+1)-th score of a
            class, so a box is kept if its score is strictly above it).
        nms_threshold: IoU for class-wise NMS, or None to skip it. Detectron2's box head already
            runs NMS at 0.5, so with the same value this only guards against other teachers.
    Returns:
        per image, Instances (same image_size) with `gt_boxes` (Boxes), `gt_classes` (int64) and
        `gt_scores` (teacher confidence), detached. Images may end up with zero boxes.
    """
    out = []
    for det in detections:
        boxes = det.pred_boxes.tensor.detach()
        scores = det.scores.detach()
        classes = det.pred_classes.detach()
        if isinstance(score_threshold, torch.Tensor):  # strict: a rank threshold keeps n boxes
            keep = scores > score_threshold.to(scores)[classes]
        else:
            keep = scores >= score_threshold
        boxes, scores, classes = boxes[keep], scores[keep], classes[keep]
        if nms_threshold is not None and len(boxes):
            keep = batched_nms(boxes.float(), scores.float(), classes, nms_threshold)
            boxes, scores, classes = boxes[keep], scores[keep], classes[keep]
        pseudo = Instances(det.image_size)
        pseudo.gt_boxes = Boxes(boxes)
        pseudo.gt_classes = classes.long()
        pseudo.gt_scores = scores
        out.append(pseudo)
    return out
