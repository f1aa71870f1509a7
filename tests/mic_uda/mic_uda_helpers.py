"""Tiny MIC models and hand-made source / multi-view target items for the mic_uda tests."""

import os

import numpy as np
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.structures import Boxes, Instances

import labeleff.projects.mic_uda  # noqa: F401  (registers MIC)
from labeleff.projects.mic_uda import MIC

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tiny_student(num_classes=3):
    cfg = LazyConfig.load(f"{REPO}/configs/common/models/faster_rcnn_tiny.py")
    cfg.model.roi_heads.num_classes = num_classes
    cfg.model.roi_heads.box_predictor.test_score_thresh = 0.0
    return instantiate(cfg.model)


def source_item(seed, size=(64, 80)):
    g = torch.Generator().manual_seed(seed)
    inst = Instances(size)
    inst.gt_boxes = Boxes(torch.tensor([[8.0, 10.0, 40.0, 50.0]]))
    inst.gt_classes = torch.tensor([seed % 3])
    image = torch.randint(0, 256, (3, *size), generator=g, dtype=torch.uint8)
    return {"image": image, "instances": inst, "height": size[0], "width": size[1]}


def target_item(seed, size=(64, 80), flip=False):
    """A multi-view item: weak = the image, strong = its horizontal flip (or the same)."""
    g = torch.Generator().manual_seed(100 + seed)
    image = torch.randint(0, 256, (3, *size), generator=g, dtype=torch.uint8)
    strong = torch.flip(image, dims=[-1]) if flip else image.clone()
    t_strong = np.array([[-1.0, 0, size[1]], [0, 1, 0], [0, 0, 1]]) if flip else np.eye(3)
    return {
        "file_name": f"t{seed}.jpg",
        "image_id": seed,
        "height": size[0],
        "width": size[1],
        "weak": {"image": image, "transform": np.eye(3)},
        "strong": {"image": strong, "transform": t_strong},
    }


def make_mic(**kwargs):
    """A tiny MIC model in training mode (seeded initialisation)."""
    torch.manual_seed(0)
    model = MIC(student=tiny_student(), **kwargs)
    model.train()
    return model
