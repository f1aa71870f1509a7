"""PS-MT perturbations: T-VAT on encoder features (teacher-guided virtual adversarial noise) and
CutMix within the unlabeled batch."""

import contextlib
from typing import Callable, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["l2_normalize_per_sample", "tvat_perturbation", "cutmix_boxes", "apply_cutmix"]


def l2_normalize_per_sample(d: torch.Tensor) -> torch.Tensor:
    """Divide each sample of (N, ...) by its L2 norm over all non-batch dims.

    The official `_l2_normalize` divides by `norm + 1e-8`; with xi = 1e-6 the KL gradient often has
    a norm far below 1e-8, which silently shrinks r_adv below eps. Here the norm is only floored at
    float32's smallest normal number, so every non-zero sample gets norm exactly 1 (a zero
    gradient stays zero)."""
    d32 = d.to(torch.promote_types(d.dtype, torch.float32))  # fp16 (AMP) norms would underflow
    norms = d32.flatten(1).norm(dim=1).view(-1, *([1] * (d.dim() - 1)))
    return (d32 / norms.clamp_min(torch.finfo(torch.float32).tiny)).to(d.dtype)


@contextlib.contextmanager
def _eval_mode(modules: Sequence[nn.Module]):
    """Put modules in eval mode (BN uses running statistics, dropout off), restoring after."""
    modes = [m.training for m in modules]
    for m in modules:
        m.eval()
    try:
        yield
    finally:
        for m, mode in zip(modules, modes):
            m.train(mode)


def tvat_perturbation(
    features: torch.Tensor,
    teacher_decoders: Sequence[Callable[[torch.Tensor], torch.Tensor]],
    xi: float = 1e-6,
    eps: float = 2.0,
    iterations: int = 1,
    noise: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """Teacher-guided VAT (T-VAT, `get_r_adv_t` of the official code).

    Starting from random unit noise d (uniform in [-0.5, 0.5], L2-normalised per sample), one power
    iteration takes the gradient of `KL(p || p_hat)` w.r.t. d, with p the teacher ensemble's softmax
    (mean of the teachers' logits) on the clean features and p_hat on `features + xi * d`
    (KL with `batchmean` reduction), and returns `r_adv = eps * grad / ||grad||` per sample.
    The teachers' decoders run in eval mode; no gradient reaches their parameters or `features`.

    Args:
        features: (N, C, H, W) student encoder features.
        teacher_decoders: callables (N, C, H, W) -> (N, K, H', W') logits; nn.Modules are put in
            eval mode for the search and restored afterwards.
        xi: finite-difference step (1e-6 in the official code).
        eps: norm of the returned perturbation per sample (2.0 in the official code).
        iterations: power iterations (1 in the official code).
        noise: optional (N, C, H, W) initial direction (random when None).
    Returns:
        r_adv: (N, C, H, W), detached, with L2 norm `eps` per sample.
    """
    modules = [m for m in teacher_decoders if isinstance(m, nn.Module)]
    x = features.detach()
    with _eval_mode(modules):
        with torch.no_grad():
            target = F.softmax(_mean_logits(teacher_decoders, x), dim=1)
        d = torch.rand_like(x) - 0.5 if noise is None else noise.detach().to(x)
        d = l2_normalize_per_sample(d)
        for _ in range(iterations):
            d.requires_grad_(True)
            with torch.enable_grad():
                log_p_hat = F.log_softmax(_mean_logits(teacher_decoders, x + xi * d), dim=1)
                distance = F.kl_div(log_p_hat, target, reduction="batchmean")
                (grad,) = torch.autograd.grad(distance, d)
            d = l2_normalize_per_sample(grad.detach())
    return eps * d


def _mean_logits(decoders, x):
    return torch.stack([dec(x) for dec in decoders]).mean(dim=0)


def cutmix_boxes(
    batch_size: int,
    height: int,
    width: int,
    beta: Tuple[float, float] = (4.0, 4.0),
    rng: Optional[np.random.Generator] = None,
):
    """One CutMix box per image (official `rand_bbox_1`): lambda ~ Beta(4, 4) drawn once per batch,
    box side `sqrt(1 - lambda)` of the image side, centre uniform in [side / 8, side) per image,
    clipped to the image (so the pasted area is at most `1 - lambda`).

    Returns:
        boxes: (N, 4) int64 numpy array of [y0, y1, x0, x1] (half-open);
        lam: the drawn lambda (float).
    """
    rng = np.random.default_rng() if rng is None else rng
    lam = float(rng.beta(*beta))
    cut = np.sqrt(1.0 - lam)
    cut_h, cut_w = int(height * cut), int(width * cut)
    cy = rng.integers(height // 8, height, size=batch_size)
    cx = rng.integers(width // 8, width, size=batch_size)
    y0 = np.clip(cy - cut_h // 2, 0, height)
    y1 = np.clip(cy + cut_h // 2, 0, height)
    x0 = np.clip(cx - cut_w // 2, 0, width)
    x1 = np.clip(cx + cut_w // 2, 0, width)
    return np.stack([y0, y1, x0, x1], axis=1).astype(np.int64), lam


def apply_cutmix(tensors: Sequence[torch.Tensor], boxes: np.ndarray, partner: torch.Tensor):
    """Paste, for every image i, the box `boxes[i]` of image `partner[i]` into image i, with the
    same box and partner for every tensor (strong images and teacher targets alike).

    Args:
        tensors: tensors shaped (N, ..., H, W) (e.g. (N, 3, H, W) images, (N, K, H, W) logits).
        boxes: (N, 4) [y0, y1, x0, x1] from `cutmix_boxes`.
        partner: (N,) long permutation of the batch (`torch.randperm(N)` in the official code).
    Returns:
        list of mixed copies (inputs are not modified).
    """
    mixed = [t.clone() for t in tensors]
    for i, (y0, y1, x0, x1) in enumerate(boxes.tolist()):
        j = int(partner[i])
        for src, dst in zip(tensors, mixed):
            dst[i, ..., y0:y1, x0:x1] = src[j, ..., y0:y1, x0:x1]
    return mixed
