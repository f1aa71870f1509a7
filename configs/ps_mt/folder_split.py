"""PS-MT on one labeled image + mask folder pair split into a labeled part and an unlabeled part
(whose masks training never reads) by `dataloader.fraction` / `dataloader.split_seed`, with a
labeled validation pair: the recipe of common/camvid.py (DeepLabv3+ on ImageNet EfficientNet-Lite0,
160 px crops, CPU). The config of tools/benchmark_ps_mt.py; `folder_split_supervised.py` is its
supervised twin. Defaults: CamVid train / val, 1/8, seed 0 (the same 46 labeled images as
camvid_1-8.py).

    python tools/train_net.py --config-file configs/ps_mt/folder_split.py \
        dataloader.train_images=img dataloader.train_masks=mask \
        dataloader.val_images=val/img dataloader.val_masks=val/mask \
        'dataloader.classes=[road,car,person]' dataloader.ignore_label=255 \
        dataloader.fraction=1/4 dataloader.split_seed=2

The split file is made on first use (`<datasets_root>/splits/`, keyed by the folder's absolute
path, the fraction and the seed). The teachers alternate every pass over the unlabeled part
(`model.teacher_period`, read from the data); burn-in and ramp-up keep CamVid's fractions of
`train.max_iter`.
"""

import os

from detectron2.config import LazyCall as L

from labeleff.data import register_sem_seg
from labeleff.data.segmentation import CAMVID_CLASSES
from labeleff.data.segmentation_splits import split_file_for
from labeleff.projects.ps_mt.schedule import epoch_iters_of

from .common.camvid import BATCH, CAMVID_ROOT, dataloader, lr_multiplier, model, optimizer, train

dataloader.train_images = os.path.join(CAMVID_ROOT, "train")
dataloader.train_masks = os.path.join(CAMVID_ROOT, "trainannot")
dataloader.val_images = os.path.join(CAMVID_ROOT, "val")
dataloader.val_masks = os.path.join(CAMVID_ROOT, "valannot")
dataloader.classes = list(CAMVID_CLASSES)  # class names, index = pixel value
dataloader.ignore_label = 11  # CamVid "unlabelled"
dataloader.image_ext = "jpg"
dataloader.fraction = "1/8"  # labeled share of the training pair, e.g. 1/8 or 0.1
dataloader.split_seed = 0

_pair = dict(
    classes="${dataloader.classes}",
    ignore_label="${dataloader.ignore_label}",
    image_ext="${dataloader.image_ext}",
)


def _train_part(part):
    """The labeled or unlabeled part of the training pair (one split file for both)."""
    return L(register_sem_seg)(
        name=f"folder_split_s${{dataloader.split_seed}}_{part}",
        image_root="${dataloader.train_images}",
        gt_root="${dataloader.train_masks}",
        split_file=L(split_file_for)(
            image_root="${dataloader.train_images}",
            fraction="${dataloader.fraction}",
            seed="${dataloader.split_seed}",
        ),
        split_part=part,
        split_fraction="${dataloader.fraction}",
        split_seed="${dataloader.split_seed}",
        **_pair,
    )


datasets = dict(
    labeled=_train_part("labeled"),
    unlabeled=_train_part("unlabeled"),
    val=L(register_sem_seg)(
        name="folder_split_val",
        image_root="${dataloader.val_images}",
        gt_root="${dataloader.val_masks}",
        **_pair,
    ),
)
model.student.sem_seg_head.ignore_value = "${dataloader.ignore_label}"
# teachers alternate every pass over the unlabeled part (CamVid 1/8: 81 iterations)
model.teacher_period = L(epoch_iters_of)(
    dataset_name="${datasets.unlabeled.name}", batch_size=BATCH
)
train.output_dir = "./output/ps_mt/folder_split"
