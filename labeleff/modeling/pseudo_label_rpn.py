"""A Detectron2 RPN with what teacher-student methods need beyond `forward`: proposals without
ground truth in training mode (MIC's target-side domain classifier) and objectness losses against
pseudo-labels with per-anchor weights (MIC's quality weights). Registered in Detectron2's
`PROPOSAL_GENERATOR_REGISTRY`; forward, parameters and checkpoints are `RPN`'s.

Both methods run `RPN.forward` itself (anchors, head, reshaping, sampling, proposals) and only
change what its two loss hooks, `label_and_sample_anchors` and `losses`, do during that call."""

import contextlib
from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from detectron2.layers import cat
from detectron2.modeling import PROPOSAL_GENERATOR_REGISTRY
from detectron2.modeling.proposal_generator import RPN
from detectron2.structures import Boxes, ImageList, Instances, pairwise_iou

from .pseudo_label_roi_heads import require_student_part

__all__ = ["PseudoLabelRPN", "weighted_objectness_loss", "check_pseudo_label_rpn"]

# (objectness logits (M,), labels (M,) in {0, 1}, matched pseudo-box scores (M,) or None) -> (M,)
AnchorWeights = Callable[[torch.Tensor, torch.Tensor, Optional[torch.Tensor]], torch.Tensor]


def weighted_objectness_loss(
    logits: torch.Tensor, labels: torch.Tensor, weights: torch.Tensor, normalizer: float
) -> torch.Tensor:
    """sum_j w_j BCE(logit_j, label_j) / normalizer over sampled anchors (M,) -> scalar;
    `normalizer` is Detectron2's, batch_size_per_image x images."""
    bce = F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype), reduction="none")
    return (weights * bce).sum() / normalizer


class _PseudoLabelLoss:
    """What `losses` needs during one `pseudo_label_losses` call."""

    def __init__(self, targets, anchor_weights, with_scores, box_reg):
        self.targets = targets
        self.anchor_weights = anchor_weights
        self.with_scores = with_scores
        self.box_reg = box_reg


_NO_LOSS = object()  # `proposals`: neither matching nor losses


@PROPOSAL_GENERATOR_REGISTRY.register()
class PseudoLabelRPN(RPN):
    """`RPN` plus `proposals` (no ground truth, current train/eval top-k) and
    `pseudo_label_losses` (per-anchor weighted objectness, optional box regression)."""

    _loss_mode = None  # None: RPN's own losses

    @contextlib.contextmanager
    def _mode(self, mode):
        self._loss_mode = mode
        try:
            yield
        finally:
            self._loss_mode = None

    def proposals(self, images: ImageList, features: Dict[str, torch.Tensor]) -> List[Instances]:
        """The proposals `forward` makes, without ground truth or losses, in either mode."""
        with self._mode(_NO_LOSS):
            proposals, _ = self.forward(images, features, [])
        return proposals

    def pseudo_label_losses(
        self,
        images: ImageList,
        features: Dict[str, torch.Tensor],
        targets: List[Instances],
        anchor_weights: AnchorWeights,
        with_scores: bool = False,
        box_reg: bool = False,
    ) -> Tuple[Dict[str, torch.Tensor], List[Instances]]:
        """Objectness loss sum_j w_j BCE_j / (batch_size_per_image x N) over the anchors sampled
        against `targets` (per image `gt_boxes`, and `gt_scores` if `with_scores`), with
        w = `anchor_weights(logits, labels, scores)`: `scores` are the matched pseudo boxes'
        `gt_scores` (None unless `with_scores`). `box_reg` adds Detectron2's `loss_rpn_loc`.
        Returns ({"loss_rpn_cls", ["loss_rpn_loc"]}, proposals for the ROI heads)."""
        with self._mode(_PseudoLabelLoss(targets, anchor_weights, with_scores, box_reg)):
            proposals, losses = self.forward(images, features, targets)
        return losses, proposals

    def label_and_sample_anchors(self, anchors: List[Boxes], gt_instances: List[Instances]):
        if self._loss_mode is _NO_LOSS:
            return None, None
        return super().label_and_sample_anchors(anchors, gt_instances)

    def losses(self, anchors, pred_objectness_logits, gt_labels, pred_anchor_deltas, gt_boxes):
        mode = self._loss_mode
        if mode is None:
            return super().losses(
                anchors, pred_objectness_logits, gt_labels, pred_anchor_deltas, gt_boxes
            )
        if mode is _NO_LOSS:
            return {}
        labels = torch.stack(gt_labels)  # (N, M): 1 object, 0 background, -1 not sampled
        valid = labels >= 0
        logits = cat(pred_objectness_logits, dim=1)[valid]
        scores = self._matched_scores(anchors, mode.targets)[valid] if mode.with_scores else None
        weights = mode.anchor_weights(logits, labels[valid], scores)
        normalizer = self.batch_size_per_image * len(gt_labels)
        out = {
            "loss_rpn_cls": weighted_objectness_loss(logits, labels[valid], weights, normalizer)
            * self.loss_weight.get("loss_rpn_cls", 1.0)
        }
        if mode.box_reg:
            out["loss_rpn_loc"] = super().losses(
                anchors, pred_objectness_logits, gt_labels, pred_anchor_deltas, gt_boxes
            )["loss_rpn_loc"]
        return out

    @torch.no_grad()
    def _matched_scores(self, anchors: List[Boxes], targets: List[Instances]) -> torch.Tensor:
        """(N, M) `gt_scores` of the pseudo box each anchor is matched to (1 without boxes)."""
        all_anchors = Boxes.cat(anchors)
        out = []
        for t in targets:
            if len(t) == 0:
                out.append(torch.ones(len(all_anchors), device=all_anchors.device))
                continue
            matched, _ = self.anchor_matcher(pairwise_iou(t.gt_boxes, all_anchors))
            out.append(t.gt_scores[matched])
        return torch.stack(out)


def check_pseudo_label_rpn(detector: torch.nn.Module, method: str) -> None:
    """`detector.proposal_generator` must be a `PseudoLabelRPN` (see `require_student_part`)."""
    needed = "labeleff.modeling.PseudoLabelRPN"
    require_student_part(detector, "proposal_generator", PseudoLabelRPN, method, needed)
