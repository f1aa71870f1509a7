"""Soft Teacher (Xu et al., ICCV 2021), COCO partially labeled: 1 % of train2017 labeled (fold 1 of
5), the rest unlabeled; Faster R-CNN R50-FPN, 180k iterations on 8 GPUs (1 labeled + 4 unlabeled
images per GPU): the paper's setting, i.e. common/base.py as it is. Split files come from
tools/make_splits.py (--recipe coco):

    python tools/make_splits.py --json datasets/coco/annotations/instances_train2017.json \
        --recipe coco --output-dir datasets/coco/annotations/semi_supervised
    python tools/train_net.py --config-file configs/soft_teacher/coco_1pct.py --num-gpus 8 \
        dataloader.fold=2 train.init_checkpoint=/path/to/R-50.pkl
"""

from .common.base import dataloader, datasets, detector, lr_multiplier, model, optimizer, train

train.output_dir = "./output/soft_teacher/coco_1pct"
