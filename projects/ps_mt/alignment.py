"""Distribution alignment of the teacher's pseudo-label probabilities (pure functions).

Not in PS-MT. ReMixMatch's distribution alignment, per pixel: the teacher probability p (K,) is
multiplied by prior / mean and renormalised, `prior` being the labeled pixels' class frequencies
and `mean` a running mean of the teacher's own class probabilities on unlabeled pixels. A class
the teacher predicts less often than it is labeled (CamVid's thin ones) is scaled up before
argmax and confidence are taken. Written on logits: softmax(log_softmax(z) + log prior - log
mean) is the renormalised product, so Conf-CE and CutMix take the aligned map unchanged.
"""

import torch
import torch.nn.functional as F

__all__ = ["align_logits", "update_running_mean"]

_EPS = 1e-6  # a class never labeled (prior 0) or never predicted (mean 0) stays finite


def align_logits(logits: torch.Tensor, prior: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
    """(N, K, H, W) teacher logits -> (N, K, H, W) log-probabilities of p * prior / mean,
    renormalised per pixel. prior, mean: (K,) class distributions."""
    shift = (prior.clamp(min=_EPS).log() - mean.clamp(min=_EPS).log()).to(logits)
    return F.log_softmax(F.log_softmax(logits, dim=1) + shift.view(1, -1, 1, 1), dim=1)


def update_running_mean(
    mean: torch.Tensor, logits: torch.Tensor, momentum: float, first: bool
) -> torch.Tensor:
    """In place: `mean = momentum * mean + (1 - momentum) * batch mean of softmax(logits)` over
    the N x H x W pixels of (N, K, H, W) logits; the first batch sets it. Returns `mean`."""
    batch = F.softmax(logits.float(), dim=1).mean(dim=(0, 2, 3)).to(mean)
    if first:
        return mean.copy_(batch)
    return mean.mul_(momentum).add_(batch, alpha=1.0 - momentum)
