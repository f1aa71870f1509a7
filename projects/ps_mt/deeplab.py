"""DeepLabv3+ (Detectron2's DeepLab ResNet + `DeepLabV3PlusHead`) split into encoder features and a
decoder, as PS-MT needs: T-VAT perturbs the features the final decoder block sees."""

import os
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.config import configurable
from detectron2.modeling import META_ARCH_REGISTRY, SemanticSegmentor
from detectron2.modeling.backbone.resnet import BottleneckBlock, ResNet
from detectron2.modeling.postprocessing import sem_seg_postprocess
from detectron2.projects.deeplab import DeepLabV3PlusHead
from detectron2.projects.deeplab.resnet import DeepLabStem
from detectron2.structures import ImageList

__all__ = ["deeplab_resnet", "DeepLabV3PlusSegmentor", "head_encode", "head_decode"]

_BLOCKS = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3]}


def deeplab_resnet(
    depth: int = 50,
    *,
    num_blocks_per_stage: Optional[Sequence[int]] = None,
    stem_out_channels: int = 128,
    res2_out_channels: int = 256,
    width_per_group: int = 64,
    norm: str = "BN",
    out_features: Sequence[str] = ("res2", "res5"),
    res5_dilation: int = 2,
    res5_multi_grid: Sequence[int] = (1, 2, 4),
    freeze_at: int = 0,
    weights: str = "",
) -> ResNet:
    """The DeepLab ResNet of `detectron2.projects.deeplab` (deep 3x3 stem, dilated res5 with
    multi-grid: output stride 16) with explicit arguments instead of a yacs cfg, so LazyConfig can
    call it. `depth` 50/101 selects the stage depths; `num_blocks_per_stage` (4 ints) overrides it
    for small CPU models (with small `stem_out_channels` / `res2_out_channels` / `width_per_group`).
    PS-MT's ResNets (deep stem of width 64, layer4 dilated 2/4/8) are this with R-50/R-101 depths.

    `weights`: an ImageNet checkpoint, a local file or a Detectron2 model-zoo name (the paper
    configs: `detectron2://DeepLab/R-52.pkl` / `R-103.pkl`, fetched where a network exists),
    loaded into this backbone alone, before any teacher copies the student (a whole-model
    checkpoint would match each backbone key three times: student, teacher, teacher2).
    """
    blocks = list(num_blocks_per_stage) if num_blocks_per_stage else _BLOCKS[depth]
    if len(blocks) != 4:
        raise ValueError(f"deeplab_resnet: num_blocks_per_stage needs 4 entries, got {blocks}")
    stem = DeepLabStem(in_channels=3, out_channels=stem_out_channels, norm=norm)
    in_channels, out_channels = stem_out_channels, res2_out_channels
    bottleneck = width_per_group
    max_stage = max({"res2": 2, "res3": 3, "res4": 4, "res5": 5}[f] for f in out_features)
    stages = []
    for idx, stage_idx in enumerate(range(2, max_stage + 1)):
        dilation = res5_dilation if stage_idx == 5 else 1
        first_stride = 1 if idx == 0 or dilation > 1 else 2
        kwargs = dict(
            block_class=BottleneckBlock,
            num_blocks=blocks[idx],
            stride_per_block=[first_stride] + [1] * (blocks[idx] - 1),
            in_channels=in_channels,
            out_channels=out_channels,
            bottleneck_channels=bottleneck,
            norm=norm,
            stride_in_1x1=False,
        )
        if stage_idx == 5:
            grid = list(res5_multi_grid)[: blocks[idx]]
            grid += [grid[-1]] * (blocks[idx] - len(grid))
            kwargs["dilation_per_block"] = [dilation * g for g in grid]
        stages.append(ResNet.make_stage(**kwargs))
        in_channels, out_channels, bottleneck = out_channels, out_channels * 2, bottleneck * 2
    backbone = ResNet(stem, stages, out_features=list(out_features))
    if weights:
        # a URL / model-zoo name ("detectron2://DeepLab/R-52.pkl") is resolved by the checkpointer
        if "://" not in weights and not os.path.isfile(weights):
            raise FileNotFoundError(f"deeplab_resnet: backbone weights not found: {weights}")
        DetectionCheckpointer(backbone).load(weights)
    return backbone.freeze(freeze_at)


def head_encode(head: DeepLabV3PlusHead, features: Dict[str, torch.Tensor]) -> torch.Tensor:
    """Everything of `DeepLabV3PlusHead.layers` before the last (highest-resolution) fuse block:
    ASPP on the coarsest map, then projection + upsampling + concatenation of each finer level.

    Returns: (N, C_cat, H / s, W / s) with s the finest input stride (4 for res2); for the usual two
    inputs, C_cat = project_channels[0] + ASPP channels (48 + 256 = 304, PS-MT's encoder output).
    """
    finest = head.in_features[0]
    y = None
    for name in head.in_features[::-1]:
        proj = head.decoder[name]["project_conv"](features[name])
        if head.decoder[name]["fuse_conv"] is None:  # the ASPP stage
            y = proj
            continue
        y = F.interpolate(y, size=proj.shape[2:], mode="bilinear", align_corners=False)
        y = torch.cat([proj, y], dim=1)
        if name != finest:
            y = head.decoder[name]["fuse_conv"](y)
    return y


def head_decode(head: DeepLabV3PlusHead, encoded: torch.Tensor) -> torch.Tensor:
    """The rest of the head: last fuse block + 1x1 predictor. (N, C_cat, h, w) -> (N, K, h, w)."""
    y = head.decoder[head.in_features[0]]["fuse_conv"](encoded)
    return head.predictor(y)


@META_ARCH_REGISTRY.register()
class DeepLabV3PlusSegmentor(SemanticSegmentor):
    """Detectron2's `SemanticSegmentor` with a `DeepLabV3PlusHead`, exposing `encode` / `decode`.

    Training input: list of dicts with "image" (uint8 CHW) and "sem_seg" (H, W long); returns
    {"loss_sem_seg"} (CE with the head's ignore value). Inference: [{"sem_seg": (K, H, W)}].
    """

    @configurable
    def __init__(self, *, size_divisibility: int = 16, **kwargs):
        """
        Args:
            size_divisibility: pad batches to a multiple of this (the encoder's output stride) so
                that decoder logits upsampled by the head's stride match the padded image.
            kwargs: `backbone`, `sem_seg_head` (a DeepLabV3PlusHead), `pixel_mean`, `pixel_std`.
        """
        super().__init__(**kwargs)
        if (
            not isinstance(self.sem_seg_head, DeepLabV3PlusHead)
            or len(self.sem_seg_head.in_features) < 2
        ):
            raise TypeError(
                "DeepLabV3PlusSegmentor needs a DeepLabV3PlusHead with at least two input features"
                f" (a low-level one and the ASPP one), got {type(self.sem_seg_head).__name__}"
            )
        self.size_divisibility = size_divisibility

    @classmethod
    def from_config(cls, cfg):
        ret = super().from_config(cfg)
        ret["size_divisibility"] = cfg.MODEL.get("SIZE_DIVISIBILITY", 16)
        return ret

    @property
    def ignore_value(self) -> int:
        return self.sem_seg_head.ignore_value

    def preprocess_images(self, batched_inputs: List[dict], key: str = "image") -> ImageList:
        """Normalise and pad `x[key]` (`x[key]["image"]` for multi-view items) into an ImageList."""
        images = []
        for x in batched_inputs:
            img = x[key]["image"] if isinstance(x[key], dict) else x[key]
            images.append((img.to(self.device) - self.pixel_mean) / self.pixel_std)
        return ImageList.from_tensors(images, self.size_divisibility)

    def preprocess_targets(self, batched_inputs: List[dict], key: str = "sem_seg") -> torch.Tensor:
        """(N, H_pad, W_pad) long labels padded with the ignore value."""
        targets = [x[key].to(self.device) for x in batched_inputs]
        return ImageList.from_tensors(
            targets, self.size_divisibility, pad_value=self.ignore_value
        ).tensor

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) normalised images -> (N, C_cat, H / 4, W / 4) features (see head_encode)."""
        return head_encode(self.sem_seg_head, self.backbone(images))

    def decode(self, features: torch.Tensor) -> torch.Tensor:
        """(N, C_cat, h, w) -> (N, K, h, w) logits at the feature resolution."""
        return head_decode(self.sem_seg_head, features)

    def upsample(self, logits: torch.Tensor, size) -> torch.Tensor:
        return F.interpolate(logits, size=tuple(size), mode="bilinear", align_corners=False)

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) normalised padded images -> (N, K, H, W) logits."""
        return self.upsample(self.decode(self.encode(images)), images.shape[-2:])

    def forward(self, batched_inputs: List[dict]):
        images = self.preprocess_images(batched_inputs)
        logits = self.logits(images.tensor)
        if self.training:
            targets = self.preprocess_targets(batched_inputs)
            loss = F.cross_entropy(logits, targets, ignore_index=self.ignore_value)
            return {"loss_sem_seg": loss * self.sem_seg_head.loss_weight}
        return postprocess_sem_seg(logits, images, batched_inputs)


def postprocess_sem_seg(logits: torch.Tensor, images: ImageList, batched_inputs: List[dict]):
    """(N, K, H_pad, W_pad) logits -> [{"sem_seg": (K, height, width)}] at each original size."""
    results = []
    for result, x, image_size in zip(logits, batched_inputs, images.image_sizes):
        height = x.get("height", image_size[0])
        width = x.get("width", image_size[1])
        results.append({"sem_seg": sem_seg_postprocess(result, image_size, height, width)})
    return results
