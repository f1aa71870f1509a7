"""Which pseudo-labelled pixels Conf-CE trains on (pure functions).

"threshold" (the paper): pixels whose teacher confidence (max softmax) is >= t. "frequency":
class-balanced selection, the pixel analogue of Soft Teacher's "frequency" threshold policy: per
class c and unlabeled batch, the `ratio x prior_c x P` most confident pixels pseudo-labelled c
(P pixels in the batch, prior_c the labeled pixels' class frequency), so the large classes are
held to their surest pixels and the rare ones keep what the teacher gives them.
"""

import torch

__all__ = ["SELECTIONS", "threshold_selection", "frequency_selection"]

SELECTIONS = ("threshold", "frequency")


def threshold_selection(confidence: torch.Tensor, threshold: float) -> torch.Tensor:
    """(N, H, W) max softmax -> (N, H, W) bool: confidence >= threshold."""
    return confidence >= threshold


def frequency_selection(
    confidence: torch.Tensor, pseudo: torch.Tensor, prior: torch.Tensor, ratio: float
) -> torch.Tensor:
    """Per class c the round(ratio x prior[c] x P) most confident pixels with pseudo-label c.

    Args:
        confidence: (N, H, W) teacher max softmax.
        pseudo: (N, H, W) int64 teacher argmax in [0, K).
        prior: (K,) class frequencies of the labeled pixels (sums to 1).
        ratio: kept pixels per class relative to its labeled share.
    Returns:
        (N, H, W) bool mask (ties in confidence are kept in pixel order).
    """
    flat_c, flat_w = pseudo.flatten(), confidence.flatten()
    n = flat_c.numel()
    num_classes = prior.numel()
    quota = torch.round(ratio * prior.to(torch.float64) * n).to(torch.int64)  # (K,)
    # sort by class, then by decreasing confidence: a pixel's rank inside its class
    order = torch.argsort(flat_w, descending=True, stable=True)
    order = order[torch.argsort(flat_c[order], stable=True)]
    counts = torch.bincount(flat_c, minlength=num_classes)
    starts = torch.cumsum(counts, 0) - counts
    sorted_c = flat_c[order]
    rank = torch.arange(n, device=flat_c.device) - starts[sorted_c]
    mask = torch.zeros(n, dtype=torch.bool, device=flat_c.device)
    mask[order] = rank < quota.to(flat_c.device)[sorted_c]
    return mask.view_as(pseudo)
