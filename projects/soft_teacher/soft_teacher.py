"""SoftTeacher: the unsupervised losses of "End-to-End Semi-Supervised Object Detection with Soft
Teacher" (Xu et al., ICCV 2021) on top of the teacher-student engine, for Detectron2 Faster R-CNN
models (`GeneralizedRCNN` with an RPN and `StandardROIHeads` with a softmax box predictor)."""

from typing import Dict, List, Optional, Tuple

import torch
from detectron2.config import configurable
from detectron2.layers import cat
from detectron2.modeling import META_ARCH_REGISTRY
from detectron2.structures import Boxes, Instances, pairwise_iou
from detectron2.utils.events import get_event_storage

from labeleff.modeling import check_pseudo_label_roi_heads
from labeleff.projects.teacher_student import (
    ClassFrequencyThresholds,
    ClassScoreThresholds,
    TeacherStudent,
)
from labeleff.projects.teacher_student.box_projection import boxes_between_views

from .jitter import box_regression_uncertainty, jitter_boxes
from .losses import soft_background_weights
from .pseudo_labels import select_pseudo_labels

__all__ = ["SoftTeacher"]

UNSUP_LOSS_NAMES = ("loss_rpn_cls", "loss_rpn_loc", "loss_cls", "loss_box_reg")


def overlaps_any(boxes: Boxes, others: Boxes, iou_threshold: float) -> torch.Tensor:
    """(N,) bool: box i has IoU >= iou_threshold with at least one of `others`."""
    if len(others) == 0 or len(boxes) == 0:
        return torch.zeros(len(boxes), dtype=torch.bool, device=boxes.tensor.device)
    return pairwise_iou(boxes, others).max(dim=1).values >= iou_threshold


@META_ARCH_REGISTRY.register()
class SoftTeacher(TeacherStudent):
    """Teacher-student Faster R-CNN with soft-background classification and box-jitter filtering.

    Pseudo-labels come from the teacher on the weak view; the student learns on the strong view.
    Supervised losses, EMA, evaluation and the forward contract come from :class:`TeacherStudent`.
    """

    health_keys_to_check = (
        "model.score_threshold_policy",
        "model.cls_pseudo_threshold",
        "model.rpn_pseudo_threshold",
        "model.reg_pseudo_threshold",
        "model.unsup_weight",
        "train.hooks (EMAHook momentum)",
    )

    @configurable
    def __init__(
        self,
        *,
        pseudo_label_initial_score_thr: float = 0.5,
        rpn_pseudo_threshold: float = 0.9,
        cls_pseudo_threshold: float = 0.9,
        reg_pseudo_threshold: float = 0.02,
        reg_min_score: float = 0.5,
        jitter_times: int = 10,
        jitter_scale: float = 0.06,
        min_pseudo_box_size: float = 0.0,
        skip_losses_without_targets: bool = True,
        score_threshold_policy: str = "fixed",
        gmm_queue_size: int = 100,
        gmm_policy: str = "high",
        gmm_min_threshold: float = 0.5,
        gmm_max_threshold: float = 0.9,
        frequency_ratio: float = 0.5,
        frequency_carry: bool = False,
        cls_ignore_score_threshold: Optional[float] = None,
        **kwargs,
    ):
        """
        Args:
            pseudo_label_initial_score_thr: teacher detections kept above this score.
            rpn_pseudo_threshold: pseudo boxes above this score are RPN targets.
            cls_pseudo_threshold: pseudo boxes above this score are ROI classification targets.
            reg_pseudo_threshold: pseudo boxes with uncertainty below this are ROI regression
                targets.
            reg_min_score: only teacher boxes scored above this are jittered and can be regression
                targets (the paper: its initial score threshold 0.5; set apart so that a low
                `pseudo_label_initial_score_thr` for adaptive thresholds does not make unsure
                boxes regression targets, nor jitter them).
            jitter_times, jitter_scale: copies per box and relative offset std of box jittering.
            min_pseudo_box_size: pseudo boxes need width and height above this (pixels).
            skip_losses_without_targets: an unsupervised term (RPN, ROI classification, ROI
                regression) whose pseudo boxes are all filtered out in the batch is zero, not
                computed (no pseudo box at all: the student is not run). False is the official
                code: background-only RPN / ROI classification terms on such batches.
            score_threshold_policy: "fixed" (the paper: `rpn_pseudo_threshold` and
                `cls_pseudo_threshold`) or "gmm": one threshold per class for both filters, fitted
                on the scores of the teacher's last `gmm_queue_size` detections of that class above
                `pseudo_label_initial_score_thr` (:class:`ClassScoreThresholds`, ConsistentTeacher's
                policy `gmm_policy`), clamped to [gmm_min_threshold, gmm_max_threshold]; a class
                with fewer than 4 scores (or no confident component) uses `cls_pseudo_threshold`.
                With "gmm", `pseudo_label_initial_score_thr` is the floor of the candidates (e.g.
                the detector's test threshold 0.05: an under-confident teacher's true objects of a
                rare class may all score below 0.5).
                "frequency": per class and unlabeled batch, the threshold that keeps
                `frequency_ratio` x (labeled objects of the class per image) pseudo-labels per
                image (:class:`ClassFrequencyThresholds`; the labeled batches are counted as they
                are trained on), clamped to [gmm_min_threshold, gmm_max_threshold].
                `frequency_carry`: carry each class's fractional quota to the next batch, so
                that a class rarer than one kept box per batch still gets its share
                (`ClassFrequencyThresholds.carry_remainder`).
            cls_ignore_score_threshold: None (the paper): every sampled proposal that matches no
                classification target is background, weighted by the teacher's background
                probability. A float t: background proposals overlapping (IoU >= the ROI
                matcher's foreground threshold) a pseudo box scored above t that is no
                classification target get weight 0: the teacher's uncertain objects are neither
                trained as objects nor as background.
            kwargs: :class:`TeacherStudent` arguments (`student`, `unsup_weight`, ...).
        """
        super().__init__(**kwargs)
        check_pseudo_label_roi_heads(self.student, "SoftTeacher")
        self.initial_score_thr = pseudo_label_initial_score_thr
        self.rpn_pseudo_threshold = rpn_pseudo_threshold
        self.cls_pseudo_threshold = cls_pseudo_threshold
        self.reg_pseudo_threshold = reg_pseudo_threshold
        self.reg_min_score = reg_min_score
        self.jitter_times = jitter_times
        self.jitter_scale = jitter_scale
        self.min_pseudo_box_size = min_pseudo_box_size
        self.skip_losses_without_targets = skip_losses_without_targets
        self.cls_ignore_score_threshold = cls_ignore_score_threshold
        if score_threshold_policy not in ("fixed", "gmm", "frequency"):
            raise ValueError(
                f"SoftTeacher: score_threshold_policy must be 'fixed', 'gmm' or 'frequency', got "
                f"{score_threshold_policy!r}"
            )
        self.score_thresholds = None
        if score_threshold_policy == "gmm":
            self.score_thresholds = ClassScoreThresholds(
                self.student.roi_heads.num_classes,
                queue_size=gmm_queue_size,
                default=cls_pseudo_threshold,
                min_threshold=gmm_min_threshold,
                max_threshold=gmm_max_threshold,
                policy=gmm_policy,
            )
        elif score_threshold_policy == "frequency":
            self.score_thresholds = ClassFrequencyThresholds(
                self.student.roi_heads.num_classes,
                ratio=frequency_ratio,
                min_threshold=gmm_min_threshold,
                max_threshold=gmm_max_threshold,
                default=cls_pseudo_threshold,
                carry_remainder=frequency_carry,
            )

    # ---------------------------------------------------------------- teacher (weak view)
    def pseudo_label(self, unlabeled: List[dict]) -> List[Instances]:
        """The engine's seam: `teacher_pseudo_labels` without the teacher's features (Soft
        Teacher's own `unsupervised_losses` keeps them for the soft background weights)."""
        return self.teacher_pseudo_labels(unlabeled)[0]

    @torch.no_grad()
    def teacher_pseudo_labels(
        self, unlabeled: List[dict]
    ) -> Tuple[List[Instances], Dict[str, torch.Tensor]]:
        """The teacher's pseudo-labels on the weak views, with box uncertainties.

        Returns:
            - B Instances in weak-view coordinates with `gt_boxes`, `gt_classes`, `scores`
              (score > initial threshold, after the detector's own NMS) and `reg_uncertainty`
              (inf for boxes scored at most `reg_min_score`);
            - the teacher's weak-view features (reused to score background proposals).
        """
        teacher = self.teacher
        images = teacher.preprocess_image([{"image": x["weak"]["image"]} for x in unlabeled])
        features = teacher.backbone(images.tensor)
        proposals, _ = teacher.proposal_generator(images, features, None)
        detections, _ = teacher.roi_heads(images, features, proposals, None)

        pseudo = []
        for det, size in zip(detections, images.image_sizes):
            labels = Instances(size)
            labels.gt_boxes = det.pred_boxes
            labels.gt_classes = det.pred_classes
            labels.scores = det.scores
            pseudo.append(
                select_pseudo_labels(
                    labels,
                    score_threshold=self.initial_score_thr,
                    min_size=self.min_pseudo_box_size,
                )
            )
        # uncertainty (box jitter) only for boxes that may be regression targets; others: inf
        jittered = [p.scores > self.reg_min_score for p in pseudo]
        uncertainties = self._regression_uncertainty(
            features, [p[keep] for p, keep in zip(pseudo, jittered)]
        )
        for labels, keep, unc in zip(pseudo, jittered, uncertainties):
            labels.reg_uncertainty = torch.full(
                (len(labels),), float("inf"), device=labels.scores.device
            ).masked_scatter(keep, unc)
        return pseudo, features

    def _regression_uncertainty(
        self, features: Dict[str, torch.Tensor], pseudo: List[Instances]
    ) -> List[torch.Tensor]:
        """Box jittering: the teacher refines `jitter_times` copies of each pseudo box with the
        regression of the box's class (no NMS, clipped to the view); returns B tensors (Ni,)."""
        jittered = [
            jitter_boxes(p.gt_boxes.tensor, self.jitter_times, self.jitter_scale) for p in pseudo
        ]  # B x (T, Ni, 4)
        refined = self.teacher.roi_heads.refine_boxes(
            features,
            [Boxes(j.reshape(-1, 4)) for j in jittered],
            [p.gt_classes.repeat(self.jitter_times) for p in pseudo],  # copy-major, as flattened
            [p.image_size for p in pseudo],
        )
        return [
            box_regression_uncertainty(r.tensor.view(self.jitter_times, -1, 4)) for r in refined
        ]

    # ---------------------------------------------------------------- student (strong view)
    def unsupervised_losses(self, unlabeled: List[dict]) -> Dict[str, torch.Tensor]:
        """Soft Teacher's unsupervised losses on a batch of multi-view unlabeled items.

        Returns:
            {"loss_rpn_cls", "loss_rpn_loc", "loss_cls", "loss_box_reg"}: scalars (unweighted;
            the engine multiplies them by `unsup_weight`).
        """
        pseudo_weak, teacher_features = self.teacher_pseudo_labels(unlabeled)
        if self.score_thresholds is not None:
            self._update_class_thresholds(pseudo_weak)
        # quality and counts are those of the classification targets (what the student learns)
        self.log_pseudo_labels(
            [
                select_pseudo_labels(
                    p, score_threshold=self._threshold(p, self.cls_pseudo_threshold)
                )
                for p in pseudo_weak
            ],
            unlabeled,
            view="weak",
        )
        pseudo = [
            self.instances_between_views(p, x["weak"], x["strong"])
            for p, x in zip(pseudo_weak, unlabeled)
        ]

        def subset(fixed_score_threshold=None, **filters):
            return [
                select_pseudo_labels(
                    p,
                    score_threshold=(
                        None
                        if fixed_score_threshold is None
                        else self._threshold(p, fixed_score_threshold)
                    ),
                    min_size=self.min_pseudo_box_size,
                    **filters,
                )
                for p in pseudo
            ]

        rpn_targets = subset(self.rpn_pseudo_threshold)
        cls_targets = subset(self.cls_pseudo_threshold)
        reg_targets = subset(max_uncertainty=self.reg_pseudo_threshold)
        self._log_target_counts(rpn=rpn_targets, cls=cls_targets, reg=reg_targets)
        has = {
            name: not self.skip_losses_without_targets or sum(len(t) for t in targets) > 0
            for name, targets in (("rpn", rpn_targets), ("cls", cls_targets), ("reg", reg_targets))
        }
        device = teacher_features[next(iter(teacher_features))].device
        # a term without any target in the batch is not computed: a zero tensor (no graph)
        losses = {k: torch.zeros((), device=device) for k in UNSUP_LOSS_NAMES}
        if not any(has.values()):
            return losses  # the student is not run

        student = self.student
        images = student.preprocess_image([{"image": x["strong"]["image"]} for x in unlabeled])
        features = student.backbone(images.tensor)
        # proposals are needed by the ROI terms; Detectron2's RPN computes its loss in training
        # mode, which is kept only when the RPN has targets
        proposals, rpn_losses = student.proposal_generator(images, features, rpn_targets)
        if has["rpn"]:
            losses.update(rpn_losses)
        ignore = (
            [
                select_pseudo_labels(p, score_threshold=self.cls_ignore_score_threshold)
                for p in pseudo
            ]
            if self.cls_ignore_score_threshold is not None
            else None
        )
        losses.update(
            student.roi_heads.pseudo_label_box_losses(
                features,
                proposals,
                cls_targets=cls_targets if has["cls"] else None,
                reg_targets=reg_targets if has["reg"] else None,
                cls_weights=self._soft_background(teacher_features, unlabeled, ignore),
                cls_normalizer="weight_sum",  # the official normaliser (paper Eq. 3-4)
                box_reg=has["reg"],
            )
        )
        return losses

    def _soft_background(
        self,
        teacher_features: Dict[str, torch.Tensor],
        unlabeled: List[dict],
        ignore: Optional[List[Instances]] = None,
    ):
        """The classification weights of the student's sampled proposals: 1 for foreground; for
        background the teacher's background probability of the same region in the weak view,
        and 0 where the proposal overlaps an `ignore` pseudo box (`cls_ignore_score_threshold`)."""
        student_heads, teacher_heads = self.student.roi_heads, self.teacher.roi_heads

        def weights(stage: int, sampled: List[Instances], logits: torch.Tensor) -> torch.Tensor:
            gt_classes = cat([s.gt_classes for s in sampled])
            with torch.no_grad():
                weak_boxes = [
                    Boxes(boxes_between_views(s.proposal_boxes.tensor, x["strong"], x["weak"]))
                    for s, x in zip(sampled, unlabeled)
                ]
                teacher_bg = teacher_heads.class_probs(teacher_features, weak_boxes)[:, -1]
            w = soft_background_weights(gt_classes, teacher_bg, student_heads.num_classes)
            if ignore is None:
                return w
            iou = student_heads.foreground_iou(stage)
            overlap = cat(
                [overlaps_any(s.proposal_boxes, ig.gt_boxes, iou) for s, ig in zip(sampled, ignore)]
            )
            is_bg = gt_classes == student_heads.num_classes
            get_event_storage().put_scalar(
                "soft_teacher/ignored_bg_fraction",
                (overlap & is_bg).sum().item() / max(int(is_bg.sum()), 1),
            )
            return torch.where(overlap & is_bg, 0.0, w)

        return weights

    def _threshold(self, pseudo: Instances, fixed: float):
        """Score threshold of each pseudo box: `fixed` (the "fixed" policy) or the (N,) thresholds
        of the boxes' classes (the "gmm" policy; the same for the RPN and ROI filters)."""
        if self.score_thresholds is None:
            return fixed
        return self.score_thresholds.per_box(pseudo.gt_classes)

    def supervised_losses(self, labeled: List[dict]) -> Dict[str, torch.Tensor]:
        if isinstance(self.score_thresholds, ClassFrequencyThresholds):
            self.score_thresholds.observe([x["instances"].gt_classes for x in labeled])
        return super().supervised_losses(labeled)

    def _update_class_thresholds(self, pseudo_weak: List[Instances]) -> None:
        """Thresholds for this batch: push its teacher scores into the per-class queues and refit
        (GMM), or rank them against the labeled class frequencies ("frequency")."""
        scores = cat([p.scores for p in pseudo_weak])
        classes = cat([p.gt_classes for p in pseudo_weak])
        if isinstance(self.score_thresholds, ClassFrequencyThresholds):
            self.score_thresholds.update(scores, classes, len(pseudo_weak))
        else:
            self.score_thresholds.update(scores, classes)
        self.score_thresholds.log("soft_teacher/score_threshold")

    @staticmethod
    def _log_target_counts(**targets: List[Instances]) -> None:
        storage = get_event_storage()
        for name, per_image in targets.items():
            storage.put_scalar(
                f"soft_teacher/num_{name}_pseudo", sum(len(t) for t in per_image) / len(per_image)
            )
