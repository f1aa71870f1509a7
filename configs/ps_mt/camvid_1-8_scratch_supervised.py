"""camvid_1-8_supervised.py with the from-scratch tiny DeepLabv3+ (models/psmt_deeplab_tiny.py, the
former CPU model) instead of the ImageNet backbone: the same labeled loader, optimizer, schedule and
iterations, for the pretrained-vs-scratch supervised comparison."""

from .common.camvid import dataloader, datasets, lr_multiplier
from .common.camvid import model as _ps_mt
from .common.camvid import optimizer, train
from .models.psmt_deeplab_tiny import model as _tiny

del datasets["unlabeled"]
model = _tiny.student
model.sem_seg_head.num_classes = _ps_mt.student.sem_seg_head.num_classes  # CamVid: 11
model.sem_seg_head.ignore_value = _ps_mt.student.sem_seg_head.ignore_value  # "unlabelled"
train.trainer = None  # Detectron2's SimpleTrainer
train.hooks = []
train.output_dir = "./output/ps_mt_camvid_1-8_scratch_supervised"
