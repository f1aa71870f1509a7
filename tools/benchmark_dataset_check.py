#!/usr/bin/env python
"""Cost of the up-front dataset check (labeleff.data.validation: every image path exists, boxes
cleaned) against the cost of loading the same COCO json with Detectron2, on a synthetic json
(default: 100k images, 7 boxes each, empty image files in a temp folder) or on your own data:

    python tools/benchmark_dataset_check.py --images 100000
    python tools/benchmark_dataset_check.py --coco-json train.json --image-root images/

Prints seconds (median of --repeats) for the json load and for the check, and their ratio.
"""

import argparse
import json
import os
import statistics
import tempfile
import time

import labeleff  # noqa: F401  # isort: skip  (Detectron2's _C before Detectron2 imports it)
from detectron2.data.datasets import load_coco_json

from labeleff.data.validation import check_dataset_dicts


def synthetic_coco(folder: str, n_images: int, boxes_per_image: int) -> tuple:
    """A COCO json of `n_images` 640x480 images (empty files) with boxes, some bad."""
    root = os.path.join(folder, "images")
    os.makedirs(root, exist_ok=True)
    images, annotations = [], []
    for i in range(n_images):
        name = f"{i:07d}.jpg"
        open(os.path.join(root, name), "wb").close()
        images.append({"id": i + 1, "file_name": name, "width": 640, "height": 480})
        for j in range(boxes_per_image):
            x = (37 * (i + j)) % 600
            box = [x, 10.0 + j, 40.0 if (i + j) % 97 else 0.0, 30.0]  # a few zero-width boxes
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": 1,
                    "bbox": box,
                    "area": box[2] * box[3],
                    "iscrowd": 0,
                }
            )
    coco = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": 1, "name": "thing"}],
    }
    json_file = os.path.join(folder, "train.json")
    with open(json_file, "w") as f:
        json.dump(coco, f)
    return json_file, root


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--images", type=int, default=100_000, help="synthetic: number of images")
    p.add_argument("--boxes", type=int, default=7, help="synthetic: boxes per image")
    p.add_argument("--coco-json", help="measure this json instead of a synthetic one")
    p.add_argument("--image-root", help="image folder of --coco-json")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.coco_json:
            json_file, root = args.coco_json, args.image_root or os.path.dirname(args.coco_json)
        else:
            t = time.perf_counter()
            json_file, root = synthetic_coco(tmp, args.images, args.boxes)
            print(
                f"wrote a synthetic json of {args.images} images in {time.perf_counter() - t:.1f} s"
            )
        loads, checks = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            dicts = load_coco_json(json_file, root, "benchmark_dataset_check")
            loads.append(time.perf_counter() - t)
            t = time.perf_counter()
            missing = check_dataset_dicts("benchmark_dataset_check", dicts)
            checks.append(time.perf_counter() - t)
        load, check = statistics.median(loads), statistics.median(checks)
        n_boxes = sum(len(d.get("annotations", ())) for d in dicts)
        print(f"{len(dicts)} images, {n_boxes} boxes kept, {len(missing)} missing")
        print(
            f"Detectron2 json load {load:.2f} s | check {check:.2f} s | check / load "
            f"{check / load:.2f}"
        )


if __name__ == "__main__":
    main()
