"""Supervised Faster R-CNN FPN (ImageNet EfficientNet-Lite0, frozen backbone) on the synthetic demo
set, on CPU (configs/baselines/faster_rcnn_tiny_demo_cpu.py: the from-scratch tiny model).

    python tools/train_net.py --config-file configs/baselines/faster_rcnn_demo_cpu.py
"""

from ..common.data.demo_detection import dataloader, datasets
from ..common.models.faster_rcnn_lite0 import model
from ..common.optim import SGD as optimizer
from ..common.schedule import multistep
from ..common.train import train

train.max_iter = 1500
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/faster_rcnn_demo_cpu"
train.eval_period = 1500
train.log_period = 20
train.checkpointer.period = 500
train.vis_period = 1

optimizer.lr = 0.01  # CPU, Lite0 (frozen) + GN-FPN: stable at 0.01
optimizer.weight_decay = 1e-4
lr_multiplier = multistep(train.max_iter, steps=(1100, 1350), warmup_iters=100)
