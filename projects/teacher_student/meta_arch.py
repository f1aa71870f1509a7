"""`TeacherStudent`: the meta-architecture every semi-supervised method subclasses.

It owns a student (trained) and a teacher (deep copy, no gradients, always eval), returns one
weighted loss dict in training and the chosen model's predictions in inference.
"""

import contextlib
import copy
from typing import Dict, List, Mapping, Optional

import torch
from detectron2.config import configurable
from detectron2.modeling import META_ARCH_REGISTRY
from detectron2.structures import Instances
from detectron2.utils.events import get_event_storage
from torch import nn

from .bn_statistics import running_stats_frozen
from .box_projection import instances_between_views
from .ema import ema_update_
from .losses import weight_losses
from .pseudo_labels import log_pseudo_label_quality, pseudo_label_snapshot

__all__ = ["TeacherStudent"]


@META_ARCH_REGISTRY.register()
class TeacherStudent(nn.Module):
    """
    Training input: {"labeled": list[dict], "unlabeled": list[dict]} (Detectron2 dataset dicts;
    unlabeled items come from `MultiViewDatasetMapper`). Output: one loss dict
    {"sup/<name>": ..., "unsup/<name>": ...}. Inference input: list[dict]; output: the outputs of
    the model named by `eval_model`.

    A detection method implements two seams: `pseudo_label` (teacher on the weak views) and
    `pseudo_label_losses` (student on the strong views against the projected pseudo-labels); the
    engine's `unsupervised_losses` runs them with its one projection, `instances_between_views`.
    Methods whose losses need more than the pseudo-labels (Soft Teacher: the teacher's features;
    PS-MT: pixel targets) override `unsupervised_losses`. `loss_groups` / `loss_group_weights`
    say which losses are weighted together (MIC's domain losses are their own group); PS-MT-like
    methods with several teachers override `teachers` and `update_teacher`.
    """

    # what the pseudo-label health monitor (PseudoLabelHealthHook) watches and names on a collapse
    pseudo_label_count_key = "pseudo_label/boxes_per_image"
    health_keys_to_check = ("model.unsup_weight", "model.burn_in_iters", "train.hooks (EMAHook)")
    # the keys of `evaluation_models()`: what `eval_model` may name (checked in __init__ without
    # calling an overridable method on a half-built object)
    evaluation_model_names = ("teacher", "student")

    @configurable
    def __init__(
        self,
        *,
        student: nn.Module,
        unsup_weight: float = 1.0,
        eval_model: str = "teacher",
        burn_in_iters: int = 0,
        update_student_bn_on_unlabeled: bool = False,
        unsup_weight_rampup_iters: int = 0,
    ):
        """
        Args:
            student: the detector to train (e.g. a GeneralizedRCNN); the teacher is its deep copy.
            unsup_weight: weight of the unsupervised loss group (Soft Teacher: 4.0 on COCO).
            eval_model: "teacher" or "student": what inference and `--eval-only` use.
            burn_in_iters: supervised-only iterations before unsupervised losses start; the
                `EMAHook` copies the student into the teacher at their end (0: no burn-in).
            update_student_bn_on_unlabeled: False (default): the student's BN layers normalise
                unlabeled (strong / masked) views with their batch statistics but their running
                statistics only follow the labeled images, which look like the test images
                (measured on the demo: student AP 17.1 with weak-view statistics, 15.9 with
                strong-view ones). True: every forward updates them (Detectron2's default).
            unsup_weight_rampup_iters: the unsupervised weight grows linearly from 0 to
                `unsup_weight` over this many iterations after burn-in (0: full weight at once,
                as Soft Teacher and MIC).
        """
        super().__init__()
        self.student = student
        self.teacher = copy.deepcopy(student)
        self.teacher.requires_grad_(False)
        self.teacher.eval()
        self.unsup_weight = unsup_weight
        self.eval_model = eval_model
        self.burn_in_iters = burn_in_iters
        self.update_student_bn_on_unlabeled = update_student_bn_on_unlabeled
        self.unsup_weight_rampup_iters = unsup_weight_rampup_iters
        if eval_model not in self.evaluation_model_names:
            raise ValueError(
                f"{type(self).__name__}: eval_model must be one of "
                f"{list(self.evaluation_model_names)}, got {eval_model!r}"
            )
        # stored by log_pseudo_labels, drawn by PseudoLabelVisualizerHook
        self.last_pseudo_labels: Optional[dict] = None
        self.register_load_state_dict_pre_hook(_load_plain_detector_into_all)

    @classmethod
    def from_config(cls, cfg):
        # Teacher-student methods are LazyConfig-only: a yacs path would build them with default
        # thresholds and schedules silently. @configurable needs this hook to exist.
        raise TypeError(
            f"{cls.__name__} is built from a LazyConfig (configs/...py, its constructor "
            "arguments), not from a yacs CfgNode"
        )

    @property
    def device(self) -> torch.device:
        return next(self.student.parameters()).device

    def train(self, mode: bool = True):
        super().train(mode)
        for teacher in self.teachers():
            teacher.eval()  # teachers predict pseudo-labels: BN/dropout always in inference mode
        return self

    def forward(self, batched_inputs):
        if not self.training:
            return self.evaluation_models()[self.eval_model](batched_inputs)
        if not isinstance(batched_inputs, Mapping) or set(batched_inputs) != {
            "labeled",
            "unlabeled",
        }:
            raise TypeError(
                f"{type(self).__name__} in training mode expects {{'labeled': list[dict], "
                f"'unlabeled': list[dict]}} (from SemiSupervisedTrainer), got "
                f"{type(batched_inputs).__name__}"
            )
        groups = self.loss_groups(batched_inputs["labeled"], batched_inputs["unlabeled"])
        return weight_losses(groups, self.loss_group_weights())

    def loss_groups(
        self, labeled: List[dict], unlabeled: List[dict]
    ) -> Dict[str, Dict[str, torch.Tensor]]:
        """The loss dicts of one step by group: {"sup": supervised_losses} and, after burn-in,
        "unsup": unsupervised_losses (the student's BN running statistics frozen for it unless
        `update_student_bn_on_unlabeled`). Every group needs a weight in `loss_group_weights`."""
        groups = {"sup": self.supervised_losses(labeled)}
        if not self.in_burn_in():
            with contextlib.ExitStack() as stack:
                if not self.update_student_bn_on_unlabeled:
                    stack.enter_context(running_stats_frozen(self.student))
                groups["unsup"] = self.unsupervised_losses(unlabeled)
        return groups

    def loss_group_weights(self) -> Dict[str, float]:
        """{group: weight}: "sup" 1, "unsup" `unsup_weight` (times its ramp-up)."""
        return {"sup": 1.0, "unsup": self.current_unsup_weight()}

    def in_burn_in(self) -> bool:
        """True while the current iteration (from the EventStorage) is < burn_in_iters."""
        return self.burn_in_iters > 0 and self.iters_since_burn_in() < 0

    def iters_since_burn_in(self, iteration: Optional[int] = None) -> int:
        """Iterations done since burn-in ended at `iteration` (default: the EventStorage's):
        0 at its first unsupervised step, negative during burn-in. The one burn-in offset
        every schedule counted from the end of burn-in uses (ramp-ups, teacher alternation)."""
        if iteration is None:
            iteration = get_event_storage().iter
        return iteration - max(self.burn_in_iters, 0)

    def current_unsup_weight(self) -> float:
        """`unsup_weight`, times the linear ramp-up factor while it lasts (logged)."""
        if self.unsup_weight_rampup_iters <= 0:
            return self.unsup_weight
        ramp = min(1.0, (self.iters_since_burn_in() + 1) / self.unsup_weight_rampup_iters)
        get_event_storage().put_scalar("unsup/weight", self.unsup_weight * ramp)
        return self.unsup_weight * ramp

    def supervised_losses(self, labeled: List[dict]) -> Dict[str, torch.Tensor]:
        """Student losses on the labeled batch (the detector's own loss dict)."""
        return self.student(labeled)

    def unsupervised_losses(self, unlabeled: List[dict]) -> Dict[str, torch.Tensor]:
        """`pseudo_label` on the weak views (no grad; logged against hidden labels), the
        pseudo-labels moved into the strong views by `instances_between_views`, then
        `pseudo_label_losses`. A step without any pseudo-label must still give finite losses."""
        with torch.no_grad():
            pseudo = self.pseudo_label(unlabeled)
        self.log_pseudo_labels(pseudo, unlabeled, view="weak")
        targets = [
            self.instances_between_views(p, x["weak"], x["strong"])
            for p, x in zip(pseudo, unlabeled)
        ]
        return self.pseudo_label_losses(unlabeled, targets)

    def pseudo_label(self, unlabeled: List[dict]) -> List[Instances]:
        """Method-specific: the teacher's pseudo-labels of each unlabeled item's weak view, B
        Instances in weak-view coordinates with `gt_boxes`, `gt_classes` (and e.g. `scores`)."""
        raise NotImplementedError(f"{type(self).__name__} must implement pseudo_label(unlabeled)")

    def pseudo_label_losses(
        self, unlabeled: List[dict], targets: List[Instances]
    ) -> Dict[str, torch.Tensor]:
        """Method-specific: the student's losses on the strong views (`x["strong"]["image"]`)
        against `targets`, the pseudo-labels in strong-view coordinates."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement pseudo_label_losses(unlabeled, targets)"
        )

    @staticmethod
    def instances_between_views(instances: Instances, src_view: dict, dst_view: dict) -> Instances:
        """The engine's one projection: `instances` (boxes in `src_view` coordinates) moved into
        `dst_view` with the views' tracked transforms (4 corners, min / max), clipped."""
        return instances_between_views(instances, src_view, dst_view)

    def teachers(self) -> List[nn.Module]:
        """Every teacher module (kept in eval mode, updated by EMA)."""
        return [self.teacher]

    def update_teacher(self, momentum: float, step: int, buffers: str = "ema"):
        """EMA of the student into every teacher; called by `EMAHook` after the optimizer step."""
        for teacher in self.teachers():
            ema_update_(teacher, self.student, momentum, buffers)

    def evaluation_models(self) -> Dict[str, nn.Module]:
        """{metric prefix: model} evaluated by the entry point; keys: `evaluation_model_names`."""
        return {"teacher": self.teacher, "student": self.student}

    def log_pseudo_labels(
        self, pseudo: List[Instances], unlabeled: List[dict], view: str = "weak"
    ) -> None:
        """
        Log pseudo-label quality to the EventStorage (boxes per image; precision/recall at IoU 0.5
        against `unlabeled[i][view]["instances"]` when the images carry hidden ground truth), and
        keep the first image's views and boxes for `PseudoLabelVisualizerHook`.

        Args:
            pseudo: per image, Instances in `view` coordinates with `gt_boxes`/`gt_classes`
                (training targets) or `pred_boxes`/`pred_classes`.
            unlabeled: the unlabeled batch the pseudo-labels were computed on.
        """
        num_classes = getattr(getattr(self.student, "roi_heads", None), "num_classes", None)
        log_pseudo_label_quality(get_event_storage(), pseudo, unlabeled, view, num_classes)
        if pseudo:
            image_format = getattr(self.student, "input_format", "BGR")
            self.last_pseudo_labels = pseudo_label_snapshot(
                pseudo[0], unlabeled[0], view, image_format
            )


def _load_plain_detector_into_all(module, state_dict, prefix, *args):
    """
    load_state_dict pre-hook: a checkpoint of the plain detector (no "student."/"teacher." keys)
    loads into the student and into every teacher.
    """
    names = [n for n, m in module.named_children() if m is module.student]
    names += [n for n, m in module.named_children() if any(m is t for t in module.teachers())]
    own = tuple(f"{prefix}{n}." for n in names)
    keys = [k for k in state_dict if k.startswith(prefix)]
    if not keys or any(k.startswith(own) for k in keys):
        return
    for key in keys:
        value = state_dict.pop(key)
        for name in names:
            state_dict[f"{prefix}{name}.{key[len(prefix):]}"] = value
