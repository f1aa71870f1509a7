"""Soft Teacher, COCO partially labeled: 5 % of train2017 labeled (fold by `dataloader.fold=K`),
otherwise as coco_1pct.py (R50-FPN, 180k iterations, 8 GPUs x (1 labeled + 4 unlabeled)).

    python tools/train_net.py --config-file configs/soft_teacher/coco_5pct.py --num-gpus 8 \
        dataloader.fold=1 train.init_checkpoint=/path/to/R-50.pkl
"""

from .coco_1pct import dataloader, datasets, lr_multiplier, model, optimizer, train

dataloader.percent = 5  # % of train2017 labeled
train.output_dir = "./output/soft_teacher/coco_5pct"
