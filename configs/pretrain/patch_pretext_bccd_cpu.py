"""Self-supervised patch pretext (neighbour patches close, far patches apart) pretraining
TinyResNet on BCCD train images (labels unused), CPU-sized.

    python tools/train_net.py --config-file configs/pretrain/patch_pretext_bccd_cpu.py
Writes <output_dir>/backbone_export.pth (keys backbone.bottom_up.*)."""

from .common.bccd import datasets  # noqa: F401 (registered by the entry point)
from .patch_pretext_demo_cpu import dataloader, lr_multiplier, model, optimizer, train

dataloader.train.dataset.source = "bccd_train"
dataloader.train.dataset.patch_size = 48  # write-up: 224
dataloader.train.dataset.grid = (4, 5)  # image resized to grid * patch_size (240 x 192 here)
train.output_dir = "./output/pretrain_patch_pretext_bccd_cpu"
