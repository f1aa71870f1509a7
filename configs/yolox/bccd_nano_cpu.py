"""YOLOX-nano on BCCD (blood cells: RBC, WBC and small Platelets; Pascal VOC, converted once to COCO
json by the foundation's VOC tool), small input for CPU: the set-up of
tools/benchmark_yolox_boxloss.py (`iou` vs `ciou` on small objects).

    python tools/train_net.py --config-file configs/yolox/bccd_nano_cpu.py model.box_loss=ciou
"""

import os

from detectron2.config import LazyCall as L

from labeleff.data import register_voc_dirs, shared_data_root

from ..common.train import train
from .common.model import yolox_model
from .common.recipe import iterations, yolox_dataloader, yolox_hooks, yolox_schedule, yolox_sgd

BATCH = 8
NUM_IMAGES = 205  # BCCD ImageSets/Main/train.txt
EPOCHS = 12
INPUT = 320  # 640 x 480 images -> 320 x 240: platelets become ~10-17 px

_BCCD = os.path.join(shared_data_root(), "bccd")
datasets = dict(
    bccd_train=L(register_voc_dirs)(
        name="bccd_train",
        annotation_dir=os.path.join(_BCCD, "Annotations"),
        image_root=os.path.join(_BCCD, "JPEGImages"),
        class_names=["RBC", "WBC", "Platelets"],
        image_set=os.path.join(_BCCD, "ImageSets", "Main", "train.txt"),
    ),
    bccd_test=L(register_voc_dirs)(
        name="bccd_test",
        annotation_dir="${..bccd_train.annotation_dir}",
        image_root="${..bccd_train.image_root}",
        class_names="${..bccd_train.class_names}",
        image_set=os.path.join(_BCCD, "ImageSets", "Main", "test.txt"),
    ),
)
dataloader = yolox_dataloader("bccd_train", "bccd_test", INPUT, BATCH, num_workers=0)
# exps/default/yolox_nano.py: mosaic_prob 0.5, mosaic_scale (0.5, 1.5), no mixup.
dataloader.train.dataset.mosaic_prob = 0.5
dataloader.train.dataset.mosaic_scale = (0.5, 1.5)
dataloader.train.dataset.mixup_prob = 0.0
model = yolox_model(depth=0.33, width=0.25, depthwise=True, num_classes=3, input_size=INPUT)
optimizer = yolox_sgd(total_batch_size=BATCH, lr_per_image=0.01 / BATCH)

train.max_iter = iterations(EPOCHS, NUM_IMAGES, BATCH)
_no_aug_iters = iterations(2, NUM_IMAGES, BATCH)
lr_multiplier = yolox_schedule(
    train.max_iter, warmup_iters=iterations(1, NUM_IMAGES, BATCH), no_aug_iters=_no_aug_iters
)
train.hooks = yolox_hooks(no_aug_iters=_no_aug_iters, max_iter=train.max_iter)
train.device = "cpu"
train.seed = 0
train.eval_period = train.max_iter
train.log_period = 20
train.checkpointer.period = train.max_iter
train.output_dir = "./output/yolox_bccd_nano_cpu"
