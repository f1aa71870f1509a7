"""Adaptive per-class pseudo-label score thresholds: a 2-component Gaussian mixture fitted on the
teacher's recent scores of each class (ConsistentTeacher's GMM policy, Wang et al., CVPR 2023), or
the rank that keeps each class's pseudo-labels in proportion to its labeled frequency."""

from typing import Sequence

import numpy as np
import torch
from detectron2.utils import comm
from detectron2.utils.events import get_event_storage
from torch import nn

__all__ = ["gmm_score_threshold", "ClassScoreThresholds", "ClassFrequencyThresholds"]


def gmm_score_threshold(scores, default: float, policy: str = "high") -> float:
    """Threshold separating confident from unconfident scores of one class.

    A 2-component 1-D Gaussian mixture is fitted (means initialised at min and max score and equal
    weights, as ConsistentTeacher; precisions at 1 / variance of the scores, where
    ConsistentTeacher uses 1: a unit variance is far wider than scores in [0, 1] and EM then stops
    after ~3 iterations with both components straddling the middle); the component started at the
    max is the positive one. "high": the lowest positive score at or above the positive component's
    densest sample (about its mode); "middle": the lowest positive score.

    Args:
        scores: (N,) scores in [0, 1] (array or tensor).
        default: returned when N < 4, the scores have no spread or no score falls in the
            positive component (ConsistentTeacher's `given_gt_thr`).
        policy: "high" or "middle".
    Returns: a float threshold (no bound: :class:`ClassScoreThresholds` clamps).
    """
    from sklearn.mixture import GaussianMixture

    if policy not in ("high", "middle"):
        raise ValueError(f"gmm_score_threshold: policy must be 'high' or 'middle', got {policy!r}")
    x = torch.as_tensor(scores, dtype=torch.float64).reshape(-1, 1).cpu().numpy()
    if len(x) < 4 or np.ptp(x) == 0:
        return float(default)
    gmm = GaussianMixture(
        2,
        weights_init=[0.5, 0.5],
        means_init=[[x.min()], [x.max()]],
        precisions_init=[[[1.0 / x.var()]]] * 2,
    )
    gmm.fit(x)
    positive = gmm.predict(x) == 1
    if not positive.any():
        return float(default)
    if policy == "middle":
        return float(x[positive].min())
    density = np.where(positive, gmm.score_samples(x), -np.inf)
    mode_score = x[int(np.argmax(density)), 0]
    return float(x[positive & (x[:, 0] >= mode_score)].min())


class _PerClassThresholds(nn.Module):
    """A (K,) `thresholds` buffer, clamped to [min_threshold, max_threshold], read per box."""

    def __init__(
        self, num_classes: int, default: float, min_threshold: float, max_threshold: float
    ):
        super().__init__()
        self.default = default
        self.min_threshold, self.max_threshold = min_threshold, max_threshold
        self.register_buffer("thresholds", torch.full((num_classes,), float(default)))

    def _clamp(self, threshold: float) -> float:
        return min(max(threshold, self.min_threshold), self.max_threshold)

    def per_box(self, classes: torch.Tensor) -> torch.Tensor:
        """(N,) threshold of each box's class."""
        return self.thresholds.to(classes.device)[classes]

    def log(self, prefix: str) -> None:
        """Each class's current threshold as the scalar `<prefix>/class_<k>`."""
        storage = get_event_storage()
        for k, thr in enumerate(self.thresholds.tolist()):
            storage.put_scalar(f"{prefix}/class_{k}", thr)


class ClassScoreThresholds(_PerClassThresholds):
    """Per-class queues of the teacher's recent detection scores and their GMM thresholds.

    The queues are buffers: they are checkpointed with the model and restored on resume, so an
    interrupted run continues with the same thresholds. In distributed runs `update` gathers the
    scores of every rank, so all ranks hold the same queues.
    """

    def __init__(
        self,
        num_classes: int,
        queue_size: int = 100,
        default: float = 0.5,
        min_threshold: float = 0.0,
        max_threshold: float = 1.0,
        policy: str = "high",
    ):
        """
        Args:
            num_classes: K foreground classes.
            queue_size: recent scores kept per class (ConsistentTeacher: 100).
            default: the threshold of a class with too few scores (or no positive component);
                not clamped (e.g. the fixed threshold of the paper).
            min_threshold, max_threshold: clamp of the fitted thresholds.
            policy: see :func:`gmm_score_threshold`.
        """
        super().__init__(num_classes, default, min_threshold, max_threshold)
        self.policy = policy
        self.register_buffer("queue", torch.zeros(num_classes, queue_size))
        self.register_buffer("count", torch.zeros(num_classes, dtype=torch.long))  # total seen

    @torch.no_grad()
    def update(self, scores: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        """Push scores (N,) of classes (N,) into the queues and refit every class that got new
        scores. Returns the (K,) thresholds."""
        if comm.get_world_size() > 1:
            gathered = comm.all_gather((scores.cpu(), classes.cpu()))
            scores = torch.cat([s for s, _ in gathered])
            classes = torch.cat([c for _, c in gathered])
        scores, classes = scores.detach().cpu().float(), classes.cpu()
        size = self.queue.shape[1]
        for k in classes.unique().tolist():
            new = scores[classes == k][-size:]
            slots = (self.count[k] + torch.arange(len(new))) % size
            self.queue[k, slots] = new.to(self.queue)
            self.count[k] += len(new)
            filled = self.queue[k, : int(min(self.count[k], size))]
            thr = gmm_score_threshold(filled, float("nan"), self.policy)
            if thr != thr:  # no fit: the default, unclamped
                self.thresholds[k] = self.default
            else:
                self.thresholds[k] = self._clamp(thr)
        return self.thresholds

    def extra_repr(self) -> str:
        return f"classes={self.queue.shape[0]}, queue={self.queue.shape[1]}, policy={self.policy}"


class ClassFrequencyThresholds(_PerClassThresholds):
    """Per-class thresholds that keep, in each unlabeled batch, about `ratio` times as many
    pseudo-labels of a class as the labeled images hold per image: the labeled class frequencies
    are the prior (a distribution-alignment rule; no threshold is tuned on the data). A teacher that
    over- or under-scores a class then neither floods it with false pseudo-labels nor starves it.

    The labeled counts are buffers (checkpointed, restored on resume). Each rank counts its own
    labeled batches and ranks its own unlabeled batch.
    """

    def __init__(
        self,
        num_classes: int,
        ratio: float = 0.5,
        min_threshold: float = 0.05,
        max_threshold: float = 0.9,
        default: float = 0.9,
        carry_remainder: bool = False,
    ):
        """
        Args:
            num_classes: K foreground classes.
            ratio: pseudo-labels per class and image = ratio x labeled objects per image (< 1
                favours precision: on BCCD after burn-in, 0.5 gave precision 0.9 on the red and
                white cells and 0.68 on the platelets).
            min_threshold, max_threshold: clamp; a candidate above `max_threshold` is always a
                pseudo-label (the paper's confident boxes), one at or below `min_threshold` never.
            default: the threshold of every class before any labeled image was counted.
            carry_remainder: False: a batch keeps n = round(ratio x frequency x images) per
                class, so a class rarer than 1 / (2 x ratio x images) per image gets n = 0 in every
                batch and all its objects are trained as background (seen with 4 labeled demo
                images: 1 circle, ratio 0.5, 4 unlabeled images -> 0.5 -> 0). True: the fraction
                left over is carried to the next batch (n = floor(ratio x frequency x images +
                carry)), so the kept count averages ratio x frequency x images for every class.
        """
        if not 0.0 < ratio:
            raise ValueError(f"ClassFrequencyThresholds: ratio must be > 0, got {ratio}")
        super().__init__(num_classes, default, min_threshold, max_threshold)
        self.ratio = ratio
        self.carry_remainder = carry_remainder
        self.register_buffer("counts", torch.zeros(num_classes, dtype=torch.float64))
        self.register_buffer("images", torch.zeros((), dtype=torch.long))
        # (K,) the fractional pseudo-label quota not yet kept (carry_remainder); checkpointed
        self.register_buffer("carry", torch.zeros(num_classes, dtype=torch.float64))

    @torch.no_grad()
    def observe(self, gt_classes: Sequence[torch.Tensor]) -> None:
        """Count the ground-truth classes of a labeled batch (one (Ni,) tensor per image)."""
        k = self.counts.shape[0]
        for classes in gt_classes:
            self.counts += torch.bincount(classes.cpu().long(), minlength=k)[:k].double()
        self.images += len(gt_classes)

    def frequency(self) -> torch.Tensor:
        """(K,) labeled objects per image."""
        return self.counts / self.images.clamp(min=1)

    @torch.no_grad()
    def update(self, scores: torch.Tensor, classes: torch.Tensor, num_images: int) -> torch.Tensor:
        """Thresholds for one unlabeled batch of `num_images` images whose candidates have
        `scores` (N,) and `classes` (N,): per class, the (n+1)-th highest score with
        n = round(ratio x frequency x num_images) (or its floor after adding the carried
        remainder), clamped. Returns the (K,) thresholds."""
        if int(self.images) == 0:
            return self.thresholds
        scores, classes = scores.detach().cpu().float(), classes.cpu()
        quota = self.ratio * self.frequency() * num_images  # (K,) float64
        if self.carry_remainder:
            quota = quota + self.carry
            wanted = torch.floor(quota + 1e-9)
            self.carry.copy_((quota - wanted).clamp(min=0.0))
            wanted = wanted.long()
        else:
            wanted = torch.round(quota).long()
        for k in range(self.counts.shape[0]):
            ranked = torch.sort(scores[classes == k], descending=True).values
            n = int(wanted[k])
            thr = float(ranked[n]) if n < len(ranked) else self.min_threshold
            self.thresholds[k] = self._clamp(thr)
        return self.thresholds

    def extra_repr(self) -> str:
        return (
            f"classes={self.counts.shape[0]}, ratio={self.ratio}, "
            f"carry_remainder={self.carry_remainder}"
        )
