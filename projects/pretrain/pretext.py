"""Self-supervised patch pretext: embeddings of neighbouring patches pulled together, of far
patches pushed apart (cosine contrast of the FloW write-up, or InfoNCE)."""

from typing import Dict, List, Optional, Sequence

from torch import nn

from .heads import PooledBackbone
from .losses import cosine_patch_loss, info_nce_patch_loss

__all__ = ["PatchPretextModel"]


class PatchPretextModel(nn.Module):
    """Training input: list of dicts {"anchor": (3, P, P), "positives": (4, 3, P, P),
    "negatives": (M, 3, P, P)}; returns {"loss_patch": loss}. Eval: (N, D) anchor embeddings.

    loss: "cosine" (-cos(a, p) + cos(a, n)) or "infonce" (with `temperature`).
    Embedding: pooled backbone feature -> Linear -> ReLU -> Linear (a small projection head).
    """

    def __init__(
        self,
        backbone: nn.Module,
        embed_dim: int = 128,
        loss: str = "cosine",
        temperature: float = 0.1,
        in_feature: Optional[str] = None,
        pixel_mean: Sequence[float] = (103.53, 116.28, 123.675),
        pixel_std: Sequence[float] = (57.375, 57.120, 58.395),
        input_format: str = "BGR",
    ):
        super().__init__()
        if loss not in ("cosine", "infonce"):
            raise ValueError(f"loss must be 'cosine' or 'infonce', got {loss!r}")
        self.encoder = PooledBackbone(backbone, in_feature, pixel_mean, pixel_std, input_format)
        c = self.encoder.out_channels
        self.project = nn.Sequential(
            nn.Linear(c, c), nn.ReLU(inplace=True), nn.Linear(c, embed_dim)
        )
        self.loss, self.temperature = loss, temperature

    @property
    def backbone(self) -> nn.Module:
        return self.encoder.backbone

    def forward(self, batched_inputs: List[Dict]):
        anchors = [d["anchor"] for d in batched_inputs]
        if not self.training:
            return self.project(self.encoder(anchors))
        n = len(batched_inputs)
        p = batched_inputs[0]["positives"].shape[0]
        m = batched_inputs[0]["negatives"].shape[0]
        patches = (
            anchors
            + [x for d in batched_inputs for x in d["positives"]]
            + [x for d in batched_inputs for x in d["negatives"]]
        )
        emb = self.project(self.encoder(patches))  # one pass: BN sees all patches
        a, pos, neg = emb[:n], emb[n : n + n * p].view(n, p, -1), emb[n + n * p :].view(n, m, -1)
        if self.loss == "cosine":
            return {"loss_patch": cosine_patch_loss(a, pos, neg)}
        return {"loss_patch": info_nce_patch_loss(a, pos, neg, self.temperature)}
