"""Supervised RefineDet320 on BCCD with VGG16-reduced at 1/8 width trained from scratch on CPU: the
from-scratch twin of the ImageNet-backbone BCCD config (same data, head width, schedule).

    python tools/train_net.py --config-file configs/refinedet/bccd_vgg_scratch_320.py \
        train.max_iter=300
"""

from .common.bccd_320 import SIZE, dataloader, datasets, lr_multiplier, train
from .common.model import model
from .common.optim import SGD as optimizer

model.backbone.width_mult = 0.125  # CPU (paper: 1.0, ImageNet weights)
model.num_classes = 3
model.test_size = SIZE
model.head.tcb_channels = 64  # CPU (paper: 256)

optimizer.lr = 1e-3  # paper value; from scratch without BN, higher rates diverge
train.output_dir = "./output/refinedet_bccd_vgg_scratch_320"
