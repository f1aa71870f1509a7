"""PS-MT on your own data: labeled images with label maps (an image folder and a folder of
`<stem>.png` maps, pixel value = class id), a folder of raw unlabeled images (recursive, no maps)
and a labeled validation pair. The recipe is common/camvid.py's (DeepLabv3+ on ImageNet
EfficientNet-Lite0 on CPU, 160 px crops); the class count is the length of the class list.

    python tools/train_net.py --config-file configs/ps_mt/custom.py \
        dataloader.labeled_images=train/img dataloader.labeled_masks=train/mask \
        dataloader.unlabeled_images=raw_images \
        dataloader.val_images=val/img dataloader.val_masks=val/mask \
        'dataloader.classes=[road,car,person]' dataloader.ignore_label=255 train.max_iter=2000

Masks are matched to images by file stem; image files: `dataloader.image_ext` (jpg). Burn-in and
ramp-up follow `train.max_iter`; the teachers alternate every `model.teacher_period` iterations
(camvid_1-8.py: one pass over its unlabeled images; set it to yours / 4).
"""

from detectron2.config import LazyCall as L

from labeleff.data import register_image_folder, register_sem_seg

from .common.camvid import dataloader, lr_multiplier, model, optimizer, train

dataloader.labeled_images = None
dataloader.labeled_masks = None
dataloader.unlabeled_images = None  # a folder of images, searched recursively
dataloader.val_images = None
dataloader.val_masks = None
dataloader.classes = None  # class names, index = pixel value
dataloader.ignore_label = 255
dataloader.image_ext = "jpg"


def _pair(part):
    """The image + mask folder pair `dataloader.<part>_images` / `<part>_masks`."""
    return L(register_sem_seg)(
        name=f"custom_seg_{part}",
        image_root=f"${{dataloader.{part}_images}}",
        gt_root=f"${{dataloader.{part}_masks}}",
        image_ext="${dataloader.image_ext}",
        classes="${dataloader.classes}",
        ignore_label="${dataloader.ignore_label}",
    )


datasets = dict(
    labeled=_pair("labeled"),
    unlabeled=L(register_image_folder)(
        name="custom_seg_unlabeled", folder="${dataloader.unlabeled_images}"
    ),
    val=_pair("val"),
)
model.student.sem_seg_head.ignore_value = "${dataloader.ignore_label}"
train.output_dir = "./output/ps_mt/custom"
