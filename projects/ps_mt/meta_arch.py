"""`PSMT`: perturbed and strict mean teachers (Liu et al., CVPR 2022) on the shared engine."""

import copy
from typing import Dict, List, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from detectron2.config import configurable
from detectron2.modeling import META_ARCH_REGISTRY
from detectron2.utils.events import get_event_storage
from torch import nn

from labeleff.projects.teacher_student.ema import ema_update_
from labeleff.projects.teacher_student.meta_arch import TeacherStudent

from .deeplab import DeepLabV3PlusSegmentor, postprocess_sem_seg
from .ema import active_teacher_index
from .losses import conf_ce_loss, ensemble_logits
from .paste import paste_labeled, rare_classes
from .perturbations import apply_cutmix, cutmix_boxes, tvat_perturbation
from .ramps import RAMPS
from .selection import SELECTIONS, frequency_selection, threshold_selection

__all__ = ["PSMT", "TeacherEnsemble"]


class TeacherEnsemble(nn.Module):
    """Inference with `gamma * logits_1 + (1 - gamma) * logits_2` of two segmentors (PS-MT
    validates the mean of its teachers). Holds references only: build it on demand, never as a
    registered child (its parameters would appear twice in the state dict)."""

    def __init__(self, teachers: Sequence[DeepLabV3PlusSegmentor], gamma: float = 0.5):
        super().__init__()
        self.members = list(teachers)  # a plain list: not registered as submodules
        self.gamma = gamma

    @torch.no_grad()
    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) normalised images -> (N, K, H, W) ensemble logits."""
        first, second = (t.logits(images) for t in self.members)
        return ensemble_logits(first, second, self.gamma)

    def forward(self, batched_inputs: List[dict]):
        images = self.members[0].preprocess_images(batched_inputs)
        return postprocess_sem_seg(self.logits(images.tensor), images, batched_inputs)


@META_ARCH_REGISTRY.register()
class PSMT(TeacherStudent):
    """
    A DeepLabv3+ student with two EMA teachers. Per step:
      * labeled: CE (ignore label) of the student decoder on T-VAT-perturbed encoder features;
      * unlabeled: the teachers' ensemble logits on the weak views are the targets; CutMix mixes
        the strong views and the targets with the same boxes; Conf-CE of the student (decoder on
        T-VAT-perturbed features of the mixed strong views), times the cosine ramp-up;
      * after the optimizer step (EMAHook): only the active teacher (alternating per period)
        follows the student.
    Inference / evaluation of "teacher": the ensemble of both teachers.
    """

    # the health monitor watches the share of confident pseudo-label pixels (a fraction, per
    # iteration) instead of pseudo-boxes per image
    pseudo_label_count_key = "unsup/confident_ratio"
    health_keys_to_check = (
        "model.conf_threshold",
        "model.unsup_weight",
        "model.rampup_iters",
        "train.hooks (EMAHook momentum)",
    )

    @configurable
    def __init__(
        self,
        *,
        student: DeepLabV3PlusSegmentor,
        unsup_weight: float = 1.5,
        eval_model: str = "teacher",
        burn_in_iters: int = 0,
        gamma: float = 0.5,
        conf_threshold: float = 0.6,
        vat_xi: float = 1e-6,
        vat_eps: float = 2.0,
        vat_labeled: bool = True,
        vat_unlabeled: bool = True,
        cutmix: bool = True,
        cutmix_beta: Sequence[float] = (4.0, 4.0),
        rampup_iters: int = 0,
        rampup: str = "cosine",
        teacher_period: int = 1,
        conf_selection: str = "threshold",
        frequency_ratio: float = 0.8,
        paste_max_share: float = 0.0,
    ):
        """
        Args:
            student: a DeepLabV3PlusSegmentor; both teachers start as its deep copies.
            unsup_weight: final unsupervised weight (1.5 VOC, 3.0 Cityscapes: `unsupervised_w`).
            eval_model, burn_in_iters: see TeacherStudent ("teacher" = the two-teacher ensemble).
            gamma: ensemble weight of the first teacher (`trainer.gamma` = 0.5).
            conf_threshold: Conf-CE confidence threshold (`semi_p_th` = 0.6).
            vat_xi, vat_eps: T-VAT step and perturbation norm (1e-6, 2.0 in `VATDecoderNetwork`).
            vat_labeled, vat_unlabeled: T-VAT on the labeled / unlabeled student passes (both in
                the official code).
            cutmix, cutmix_beta: CutMix within the unlabeled batch, lambda ~ Beta(4, 4).
            rampup_iters: length of the unsup-weight ramp-up in iterations (official: `ramp_up`
                = 12 epochs of unlabeled iterations); 0: no ramp-up.
            rampup: "cosine" (what the official trainers use) or "sigmoid".
            teacher_period: iterations each teacher is updated before the other takes over
                (official: one epoch of the unlabeled loader).
            conf_selection: the pixels Conf-CE trains on: "threshold" (the paper: confidence
                >= `conf_threshold`) or "frequency" (per class, the `frequency_ratio` x
                (labeled pixel share of the class) most confident pixels of each unlabeled
                batch; the shares are counted over the labeled batches seen, `selection.py`).
                0.8 keeps about as many pixels as the 0.6 threshold did on CamVid 1/8 (61 ->
                90 % over training, 81 % on average).
            paste_max_share: > 0 pastes the labeled pixels of the classes whose labeled pixel
                share is below it into the strong unlabeled views, with their ground truth as
                certain Conf-CE targets (`paste.py`; not in PS-MT; 0: off, the paper).
        """
        super().__init__(
            student=student,
            unsup_weight=unsup_weight,
            eval_model=eval_model,
            burn_in_iters=burn_in_iters,
        )
        self.teacher2 = copy.deepcopy(self.teacher)  # frozen and in eval mode like the first
        if rampup not in RAMPS:
            raise ValueError(f"PSMT: rampup must be one of {sorted(RAMPS)}, got {rampup!r}")
        if teacher_period < 1:
            raise ValueError(f"PSMT: teacher_period must be >= 1 iteration, got {teacher_period}")
        self.gamma = gamma
        self.conf_threshold = conf_threshold
        self.vat_xi = vat_xi
        self.vat_eps = vat_eps
        self.vat_labeled = vat_labeled
        self.vat_unlabeled = vat_unlabeled
        self.cutmix = cutmix
        self.cutmix_beta = tuple(cutmix_beta)
        self.rampup_iters = rampup_iters
        self.rampup = rampup
        self.teacher_period = teacher_period
        if conf_selection not in SELECTIONS:
            raise ValueError(
                f"PSMT: conf_selection must be one of {SELECTIONS}, got {conf_selection!r}"
            )
        self.conf_selection = conf_selection
        self.frequency_ratio = frequency_ratio
        if not 0.0 <= paste_max_share <= 1.0:
            raise ValueError(f"PSMT: paste_max_share must be in [0, 1], got {paste_max_share}")
        self.paste_max_share = paste_max_share
        self._paste_source = None  # (images, labels) of this step's labeled batch
        if conf_selection == "frequency" or paste_max_share > 0:
            # labeled pixels per class so far (checkpointed): the prior of both
            num_classes = student.sem_seg_head.predictor.out_channels
            self.register_buffer("labeled_pixel_counts", torch.zeros(num_classes))

    # --- teachers -----------------------------------------------------------------------------
    def teachers(self) -> List[nn.Module]:
        if not hasattr(self, "teacher2"):  # TeacherStudent.__init__ runs before teacher2 exists
            return [self.teacher]
        return [self.teacher, self.teacher2]

    def update_teacher(self, momentum: float, step: int, buffers: str = "ema"):
        """EMA of the student into the active teacher only (alternating every `teacher_period`
        EMA steps, counted from the end of burn-in); `momentum == 0` (the end of burn-in) copies
        the student into both. `buffers="ema"` averages BN statistics as the official code."""
        if momentum == 0.0:
            targets = self.teachers()
        else:
            index = active_teacher_index(self.iters_since_burn_in(step), self.teacher_period)
            targets = [self.teachers()[index]]
        for teacher in targets:
            ema_update_(teacher, self.student, momentum, buffers)

    def evaluation_models(self) -> Dict[str, nn.Module]:
        """{"teacher": the two-teacher ensemble, "student": the student}."""
        return {"teacher": self.ensemble(), "student": self.student}

    def ensemble(self) -> TeacherEnsemble:
        return TeacherEnsemble(self.teachers(), self.gamma)

    # --- losses -------------------------------------------------------------------------------
    def _teacher_decoders(self):
        return [t.decode for t in self.teachers()]  # teachers are always in eval mode

    def _student_logits(self, images: torch.Tensor, vat: bool) -> torch.Tensor:
        """(N, 3, H, W) -> (N, K, H, W): student decoder on (T-VAT perturbed) encoder features."""
        features = self.student.encode(images)
        if vat:
            features = features + tvat_perturbation(
                features, self._teacher_decoders(), xi=self.vat_xi, eps=self.vat_eps
            )
        return self.student.upsample(self.student.decode(features), images.shape[-2:])

    def supervised_losses(self, labeled: List[dict]) -> Dict[str, torch.Tensor]:
        images = self.student.preprocess_images(labeled)
        logits = self._student_logits(images.tensor, self.vat_labeled)
        targets = self.student.preprocess_targets(labeled)
        if self.paste_max_share > 0:
            self._paste_source = (images.tensor.detach(), targets)
        if hasattr(self, "labeled_pixel_counts"):
            seen = targets[targets != self.student.ignore_value]
            self.labeled_pixel_counts += torch.bincount(
                seen, minlength=len(self.labeled_pixel_counts)
            ).to(self.labeled_pixel_counts)
        return {
            "loss_sem_seg": F.cross_entropy(logits, targets, ignore_index=self.student.ignore_value)
        }

    def rampup_factor(self, iteration: int) -> float:
        """Ramp-up multiplier of the unsupervised weight, counted from the end of burn-in."""
        return RAMPS[self.rampup](self.iters_since_burn_in(iteration), self.rampup_iters)

    def unsupervised_losses(self, unlabeled: List[dict]) -> Dict[str, torch.Tensor]:
        storage = get_event_storage()
        ramp = self.rampup_factor(storage.iter)
        storage.put_scalar("unsup/rampup", ramp, smoothing_hint=False)
        if ramp == 0.0:
            return {}  # first ramp-up step: the loss would be multiplied by 0; do not compute it

        weak = self.student.preprocess_images(unlabeled, "weak").tensor
        strong = self.student.preprocess_images(unlabeled, "strong").tensor
        if weak.shape != strong.shape:
            raise ValueError(
                "PSMT: weak and strong views must share geometry (same crop/flip), got "
                f"{tuple(weak.shape)} vs {tuple(strong.shape)}"
            )
        targets = self.ensemble().logits(weak)  # teachers predict before mixing
        self._log_pseudo_labels(targets, unlabeled, storage)
        if self.cutmix:
            rng = np.random.default_rng(int(torch.randint(2**62, ())))
            boxes, _ = cutmix_boxes(
                len(unlabeled), *weak.shape[-2:], beta=self.cutmix_beta, rng=rng
            )
            partner = torch.randperm(len(unlabeled))
            strong, targets = apply_cutmix([strong, targets], boxes, partner)
        pasted = None
        if self.paste_max_share > 0:
            strong, targets, pasted = self.paste_rare_classes(strong, targets, storage)
        logits = self._student_logits(strong, self.vat_unlabeled)
        mask = None  # "threshold": conf_ce_loss applies conf_threshold to its own weights
        if self.conf_selection != "threshold":
            with torch.no_grad():
                mask = self.select_pixels(*F.softmax(targets.float(), dim=1).max(dim=1))
                if pasted is not None:
                    mask = mask | pasted  # certain targets: always trained on
        loss = conf_ce_loss(logits, targets, self.conf_threshold, mask)
        return {"loss_conf_ce": loss * ramp}

    @torch.no_grad()
    def paste_rare_classes(self, strong: torch.Tensor, targets: torch.Tensor, storage):
        """(N, 3, H, W) strong views, (N, K, H, W) target logits -> both with this step's
        labeled pixels of the rare classes pasted in, and the (N, H, W) bool pasted mask; logs
        the pasted share of the unlabeled pixels (`unsup/pasted_ratio`)."""
        src_images, src_labels = self._paste_source
        classes = rare_classes(self.labeled_pixel_counts, self.paste_max_share)
        strong, targets, pasted = paste_labeled(
            strong, targets, src_images, src_labels, classes, self.student.ignore_value
        )
        storage.put_scalar("unsup/pasted_ratio", pasted.float().mean().item())
        return strong, targets, pasted

    @torch.no_grad()
    def select_pixels(self, confidence: torch.Tensor, pseudo: torch.Tensor) -> torch.Tensor:
        """Teacher max softmax and argmax (N, H, W) -> (N, H, W) bool: the pixels Conf-CE
        trains on."""
        if self.conf_selection == "threshold":
            return threshold_selection(confidence, self.conf_threshold)
        counts = self.labeled_pixel_counts
        prior = counts / counts.sum().clamp(min=1.0)
        return frequency_selection(confidence, pseudo, prior, self.frequency_ratio)

    @torch.no_grad()
    def _log_pseudo_labels(self, targets: torch.Tensor, unlabeled: List[dict], storage):
        """Share of confident pixels (>= `conf_threshold`) and of selected ones (those Conf-CE
        trains on), per class the share of the selected pixels (`unsup/selected_share_c<k>`);
        where the unlabeled items carry hidden ground truth ("sem_seg", weak-view geometry): the
        pseudo-label accuracy on the selected labelled pixels, and per class its precision
        there and the share of the class's labelled pixels selected with the right label
        (`unsup/selected_precision_c<k>`, `unsup/selected_recall_c<k>`)."""
        confidence, pseudo = F.softmax(targets, dim=1).max(dim=1)
        storage.put_scalar(
            "unsup/confident_ratio", (confidence >= self.conf_threshold).float().mean().item()
        )
        selected = self.select_pixels(confidence, pseudo)
        storage.put_scalar("unsup/selected_ratio", selected.float().mean().item())
        num_classes = targets.shape[1]
        kept = torch.bincount(pseudo[selected], minlength=num_classes).float()
        for k in range(num_classes):
            storage.put_scalar(
                f"unsup/selected_share_c{k}", (kept[k] / kept.sum().clamp(min=1)).item()
            )
        if not all("sem_seg" in x for x in unlabeled):
            return
        gt = self.student.preprocess_targets(unlabeled)
        labelled = gt != self.student.ignore_value
        valid = selected & labelled
        if not valid.any():
            return
        right = valid & (pseudo == gt)
        storage.put_scalar("unsup/pseudo_label_accuracy", (right.sum() / valid.sum()).item())
        for k in range(num_classes):
            as_k = (valid & (pseudo == k)).sum()
            if as_k > 0:
                precision = (right & (pseudo == k)).sum() / as_k
                storage.put_scalar(f"unsup/selected_precision_c{k}", precision.item())
            truly_k = (labelled & (gt == k)).sum()
            if truly_k > 0:
                recall = (right & (gt == k)).sum() / truly_k
                storage.put_scalar(f"unsup/selected_recall_c{k}", recall.item())
