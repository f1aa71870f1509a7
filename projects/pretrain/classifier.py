"""Supervised fg/bg pretraining: backbone -> global pool -> embedding -> linear head,
trained with cross-entropy + lambda * center loss on the embedding (Wen et al., ECCV 2016)."""

from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from detectron2.utils import comm
from torch import nn

from .heads import PooledBackbone
from .losses import apply_center_update, center_loss, center_stats

__all__ = ["CenterLoss", "BackboneClassifier"]


class CenterLoss(nn.Module):
    """Holds the class centers (K, D) as a buffer (saved in checkpoints) and updates them with
    Wen et al.'s rule (Eq. 4, rate `alpha`) after each training forward, so the centers' learning
    rate is independent of the optimizer and of lambda. Centers start at 0. Under DDP the batch
    statistics are summed over processes, so every process applies the same update.
    Returns `center_loss` with the centers detached (its gradient goes to the features only).
    """

    def __init__(self, num_classes: int, feat_dim: int, alpha: float = 0.5):
        super().__init__()
        self.alpha = alpha
        self.register_buffer("centers", torch.zeros(num_classes, feat_dim))  # moved by Eq. 4

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """features (N, D), labels (N,) -> scalar; in training mode the centers then move."""
        loss = center_loss(features, labels, self.centers.detach())
        if self.training:
            counts, sums = center_stats(features, labels, self.centers.shape[0])
            if comm.get_world_size() > 1:  # same update on every process: centers stay in sync
                torch.distributed.all_reduce(counts)
                torch.distributed.all_reduce(sums)
            self.centers.copy_(apply_center_update(self.centers, counts, sums, self.alpha))
        return loss


class BackboneClassifier(nn.Module):
    """Crop classifier around any backbone.

    Training input: list of dicts {"image": (3, S, S) tensor, "label": int}; returns
    {"loss_cls": CE, "loss_center": lambda * center loss}. Eval: returns (N, K) logits.
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int = 2,
        embed_dim: int = 128,
        center_loss_weight: float = 1.0,
        center_alpha: float = 0.5,
        in_feature: Optional[str] = None,
        pixel_mean: Sequence[float] = (103.53, 116.28, 123.675),
        pixel_std: Sequence[float] = (57.375, 57.120, 58.395),
        input_format: str = "BGR",
    ):
        super().__init__()
        self.encoder = PooledBackbone(backbone, in_feature, pixel_mean, pixel_std, input_format)
        self.embed = nn.Linear(self.encoder.out_channels, embed_dim)
        self.head = nn.Linear(embed_dim, num_classes)
        self.center_loss = CenterLoss(num_classes, embed_dim, center_alpha)
        self.center_loss_weight = center_loss_weight

    @property
    def backbone(self) -> nn.Module:
        return self.encoder.backbone

    def embedding(self, images: List[torch.Tensor]) -> torch.Tensor:
        """list of (3, S, S) -> (N, embed_dim)."""
        return self.embed(self.encoder(images))

    def forward(self, batched_inputs: List[Dict]):
        emb = self.embedding([d["image"] for d in batched_inputs])
        logits = self.head(F.relu(emb))
        if not self.training:
            return logits
        labels = torch.as_tensor([int(d["label"]) for d in batched_inputs], device=logits.device)
        if labels.numel() and int(labels.max()) >= logits.shape[1]:
            raise ValueError(
                f"crop label {int(labels.max())} needs model.num_classes > {int(labels.max())}, "
                f"got {logits.shape[1]} (per-category crops: number of categories + 1)"
            )
        return {
            "loss_cls": F.cross_entropy(logits, labels),
            "loss_center": self.center_loss_weight * self.center_loss(emb, labels),
        }
