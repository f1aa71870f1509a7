"""MIC (base UDA + masked image consistency), Cityscapes -> Foggy Cityscapes (beta 0.02), 8 classes,
Faster R-CNN R50-FPN: the official detection setting, i.e. common/base.py as it is. Expected
folders:

    datasets/cityscapes/{leftImg8bit,leftImg8bit_foggy,gtFine}/{train,val}/<city>/...
    python tools/train_net.py --config-file configs/mic_uda/cityscapes_to_foggy.py \
        train.init_checkpoint=/path/to/R-50.pkl
"""

from .common.base import dataloader, datasets, detector, lr_multiplier, model, optimizer, train

train.output_dir = "./output/mic_uda/cityscapes_to_foggy"
