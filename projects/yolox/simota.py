"""SimOTA label assignment of YOLOX as pure functions (no model state)."""

from typing import NamedTuple

import torch
from detectron2.structures import Boxes, pairwise_iou


class SimOTAAssignment(NamedTuple):
    """fg_mask (A,) bool; matched_gt (F,) long index into the GTs of each foreground point, in
    point order; matched_iou (F,) IoU of that point's predicted box with its GT."""

    fg_mask: torch.Tensor
    matched_gt: torch.Tensor
    matched_iou: torch.Tensor


def candidate_points(gt_boxes, grid, strides, center_radius=1.5, mode="center"):
    """Which points may match which GT (the geometric prior of SimOTA).

    A point's position is its cell centre (grid + 0.5) * stride.
    - mode "center" (current official code): inside the square of half-side
      center_radius * stride around the GT centre.
    - mode "box_or_center" (the paper / first release, use center_radius=2.5): a point is a
      candidate if inside any GT box or any centre square; only points inside both the box and
      the centre square of a GT escape the cost penalty for that GT.

    Args:
        gt_boxes (G, 4) XYXY; grid (A, 2); strides (A,).
    Returns:
        candidates (A,) bool: points that enter the cost matrix;
        in_prior (G, C) bool over the C candidates: the pair is inside the prior.
    """
    centres = (grid + 0.5) * strides.unsqueeze(-1)  # (A, 2)
    gt_centres = (gt_boxes[:, :2] + gt_boxes[:, 2:]) / 2  # (G, 2)
    dist = (centres[None] - gt_centres[:, None]).abs()  # (G, A, 2)
    in_centre = (dist < center_radius * strides[None, :, None]).all(-1)  # (G, A)
    if mode == "center":
        candidates = in_centre.any(0)
        return candidates, in_centre[:, candidates]
    if mode == "box_or_center":
        in_box = (
            (centres[None] > gt_boxes[:, None, :2]) & (centres[None] < gt_boxes[:, None, 2:])
        ).all(-1)
        candidates = in_box.any(0) | in_centre.any(0)
        return candidates, (in_box & in_centre)[:, candidates]
    raise ValueError(f"SimOTA candidate mode {mode!r}: expected 'center' or 'box_or_center'")


def classification_cost(cls_logits, obj_logits, gt_classes):
    """BCE of sqrt(sigmoid(cls) * sigmoid(obj)) against the one-hot GT class, summed over classes.

    Args:
        cls_logits (C, K); obj_logits (C,); gt_classes (G,) long.
    Returns:
        (G, C) cost.
    """
    p = (cls_logits.float().sigmoid() * obj_logits.float().sigmoid().unsqueeze(-1)).sqrt()
    # BCE clamps its logs at -100, as torch's binary_cross_entropy does.
    log_p = torch.log(p).clamp(min=-100)
    log_not_p = torch.log1p(-p).clamp(min=-100)
    all_negative = -log_not_p.sum(-1)  # (C,)
    positive_fix = -log_p[:, gt_classes] + log_not_p[:, gt_classes]  # (C, G)
    return (all_negative.unsqueeze(-1) + positive_fix).T


def dynamic_k_matching(cost, ious, topk_iou=10):
    """Each GT takes its k lowest-cost points, k = max(1, int(sum of its top-`topk_iou` IoUs));
    a point claimed by several GTs keeps only the GT of lowest cost.

    Args:
        cost (G, C); ious (G, C).
    Returns:
        matching (G, C) bool with at most one True per column.
    """
    num_gt, num_points = cost.shape
    top_ious = ious.topk(min(topk_iou, num_points), dim=1).values
    dynamic_ks = top_ious.sum(1).int().clamp(min=1).tolist()
    matching = torch.zeros_like(cost, dtype=torch.bool)
    for g, k in enumerate(dynamic_ks):
        matching[g, cost[g].topk(min(k, num_points), largest=False).indices] = True
    shared = matching.sum(0) > 1
    if shared.any():
        matching[:, shared] = False
        matching[cost[:, shared].argmin(0), shared.nonzero().squeeze(1)] = True
    return matching


@torch.no_grad()
def simota_assign(
    pred_boxes,
    cls_logits,
    obj_logits,
    grid,
    strides,
    gt_boxes,
    gt_classes,
    center_radius=1.5,
    mode="center",
    iou_weight=3.0,
    outside_cost=1e6,
    topk_iou=10,
):
    """SimOTA for one image.

    cost = BCE(sqrt(cls * obj), onehot) + iou_weight * -log(IoU) + outside_cost * (outside prior)

    Args:
        pred_boxes (A, 4) XYXY decoded predictions; cls_logits (A, K); obj_logits (A,);
        grid (A, 2); strides (A,); gt_boxes (G, 4) XYXY; gt_classes (G,) long.
    Returns:
        SimOTAAssignment.
    """
    num_points = pred_boxes.shape[0]
    candidates, in_prior = candidate_points(gt_boxes, grid, strides, center_radius, mode)
    fg_mask = torch.zeros(num_points, dtype=torch.bool, device=pred_boxes.device)
    if len(gt_boxes) == 0 or not candidates.any():
        empty = torch.zeros(0, device=pred_boxes.device)
        return SimOTAAssignment(fg_mask, empty.long(), empty)

    ious = pairwise_iou(Boxes(gt_boxes.float()), Boxes(pred_boxes[candidates].float()))  # (G, C)
    cost = (
        classification_cost(cls_logits[candidates], obj_logits[candidates], gt_classes)
        + iou_weight * -torch.log(ious + 1e-8)
        + outside_cost * (~in_prior).float()
    )
    matching = dynamic_k_matching(cost, ious, topk_iou)
    matched_cols = matching.any(0)
    fg_mask[candidates.nonzero().squeeze(1)[matched_cols]] = True
    matched_gt = matching[:, matched_cols].float().argmax(0)
    matched_iou = ious[:, matched_cols].gather(0, matched_gt.unsqueeze(0)).squeeze(0)
    return SimOTAAssignment(fg_mask, matched_gt, matched_iou)
