"""PS-MT, PASCAL VOC 2012 aug, 1323 labels (1/8), DeepLabv3+ R-50, crop 512, 32 + 32 images per
step, 80 epochs: the official run, i.e. common/base.py as it is (see its docstring for fewer GPUs
and the data / weights layout)."""

from .common.base import dataloader, datasets, lr_multiplier, model, optimizer, train

train.output_dir = "./output/ps_mt_voc_1-8_r50"
