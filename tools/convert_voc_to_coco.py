#!/usr/bin/env python
"""Convert Pascal VOC xml annotations to a COCO detection json (see labeleff.data.convert_voc)."""

import argparse
import logging
import os

from labeleff.data.coco_io import DatasetFormatError, write_coco_json
from labeleff.data.convert_voc import voc_to_coco


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__
        + " Boxes: (xmin - 1, ymin - 1, xmax, ymax) as Detectron2's VOC loader, clipped to the"
        " image;"
        " zero-area boxes are dropped with a warning naming the files.",
        epilog="example: %(prog)s --voc-root ../shared/data/bccd --split train "
        "--classes RBC,WBC,Platelets --output datasets/bccd/train.json",
    )
    src = parser.add_argument_group("input (either --voc-root, or --annotations and --images)")
    src.add_argument(
        "--voc-root", help="VOC folder with Annotations/, JPEGImages/, ImageSets/Main/"
    )
    src.add_argument(
        "--split", help="with --voc-root: convert the ids of ImageSets/Main/<split>.txt"
    )
    src.add_argument("--annotations", help="folder of <id>.xml files")
    src.add_argument("--images", help="image folder (COCO file_name is relative to it)")
    src.add_argument(
        "--image-set", help="text file of ids to convert (first column); default all xml"
    )
    parser.add_argument("--output", required=True, help="COCO json to write")
    parser.add_argument(
        "--classes",
        help="class names: a file (one per line, or YAML with `names`) or a comma-separated list; "
        "category id i+1 = i-th name. Default: inferred from the xml files in sorted order and "
        "printed (subset-dependent: pass them for anything you reuse)",
    )
    parser.add_argument(
        "--difficult-as-crowd",
        action="store_true",
        help="mark VOC `difficult` objects iscrowd=1 (ignored in training and evaluation)",
    )
    parser.add_argument(
        "--drop-empty-images", action="store_true", help="leave out images without boxes"
    )
    parser.add_argument(
        "--skip-missing-images",
        action="store_true",
        help="skip xml files whose image is missing (default: error)",
    )
    parser.add_argument(
        "--no-check-images",
        action="store_true",
        help="trust the xml <size> and do not open the images",
    )
    args = parser.parse_args(argv)
    if args.voc_root:
        if args.annotations or args.images:
            parser.error("give either --voc-root or --annotations/--images, not both")
        args.annotations = os.path.join(args.voc_root, "Annotations")
        args.images = os.path.join(args.voc_root, "JPEGImages")
        if args.split:
            args.image_set = os.path.join(args.voc_root, "ImageSets", "Main", args.split + ".txt")
    elif not (args.annotations and args.images):
        parser.error("give --voc-root, or both --annotations and --images")
    elif args.split:
        parser.error("--split needs --voc-root (else use --image-set)")
    return args, parser


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args, parser = parse_args(argv)
    try:
        coco, _ = voc_to_coco(
            args.annotations,
            args.images,
            class_names=args.classes,
            image_set=args.image_set,
            difficult_as_crowd=args.difficult_as_crowd,
            keep_empty_images=not args.drop_empty_images,
            on_missing_image="skip" if args.skip_missing_images else "error",
            check_images=not args.no_check_images,
        )
    except (DatasetFormatError, FileNotFoundError) as e:
        parser.exit(1, f"error: {e}\n")
    write_coco_json(coco, args.output)
    logging.getLogger(__name__).info(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
