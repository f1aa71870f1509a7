#!/usr/bin/env python
"""Partial-label splits of a COCO json into labeled / unlabeled json pairs."""

import argparse
import logging

from labeleff.data.coco_io import DatasetFormatError
from labeleff.data.splits import (
    COCO_RECIPE_FOLDS,
    COCO_RECIPE_PERCENTS,
    write_recipe_splits,
    write_split,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__
        + " Images are sampled uniformly without replacement, floor(percent/100 * N) of them (at"
        " least 1), with numpy RandomState(seed), as STAC / Soft Teacher do: the same input and"
        " seed always give the same files. Output: <input stem>.<seed>@<percent>.json and"
        " <input stem>.<seed>@<percent>-unlabeled.json.",
        epilog="examples: %(prog)s --json instances_train2017.json --recipe coco --output-dir "
        "semi_supervised/ ;  %(prog)s --json train.json --percent 10 --seed 1 --output-dir splits/",
    )
    parser.add_argument("--json", required=True, help="input COCO json")
    parser.add_argument("--output-dir", required=True, help="folder for the split files")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--recipe",
        choices=["coco"],
        help=f"coco: {'/'.join(map(str, COCO_RECIPE_PERCENTS))} %% x folds "
        f"{','.join(map(str, COCO_RECIPE_FOLDS))}, fold k sampled with seed k",
    )
    mode.add_argument("--percent", type=float, help="percent of images labeled, in (0, 100]")
    parser.add_argument("--seed", type=int, default=1, help="with --percent: sampling seed (1)")
    parser.add_argument(
        "--keep-unlabeled-annotations",
        action="store_true",
        help="keep the ground truth in the -unlabeled files (to measure pseudo-label quality); "
        "default: empty annotation lists",
    )
    return parser.parse_args(argv), parser


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args, parser = parse_args(argv)
    try:
        if args.recipe == "coco":
            write_recipe_splits(
                args.json,
                args.output_dir,
                keep_unlabeled_annotations=args.keep_unlabeled_annotations,
            )
        else:
            write_split(
                args.json, args.output_dir, args.percent, args.seed, args.keep_unlabeled_annotations
            )
    except (DatasetFormatError, FileNotFoundError, ValueError) as e:
        parser.exit(1, f"error: {e}\n")


if __name__ == "__main__":
    main()
