"""Visualizer PNGs of predictions and of ground truth (Detectron2's `Visualizer`)."""

import os

import cv2
import torch
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.detection_utils import read_image
from detectron2.utils.visualizer import Visualizer

__all__ = ["draw_predictions", "draw_ground_truth", "visualize_predictions"]


def draw_predictions(image_rgb, instances, metadata, score_thresh: float = 0.5):
    """image_rgb: (H, W, 3) uint8 RGB; instances: Detectron2 Instances in image coordinates.
    Returns the drawn (H, W, 3) RGB image, keeping predictions with score >= score_thresh."""
    instances = instances.to("cpu")
    if instances.has("scores"):
        instances = instances[instances.scores >= score_thresh]
    return Visualizer(image_rgb, metadata).draw_instance_predictions(instances).get_image()


def draw_ground_truth(record: dict, metadata):
    """record: a Detectron2 dataset dict (file_name + annotations). Returns (H, W, 3) RGB."""
    image = read_image(record["file_name"], format="RGB")
    return Visualizer(image, metadata).draw_dataset_dict(record).get_image()


def _test_dataset_name(cfg):
    names = cfg.dataloader.test.dataset.names
    return names if isinstance(names, str) else names[0]


@torch.no_grad()
def visualize_predictions(model, cfg, out_dir: str, max_images: int = 4, score_thresh: float = 0.5):
    """Run `model` on the first `max_images` of the config's test loader and write
    `<out_dir>/<image>.png` (prediction | ground truth side by side). Returns the paths."""
    os.makedirs(out_dir, exist_ok=True)
    name = _test_dataset_name(cfg)
    metadata = MetadataCatalog.get(name)
    records = {r["file_name"]: r for r in DatasetCatalog.get(name)}
    was_training = model.training
    model.eval()
    paths = []
    for batch in instantiate(cfg.dataloader.test):
        for inp, out in zip(batch, model(batch)):
            image = read_image(inp["file_name"], format="RGB")
            pred = draw_predictions(image, out["instances"], metadata, score_thresh)
            panels = [pred]
            if inp["file_name"] in records:
                panels.append(draw_ground_truth(records[inp["file_name"]], metadata))
            canvas = cv2.hconcat(panels)
            path = os.path.join(
                out_dir, os.path.splitext(os.path.basename(inp["file_name"]))[0] + ".png"
            )
            cv2.imwrite(path, canvas[:, :, ::-1])
            paths.append(path)
            if len(paths) >= max_images:
                model.train(was_training)
                return paths
    model.train(was_training)
    return paths
