"""Fg/bg crop classifier (CE + center loss) pretraining TinyResNet on BCCD train crops, CPU-sized.

    python tools/train_net.py --config-file configs/pretrain/fgbg_center_bccd_cpu.py
Writes <output_dir>/backbone_export.pth, a `train.init_checkpoint` for
configs/common/models/faster_rcnn_tiny.py detectors (keys backbone.bottom_up.*)."""

from .common.bccd import datasets  # noqa: F401 (registered by the entry point)
from .fgbg_center_demo_cpu import dataloader, lr_multiplier, model, optimizer, train

dataloader.train.dataset.dataset_names = "bccd_train"
train.output_dir = "./output/pretrain_fgbg_center_bccd_cpu"
