"""RefineDet512 (VGG16) on VOC2007+2012 trainval, tested on VOC2007 test. Paper: batch 32,
SGD lr 1e-3, momentum 0.9, weight decay 5e-4, 120k iterations with steps at 80k and 100k.
VOC folders (Annotations/, JPEGImages/, ImageSets/) under `datasets/VOCdevkit/VOC{2007,2012}`
(or $LABELEFF_DATASETS), each a key: `datasets.voc07_trainval.dirname=...`.

    python tools/train_net.py --config-file configs/refinedet/voc_512.py --num-gpus 4 \
        model.backbone.imagenet_weights=/path/to/vgg16-397923af.pth
"""

from .voc_320 import dataloader, datasets, lr_multiplier, model, optimizer, train

model.test_size = 512
dataloader.train.mapper.augmentations.size = 512
train.output_dir = "./output/refinedet_voc_512"
