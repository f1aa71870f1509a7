"""RefineDet320 (VGG16) on COCO trainval35k (coco_2014_train + valminusminival), tested on
minival. Official VGG16_COCO_320.py: batch 32, lr 1e-3 (0.00004 x 25), momentum 0.9, wd 5e-4,
400k iterations with steps at 280k and 360k.

    python tools/train_net.py --config-file configs/refinedet/coco_320.py --num-gpus 4

ImageNet VGG16: torchvision's file by its URL (fetched once where a network exists), or a local
copy: `model.backbone.imagenet_weights=/path/to/vgg16-397923af.pth`.
"""

from ..common.schedule import multistep
from ..common.train import train
from .common.data import dataloader
from .common.model import model
from .common.optim import SGD as optimizer

model.backbone.imagenet_weights = "https://download.pytorch.org/models/vgg16-397923af.pth"
model.num_classes = 80
model.test_size = 320
model.vote = "soft_bbox_vote"  # official: soft box voting on COCO (multi-scale test)
model.soft_nms_iou_threshold = 0.3  # official single-scale COCO test: linear Soft-NMS, Nt 0.3
model.test_scales.coco = True  # COCO adds the 2.0x (320) / 1.25x, 2x, 2.25x (512) scales

dataloader.train.dataset.names = ("coco_2014_train", "coco_2014_valminusminival")
dataloader.train.mapper.augmentations.size = 320
dataloader.test.dataset.names = "coco_2014_minival"

train.max_iter = 400000
train.output_dir = "./output/refinedet_coco_320"
train.checkpointer.period = 10000  # official snapshot interval
train.eval_period = 40000
lr_multiplier = multistep(train.max_iter, steps=(280000, 360000), warmup_iters=0)
