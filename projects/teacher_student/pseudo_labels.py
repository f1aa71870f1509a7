"""Pseudo-label quality against hidden ground truth (precision/recall at IoU 0.5, boxes per
image)."""

from typing import List, Optional, Tuple

import torch
from detectron2.structures import Boxes, Instances, pairwise_iou

from .box_projection import boxes_between_views

__all__ = [
    "match_pseudo_labels",
    "matched_ground_truth",
    "greedy_match",
    "log_pseudo_label_quality",
    "pseudo_label_snapshot",
]


def _boxes_and_classes(instances: Instances) -> Tuple[Boxes, torch.Tensor]:
    if instances.has("gt_boxes"):
        return instances.gt_boxes, instances.gt_classes
    return instances.pred_boxes, instances.pred_classes


def match_pseudo_labels(
    pred_boxes: Boxes,
    pred_classes: torch.Tensor,
    gt_boxes: Boxes,
    gt_classes: torch.Tensor,
    pred_scores: torch.Tensor = None,
    iou_threshold: float = 0.5,
) -> int:
    """
    Greedy one-to-one matching (highest score first) of predictions to same-class ground truth
    with IoU >= iou_threshold.

    Args:
        pred_boxes: (P,) boxes; pred_classes: (P,) int64; pred_scores: (P,) or None (input order).
        gt_boxes: (G,) boxes; gt_classes: (G,) int64.

    Returns:
        number of true positives (precision = tp / P, recall = tp / G).
    """
    return int(
        matched_ground_truth(
            pred_boxes, pred_classes, gt_boxes, gt_classes, pred_scores, iou_threshold
        ).sum()
    )


def matched_ground_truth(
    pred_boxes: Boxes,
    pred_classes: torch.Tensor,
    gt_boxes: Boxes,
    gt_classes: torch.Tensor,
    pred_scores: torch.Tensor = None,
    iou_threshold: float = 0.5,
) -> torch.Tensor:
    """(G,) bool: which ground-truth boxes the matching of :func:`match_pseudo_labels` found
    (per-class true positives are then `bincount(gt_classes[mask])`)."""
    return greedy_match(pred_boxes, pred_classes, gt_boxes, gt_classes, pred_scores, iou_threshold)[
        1
    ]


def greedy_match(
    pred_boxes: Boxes,
    pred_classes: torch.Tensor,
    gt_boxes: Boxes,
    gt_classes: torch.Tensor,
    pred_scores: torch.Tensor = None,
    iou_threshold: float = 0.5,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """The matching of :func:`match_pseudo_labels` (highest score first, same class, IoU >=
    `iou_threshold`, one-to-one). Returns ((P,) bool: prediction matched, (G,) bool: ground truth
    matched)."""
    matched = torch.zeros(len(pred_boxes), dtype=torch.bool, device=pred_classes.device)
    taken = torch.zeros(len(gt_boxes), dtype=torch.bool, device=gt_boxes.tensor.device)
    if len(pred_boxes) == 0 or len(gt_boxes) == 0:
        return matched, taken
    iou = pairwise_iou(pred_boxes, gt_boxes.to(pred_boxes.device))  # (P, G)
    iou[pred_classes[:, None] != gt_classes.to(iou.device)[None, :]] = -1.0
    order = (
        torch.argsort(pred_scores, descending=True)
        if pred_scores is not None
        else torch.arange(len(pred_boxes))
    )
    taken = taken.to(iou.device)
    for p in order.tolist():
        row = iou[p].masked_fill(taken, -1.0)
        best = int(row.argmax())
        if row[best] >= iou_threshold:
            taken[best] = True
            matched[p] = True
    return matched, taken


def log_pseudo_label_quality(
    storage,
    pseudo: List[Instances],
    unlabeled: List[dict],
    view: str,
    num_classes: Optional[int] = None,
):
    """
    Put "pseudo_label/boxes_per_image" and, where `unlabeled[i][view]` has "instances" (hidden
    ground truth in view coordinates), "pseudo_label/precision@0.5" and
    "pseudo_label/recall@0.5" for this batch into the EventStorage. With `num_classes`, also
    per class k: "pseudo_label/class_<k>/boxes_per_image" and, with hidden ground truth,
    "pseudo_label/class_<k>/recall@0.5" (where the batch has objects of class k).
    """
    num_pred = sum(len(p) for p in pseudo)
    storage.put_scalar("pseudo_label/boxes_per_image", num_pred / max(len(pseudo), 1))
    k = num_classes or 0
    pred_per_class = torch.zeros(k, dtype=torch.long)
    tp_per_class = torch.zeros(k, dtype=torch.long)
    gt_per_class = torch.zeros(k, dtype=torch.long)
    tp = num_gt = num_pred_with_gt = 0
    for inst, item in zip(pseudo, unlabeled):
        boxes, classes = _boxes_and_classes(inst)
        if k:
            pred_per_class += torch.bincount(classes.cpu(), minlength=k)[:k]
        if "instances" not in item[view]:
            continue
        gt = item[view]["instances"]
        scores = inst.scores if inst.has("scores") else None
        found = matched_ground_truth(boxes, classes, gt.gt_boxes, gt.gt_classes, scores)
        tp += int(found.sum())
        num_gt += len(gt)
        num_pred_with_gt += len(inst)
        if k:
            gt_classes = gt.gt_classes.cpu()
            tp_per_class += torch.bincount(gt_classes[found.cpu()], minlength=k)[:k]
            gt_per_class += torch.bincount(gt_classes, minlength=k)[:k]
    if num_pred_with_gt > 0:
        storage.put_scalar("pseudo_label/precision@0.5", tp / num_pred_with_gt)
    if num_gt > 0:
        storage.put_scalar("pseudo_label/recall@0.5", tp / num_gt)
    for c in range(k):
        storage.put_scalar(
            f"pseudo_label/class_{c}/boxes_per_image", pred_per_class[c].item() / len(pseudo)
        )
        if gt_per_class[c] > 0:
            storage.put_scalar(
                f"pseudo_label/class_{c}/recall@0.5", (tp_per_class[c] / gt_per_class[c]).item()
            )


def pseudo_label_snapshot(pseudo: Instances, item: dict, view: str, image_format: str) -> dict:
    """
    What the visualizer draws for one image: its `view` image and pseudo boxes, and (when the item
    has a "strong" view) the strong image with the boxes projected into it. Tensors are CPU copies.
    """
    boxes, classes = _boxes_and_classes(pseudo)
    boxes = boxes.tensor.detach().cpu()
    snap = {
        "image_format": image_format,
        "views": {view: (item[view]["image"].cpu(), boxes, classes.cpu())},
    }
    if view != "strong" and "strong" in item:
        strong = item["strong"]
        projected = boxes_between_views(boxes, item[view], strong)
        snap["views"]["strong"] = (strong["image"].cpu(), projected, classes.cpu())
    return snap
