"""Multi-scale + flip testing of RefineDet: the official scale set and size bands, box voting."""

from typing import Dict, List, Optional, Tuple

import torch


def _iou_with_first(boxes: torch.Tensor) -> torch.Tensor:
    """IoU of boxes[0] with every box, in the official test code's pixel convention (+1 on widths
    and heights, as `bbox_vote` in RefineDet's test/lib/fast_rcnn/test.py). boxes: (M, 4) -> (M,).
    """
    area = (boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)
    lt = torch.maximum(boxes[0, :2], boxes[:, :2])
    rb = torch.minimum(boxes[0, 2:], boxes[:, 2:])
    wh = (rb - lt + 1).clamp(min=0)
    inter = wh[:, 0] * wh[:, 1]
    return inter / (area[0] + area - inter)


def _vote(
    boxes: torch.Tensor,
    scores: torch.Tensor,
    iou_threshold: float,
    soft_score_threshold: Optional[float],
) -> Tuple[torch.Tensor, torch.Tensor]:
    order = torch.argsort(scores, descending=True)
    boxes, scores = boxes[order], scores[order]
    out_boxes, out_scores = [], []
    while boxes.shape[0] > 0:
        iou = _iou_with_first(boxes)
        group = iou >= iou_threshold
        g_boxes, g_scores, g_iou = boxes[group], scores[group], iou[group]
        boxes, scores = boxes[~group], scores[~group]
        if g_boxes.shape[0] == 1:
            out_boxes.append(g_boxes)
            out_scores.append(g_scores)
            continue
        if soft_score_threshold is not None:
            # Soft variant: members also survive with score x (1 - IoU) (the top box gets 0).
            soft = g_scores * (1 - g_iou)
            kept = soft >= soft_score_threshold
            out_boxes.append(g_boxes[kept])
            out_scores.append(soft[kept])
        weights = g_scores.unsqueeze(1)
        out_boxes.append((g_boxes * weights).sum(0, keepdim=True) / weights.sum())
        out_scores.append(g_scores.max().view(1))
    if not out_boxes:
        return boxes, scores
    boxes, scores = torch.cat(out_boxes), torch.cat(out_scores)
    order = torch.argsort(scores, descending=True, stable=True)
    return boxes[order], scores[order]


def bbox_vote(
    boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float = 0.45
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Box voting (official VOC multi-scale merge) for boxes of one class.

    boxes: (M, 4) XYXY, scores: (M,). Repeatedly takes the highest-scoring box and its group
    (IoU >= iou_threshold, itself included); a group of one is kept as is, a larger group becomes
    one box with score-weighted mean coordinates and the group's max score.
    Returns (boxes (K, 4), scores (K,)) sorted by decreasing score.
    """
    return _vote(boxes, scores, iou_threshold, None)


def soft_bbox_vote(
    boxes: torch.Tensor,
    scores: torch.Tensor,
    iou_threshold: float = 0.45,
    score_threshold: float = 0.01,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Soft box voting (official COCO multi-scale merge): as `bbox_vote`, and each member of a
    group of two or more is also kept with score x (1 - IoU with the group's top box) when that
    is >= score_threshold (the official cfg.confidence_threshold, 0.01).
    Returns (boxes (K, 4), scores (K,)) sorted by decreasing score."""
    return _vote(boxes, scores, iou_threshold, score_threshold)


def official_test_scales(input_size: int = 320, coco: bool = False) -> List[Dict]:
    """The official multi-scale test of RefineDet (multi_scale_test_net_320/512), each scale run on
    the image and its horizontal flip.

    Each entry: `size` (square side in pixels), `short` (if set: the image's shorter side is
    resized to this and the longer to `size`, the official im_detect_ratio), and the size band of
    boxes kept, in original-image pixels with the official +1: `max_side_above` (keep boxes whose
    longer side + 1 > value) and `min_side_below` (keep boxes whose shorter side + 1 < value).
    Other input sizes (small CPU configs, not in the official code) use the 320 factors with the
    size bands scaled by input_size / 320.
    """
    s = input_size
    band = 1.0 if input_size in (320, 512) else input_size / 320

    def scale(f, short=None, max_side_above=None, min_side_below=None):
        return dict(
            size=int(f * s),
            short=None if short is None else int(short * s),
            max_side_above=None if max_side_above is None else max_side_above * band,
            min_side_below=None if min_side_below is None else min_side_below * band,
        )

    if input_size != 512:
        scales = [
            scale(1.0),
            scale(1.0, short=0.6),
            scale(0.6, max_side_above=32),  # shrink: only big objects
            scale(1.2, min_side_below=160),  # enlarge: only small objects
            scale(1.4, min_side_below=128),
            scale(1.6, min_side_below=96),
            scale(1.8, min_side_below=64),
            scale(2.2, min_side_below=32),
        ]
        if coco:
            scales.append(scale(2.0, min_side_below=48))
    else:
        scales = [
            scale(1.0),
            scale(1.0, short=0.75),
            scale(0.5),
            scale(0.75),
            scale(1.75, min_side_below=128),
            scale(1.5, min_side_below=192),
        ]
        if coco:
            scales += [
                scale(1.25, min_side_below=224),
                scale(2.0, min_side_below=96),
                scale(2.25, min_side_below=64),
            ]
    return scales


def scale_image_size(spec: Dict, height: int, width: int) -> Tuple[int, int]:
    """(height, width) the image is resized to for one scale entry of `official_test_scales`."""
    size, short = spec["size"], spec.get("short")
    if short is None:
        return size, size
    # Official im_detect_ratio: targets (size, short) swapped when the image is landscape.
    return (short, size) if height < width else (size, short)


def size_band_mask(boxes: torch.Tensor, spec: Dict) -> torch.Tensor:
    """(M, 4) boxes in original-image pixels -> (M,) bool: inside the scale's size band."""
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    keep = torch.ones(boxes.shape[0], dtype=torch.bool, device=boxes.device)
    if spec.get("max_side_above") is not None:
        keep &= torch.maximum(w, h) > spec["max_side_above"]
    if spec.get("min_side_below") is not None:
        keep &= torch.minimum(w, h) < spec["min_side_below"]
    return keep
