"""How a detector's scores separate true objects from false ones, per class, against ground truth:
the evidence for choosing pseudo-label thresholds (tools/teacher_scores.py)."""

from typing import Dict, List, Sequence

import torch
from detectron2.structures import Boxes

from .pseudo_labels import greedy_match

__all__ = ["ScoreTally", "DEFAULT_THRESHOLDS"]

DEFAULT_THRESHOLDS = (0.3, 0.5, 0.7, 0.9)


class ScoreTally:
    """Accumulates, per class, the scores of true-positive and false-positive detections
    (greedy same-class matching at IoU >= `iou_threshold`, highest score first) and the number of
    ground-truth boxes, over images.

    Greedy matching takes detections by score, so the matches among the detections above a
    threshold t are the matched detections scored above t: precision and recall at every t follow
    from the TP / FP scores (recall at t = #TP with score > t / #GT).
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
        tp, _ = greedy_match(
            Boxes(boxes), classes, Boxes(gt_boxes), gt_classes, scores, self.iou_threshold
        )
        for k in range(self.num_classes):
            in_k = classes == k
            self.tp_scores[k] += scores[in_k & tp].tolist()
            self.fp_scores[k] += scores[in_k & ~tp].tolist()

    def histogram(self, k: int, bins: int = 10) -> Dict[str, List[int]]:
        """Counts of TP and FP scores of class k in `bins` equal bins over [0, 1]."""

        def hist(values):
            if not values:
                return [0] * bins
            return torch.histc(torch.tensor(values), bins=bins, min=0.0, max=1.0).long().tolist()

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
            for t in self.thresholds:
                hit = sum(v > t for v in tp)
                det = hit + sum(v > t for v in fp)
                row[f"@{t}"] = {
                    "per_image": det / max(self.images, 1),
                    "precision": hit / det if det else None,
                    "recall": hit / self.num_gt[k] if self.num_gt[k] else None,
                }
            out[name] = row
        return out
