"""tools/visualize.py's logic (kept in the package so it is testable)."""

import os

import cv2
import torch
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data.detection_utils import read_image

from .checkpoint import AtomicCheckpointer
from .config import load_config
from .data import register_datasets
from .visualize import (
    _test_dataset_name,
    draw_ground_truth,
    draw_predictions,
    visualize_predictions,
)


def load_model(cfg, weights):
    """`cfg.model` with the checkpoint `weights` (default `train.init_checkpoint`), in eval mode
    (CPU without CUDA); a missing file is an error naming it."""
    path = weights or cfg.train.init_checkpoint
    if not path or not os.path.isfile(path):  # before building the model: fail fast
        raise FileNotFoundError(f"checkpoint not found: {path!r} (pass --weights)")
    model = instantiate(cfg.model)
    model.to("cpu" if not torch.cuda.is_available() else cfg.train.device)
    AtomicCheckpointer(model).load(path)
    model.eval()
    return model


def run(args):
    cfg = load_config(args.config_file, args.opts)
    register_datasets(cfg)
    os.makedirs(args.output, exist_ok=True)
    name = _test_dataset_name(cfg)
    metadata = MetadataCatalog.get(name)
    if args.gt_only:
        paths = []
        for rec in DatasetCatalog.get(name)[: args.max_images]:
            path = os.path.join(
                args.output,
                "gt_" + os.path.splitext(os.path.basename(rec["file_name"]))[0] + ".png",
            )
            cv2.imwrite(path, draw_ground_truth(rec, metadata)[:, :, ::-1])
            paths.append(path)
        return paths
    model = load_model(cfg, args.weights)
    if not args.input:
        return visualize_predictions(model, cfg, args.output, args.max_images, args.score_thresh)
    mapper = instantiate(cfg.dataloader.test.mapper)
    paths = []
    with torch.no_grad():
        for f in args.input:
            if not os.path.isfile(f):
                raise FileNotFoundError(f"input image not found: {f}")
            image = read_image(f, format="RGB")
            h, w = image.shape[:2]
            inp = mapper({"file_name": f, "height": h, "width": w, "image_id": 0})
            out = model([inp])[0]
            path = os.path.join(args.output, os.path.splitext(os.path.basename(f))[0] + ".png")
            cv2.imwrite(
                path,
                draw_predictions(image, out["instances"], metadata, args.score_thresh)[:, :, ::-1],
            )
            paths.append(path)
    return paths
