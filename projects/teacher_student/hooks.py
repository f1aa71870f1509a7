"""`PseudoLabelVisualizerHook`: PNGs of the last logged pseudo-labels (weak view) and their
projection into the strong view."""

import os

import cv2
import numpy as np
from detectron2.data.detection_utils import convert_image_to_rgb
from detectron2.engine import HookBase
from detectron2.utils import comm
from detectron2.utils.visualizer import Visualizer

from .utils import unwrap_model

__all__ = ["PseudoLabelVisualizerHook", "draw_pseudo_labels"]


def draw_pseudo_labels(snapshot: dict) -> np.ndarray:
    """The views of a `TeacherStudent.last_pseudo_labels` snapshot side by side, boxes drawn:
    (H, W_total, 3) uint8 RGB."""
    panels = []
    for name, (image, boxes, classes) in snapshot["views"].items():
        rgb = convert_image_to_rgb(image.permute(1, 2, 0).numpy(), snapshot["image_format"])
        vis = Visualizer(rgb)
        vis.overlay_instances(boxes=boxes.numpy(), labels=[str(int(c)) for c in classes])
        vis.draw_text(name, (4, 4), horizontal_alignment="left")
        panels.append(vis.get_output().get_image())
    height = max(p.shape[0] for p in panels)
    panels = [np.pad(p, ((0, height - p.shape[0]), (0, 4), (0, 0))) for p in panels]
    return np.concatenate(panels, axis=1)


class PseudoLabelVisualizerHook(HookBase):
    """Every `period` iterations (main process), writes
    `<output_dir>/pseudo_labels/iter_<iter>.png` from the model's last pseudo-labels."""

    def __init__(self, period: int, output_dir: str):
        self.period = period
        self.output_dir = os.path.join(output_dir, "pseudo_labels")

    def after_step(self):
        if self.period <= 0 or (self.trainer.iter + 1) % self.period != 0:
            return
        if not comm.is_main_process():
            return
        snapshot = getattr(unwrap_model(self.trainer.model), "last_pseudo_labels", None)
        if snapshot is None:
            return
        os.makedirs(self.output_dir, exist_ok=True)
        path = os.path.join(self.output_dir, f"iter_{self.trainer.iter:07d}.png")
        cv2.imwrite(path, draw_pseudo_labels(snapshot)[:, :, ::-1])
