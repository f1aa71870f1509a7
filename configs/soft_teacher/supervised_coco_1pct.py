"""Supervised-only baseline of coco_1pct.py: the same detector, labeled split, augmentation (resize
[400, 1200] max 1333, flip, one colour op) and schedule (180k, SGD 0.01, steps 120k / 160k), 1 image
per GPU on 8 GPUs (the official baseline's samples_per_gpu=1).

    python tools/train_net.py --config-file configs/soft_teacher/supervised_coco_1pct.py \
        --num-gpus 8 dataloader.fold=2 train.init_checkpoint=/path/to/R-50.pkl
"""

from .coco_1pct import dataloader, datasets
from .coco_1pct import detector as model
from .coco_1pct import lr_multiplier, optimizer, train

del datasets["unlabeled"]
del dataloader.unlabeled
train.trainer = None  # Detectron2's AMPTrainer / SimpleTrainer (train.amp.enabled)
train.amp.enabled = True
train.hooks = []
train.output_dir = "./output/soft_teacher/supervised_coco_1pct"
