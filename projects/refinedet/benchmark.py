"""CPU inference throughput of RefineDet vs Detectron2's RetinaNet R50-FPN (same input size)."""

import time
from typing import Callable, Dict, List

import torch
from detectron2 import model_zoo
from detectron2.config import instantiate
from torch import nn

from .anchors import build_refinedet_anchor_generator
from .head import RefineDetHead
from .meta_arch import RefineDet
from .vgg import VGG16Reduced, vgg16_reduced_channels


def build_refinedet320(num_classes: int = 80, width_mult: float = 1.0) -> RefineDet:
    """RefineDet320 (full VGG16 width by default), random weights."""
    return RefineDet(
        backbone=VGG16Reduced(width_mult=width_mult),
        head=RefineDetHead(vgg16_reduced_channels(width_mult), 3, num_classes, 256),
        anchor_generator=build_refinedet_anchor_generator(),
        num_classes=num_classes,
        pixel_mean=[123.675, 116.28, 103.53],
        pixel_std=[58.395, 57.12, 57.375],
        input_format="RGB",
        test_size=320,
    )


def build_retinanet_r50_fpn(num_classes: int = 80) -> nn.Module:
    """Detectron2's model-zoo LazyConfig COCO-Detection/retinanet_R_50_FPN_1x.py, random weights."""
    cfg = model_zoo.get_config("COCO-Detection/retinanet_R_50_FPN_1x.py")
    cfg.model.num_classes = num_classes
    cfg.model.backbone.bottom_up.stem.norm = "FrozenBN"
    return instantiate(cfg.model)


def images_per_second(
    model: Callable, make_inputs: Callable[[], List[Dict]], warmup: int, iters: int
) -> float:
    """Batch-1 inference throughput: `warmup` untimed calls, then `iters` timed ones."""
    with torch.no_grad():
        for _ in range(warmup):
            model(make_inputs())
        start = time.perf_counter()
        for _ in range(iters):
            model(make_inputs())
        elapsed = time.perf_counter() - start
    return iters / elapsed


def random_image_inputs(size: int, seed: int = 0) -> Callable[[], List[Dict]]:
    """A generator of one-image batches ((3, size, size) uint8 noise, fixed seed)."""
    g = torch.Generator().manual_seed(seed)
    images = [
        torch.randint(0, 256, (3, size, size), dtype=torch.uint8, generator=g) for _ in range(4)
    ]
    state = {"i": 0}

    def make():
        state["i"] += 1
        return [{"image": images[state["i"] % len(images)], "height": size, "width": size}]

    return make


def network_only(model: nn.Module) -> Callable[[List[Dict]], object]:
    """Backbone + head of RefineDet or RetinaNet (no decoding, no NMS) on normalised inputs,
    to separate the network's cost from the post-processing's."""

    def run(batched_inputs: List[Dict]):
        x = torch.stack(
            [(b["image"].float() - model.pixel_mean) / model.pixel_std for b in batched_inputs]
        )
        if isinstance(model, RefineDet):
            return model._predict(x)
        features = model.backbone(x)
        return model.head([features[f] for f in model.head_in_features])

    return run
