"""Supervised-only baseline of coco_full.py: train2017, 720k iterations, 2 images per GPU on 8 GPUs,
lr 0.02 (the official faster_rcnn_r50_caffe_fpn_coco_full_720k baseline), steps 480k / 640k."""

from .coco_full import dataloader, datasets, lr_multiplier, model, optimizer, train

model = model.student
del datasets["unlabeled"]
del dataloader.unlabeled
dataloader.train.total_batch_size = 16  # 2 per GPU x 8 GPUs
optimizer.lr = 0.02
train.trainer = None
train.amp.enabled = True
train.hooks = []
train.output_dir = "./output/soft_teacher/supervised_coco_full"
