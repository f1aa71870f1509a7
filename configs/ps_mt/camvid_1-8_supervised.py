"""Supervised-only twin of camvid_1-8.py: the same student, labeled loader, optimizer, schedule
and iterations, without teachers or unlabeled data."""

from detectron2.config import LazyConfig

_base = LazyConfig.load_rel("camvid_1-8.py")
datasets = {k: v for k, v in _base.datasets.items() if k != "unlabeled"}
dataloader = _base.dataloader
model = _base.model.student
optimizer = _base.optimizer
lr_multiplier = _base.lr_multiplier
train = _base.train
train.trainer = None  # Detectron2's SimpleTrainer
train.hooks = []
train.output_dir = "./output/ps_mt_camvid_1-8_supervised"
