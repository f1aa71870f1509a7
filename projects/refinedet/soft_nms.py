"""Linear Soft-NMS (Bodla et al., ICCV 2017), the official RefineDet single-scale COCO test:
after the detection output's NMS, per class, each box overlapping a kept higher-scoring box by
IoU > Nt has its score multiplied by (1 - IoU); boxes falling below the score threshold go."""

from typing import Tuple

import torch
from detectron2.structures import Boxes, Instances, pairwise_iou

__all__ = ["soft_nms_linear", "soft_nms_instances"]


def soft_nms_linear(
    boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float = 0.3, score_threshold=0.01
) -> Tuple[torch.Tensor, torch.Tensor]:
    """One class. boxes (R, 4) XYXY, scores (R,) -> (kept indices (K,), their decayed scores
    (K,)), in the order they were kept (decreasing decayed score). IoU is Detectron2's
    (continuous coordinates; the Cython original adds 1 to widths and heights)."""
    scores = scores.clone()
    remaining = torch.arange(len(scores), device=scores.device)
    keep, kept_scores = [], []
    while remaining.numel():
        j = int(scores[remaining].argmax())
        best = remaining[j]
        keep.append(best)
        kept_scores.append(scores[best])
        remaining = torch.cat([remaining[:j], remaining[j + 1 :]])
        if not remaining.numel():
            break
        iou = pairwise_iou(Boxes(boxes[best : best + 1]), Boxes(boxes[remaining]))[0]
        scores[remaining] *= torch.where(iou > iou_threshold, 1.0 - iou, torch.ones_like(iou))
        remaining = remaining[scores[remaining] >= score_threshold]
    if not keep:
        return remaining.new_zeros(0), scores.new_zeros(0)
    return torch.stack(keep), torch.stack(kept_scores)


def soft_nms_instances(
    result: Instances, iou_threshold: float = 0.3, score_threshold: float = 0.01
) -> Instances:
    """Per-class linear Soft-NMS of a detection result (pred_boxes, scores, pred_classes), sorted
    by decayed score."""
    boxes, scores, classes = result.pred_boxes.tensor, result.scores, result.pred_classes
    idx, new_scores = [], []
    for c in classes.unique():
        members = (classes == c).nonzero(as_tuple=True)[0]
        k, s = soft_nms_linear(boxes[members], scores[members], iou_threshold, score_threshold)
        idx.append(members[k])
        new_scores.append(s)
    out = Instances(result.image_size)
    if not idx:
        return result[:0]
    idx, new_scores = torch.cat(idx), torch.cat(new_scores)
    order = new_scores.argsort(descending=True)
    idx, new_scores = idx[order], new_scores[order]
    out.pred_boxes = Boxes(boxes[idx])
    out.scores = new_scores
    out.pred_classes = classes[idx]
    return out
