"""RefineDet on the project's synthetic demo set (3 classes, 160x160 images warped to 192) with the
ImageNet EfficientNet-Lite0 backbone (frozen, FrozenBN), on CPU. A CPU-sized schedule, not the
paper's.

    python tools/train_net.py --config-file configs/refinedet/demo_cpu.py
"""

from detectron2.config import LazyCall as L

from labeleff.data import register_demo_detection

from ..common.schedule import multistep
from ..common.train import train
from .common.data import dataloader
from .common.model_lite0 import model
from .common.optim import SGD as optimizer

datasets = dict(
    demo_train=L(register_demo_detection)(name="demo_train", split="train"),
    demo_val=L(register_demo_detection)(name="demo_val", split="val"),
)

model.head.tcb_channels = 64
model.num_classes = 3
model.test_size = 192  # a multiple of 64 (the coarsest stride)

dataloader.train.dataset.names = "demo_train"
dataloader.train.mapper.augmentations.size = 192
dataloader.train.total_batch_size = 8
dataloader.train.num_workers = 0
dataloader.test.dataset.names = "demo_val"
dataloader.test.num_workers = 0

optimizer.lr = 4e-3  # CPU, batch 8: only the head and extras train (paper: 1e-3, batch 32)
train.max_iter = 1500
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/refinedet_demo_cpu"
train.eval_period = 1500
train.log_period = 20
train.checkpointer.period = 500
lr_multiplier = multistep(train.max_iter, steps=(1100, 1350), warmup_iters=100)
