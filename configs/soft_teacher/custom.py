"""Soft Teacher on your own data: labeled images (a COCO json + its image folder, or a VOC folder),
a folder of raw unlabeled images (recursive, any common image format, no annotation file), and a
labeled test set. The recipe is bccd_10pct.py's (Lite0 FPN Faster R-CNN on CPU, adaptive
"frequency" thresholds, unsup weight 1, burn-in a third of the run); the class count comes from
the labeled data.

    python tools/train_net.py --config-file configs/soft_teacher/custom.py \
        dataloader.labeled_json=ann/train.json dataloader.labeled_images=images/train \
        dataloader.unlabeled_images=raw_images \
        dataloader.test_json=ann/val.json dataloader.test_images=images/val train.max_iter=3000

A VOC folder instead of the jsons: `dataloader.voc_root=DIR 'dataloader.class_names=[a,b]'`
(ImageSets/Main/train.txt labeled, test.txt for the test set). Burn-in and LR steps follow
`train.max_iter`. On a GPU: `train.device=cuda`, and the paper-scale R-50 detector of
coco_1pct.py if you have the data and time for it.
"""

from detectron2.config import LazyCall as L

from labeleff.data import register_image_folder
from labeleff.projects.soft_teacher.data import register_source

from .bccd_10pct import dataloader, lr_multiplier, model, optimizer, train

dataloader.dataset_name = "custom"
dataloader.voc_root = None
dataloader.class_names = None  # VOC only (a COCO json names its categories)
dataloader.labeled_json = None
dataloader.labeled_images = None
dataloader.unlabeled_images = None  # a folder of images, searched recursively
dataloader.test_json = None
dataloader.test_images = None
for _key in ("coco_train_json", "coco_train_images", "coco_test_json", "coco_test_images"):
    del dataloader[_key]  # bccd_10pct.py's names for the json keys above
del dataloader["percent"], dataloader["seed"]  # no split: every labeled image is labeled


def _source(part, image_set):
    """COCO json `dataloader.<part>_json` + `<part>_images`, or the VOC folder's `image_set`."""
    return L(register_source)(
        name=f"${{dataloader.dataset_name}}_{part}",
        coco_json=f"${{dataloader.{part}_json}}",
        image_root=f"${{dataloader.{part}_images}}",
        image_set=image_set,
        voc_root="${dataloader.voc_root}",
        class_names="${dataloader.class_names}",
    )


datasets = dict(
    labeled=_source("labeled", "train"),
    unlabeled=L(register_image_folder)(
        name="${dataloader.dataset_name}_unlabeled", folder="${dataloader.unlabeled_images}"
    ),
    test=_source("test", "test"),
)
train.output_dir = "./output/soft_teacher/custom"
# common/cpu_recipe.py's carry (bccd_10pct.py pins the measured BCCD rounding): on unseen data a
# class may be rarer than one pseudo-label per batch, and rounding would then keep none of it
model.frequency_carry = True
