"""YOLOX losses as pure functions: box regression choice (iou / giou / ciou) and the total loss."""

from typing import Dict, Optional

import torch
import torch.nn.functional as F
from detectron2.layers.losses import ciou_loss
from fvcore.nn import giou_loss

BOX_LOSSES = ("iou", "giou", "ciou")


def iou_loss(pred_boxes: torch.Tensor, target_boxes: torch.Tensor, eps: float = 1e-16):
    """Official YOLOX IoU loss 1 - IoU^2. Disjoint boxes have zero intersection and so zero
    gradient (the motivation for `ciou` on tiny objects).

    Args:
        pred_boxes, target_boxes (N, 4) XYXY.
    Returns:
        (N,) loss.
    """
    top_left = torch.max(pred_boxes[:, :2], target_boxes[:, :2])
    bottom_right = torch.min(pred_boxes[:, 2:], target_boxes[:, 2:])
    inter = (bottom_right - top_left).clamp(min=0).prod(-1)
    area_pred = (pred_boxes[:, 2:] - pred_boxes[:, :2]).prod(-1)
    area_target = (target_boxes[:, 2:] - target_boxes[:, :2]).prod(-1)
    iou = inter / (area_pred + area_target - inter + eps)
    return 1 - iou**2


def box_regression_loss(pred_boxes, target_boxes, loss_type: str = "iou"):
    """(N, 4), (N, 4) XYXY -> (N,) loss; `giou` is fvcore's, `ciou` Detectron2's."""
    if loss_type == "iou":
        return iou_loss(pred_boxes, target_boxes)
    if loss_type == "giou":
        return giou_loss(pred_boxes, target_boxes, reduction="none")
    if loss_type == "ciou":
        return ciou_loss(pred_boxes, target_boxes, reduction="none")
    raise ValueError(f"Unknown YOLOX box loss {loss_type!r}; expected one of {BOX_LOSSES}")


def yolox_losses(
    cls_logits: torch.Tensor,
    obj_logits: torch.Tensor,
    pred_boxes: torch.Tensor,
    fg_mask: torch.Tensor,
    cls_targets: torch.Tensor,
    box_targets: torch.Tensor,
    box_loss_type: str = "iou",
    box_loss_weight: float = 5.0,
    box_deltas: Optional[torch.Tensor] = None,
    l1_targets: Optional[torch.Tensor] = None,
) -> Dict[str, torch.Tensor]:
    """YOLOX training losses over a batch, each normalised by the number of foreground points.

    Args:
        cls_logits (P, K), obj_logits (P,), pred_boxes (P, 4) XYXY: all P points of the batch.
        fg_mask (P,) bool, F = fg_mask.sum().
        cls_targets (F, K): one-hot GT class times IoU of the prediction with its GT.
        box_targets (F, 4) XYXY.
        box_deltas (P, 4), l1_targets (F, 4): raw regression outputs and their targets; the L1
            loss is computed (key `loss_l1`) only when both are given (last epochs of YOLOX).
    Returns:
        {"loss_cls", "loss_obj", "loss_box"[, "loss_l1"]}.
    """
    num_fg = max(int(fg_mask.sum()), 1)
    loss_obj = F.binary_cross_entropy_with_logits(
        obj_logits, fg_mask.to(obj_logits.dtype), reduction="sum"
    )
    loss_cls = F.binary_cross_entropy_with_logits(
        cls_logits[fg_mask], cls_targets.to(cls_logits.dtype), reduction="sum"
    )
    loss_box = box_regression_loss(pred_boxes[fg_mask], box_targets, box_loss_type).sum()
    losses = {
        "loss_cls": loss_cls / num_fg,
        "loss_obj": loss_obj / num_fg,
        "loss_box": box_loss_weight * loss_box / num_fg,
    }
    if box_deltas is not None and l1_targets is not None:
        losses["loss_l1"] = F.l1_loss(box_deltas[fg_mask], l1_targets, reduction="sum") / num_fg
    return losses
