"""YOLOX-nano on the project's synthetic demo set (160 x 160 shapes, 3 classes), trained from
scratch on CPU with the YOLOX recipe (mosaic, no-aug switch + L1, EMA evaluation).

    python tools/train_net.py --config-file configs/yolox/demo_cpu.py
"""

from detectron2.config import LazyCall as L

from labeleff.data import register_demo_detection

from ..common.train import train
from .common.model import yolox_model
from .common.recipe import iterations, yolox_dataloader, yolox_hooks, yolox_schedule, yolox_sgd

BATCH = 8
NUM_IMAGES = 240  # demo train split
EPOCHS = 50

datasets = dict(
    demo_train=L(register_demo_detection)(name="demo_train", split="train"),
    demo_val=L(register_demo_detection)(name="demo_val", split="val"),
)
dataloader = yolox_dataloader("demo_train", "demo_val", 160, BATCH, num_workers=0)
# exps/default/yolox_nano.py: mosaic_prob 0.5, mosaic_scale (0.5, 1.5), no mixup.
dataloader.train.dataset.mosaic_prob = 0.5
dataloader.train.dataset.mosaic_scale = (0.5, 1.5)
dataloader.train.dataset.mixup_prob = 0.0
model = yolox_model(depth=0.33, width=0.25, depthwise=True, num_classes=3, input_size=160)
# A short from-scratch run: 8x the official lr per image (0.01 / 64), i.e. 0.01 at batch 8.
optimizer = yolox_sgd(total_batch_size=BATCH, lr_per_image=0.01 / BATCH)

train.max_iter = iterations(EPOCHS, NUM_IMAGES, BATCH)
_no_aug_iters = iterations(5, NUM_IMAGES, BATCH)
lr_multiplier = yolox_schedule(
    train.max_iter, warmup_iters=iterations(2, NUM_IMAGES, BATCH), no_aug_iters=_no_aug_iters
)
train.hooks = yolox_hooks(no_aug_iters=_no_aug_iters, max_iter=train.max_iter)
train.device = "cpu"
train.seed = 0
train.eval_period = train.max_iter
train.log_period = 20
train.checkpointer.period = 500
train.output_dir = "./output/yolox_demo_cpu"
