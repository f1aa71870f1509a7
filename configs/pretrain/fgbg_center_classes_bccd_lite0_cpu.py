"""Class-aware crop classifier (CE + one center per object class and one for background) on BCCD
train crops, from ImageNet EfficientNet-Lite0: fgbg_center_bccd_lite0_cpu.py with the crops
labelled by their GT category (label = category + 1, background 0).

On a one-class set such as FloW this is exactly the binary fg/bg classifier. On BCCD the binary
version pulls RBC, WBC and platelet crops to a single "foreground" center, so the frozen features it
exports stop telling the cells apart: WBC AP fell 14.6 points under that init (README, 3 seeds).

    python tools/train_net.py --config-file configs/pretrain/fgbg_center_classes_bccd_lite0_cpu.py
Writes <output_dir>/backbone_export.pth (keys backbone.bottom_up.body.*).
"""

from .fgbg_center_bccd_lite0_cpu import (  # noqa: F401 (datasets: registered by the entry point)
    dataloader,
    datasets,
    lr_multiplier,
    model,
    optimizer,
    train,
)

dataloader.train.dataset.per_category = True
# background + RBC, WBC, Platelets (a larger crop label is an error naming it)
model.num_classes = 4
train.output_dir = "./output/pretrain_fgbg_center_classes_bccd_lite0_cpu"
