"""Class-aware crop classifier (one center per demo shape + background) pretraining TinyResNet on
the demo set: fgbg_center_demo_cpu.py with crops labelled category + 1 (the BCCD Lite0 version,
fgbg_center_classes_bccd_lite0_cpu.py, says why).

    python tools/train_net.py --config-file configs/pretrain/fgbg_center_classes_demo_cpu.py
"""

from .fgbg_center_demo_cpu import (  # noqa: F401 (datasets: registered by the entry point)
    dataloader,
    datasets,
    lr_multiplier,
    model,
    optimizer,
    train,
)

dataloader.train.dataset.per_category = True
model.num_classes = 4  # background + circle, square, triangle
train.output_dir = "./output/pretrain_fgbg_center_classes_demo_cpu"
