#!/usr/bin/env python
"""Convert YOLO txt labels (class cx cy w h, normalised) to a COCO detection json in pixels."""

import argparse
import logging

from labeleff.data.coco_io import DatasetFormatError, write_coco_json
from labeleff.data.convert_yolo import yolo_split_dirs, yolo_to_coco


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__
        + " Pixel boxes use the real image sizes; YOLO class i becomes COCO category i+1; an image"
        " without a label file has no objects.",
        epilog="example: %(prog)s --root ../shared/data/coco128 --split val2017 "
        "--classes ../shared/data/coco128/config.yaml --output datasets/coco128/val2017.json",
    )
    src = parser.add_argument_group("input (either --root and --split, or --images and --labels)")
    src.add_argument("--root", help="YOLO folder with images/<split>/ and labels/<split>/")
    src.add_argument("--split", help="split name under --root, e.g. train2017")
    src.add_argument("--images", help="image folder (COCO file_name is relative to it)")
    src.add_argument("--labels", help="folder of <image stem>.txt label files")
    parser.add_argument(
        "--classes",
        required=True,
        help="class names: a text file (one per line), a YAML file with `names` (e.g. YOLO's "
        "config.yaml) or a comma-separated list",
    )
    parser.add_argument("--output", required=True, help="COCO json to write")
    parser.add_argument(
        "--drop-empty-images", action="store_true", help="leave out images without boxes"
    )
    parser.add_argument(
        "--skip-missing-images",
        action="store_true",
        help="skip label files whose image is missing (default: error)",
    )
    args = parser.parse_args(argv)
    if args.root or args.split:
        if not (args.root and args.split) or args.images or args.labels:
            parser.error("give --root with --split, or --images with --labels")
        args.images, args.labels = yolo_split_dirs(args.root, args.split)
    elif not (args.images and args.labels):
        parser.error("give --root with --split, or --images with --labels")
    return args, parser


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args, parser = parse_args(argv)
    try:
        coco, _ = yolo_to_coco(
            args.images,
            args.labels,
            args.classes,
            keep_empty_images=not args.drop_empty_images,
            on_missing_image="skip" if args.skip_missing_images else "error",
        )
    except (DatasetFormatError, FileNotFoundError) as e:
        parser.exit(1, f"error: {e}\n")
    write_coco_json(coco, args.output)
    logging.getLogger(__name__).info(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
