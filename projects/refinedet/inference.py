"""RefineDet inference: two-step box decoding, ARM-filtered ODM scores, per-class NMS."""

from typing import Tuple

import torch
import torch.nn.functional as F
from detectron2.layers import batched_nms
from detectron2.modeling.box_regression import Box2BoxTransform
from detectron2.structures import Boxes, Instances


def decode_two_step(
    anchors: torch.Tensor,
    arm_deltas: torch.Tensor,
    odm_deltas: torch.Tensor,
    box_coder: Box2BoxTransform,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """anchors (R, 4); arm_deltas, odm_deltas (R, 4) -> (refined anchors, final boxes), (R, 4) XYXY.
    The ARM offsets move the anchors; the ODM offsets are relative to the refined anchors."""
    refined = box_coder.apply_deltas(arm_deltas, anchors)
    return refined, box_coder.apply_deltas(odm_deltas, refined)


def odm_scores(
    arm_logits: torch.Tensor, odm_logits: torch.Tensor, objectness_threshold: float
) -> torch.Tensor:
    """arm_logits (..., 2), odm_logits (..., C+1) -> foreground class scores (..., C), zeroed where
    the ARM objectness (softmax column 1) is below `objectness_threshold` (official
    OSGetConfidenceScores: such anchors count as background)."""
    objectness = F.softmax(arm_logits, dim=-1)[..., 1]
    scores = F.softmax(odm_logits, dim=-1)[..., :-1]
    return scores * (objectness >= objectness_threshold).unsqueeze(-1).to(scores.dtype)


def topk_per_class(scores: torch.Tensor, classes: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the (at most) k highest scores of each class. scores, classes: (M,) -> (M',)."""
    order = torch.argsort(scores, descending=True)
    order = order[torch.argsort(classes[order], stable=True)]
    sorted_classes = classes[order]
    first_of_class = torch.searchsorted(sorted_classes, sorted_classes, right=False)
    rank = torch.arange(len(order), device=scores.device) - first_of_class
    return order[rank < k]


def detect_single_image(
    boxes: torch.Tensor,
    scores: torch.Tensor,
    image_size: Tuple[int, int],
    score_threshold: float = 0.01,
    nms_threshold: float = 0.45,
    topk_per_class_before_nms: int = 1000,
    max_detections: int = 500,
) -> Instances:
    """boxes (R, 4) decoded XYXY, scores (R, C) -> Instances (pred_boxes, scores, pred_classes).

    Caffe DetectionOutput: per class, scores > threshold, the top `topk_per_class_before_nms`,
    NMS, then the best `max_detections` over all classes. Boxes are not clipped here
    (clip_bbox=False); detector_postprocess clips them in the output image.
    """
    keep = scores > score_threshold
    anchor_idx, class_idx = keep.nonzero(as_tuple=True)
    cand_scores = scores[anchor_idx, class_idx]
    sel = topk_per_class(cand_scores, class_idx, topk_per_class_before_nms)
    anchor_idx, class_idx, cand_scores = anchor_idx[sel], class_idx[sel], cand_scores[sel]
    cand_boxes = boxes[anchor_idx]
    keep = batched_nms(cand_boxes, cand_scores, class_idx, nms_threshold)[:max_detections]
    result = Instances(image_size)
    result.pred_boxes = Boxes(cand_boxes[keep])
    result.scores = cand_scores[keep]
    result.pred_classes = class_idx[keep]
    return result
