"""Tiny Faster R-CNN FPN fine-tuned on BCCD train, evaluated on BCCD test (CPU-sized), from scratch
or from a pretrained backbone: `train.init_checkpoint=<pretraining output>/backbone_export.pth`.
The detector of tools/benchmark_pretrain.py.
"""

from ..common.models.faster_rcnn_tiny import model
from ..common.optim import SGD as optimizer
from ..common.schedule import multistep
from ..common.train import train
from .common.bccd import datasets
from .common.bccd import detection_dataloader as dataloader

model.roi_heads.num_classes = 3  # RBC, WBC, Platelets

train.max_iter = 1500
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/finetune_faster_rcnn_tiny_bccd_cpu"
train.eval_period = 0  # evaluated once at the end
train.log_period = 20
train.checkpointer.period = 100000
train.init_checkpoint = ""

optimizer.lr = 0.02
optimizer.weight_decay = 1e-4
lr_multiplier = multistep(train.max_iter, steps=(1100, 1350), warmup_iters=100)
