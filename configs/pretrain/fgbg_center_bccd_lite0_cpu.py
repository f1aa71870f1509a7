"""Fg/bg crop classifier (CE + center loss) on BCCD train crops, starting from ImageNet
EfficientNet-Lite0 (the Faster R-CNN Lite0 detector's backbone node), CPU-sized.

    python tools/train_net.py --config-file configs/pretrain/fgbg_center_bccd_lite0_cpu.py
Writes <output_dir>/backbone_export.pth, a `train.init_checkpoint` for
configs/pretrain/finetune_faster_rcnn_lite0_bccd_cpu.py (keys backbone.bottom_up.body.*).
"""

from ..common.models.faster_rcnn_lite0 import model as _detector
from ..common.schedule import multistep
from .common.recipe import export_hook
from .fgbg_center_bccd_cpu import dataloader, datasets, model, optimizer, train

# The detector's EfficientNetLite node (BGR in, res2..res5), so the export matches its keys.
model.backbone = _detector.backbone.bottom_up
# Pretraining has to move the backbone (the detector keeps freeze_at=5): only the stem and res2
# keep their ImageNet weights (generic edges; the costliest backward, at strides 2-4).
model.backbone.freeze_at = 2
# FrozenBN: ImageNet statistics and affine kept, convolutions trained. "BN" would re-estimate the
# statistics on 64 px crops (32 a batch) and export them into the detector's FrozenBN layers, which
# see 208-400 px images; it runs too (the export drops num_batches_tracked).
model.backbone.norm = "FrozenBN"
model.pixel_mean = _detector.pixel_mean  # (x - 127.5) / 127.5, as the Lite models were trained
model.pixel_std = _detector.pixel_std

train.output_dir = "./output/pretrain_fgbg_center_bccd_lite0_cpu"
train.hooks = [export_hook("backbone.bottom_up.", drop_num_batches_tracked=True)]

# Lite0's pooled res5 is ~8x TinyResNet's in norm (56 vs 7) and the center loss starts 17x larger
# (9.1 vs 0.54): lr 0.01 went NaN at iteration 10 (5-iteration warm-up), 0.002 ran stable; the
# 100-iteration warm-up is a margin on that.
optimizer.lr = 0.002
lr_multiplier = multistep(train.max_iter, steps=(300, 370), warmup_iters=100)
