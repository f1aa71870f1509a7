"""Labeled rare-class paste (pure functions; not in PS-MT, off unless `paste_max_share` > 0).

Conf-CE only trains a class where the teacher predicts it confidently. On CamVid 1/8 the teacher
never does for the thin classes (Pole, SignSymbol, Fence, Pedestrian, Bicyclist: 0 % of the
confident pixels), so the unsupervised loss trains their pixels as the large classes around them
and the student unlearns what the labeled loss taught. Pasting the labeled pixels of the rare
classes (labeled share below `max_share`) into the strong unlabeled views, with their ground truth
as certain targets, keeps those classes inside the unsupervised loss too (the idea of AEL's
copy-paste of under-represented classes, NeurIPS 2021).
"""

import torch
import torch.nn.functional as F

__all__ = ["CERTAIN_LOGIT_GAP", "rare_classes", "paste_labeled"]

# target logits of a pasted pixel: 0 for its class, -30 for the others, so its softmax (the
# Conf-CE weight) is 1 - (K - 1) e^-30, i.e. 1 in float32
CERTAIN_LOGIT_GAP = 30.0


def rare_classes(counts: torch.Tensor, max_share: float) -> torch.Tensor:
    """(K,) labeled pixel counts -> (K,) bool: the classes seen whose share is below max_share."""
    share = counts / counts.sum().clamp(min=1.0)
    return (counts > 0) & (share < max_share)


def paste_labeled(
    images: torch.Tensor,
    logits: torch.Tensor,
    src_images: torch.Tensor,
    src_labels: torch.Tensor,
    classes: torch.Tensor,
    ignore_value: int,
):
    """Paste the pixels of `classes` of labeled image `i % L` onto unlabeled image `i`.

    Args:
        images: (N, 3, H, W) unlabeled (strong) images, normalized.
        logits: (N, K, H, W) their teacher target logits.
        src_images: (L, 3, H', W') labeled images, normalized the same way.
        src_labels: (L, H', W') int64 labels (`ignore_value` where unlabelled or padding).
        classes: (K,) bool, the classes to paste.
        ignore_value: label value of no class.
    Returns:
        images (N, 3, H, W), logits (N, K, H, W) with the pasted pixels replaced (their logits
        certain of the ground-truth class), pasted (N, H, W) bool. A labeled image of another
        size is cropped / padded with `ignore_value` at the bottom and right to (H, W).
    """
    n, k, h, w = logits.shape
    idx = torch.arange(n, device=images.device) % src_images.shape[0]
    labels = src_labels[:, :h, :w]
    pad = (0, w - labels.shape[-1], 0, h - labels.shape[-2])
    labels = F.pad(labels, pad, value=ignore_value)[idx]  # (N, H, W)
    src = F.pad(src_images[..., :h, :w], pad)[idx]  # (N, 3, H, W)
    valid = (labels >= 0) & (labels < k)
    safe = torch.where(valid, labels, torch.zeros_like(labels))
    pasted = valid & classes.to(images.device)[safe]
    certain = torch.full_like(logits, -CERTAIN_LOGIT_GAP).scatter_(1, safe[:, None], 0.0)
    images = torch.where(pasted[:, None], src.to(images.dtype), images)
    logits = torch.where(pasted[:, None], certain, logits)
    return images, logits, pasted
