"""Labeled splits of a segmentation training set (1/16, 1/8, 1/4, 1/2 by default, fixed seed):
one text file of labeled image stems per fraction; the other images are the unlabeled part.

    .venv/bin/python tools/make_seg_splits.py --dataset camvid_train \\
        --image-dir ../shared/data/camvid/train --suffix .jpg
    .venv/bin/python tools/make_seg_splits.py --dataset voc_aug_train \\
        --image-list datasets/VOC2012/ImageSets/Segmentation/train_aug.txt
    .venv/bin/python tools/make_seg_splits.py --dataset cityscapes_train --recursive \\
        --image-dir datasets/cityscapes/leftImg8bit/train --suffix _leftImg8bit.png
"""

import argparse
import os

from labeleff.data.catalog import datasets_root
from labeleff.data.segmentation_splits import (
    SEG_SPLIT_FRACTIONS,
    list_stems,
    make_split_files,
    read_split_file,
)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", required=True, help="name prefix of the split files")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--image-dir", help="folder of training images")
    src.add_argument("--image-list", help="text file of training image stems (VOC train_aug.txt)")
    p.add_argument("--suffix", default=".jpg", help="image file ending removed to get the stem")
    p.add_argument("--recursive", action="store_true", help="walk sub-folders of --image-dir")
    p.add_argument("--fractions", nargs="+", default=list(SEG_SPLIT_FRACTIONS))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output-dir", default=os.path.join(datasets_root(), "splits"))
    args = p.parse_args()
    if args.image_dir:
        stems = list_stems(args.image_dir, args.suffix, args.recursive)
    else:
        stems = read_split_file(args.image_list)
    for path in make_split_files(stems, args.dataset, args.fractions, args.seed, args.output_dir):
        print(f"{path}: {len(read_split_file(path))} labeled of {len(stems)}")


if __name__ == "__main__":
    main()
