"""PS-MT on CamVid, 1/8 labeled, on CPU: common/camvid.py as it is (DeepLabv3+ on ImageNet
EfficientNet-Lite0, 160 px crops, 2000 iterations). `camvid_1-8_supervised.py` is the
supervised-only twin (same student, labeled loader and iterations),
`camvid_1-8_scratch_supervised.py` the same with the from-scratch tiny model.

    python tools/train_net.py --config-file configs/ps_mt/camvid_1-8.py
"""

from .common.camvid import dataloader, datasets, lr_multiplier, model, optimizer, train

train.output_dir = "./output/ps_mt_camvid_1-8"
