"""Supervised Faster R-CNN FPN (ImageNet EfficientNet-Lite0, frozen; FPN 64) on BCCD: the data,
320 x 320 input and schedule of configs/refinedet/bccd_lite0_320.py (its SSD augmentation
included), the Faster R-CNN side of that comparison.

    python tools/train_net.py --config-file configs/baselines/faster_rcnn_lite0_bccd_320.py \
        train.max_iter=300
"""

from ..common.models.faster_rcnn_lite0 import model
from ..common.optim import SGD as optimizer
from ..refinedet.common.bccd_320 import (
    dataloader,
    datasets,
    lr_multiplier,
    train,
    warped_test_augmentations,
)

model.roi_heads.num_classes = 3
model.input_format = "${dataloader.train.mapper.image_format}"  # RefineDet's mapper: RGB
model.backbone.bottom_up.input_format = "${...input_format}"
dataloader.test.mapper.augmentations = warped_test_augmentations

optimizer.lr = 0.01  # Detectron2's 0.02 at batch 16, for batch 8
train.output_dir = "./output/faster_rcnn_lite0_bccd_320"
