"""Supervised RefineDet320 on BCCD with the ImageNet EfficientNet-Lite0 backbone (frozen, FrozenBN)
on CPU: all of `train`, tested on `test` (common/bccd_320.py; bccd_vgg_scratch_320.py is the
from-scratch VGG twin). CPU sizes: TCB width 64, batch 8.

    python tools/train_net.py --config-file configs/refinedet/bccd_lite0_320.py train.max_iter=300
"""

from .common.bccd_320 import SIZE, dataloader, datasets, lr_multiplier, train
from .common.model_lite0 import model
from .common.optim import SGD as optimizer

model.num_classes = 3
model.test_size = SIZE
model.head.tcb_channels = 64  # CPU (paper: 256)

optimizer.lr = 4e-3  # CPU, batch 8: only the head and extras train (paper: 1e-3, batch 32)
train.output_dir = "./output/refinedet_bccd_lite0_320"
