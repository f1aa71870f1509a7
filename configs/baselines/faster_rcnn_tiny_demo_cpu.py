"""The from-scratch twin of faster_rcnn_demo_cpu.py: the tiny TinyResNet-FPN (BN, no pretrained
weights), same data and schedule, at the lr that suits it."""

from ..common.models.faster_rcnn_tiny import model
from .faster_rcnn_demo_cpu import dataloader, datasets, lr_multiplier, optimizer, train

optimizer.lr = 0.02
train.output_dir = "./output/faster_rcnn_tiny_demo_cpu"
