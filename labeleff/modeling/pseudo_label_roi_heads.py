"""Faster R-CNN box branches with what teacher-student methods need beyond `forward`: scoring and
class-specifically refining *given* boxes (Soft Teacher's soft background and box jittering) and
losses on proposals matched to pseudo-labels with per-proposal classification weights and their
own regression targets (Soft Teacher, MIC). Registered in Detectron2's `ROI_HEADS_REGISTRY`; the
forward pass, parameters and checkpoints are those of `StandardROIHeads` / `CascadeROIHeads`.

Cascade R-CNN: given boxes are scored and refined by the last stage; the losses run every stage
as Cascade's own training does (stage k's proposals are stage k-1's detached refinements,
matched at stage k's IoU) and are summed over stages."""

from typing import Callable, Dict, List, Optional

import torch
import torch.nn.functional as F
from detectron2.layers import cat
from detectron2.modeling import ROI_HEADS_REGISTRY
from detectron2.modeling.roi_heads import CascadeROIHeads, StandardROIHeads
from detectron2.structures import Boxes, Instances

__all__ = [
    "PseudoLabelBoxBranch",
    "PseudoLabelROIHeads",
    "PseudoLabelCascadeROIHeads",
    "weighted_cross_entropy",
    "check_pseudo_label_roi_heads",
]

# (stage, sampled proposals of that stage, their class logits (R, K + 1)) -> (R,) weights
ClsWeights = Callable[[int, List[Instances], torch.Tensor], torch.Tensor]


def weighted_cross_entropy(
    logits: torch.Tensor, gt_classes: torch.Tensor, weights: torch.Tensor, normalizer: str
) -> torch.Tensor:
    """sum_i w_i CE_i divided by max(sum_i w_i, 1) ("weight_sum": Soft Teacher) or by R ("mean":
    MIC). logits (R, K + 1), gt_classes (R,), weights (R,) -> scalar (0 with the graph if R = 0)."""
    if gt_classes.numel() == 0:
        return logits.sum() * 0.0
    ce = F.cross_entropy(logits, gt_classes, reduction="none")
    if normalizer == "weight_sum":
        return (weights * ce).sum() / weights.sum().clamp(min=1.0)
    if normalizer == "mean":
        return (weights * ce).mean()
    raise ValueError(f"normalizer must be 'weight_sum' or 'mean', got {normalizer!r}")


class PseudoLabelBoxBranch:
    """The pseudo-label methods of a box branch (the class methods check for); subclasses say
    where a stage's modules are (`_stage_parts(k)`, `num_stages`)."""

    num_stages = 1

    def _stage_parts(self, stage: int):
        """(box head, box predictor, proposal matcher) of `stage`."""
        raise NotImplementedError

    def _run(self, features: List[torch.Tensor], proposals: List[Instances], stage: int):
        """(class logits (R, K + 1), box deltas (R, K*4 or 4)) of `stage` on proposals."""
        head, predictor, _ = self._stage_parts(stage)
        x = self.box_pooler(features, [p.proposal_boxes for p in proposals])
        return predictor(head(x))

    def _features(self, features: Dict[str, torch.Tensor]) -> List[torch.Tensor]:
        return [features[f] for f in self.box_in_features]

    # ---------------------------------------------------------------- given boxes
    def box_features(self, features: Dict[str, torch.Tensor], boxes: List[Boxes]) -> torch.Tensor:
        """Box-head features (R, D) of given boxes (B lists of (Ri, 4)), last stage; R = sum Ri,
        images in order (MIC's instance-level domain classifier)."""
        head, _, _ = self._stage_parts(self.num_stages - 1)
        return head(self.box_pooler(self._features(features), boxes))

    def class_probs(self, features: Dict[str, torch.Tensor], boxes: List[Boxes]) -> torch.Tensor:
        """Softmax class probabilities (R, K + 1) of given boxes, background last (last stage)."""
        _, predictor, _ = self._stage_parts(self.num_stages - 1)
        logits, _ = predictor(self.box_features(features, boxes))
        return logits.softmax(dim=-1)

    def refine_boxes(
        self,
        features: Dict[str, torch.Tensor],
        boxes: List[Boxes],
        classes: List[torch.Tensor],
        image_sizes: List[tuple],
    ) -> List[Boxes]:
        """Each given box regressed by the last stage with the deltas of its own class
        (class-agnostic predictors: the one set), clipped to its image.

        Args:
            boxes: B Boxes (Ri, 4); classes: B int64 tensors (Ri,) in [0, K);
            image_sizes: B (h, w).
        Returns:
            B Boxes (Ri, 4).
        """
        _, predictor, _ = self._stage_parts(self.num_stages - 1)
        _, deltas = predictor(self.box_features(features, boxes))
        flat = cat([b.tensor for b in boxes])
        refined = predictor.box2box_transform.apply_deltas(deltas, flat)
        refined = refined.view(len(flat), deltas.shape[1] // 4, 4)  # (R, K or 1, 4)
        cls = cat(classes)
        if refined.shape[1] == 1:  # class-agnostic regression
            cls = torch.zeros_like(cls)
        refined = refined[torch.arange(len(flat), device=flat.device), cls]
        out = []
        for r, size in zip(refined.split([len(b) for b in boxes]), image_sizes):
            r = Boxes(r)
            r.clip(size)
            out.append(r)
        return out

    # ---------------------------------------------------------------- losses
    def _stage_proposals(self, stage, proposals, prev, targets):
        """The labelled proposals of `stage`: stage 0 samples the given proposals against
        `targets` (Detectron2's `label_and_sample_proposals`); later stages match the previous
        stage's refinements `prev`, detached by Cascade's `_create_proposals_from_boxes`."""
        if stage == 0:
            return self.label_and_sample_proposals(proposals, targets)
        return self._match_and_label_boxes(
            self._create_proposals_from_boxes(prev, [p.image_size for p in proposals]),
            stage,
            targets,
        )

    def _stages(self, features, proposals, targets):
        """Yield (stage, labelled proposals, class logits, box deltas) for every stage."""
        feats = self._features(features)
        prev = None
        for k in range(self.num_stages):
            sampled = self._stage_proposals(k, proposals, prev, targets)
            logits, deltas = self._run(feats, sampled, k)
            if k + 1 < self.num_stages:
                _, predictor, _ = self._stage_parts(k)
                prev = predictor.predict_boxes((logits, deltas), sampled)
            yield k, sampled, logits, deltas

    def pseudo_label_box_losses(
        self,
        features: Dict[str, torch.Tensor],
        proposals: List[Instances],
        cls_targets: Optional[List[Instances]] = None,
        reg_targets: Optional[List[Instances]] = None,
        cls_weights: Optional[ClsWeights] = None,
        cls_normalizer: str = "weight_sum",
        box_reg: bool = True,
    ) -> Dict[str, torch.Tensor]:
        """Box classification and regression losses of the student on RPN `proposals` (B
        Instances with `proposal_boxes`) matched to pseudo-labels (B Instances with `gt_boxes`,
        `gt_classes`; other fields, e.g. `gt_scores`, are carried onto the matched proposals).

        Args:
            cls_targets: the classification targets (None: no `loss_cls`);
                `cls_weights(stage, sampled, logits)` gives each sampled proposal's weight
                (default 1), `cls_normalizer` the division (`weighted_cross_entropy`).
            reg_targets: regression targets with a sampling of their own (Soft Teacher's
                reliable boxes); None regresses the classification sampling's foreground.
            box_reg: compute `loss_box_reg` at all.
        Returns:
            {["loss_cls"][, "loss_box_reg"]}: scalars summed over stages, times the predictor's
            `loss_weight`.
        """
        losses = {}
        reg_in_cls_pass = box_reg and reg_targets is None and cls_targets is not None
        if cls_targets is not None:
            losses["loss_cls"] = 0.0
        if reg_in_cls_pass:
            losses["loss_box_reg"] = 0.0
        for k, sampled, logits, deltas in (
            self._stages(features, proposals, cls_targets) if cls_targets is not None else ()
        ):
            _, predictor, _ = self._stage_parts(k)
            gt_classes = cat([s.gt_classes for s in sampled])
            weights = (
                torch.ones_like(gt_classes, dtype=logits.dtype)
                if cls_weights is None
                else cls_weights(k, sampled, logits)
            )
            loss = weighted_cross_entropy(logits, gt_classes, weights, cls_normalizer)
            losses["loss_cls"] = losses["loss_cls"] + loss * predictor.loss_weight.get(
                "loss_cls", 1.0
            )
            if reg_in_cls_pass:
                losses["loss_box_reg"] = losses["loss_box_reg"] + self._reg_loss(
                    predictor, sampled, deltas
                )
        if box_reg and reg_targets is not None:
            losses["loss_box_reg"] = 0.0
            for k, sampled, _, deltas in self._stages(features, proposals, reg_targets):
                _, predictor, _ = self._stage_parts(k)
                losses["loss_box_reg"] = losses["loss_box_reg"] + self._reg_loss(
                    predictor, sampled, deltas
                )
        return losses

    @staticmethod
    def _reg_loss(predictor, sampled: List[Instances], deltas: torch.Tensor) -> torch.Tensor:
        """Detectron2's box regression loss of the foreground proposals; images without targets
        carry no `gt_boxes` (all their proposals are background and not regressed)."""
        proposal_boxes = cat([s.proposal_boxes.tensor for s in sampled])
        gt_boxes = cat(
            [(s.gt_boxes if s.has("gt_boxes") else s.proposal_boxes).tensor for s in sampled]
        )
        gt_classes = cat([s.gt_classes for s in sampled])
        loss = predictor.box_reg_loss(proposal_boxes, gt_boxes, deltas, gt_classes)
        return loss * predictor.loss_weight.get("loss_box_reg", 1.0)

    def foreground_iou(self, stage: int = 0) -> float:
        """The IoU from which `stage`'s matcher calls a proposal foreground."""
        return self._stage_parts(stage)[2].thresholds[-2]


@ROI_HEADS_REGISTRY.register()
class PseudoLabelROIHeads(PseudoLabelBoxBranch, StandardROIHeads):
    """`StandardROIHeads` plus the pseudo-label methods (same forward, same parameters)."""

    def _stage_parts(self, stage: int):
        return self.box_head, self.box_predictor, self.proposal_matcher


@ROI_HEADS_REGISTRY.register()
class PseudoLabelCascadeROIHeads(PseudoLabelBoxBranch, CascadeROIHeads):
    """`CascadeROIHeads` plus the pseudo-label methods: given boxes use the last stage; the
    losses run all stages (Cascade's own stage gradient scaling included)."""

    @property
    def num_stages(self) -> int:
        return self.num_cascade_stages

    def _stage_parts(self, stage: int):
        return self.box_head[stage], self.box_predictor[stage], self.proposal_matchers[stage]

    def _run(self, features, proposals, stage):
        return self._run_stage(features, proposals, stage)  # scales the gradient per stage


def require_student_part(detector: torch.nn.Module, attr: str, cls: type, method: str, needed: str):
    """A clear error, at model build time, when `detector.<attr>` is not a `cls` (a plain
    Detectron2 module in the config where a method needs the one with pseudo-label methods)."""
    part = getattr(detector, attr, None)
    if not isinstance(part, cls):
        raise TypeError(
            f"{method}: model.student.{attr} is {type(part).__name__}; it must be {needed} (the "
            "same module with the pseudo-label methods; set its _target_ in the config)"
        )


def check_pseudo_label_roi_heads(detector: torch.nn.Module, method: str) -> None:
    """`detector.roi_heads` must have the pseudo-label methods (see `require_student_part`)."""
    needed = "labeleff.modeling.PseudoLabelROIHeads or PseudoLabelCascadeROIHeads"
    require_student_part(detector, "roi_heads", PseudoLabelBoxBranch, method, needed)
