"""camvid_1-8_supervised.py with the from-scratch tiny DeepLabv3+ (models/psmt_deeplab_tiny.py, the
former CPU model) instead of the ImageNet backbone: the same labeled loader, optimizer, schedule and
iterations, for the pretrained-vs-scratch supervised comparison."""

from detectron2.config import LazyConfig

from .models.psmt_deeplab_tiny import model as _tiny

_base = LazyConfig.load_rel("camvid_1-8_supervised.py")
datasets = _base.datasets
dataloader = _base.dataloader
optimizer = _base.optimizer
lr_multiplier = _base.lr_multiplier
train = _base.train
train.output_dir = "./output/ps_mt_camvid_1-8_scratch_supervised"
model = _tiny.student
model.sem_seg_head.num_classes = _base.model.sem_seg_head.num_classes  # CamVid: 11
model.sem_seg_head.ignore_value = _base.model.sem_seg_head.ignore_value  # CamVid "unlabelled"
