"""Pretraining losses as pure functions: center loss (Wen et al., ECCV 2016), its center update,
and the patch-pretext losses (cosine contrast of the FloW write-up; InfoNCE as an option)."""

import torch
import torch.nn.functional as F

__all__ = [
    "center_loss",
    "center_stats",
    "apply_center_update",
    "update_centers",
    "cosine_patch_loss",
    "info_nce_patch_loss",
]


def center_loss(
    features: torch.Tensor, labels: torch.Tensor, centers: torch.Tensor
) -> torch.Tensor:
    """0.5 * mean_i ||x_i - c_{y_i}||^2 (Wen et al. Eq. 2, averaged over the batch).

    features: (N, D); labels: (N,) int64 in [0, K); centers: (K, D). Returns a scalar
    (0 for an empty batch). Gradients flow into whichever of features/centers require them.
    """
    if features.shape[0] == 0:
        return features.sum() * 0.0
    diff = features - centers[labels]
    return 0.5 * (diff * diff).sum(dim=1).mean()


@torch.no_grad()
def center_stats(features: torch.Tensor, labels: torch.Tensor, num_classes: int):
    """Per-class count (K,) and feature sum (K, D) of a batch (summable across processes)."""
    x = features.detach()
    counts = torch.bincount(labels, minlength=num_classes).to(x.dtype)
    sums = torch.zeros(num_classes, x.shape[1], dtype=x.dtype, device=x.device)
    return counts, sums.index_add_(0, labels, x)


@torch.no_grad()
def apply_center_update(
    centers: torch.Tensor, counts: torch.Tensor, sums: torch.Tensor, alpha: float
) -> torch.Tensor:
    """Wen et al. Eq. 4 from batch statistics: c_j - alpha * (n_j c_j - sum_j) / (1 + n_j)."""
    counts, sums = counts.to(centers.dtype), sums.to(centers.dtype)
    delta = (counts[:, None] * centers - sums) / (1.0 + counts[:, None])
    return centers - alpha * delta


@torch.no_grad()
def update_centers(
    centers: torch.Tensor, features: torch.Tensor, labels: torch.Tensor, alpha: float
) -> torch.Tensor:
    """Wen et al. Eq. 4: c_j <- c_j - alpha * sum_{i: y_i=j} (c_j - x_i) / (1 + n_j).

    centers: (K, D), features: (N, D), labels: (N,). Returns the new (K, D) centers (a new tensor);
    classes absent from the batch keep their centers. alpha in [0, 1] is the centers' learning rate.
    """
    counts, sums = center_stats(features, labels, centers.shape[0])
    return apply_center_update(centers, counts, sums, alpha)


def cosine_patch_loss(
    anchor: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor
) -> torch.Tensor:
    """-mean cos(a, p) + mean cos(a, n) (the FloW write-up's patch pretext).

    anchor: (N, D); positives: (N, P, D); negatives: (N, M, D). Returns a scalar in [-2, 2].
    """
    a = F.normalize(anchor, dim=-1)[:, None]
    pos = (a * F.normalize(positives, dim=-1)).sum(-1)  # (N, P)
    neg = (a * F.normalize(negatives, dim=-1)).sum(-1)  # (N, M)
    return -pos.mean() + neg.mean()


def info_nce_patch_loss(
    anchor: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor, temperature: float = 0.1
) -> torch.Tensor:
    """InfoNCE: for every (anchor, positive) pair, cross-entropy of picking that positive among
    itself and the anchor's negatives, on cosine similarities / temperature.

    anchor: (N, D); positives: (N, P, D); negatives: (N, M, D). Returns a scalar >= 0.
    """
    a = F.normalize(anchor, dim=-1)[:, None]
    pos = (a * F.normalize(positives, dim=-1)).sum(-1) / temperature  # (N, P)
    neg = (a * F.normalize(negatives, dim=-1)).sum(-1) / temperature  # (N, M)
    n, p = pos.shape
    logits = torch.cat([pos.reshape(n * p, 1), neg.repeat_interleave(p, dim=0)], dim=1)
    target = torch.zeros(n * p, dtype=torch.long, device=logits.device)
    return F.cross_entropy(logits, target)
