"""Supervised RetinaNet (ImageNet EfficientNet-Lite0, frozen; FPN 64) on BCCD: the data, 320 x 320
input and schedule of configs/refinedet/bccd_lite0_320.py (its SSD augmentation included), the
RetinaNet side of that comparison.

    python tools/train_net.py --config-file configs/baselines/retinanet_lite0_bccd_320.py \
        train.max_iter=300
"""

from ..common.models.retinanet_lite0 import model
from ..common.optim import SGD as optimizer
from ..refinedet.common.bccd_320 import (
    dataloader,
    datasets,
    lr_multiplier,
    train,
    warped_test_augmentations,
)

model.num_classes = 3
model.input_format = "${dataloader.train.mapper.image_format}"  # RefineDet's mapper: RGB
dataloader.test.mapper.augmentations = warped_test_augmentations

optimizer.lr = 5e-3  # Detectron2's 0.01 at batch 16, for batch 8
train.output_dir = "./output/retinanet_lite0_bccd_320"
