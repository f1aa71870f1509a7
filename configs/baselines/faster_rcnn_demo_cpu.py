"""Supervised Faster R-CNN FPN (tiny, BN) on the synthetic demo set, trained from scratch on CPU.

    python tools/train_net.py --config-file configs/baselines/faster_rcnn_demo_cpu.py
"""
from ..common.data.demo_detection import dataloader, datasets
from ..common.models.faster_rcnn_tiny import model
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

optimizer.lr = 0.02
optimizer.weight_decay = 1e-4
lr_multiplier = multistep(train.max_iter, steps=(1100, 1350), warmup_iters=100)
