"""`MIC`: masked image consistency for domain-adaptive detection (Hoyer et al., CVPR 2023) on the
teacher-student engine, with DA-Faster image/instance domain classifiers as the base UDA method.

Per step: source images -> supervised detector losses (+ source-side domain losses);
target weak view -> EMA teacher -> pseudo-labels (score >= 0.8, NMS) -> projected to the strong
view (same geometry + colour jitter / blur) -> block-masked -> student losses weighted by quality;
target weak view -> student backbone/RPN -> target-side domain losses.
"""

from typing import Dict, List

import torch
from detectron2.config import configurable
from detectron2.layers import cat
from detectron2.modeling import META_ARCH_REGISTRY
from detectron2.structures import Instances
from detectron2.utils.events import get_event_storage

from labeleff.modeling import check_pseudo_label_roi_heads, check_pseudo_label_rpn
from labeleff.projects.teacher_student.adaptive_thresholds import ClassFrequencyThresholds
from labeleff.projects.teacher_student.meta_arch import TeacherStudent

from .detector_parts import preprocess_images, random_proposal_boxes
from .domain_classifiers import (
    ImageDomainClassifier,
    InstanceDomainClassifier,
    image_domain_loss,
    instance_domain_loss,
)
from .masking import mask_image
from .pseudo_labels import filter_pseudo_labels
from .quality import QUALITY_MODES, roi_quality_weights, rpn_quality_weights

__all__ = ["MIC"]


@META_ARCH_REGISTRY.register()
class MIC(TeacherStudent):
    """
    Training input {"labeled": source dicts, "unlabeled": target multi-view dicts}; output
    {"sup/loss_*": source detector losses, "unsup/loss_mic_*": masked pseudo-label losses
    (weight `unsup_weight` x `mic_weight`), "da/loss_da_*_source", "da/loss_da_*_target":
    domain losses (their own group, weight 1; each half the official joint-batch mean)}.
    """

    health_keys_to_check = (
        "model.score_threshold",
        "model.score_threshold_policy",
        "model.mic_weight",
        "model.burn_in_iters",
        "train.hooks (EMAHook momentum)",
    )

    @configurable
    def __init__(
        self,
        *,
        student: torch.nn.Module,
        mic: bool = True,
        mic_weight: float = 1.0,
        score_threshold: float = 0.8,
        score_threshold_policy: str = "fixed",
        frequency_ratio: float = 0.5,
        frequency_carry: bool = True,
        frequency_min_threshold: float = 0.05,
        nms_threshold: float = 0.5,
        mask_block_size: int = 32,
        mask_ratio: float = 0.5,
        quality_weight: str = "prob",
        pseudo_box_reg: bool = False,
        image_da: bool = True,
        image_da_grl_weight: float = 0.025,
        instance_da: bool = True,
        instance_da_grl_weight: float = 0.1,
        instance_da_rois_per_image: int = 256,
        unsup_weight: float = 1.0,
        eval_model: str = "student",
        burn_in_iters: int = 0,
    ):
        """
        Args (defaults: MIC's detection config e2e_da_faster_rcnn_R_50_FPN_masking_cs.yaml):
            student: a Detectron2 GeneralizedRCNN with RPN + StandardROIHeads.
            mic: train the masked image consistency loss (False: base UDA / source-only).
            mic_weight: lambda of the MIC loss (PSEUDO_LABEL_LAMBDA 1.0).
            score_threshold: teacher score for a pseudo box (PSEUDO_LABEL_THRESHOLD 0.8).
            score_threshold_policy: "fixed" (the paper: `score_threshold` for every class) or
                "frequency": per class and target batch, the threshold that keeps
                `frequency_ratio` x (source objects of the class per image) pseudo boxes per
                image (:class:`ClassFrequencyThresholds`, the source batches counted as they are
                trained on; the fractional quota carried over batches if `frequency_carry`),
                clamped to [`frequency_min_threshold`, `score_threshold`]: a box above
                `score_threshold` is always kept, as in the paper. For a teacher too weak on the
                target to score any object 0.8 (the Soft Teacher CPU recipe's rule).
            nms_threshold: class-wise NMS IoU on the pseudo boxes (None: skip).
            mask_block_size, mask_ratio: b = 32 and r = 0.5 (MASKING_BLOCK_SIZE / _RATIO).
            quality_weight: "prob" (PSEUDO_LABEL_WEIGHT), "teacher" or "none".
            pseudo_box_reg: also regress boxes on pseudo-labels (official: off, weight 0).
            image_da, image_da_grl_weight: image-level domain classifier and its GRL weight
                (DA_IMG_GRL_WEIGHT 0.025).
            instance_da, instance_da_grl_weight: instance-level classifier, GRL weight
                (DA_INS_GRL_WEIGHT 0.1).
            instance_da_rois_per_image: random proposals per image for the instance classifier
                (ROI_HEADS.BATCH_SIZE_PER_IMAGE 256 in the official config).
            eval_model: the official code evaluates the student.
        """
        super().__init__(
            student=student,
            unsup_weight=unsup_weight,
            eval_model=eval_model,
            burn_in_iters=burn_in_iters,
        )
        check_pseudo_label_roi_heads(self.student, "MIC")
        check_pseudo_label_rpn(self.student, "MIC")
        if quality_weight not in QUALITY_MODES:
            raise ValueError(
                f"MIC: quality_weight must be one of {QUALITY_MODES}, got {quality_weight!r}"
            )
        self.mic = mic
        self.mic_weight = mic_weight
        self.score_threshold = score_threshold
        if score_threshold_policy not in ("fixed", "frequency"):
            raise ValueError(
                "MIC: score_threshold_policy must be 'fixed' or 'frequency', got "
                f"{score_threshold_policy!r}"
            )
        self.score_thresholds = None
        if score_threshold_policy == "frequency":
            self.score_thresholds = ClassFrequencyThresholds(
                student.roi_heads.num_classes,
                ratio=frequency_ratio,
                min_threshold=frequency_min_threshold,
                max_threshold=score_threshold,
                default=score_threshold,
                carry_remainder=frequency_carry,
            )
        self.nms_threshold = nms_threshold
        self.mask_block_size = mask_block_size
        self.mask_ratio = mask_ratio
        self.quality_weight = quality_weight
        self.pseudo_box_reg = pseudo_box_reg
        self.instance_da_rois_per_image = instance_da_rois_per_image

        shapes = student.backbone.output_shape()
        self.da_in_features = sorted(shapes, key=lambda k: shapes[k].stride)
        self.image_domain_head = None
        if image_da:
            channels = {shapes[f].channels for f in self.da_in_features}
            if len(channels) != 1:
                raise ValueError(
                    f"MIC: image-level DA needs equal channels per level, got {shapes}"
                )
            self.image_domain_head = ImageDomainClassifier(
                channels.pop(), len(self.da_in_features), image_da_grl_weight
            )
        self.instance_domain_head = None
        if instance_da:
            box_shape = student.roi_heads.box_head.output_shape
            in_dim = box_shape.channels * (box_shape.height or 1) * (box_shape.width or 1)
            self.instance_domain_head = InstanceDomainClassifier(in_dim, instance_da_grl_weight)

    @property
    def domain_adaptation(self) -> bool:
        return self.image_domain_head is not None or self.instance_domain_head is not None

    # ---- source ---------------------------------------------------------------------------
    def supervised_losses(self, labeled: List[dict]) -> Dict[str, torch.Tensor]:
        """The detector's losses on the source batch, plus source-side domain losses (the batch's
        classes are counted for the "frequency" threshold policy)."""
        if self.score_thresholds is not None:
            self.score_thresholds.observe([x["instances"].gt_classes for x in labeled])
        if not self.domain_adaptation:
            return super().supervised_losses(labeled)
        student = self.student
        images = student.preprocess_image(labeled)
        features = student.backbone(images.tensor)
        gt = [x["instances"].to(self.device) for x in labeled]
        proposals, losses = student.proposal_generator(images, features, gt)
        _, detector_losses = student.roi_heads(images, features, proposals, gt)
        losses.update(detector_losses)
        losses.update(self.domain_losses(features, proposals, is_source=True))
        return losses

    # ---- target ---------------------------------------------------------------------------
    def unsupervised_losses(self, unlabeled: List[dict]) -> Dict[str, torch.Tensor]:
        """MIC losses on the masked strong views, plus target-side domain losses computed by
        the student on the (unmasked) weak views, as the official joint source+target pass."""
        losses = super().unsupervised_losses(unlabeled) if self.mic else {}
        if self.domain_adaptation:
            weak = [u["weak"]["image"] for u in unlabeled]
            images = preprocess_images(self.student, weak)
            features = self.student.backbone(images.tensor)
            proposals = self.student.proposal_generator.proposals(images, features)
            losses.update(self.domain_losses(features, proposals, is_source=False))
        return losses

    def loss_groups(self, labeled, unlabeled) -> Dict[str, Dict[str, torch.Tensor]]:
        """The engine's groups with the domain losses of both sides moved into "da"."""
        groups = super().loss_groups(labeled, unlabeled)
        groups["da"] = {}
        for group, side in (("sup", "source"), ("unsup", "target")):
            for key in [k for k in groups.get(group, {}) if k.startswith("loss_da_")]:
                groups["da"][f"{key}_{side}"] = groups[group].pop(key)
        return groups

    def loss_group_weights(self) -> Dict[str, float]:
        return {**super().loss_group_weights(), "da": 1.0}

    @torch.no_grad()
    def pseudo_label(self, unlabeled: List[dict]) -> List[Instances]:
        """Teacher detections on the weak views -> filtered pseudo-labels in weak-view coords."""
        inputs = [
            {
                "image": u["weak"]["image"],
                "height": u["weak"]["image"].shape[-2],
                "width": u["weak"]["image"].shape[-1],
            }
            for u in unlabeled
        ]
        detections = [out["instances"] for out in self.teacher(inputs)]
        threshold = self.score_threshold
        if self.score_thresholds is not None:
            threshold = self.score_thresholds.update(
                cat([d.scores for d in detections]),
                cat([d.pred_classes for d in detections]),
                len(detections),
            )
            self.score_thresholds.log("pseudo_label/score_threshold")
        return filter_pseudo_labels(detections, threshold, self.nms_threshold)

    def pseudo_label_losses(
        self, unlabeled: List[dict], targets: List[Instances]
    ) -> Dict[str, torch.Tensor]:
        """Student losses on block-masked strong views against the projected pseudo-labels.

        Images without pseudo boxes are left out; if no image has one, the losses are zero
        tensors (constants: nothing to learn from this batch).
        """
        items = [(u, t) for u, t in zip(unlabeled, targets) if len(t) > 0]
        targets = [t for _, t in items]
        names = ["loss_mic_rpn_cls", "loss_mic_cls"]
        if self.pseudo_box_reg:
            names += ["loss_mic_rpn_loc", "loss_mic_box_reg"]
        if not items:
            return {n: torch.zeros((), device=self.device) for n in names}

        student = self.student
        images = preprocess_images(
            student,
            [u["strong"]["image"] for u, _ in items],
            lambda x: mask_image(x, self.mask_block_size, self.mask_ratio),
        )
        features = student.backbone(images.tensor)
        rpn_losses, proposals = student.proposal_generator.pseudo_label_losses(
            images,
            features,
            targets,
            anchor_weights=lambda logits, labels, scores: rpn_quality_weights(
                self.quality_weight, logits, labels, scores
            ),
            with_scores=self.quality_weight == "teacher",
            box_reg=self.pseudo_box_reg,
        )
        roi_losses = student.roi_heads.pseudo_label_box_losses(
            features,
            proposals,
            cls_targets=targets,
            cls_weights=self._roi_quality,
            cls_normalizer="mean",  # the official weighted classification loss
            box_reg=self.pseudo_box_reg,
        )
        raw = {f"loss_mic_{k[len('loss_'):]}": v for k, v in {**rpn_losses, **roi_losses}.items()}
        return {k: v * self.mic_weight for k, v in raw.items()}

    def _roi_quality(self, stage: int, sampled: List[Instances], logits: torch.Tensor):
        """(R,) quality weights of the sampled ROIs (`quality_weight`; `gt_scores` are the
        matched pseudo boxes' teacher scores, carried onto the proposals by the matching)."""
        gt_classes = cat([p.gt_classes for p in sampled])
        gt_scores = None
        if self.quality_weight == "teacher":
            gt_scores = cat(
                [
                    p.gt_scores if p.has("gt_scores") else torch.ones(len(p), device=logits.device)
                    for p in sampled
                ]
            )
        return roi_quality_weights(self.quality_weight, logits, gt_classes, gt_scores)

    # ---- domain classifiers ---------------------------------------------------------------
    def domain_losses(
        self, features: Dict[str, torch.Tensor], proposals: List[Instances], is_source: bool
    ) -> Dict[str, torch.Tensor]:
        """Image- and instance-level domain losses of one domain's batch. Each is half the BCE
        mean, so source + target equals the official mean over the joint batch."""
        losses = {}
        side = "source" if is_source else "target"
        if self.image_domain_head is not None:
            logits = self.image_domain_head([features[f] for f in self.da_in_features])
            losses["loss_da_image"] = 0.5 * image_domain_loss(logits, is_source)
            self._log_domain_accuracy(
                f"image_{side}", cat([x.flatten() for x in logits]), is_source
            )
        if self.instance_domain_head is not None:
            boxes = random_proposal_boxes(proposals, self.instance_da_rois_per_image)
            if sum(len(b) for b in boxes) > 0:
                roi_features = self.student.roi_heads.box_features(features, boxes)
                logits = self.instance_domain_head(roi_features)
                losses["loss_da_instance"] = 0.5 * instance_domain_loss(logits, is_source)
                self._log_domain_accuracy(f"instance_{side}", logits, is_source)
            else:
                losses["loss_da_instance"] = torch.zeros((), device=self.device)
        return losses

    @staticmethod
    def _log_domain_accuracy(name: str, logits: torch.Tensor, is_source: bool) -> None:
        """`da/accuracy_<name>`: share of pixels / ROIs (logits (M,)) the domain classifier puts
        on the right side (source: logit > 0). 0.5 all run long: it never tells the domains
        apart, so the reversed gradient has nothing to align."""
        right = (logits.detach() > 0) if is_source else (logits.detach() <= 0)
        get_event_storage().put_scalar(f"da/accuracy_{name}", right.float().mean().item())
