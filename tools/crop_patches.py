#!/usr/bin/env python
"""Foreground (GT box + context margin) and background (IoU < threshold with every GT) crops from a
COCO-format dataset, resized, with a label file, for fg/bg backbone pretraining.

    python tools/crop_patches.py --json train.json --image-root images/ --out-dir crops/ \
        [--size 224 --margin 0.2 --bg-per-image 2 --bg-max-iou 0.1 --per-category --seed 0]
"""

import argparse
import collections
import sys

from labeleff.data import DatasetFormatError, load_coco_json
from labeleff.projects.pretrain.crops import coco_to_dataset_dicts, plan_crops, write_crops


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", required=True, help="COCO-format annotation file")
    p.add_argument("--image-root", required=True)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--size", type=int, default=224, help="crop side after resizing")
    p.add_argument(
        "--margin", type=float, default=0.2, help="context per side, fraction of box size"
    )
    p.add_argument("--bg-per-image", type=int, default=2)
    p.add_argument("--bg-max-iou", type=float, default=0.1)
    p.add_argument(
        "--per-category",
        action="store_true",
        help="fg label = category index + 1 (default: 1 for every object); bg = 0",
    )
    p.add_argument("--label-format", choices=("json", "csv"), default="json")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    try:
        coco = load_coco_json(args.json)
    except (DatasetFormatError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    specs = plan_crops(
        coco_to_dataset_dicts(coco, args.image_root),
        args.margin,
        args.bg_per_image,
        args.bg_max_iou,
        args.per_category,
        args.seed,
    )
    path = write_crops(specs, args.out_dir, args.size, args.label_format)
    counts = collections.Counter(s["kind"] for s in specs)
    print(f"{counts['fg']} foreground + {counts['bg']} background crops; labels: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
