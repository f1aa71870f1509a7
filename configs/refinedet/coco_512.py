"""RefineDet512 (VGG16) on COCO trainval35k (coco_2014_train + valminusminival), tested on
minival. Official VGG16_COCO_512.py: batch 32, lr 1e-3 (0.00004 x 25), momentum 0.9, wd 5e-4,
400k iterations with steps at 280k and 360k.

    python tools/train_net.py --config-file configs/refinedet/coco_512.py --num-gpus 4 \
        model.backbone.imagenet_weights=/path/to/vgg16-397923af.pth
"""

from .coco_320 import dataloader, lr_multiplier, model, optimizer, train

model.test_size = 512
dataloader.train.mapper.augmentations.size = 512
train.output_dir = "./output/refinedet_coco_512"
