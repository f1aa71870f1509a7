"""The from-scratch twin of supervised_bccd_10pct.py: the tiny TinyResNet-FPN (BN, no pretrained
weights) instead of EfficientNet-Lite0, same labeled split, augmentation and schedule, lr 0.02."""

from detectron2.config import LazyCall as L

from labeleff.data import num_classes_of

from ..common.models.faster_rcnn_tiny import model
from .supervised_bccd_10pct import dataloader, datasets, lr_multiplier, optimizer, train

model.roi_heads.num_classes = L(num_classes_of)(name="${datasets.labeled.name}")
model.roi_heads.box_predictor.test_topk_per_image = 100
optimizer.lr = 0.02
train.output_dir = "./output/soft_teacher/supervised_bccd_10pct_scratch"
