"""Self-supervised patch pretext on BCCD train images (labels unused), starting from ImageNet
EfficientNet-Lite0 with the backbone node, pixel statistics and export of
fgbg_center_bccd_lite0_cpu.py (where the freeze_at / norm choice is explained), CPU-sized.

    python tools/train_net.py --config-file configs/pretrain/patch_pretext_bccd_lite0_cpu.py
Writes <output_dir>/backbone_export.pth (keys backbone.bottom_up.body.*).
"""

from ..common.schedule import multistep
from .fgbg_center_bccd_lite0_cpu import model as _fgbg
from .fgbg_center_bccd_lite0_cpu import train as _fgbg_train
from .patch_pretext_bccd_cpu import dataloader, datasets, model, optimizer, train

model.backbone = _fgbg.backbone  # EfficientNetLite, freeze_at=2, FrozenBN
model.pixel_mean = _fgbg.pixel_mean
model.pixel_std = _fgbg.pixel_std

train.output_dir = "./output/pretrain_patch_pretext_bccd_lite0_cpu"
train.hooks = _fgbg_train.hooks  # export with drop_num_batches_tracked (a no-op with FrozenBN)

# Bounded, scale-free cosine loss: 0.01 ran stable after a 5-iteration warm-up (tiny: 0.05).
optimizer.lr = 0.01
lr_multiplier = multistep(train.max_iter, steps=(300, 370), warmup_iters=100)
