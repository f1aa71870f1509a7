"""Shared by the reliability tests: a COCO json of demo images in a temp folder, and a config file
that trains the tiny supervised demo detector on it through tools/train_net.py."""

import json
import os
import shutil

from labeleff.data.demo import make_demo_detection

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = os.path.join(REPO, "configs/baselines/faster_rcnn_tiny_demo_cpu.py")
SMALL = [
    "train.device=cpu",
    "dataloader.train.total_batch_size=2",
    "train.log_period=1",
    "train.vis_period=0",
    "dataloader.evaluator=null",
]


def copy_demo_coco(folder, n_images: int = 40):
    """The first `n_images` demo training images and their annotations, copied into `folder`;
    returns (json path, image folder, coco dict)."""
    src_json, src_root = make_demo_detection("train")
    coco = json.load(open(src_json))
    images = coco["images"][:n_images]
    ids = {im["id"] for im in images}
    coco = dict(
        coco, images=images, annotations=[a for a in coco["annotations"] if a["image_id"] in ids]
    )
    root = os.path.join(folder, "images")
    os.makedirs(root, exist_ok=True)
    for im in images:
        shutil.copy(os.path.join(src_root, im["file_name"]), os.path.join(root, im["file_name"]))
    json_file = os.path.join(folder, "train.json")
    with open(json_file, "w") as f:
        json.dump(coco, f)
    return json_file, root, coco


def write_config(folder, json_file, image_root, name: str, base: str = TINY) -> str:
    """A LazyConfig file training `base` on the COCO json (labeled set `name`)."""
    path = os.path.join(folder, "cfg.py")
    with open(path, "w") as f:
        f.write(
            "from detectron2.config import LazyCall as L, LazyConfig\n"
            "from labeleff.data import register_coco\n"
            f"_base = LazyConfig.load({base!r})\n"
            "model, dataloader, optimizer = _base.model, _base.dataloader, _base.optimizer\n"
            "lr_multiplier, train = _base.lr_multiplier, _base.train\n"
            f"datasets = dict(_base.datasets, mine=L(register_coco)(name={name!r}, "
            f"json_file={json_file!r}, image_root={image_root!r}))\n"
            f"dataloader.train.dataset.names = {name!r}\n"
        )
    return path
