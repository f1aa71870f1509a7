"""YOLOX on BCCD with the ImageNet EfficientNet-Lite0 backbone (frozen, FrozenBN): bccd_nano_cpu.py
(same data, 320 input, recipe and schedule; the from-scratch CSPDarknet-nano twin) with the
backbone swapped. The nano-sized depthwise PAFPN and head train with YOLOX's BN.

    python tools/train_net.py --config-file configs/yolox/bccd_lite0_cpu.py
"""

from .bccd_nano_cpu import INPUT, dataloader, datasets, lr_multiplier, optimizer, train
from .common.model_lite0 import yolox_lite0_model

model = yolox_lite0_model(num_classes=3, input_size=INPUT)
train.output_dir = "./output/yolox_bccd_lite0_cpu"
