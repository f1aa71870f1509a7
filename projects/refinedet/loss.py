"""RefineDet losses (ARM and ODM multibox losses) and hard negative mining, as pure functions."""

from typing import Optional, Tuple

import torch
import torch.nn.functional as F


def hard_negative_mining(
    neg_losses: torch.Tensor,
    positive: torch.Tensor,
    eligible: torch.Tensor,
    neg_pos_ratio: float = 3.0,
) -> torch.Tensor:
    """Pick, per image, the `neg_pos_ratio` x (number of positives) eligible negatives with the
    highest loss (all eligible ones if fewer), as Caffe's MineHardExamples (MAX_NEGATIVE).

    neg_losses: (N, R) classification loss of each anchor against background;
    positive: (N, R) bool; eligible: (N, R) bool, anchors allowed to be negatives (positives are
    never negatives). Returns (N, R) bool mask of the selected negatives.
    """
    candidates = eligible & ~positive
    num_neg = (positive.sum(dim=1) * neg_pos_ratio).long()
    num_neg = torch.minimum(num_neg, candidates.sum(dim=1))
    masked = neg_losses.detach().masked_fill(~candidates, float("-inf"))
    order = masked.argsort(dim=1, descending=True)
    rank = order.argsort(dim=1)
    return (rank < num_neg.unsqueeze(1)) & candidates


def multibox_loss(
    deltas: torch.Tensor,
    logits: torch.Tensor,
    target_labels: torch.Tensor,
    target_deltas: torch.Tensor,
    background_label: int,
    negative_filter: Optional[torch.Tensor] = None,
    neg_pos_ratio: float = 3.0,
    smooth_l1_beta: float = 1.0,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """SSD multibox loss with hard negative mining, normalised by the number of positives.

    deltas: (N, R, 4) predicted offsets; logits: (N, R, K) class logits;
    target_labels: (N, R) long in [0, K), `background_label` for unmatched anchors;
    target_deltas: (N, R, 4) encoded targets (read at positives only);
    negative_filter: (N, R) bool, True where an anchor may NOT be a negative (negative anchor
    filtering of the ODM); positives are kept whatever the filter says, as in the official
    MineHardExamples (RefineDet.PyTorch also drops such positives; we follow the official code).

    Returns (loc_loss, cls_loss): smooth-L1 summed over positives and softmax cross-entropy summed
    over positives + mined negatives, both divided by max(1, number of positives in the batch)
    (Caffe normalization VALID; loc_weight = (neg_pos_ratio + 1) / 4 = 1).
    """
    positive = target_labels != background_label
    num_pos = max(1.0, float(positive.sum()))
    with torch.no_grad():
        bg = torch.full_like(target_labels, background_label)
        bg_losses = F.cross_entropy(logits.flatten(0, 1), bg.flatten(), reduction="none")
        eligible = torch.ones_like(positive) if negative_filter is None else ~negative_filter
        negative = hard_negative_mining(
            bg_losses.view_as(positive), positive, eligible, neg_pos_ratio
        )
    loc_loss = F.smooth_l1_loss(
        deltas[positive], target_deltas[positive], beta=smooth_l1_beta, reduction="sum"
    )
    selected = positive | negative
    cls_loss = F.cross_entropy(logits[selected], target_labels[selected], reduction="sum")
    return loc_loss / num_pos, cls_loss / num_pos
