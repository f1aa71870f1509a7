"""Anchor-to-ground-truth matching of RefineDet (Caffe MultiBoxLoss, match_type PER_PREDICTION)."""

from typing import Optional, Tuple

import torch
from detectron2.modeling.box_regression import Box2BoxTransform
from detectron2.structures import Boxes, pairwise_iou


def bipartite_best_anchors(iou: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Greedy bipartite matching of Caffe's MatchBBox: repeatedly pair the (gt, anchor) with the
    highest IoU among unpaired ones, skipping pairs with IoU 0.

    iou: (G, R). Returns (gt_indices, anchor_indices), each (K,), K <= G.
    Equivalent to the one-pair-at-a-time greedy: every round, a GT whose best free anchor is
    wanted by no other GT takes it (no other choice changes), and for a contested anchor the GT
    with the highest IoU wins.
    """
    iou = iou.clone()
    gts, anchors = [], []
    remaining = torch.ones(iou.shape[0], dtype=torch.bool, device=iou.device)
    while bool(remaining.any()):
        best_iou, best_anchor = iou.max(dim=1)
        valid = remaining & (best_iou > 0)
        if not bool(valid.any()):
            break
        g_idx = valid.nonzero().squeeze(1)
        # For each contested anchor, keep the GT with the highest IoU (first on ties).
        order = torch.argsort(best_iou[g_idx], descending=True, stable=True)
        g_idx = g_idx[order]
        a_idx = best_anchor[g_idx]
        first = torch.ones_like(a_idx, dtype=torch.bool)
        seen = set()
        for k, a in enumerate(a_idx.tolist()):
            first[k] = a not in seen
            seen.add(a)
        g_idx, a_idx = g_idx[first], a_idx[first]
        gts.append(g_idx)
        anchors.append(a_idx)
        remaining[g_idx] = False
        iou[g_idx, :] = -1
        iou[:, a_idx] = -1
    if not gts:
        empty = torch.zeros(0, dtype=torch.long, device=iou.device)
        return empty, empty
    return torch.cat(gts), torch.cat(anchors)


def match_anchors(
    gt_boxes: torch.Tensor, anchors: torch.Tensor, iou_threshold: float = 0.5
) -> torch.Tensor:
    """Assign each anchor a GT index or -1.

    gt_boxes: (G, 4) XYXY; anchors: (R, 4) XYXY. Returns (R,) long: the matched GT, -1 if none.
    Each GT first takes its best anchor (bipartite), then every other anchor takes its best GT if
    their IoU >= iou_threshold.
    """
    matched = torch.full((anchors.shape[0],), -1, dtype=torch.long, device=anchors.device)
    if gt_boxes.shape[0] == 0:
        return matched
    iou = pairwise_iou(Boxes(gt_boxes), Boxes(anchors))  # (G, R)
    best_iou, best_gt = iou.max(dim=0)
    above = best_iou >= iou_threshold
    matched[above] = best_gt[above]
    g_idx, a_idx = bipartite_best_anchors(iou)
    matched[a_idx] = g_idx
    return matched


def refine_match(
    gt_boxes: torch.Tensor,
    gt_classes: torch.Tensor,
    anchors: torch.Tensor,
    box_coder: Box2BoxTransform,
    arm_deltas: Optional[torch.Tensor] = None,
    iou_threshold: float = 0.5,
    background_label: int = -1,
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Targets for one image against the anchors (ARM) or the ARM-refined anchors (ODM).

    gt_boxes: (G, 4) XYXY with positive width and height; gt_classes: (G,) in [0, C);
    anchors: (R, 4) XYXY; arm_deltas: (R, 4) ARM offsets, or None to match the raw anchors.
    With arm_deltas the anchors are first decoded ("refined", without gradient), matched against
    the GTs, and the regression targets are encoded relative to the refined boxes (official
    CasRegFindMatches / CasRegEncodeLocPrediction).

    Returns labels (R,) long: the GT class, or `background_label` for unmatched anchors;
    deltas (R, 4): encoded GT for matched anchors (zeros elsewhere); the boxes matched against
    (R, 4): the refined anchors or the anchors.
    """
    if arm_deltas is not None:
        anchors = box_coder.apply_deltas(arm_deltas.detach(), anchors)
    matched = match_anchors(gt_boxes, anchors, iou_threshold)
    positive = matched >= 0
    labels = torch.full_like(matched, background_label)
    deltas = torch.zeros_like(anchors)
    if bool(positive.any()):
        labels[positive] = gt_classes[matched[positive]]
        deltas[positive] = box_coder.get_deltas(anchors[positive], gt_boxes[matched[positive]])
    return labels, deltas, anchors
