"""How a detector's scores separate true objects from false ones, per class, against ground truth:
the evidence for choosing pseudo-label thresholds (tools/teacher_scores.py)."""

from typing import Dict, List, Sequence

import torch
from detectron2.structures import Boxes

from .pseudo_labels import matched_ground_truth

__all__ = ["ScoreTally", "DEFAULT_THRESHOLDS"]

DEFAULT_THRESHOLDS = (0.3, 0.5, 0.7, 0.9)


class ScoreTally:
    """Accumulates, per class, the scores of true-positive and false-positive detections
    (greedy same-class matching at IoU >= `iou_threshold`, highest score first) and the number of
    ground-truth boxes, over images.

    Recall at threshold t = #TP with score > t / #GT (each ground-truth box matched at most once,
    among the detections above t: the matching is redone per threshold).
    """

    def __init__(
        self,
        num_classes: int,
        thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
        iou_threshold: float = 0.5,
    ):
        self.num_classes = num_classes
        self.thresholds = tuple(thresholds)
        self.iou_threshold = iou_threshold
        self.tp_scores: List[List[float]] = [[] for _ in range(num_classes)]
        self.fp_scores: List[List[float]] = [[] for _ in range(num_classes)]
        self.num_gt = [0] * num_classes
        self.tp_at = [[0] * len(self.thresholds) for _ in range(num_classes)]
        self.det_at = [[0] * len(self.thresholds) for _ in range(num_classes)]
        self.images = 0

    def add(
        self,
        boxes: torch.Tensor,
        classes: torch.Tensor,
        scores: torch.Tensor,
        gt_boxes: torch.Tensor,
        gt_classes: torch.Tensor,
    ) -> None:
        """One image: detections (P, 4) XYXY / (P,) / (P,), ground truth (G, 4) / (G,), same
        coordinates."""
        self.images += 1
        gt_classes = gt_classes.long()
        classes = classes.long()
        for k in range(self.num_classes):
            self.num_gt[k] += int((gt_classes == k).sum())
        tp = self._true_positives(boxes, classes, scores, gt_boxes, gt_classes)
        for k in range(self.num_classes):
            in_k = classes == k
            self.tp_scores[k] += scores[in_k & tp].tolist()
            self.fp_scores[k] += scores[in_k & ~tp].tolist()
        for j, t in enumerate(self.thresholds):
            keep = scores > t
            found = matched_ground_truth(
                Boxes(boxes[keep]),
                classes[keep],
                Boxes(gt_boxes),
                gt_classes,
                scores[keep],
                self.iou_threshold,
            )
            for k in range(self.num_classes):
                self.tp_at[k][j] += int(found[gt_classes == k].sum())
                self.det_at[k][j] += int((classes[keep] == k).sum())

    def _true_positives(self, boxes, classes, scores, gt_boxes, gt_classes) -> torch.Tensor:
        """(P,) bool: detection matched one-to-one to a same-class ground-truth box."""
        from detectron2.structures import pairwise_iou

        tp = torch.zeros(len(boxes), dtype=torch.bool)
        if len(boxes) == 0 or len(gt_boxes) == 0:
            return tp
        iou = pairwise_iou(Boxes(boxes), Boxes(gt_boxes))
        iou[classes[:, None] != gt_classes[None, :]] = -1.0
        taken = torch.zeros(len(gt_boxes), dtype=torch.bool)
        for p in torch.argsort(scores, descending=True).tolist():
            row = iou[p].masked_fill(taken, -1.0)
            best = int(row.argmax())
            if row[best] >= self.iou_threshold:
                taken[best] = True
                tp[p] = True
        return tp

    def histogram(self, k: int, bins: int = 10) -> Dict[str, List[int]]:
        """Counts of TP and FP scores of class k in `bins` equal bins over [0, 1]."""

        def hist(values):
            return (
                torch.histc(torch.tensor(values or [0.0]), bins=bins, min=0.0, max=1.0)
                .long()
                .tolist()
                if values
                else [0] * bins
            )

        return {"tp": hist(self.tp_scores[k]), "fp": hist(self.fp_scores[k])}

    def summary(self, class_names: Sequence[str] = ()) -> Dict[str, dict]:
        """Per class: number of ground-truth boxes, median TP / FP score, and at each threshold
        detections per image, precision and recall."""
        out = {}
        for k in range(self.num_classes):
            name = class_names[k] if k < len(class_names) else str(k)
            tp, fp = self.tp_scores[k], self.fp_scores[k]
            row = {
                "gt": self.num_gt[k],
                "gt_per_image": self.num_gt[k] / max(self.images, 1),
                "median_tp_score": float(torch.tensor(tp).median()) if tp else None,
                "median_fp_score": float(torch.tensor(fp).median()) if fp else None,
                "histogram": self.histogram(k),
                "tp_scores": [round(v, 4) for v in tp],
                "fp_scores": [round(v, 4) for v in fp],
            }
            for j, t in enumerate(self.thresholds):
                det, hit = self.det_at[k][j], self.tp_at[k][j]
                row[f"@{t}"] = {
                    "per_image": det / max(self.images, 1),
                    "precision": hit / det if det else None,
                    "recall": hit / self.num_gt[k] if self.num_gt[k] else None,
                }
            out[name] = row
        return out
