"""PS-MT on your own data: labeled images with label maps (an image folder and a folder of
`<stem>.png` maps, pixel value = class id), a folder of raw unlabeled images (recursive, no maps)
and a labeled validation pair. The recipe is camvid_1-8.py's (DeepLabv3+ on ImageNet
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
from detectron2.config import LazyConfig

from labeleff.data import num_classes_of, register_image_folder
from labeleff.projects.ps_mt import register_sem_seg

_base = LazyConfig.load_rel("camvid_1-8.py")  # a hyphenated name: loaded, not imported
dataloader, model, optimizer = _base.dataloader, _base.model, _base.optimizer
lr_multiplier, train = _base.lr_multiplier, _base.train

dataloader.labeled_images = None
dataloader.labeled_masks = None
dataloader.unlabeled_images = None  # a folder of images, searched recursively
dataloader.val_images = None
dataloader.val_masks = None
dataloader.classes = None  # class names, index = pixel value
dataloader.ignore_label = 255
dataloader.image_ext = "jpg"
_pair = dict(classes="${dataloader.classes}", ignore_label="${dataloader.ignore_label}")
datasets = dict(
    labeled=L(register_sem_seg)(
        name="custom_seg_labeled",
        image_root="${dataloader.labeled_images}",
        gt_root="${dataloader.labeled_masks}",
        image_ext="${dataloader.image_ext}",
        **_pair,
    ),
    unlabeled=L(register_image_folder)(
        name="custom_seg_unlabeled", folder="${dataloader.unlabeled_images}"
    ),
    val=L(register_sem_seg)(
        name="custom_seg_val",
        image_root="${dataloader.val_images}",
        gt_root="${dataloader.val_masks}",
        image_ext="${dataloader.image_ext}",
        **_pair,
    ),
)
dataloader.train.dataset.names = "${datasets.labeled.name}"
train.trainer.unlabeled_data_loader.dataset.names = "${datasets.unlabeled.name}"
dataloader.test.dataset.names = "${datasets.val.name}"
dataloader.evaluator.dataset_name = "${datasets.val.name}"
model.student.sem_seg_head.num_classes = L(num_classes_of)(
    name="${datasets.labeled.name}", key="stuff_classes"
)
model.student.sem_seg_head.ignore_value = "${dataloader.ignore_label}"
train.output_dir = "./output/ps_mt/custom"
