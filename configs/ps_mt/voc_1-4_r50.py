"""PS-MT, VOC 2012 aug, 2646 labels (1/4), DeepLabv3+ R50, 200 epochs (voc_1-8_r50.py otherwise)."""

from .common.partitions import voc_partition

datasets, dataloader, model, optimizer, lr_multiplier, train = voc_partition("1/4", epochs=200)
