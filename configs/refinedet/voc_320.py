"""RefineDet320 (VGG16) on VOC2007+2012 trainval, tested on VOC2007 test. Paper: batch 32,
SGD lr 1e-3, momentum 0.9, weight decay 5e-4, 120k iterations with steps at 80k and 100k.
VOC folders (Annotations/, JPEGImages/, ImageSets/) under `datasets/VOCdevkit/VOC{2007,2012}`
(or $LABELEFF_DATASETS), each a key: `datasets.voc07_trainval.dirname=...`.

    python tools/train_net.py --config-file configs/refinedet/voc_320.py --num-gpus 4

ImageNet VGG16: torchvision's file by its URL (fetched once where a network exists), or a local
copy: `model.backbone.imagenet_weights=/path/to/vgg16-397923af.pth`.
"""

import os

from detectron2.config import LazyCall as L
from detectron2.evaluation import PascalVOCDetectionEvaluator

from labeleff.data import datasets_root, register_voc

from ..common.schedule import multistep
from ..common.train import train
from .common.data import dataloader
from .common.model import model
from .common.optim import SGD as optimizer

VOC = os.path.join(datasets_root(), "VOCdevkit")
datasets = dict(
    voc07_trainval=L(register_voc)(
        name="rd_voc_2007_trainval",
        dirname=os.path.join(VOC, "VOC2007"),
        split="trainval",
        year=2007,
    ),
    voc12_trainval=L(register_voc)(
        name="rd_voc_2012_trainval",
        dirname=os.path.join(VOC, "VOC2012"),
        split="trainval",
        year=2012,
    ),
    voc07_test=L(register_voc)(
        name="rd_voc_2007_test", dirname=os.path.join(VOC, "VOC2007"), split="test", year=2007
    ),
)

model.backbone.imagenet_weights = "https://download.pytorch.org/models/vgg16-397923af.pth"
model.num_classes = 20
model.test_size = 320
model.vote = "bbox_vote"  # official: box voting on VOC

dataloader.train.dataset.names = ("rd_voc_2007_trainval", "rd_voc_2012_trainval")
dataloader.train.mapper.augmentations.size = 320
dataloader.test.dataset.names = "rd_voc_2007_test"
dataloader.evaluator = L(PascalVOCDetectionEvaluator)(dataset_name="rd_voc_2007_test")

train.max_iter = 120000
train.output_dir = "./output/refinedet_voc_320"
train.checkpointer.period = 10000
train.eval_period = 20000
lr_multiplier = multistep(train.max_iter, steps=(80000, 100000), warmup_iters=0)
