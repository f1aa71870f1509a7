"""YOLOX-s on COCO 2017 (Ge et al. 2021; Megvii yolox_base.py + exps/default/yolox_s.py):
300 epochs at batch 64, SGD lr 0.01/64 per image, 5 warm-up epochs, cosine, last 15 epochs without
mosaic/mixup and with L1, EMA weights evaluated, 640 x 640 input.

    python tools/train_net.py --config-file configs/yolox/yolox_s_coco.py --num-gpus 8
"""

from ..common.train import train
from .common.model import yolox_model
from .common.recipe import iterations, yolox_dataloader, yolox_hooks, yolox_schedule, yolox_sgd

BATCH = 64  # official: 64 images per iteration (8 GPUs x 8)
NUM_IMAGES = 117266  # coco_2017_train after Detectron2 drops images without boxes

# coco_2017_train / coco_2017_val are Detectron2 built-ins under $DETECTRON2_DATASETS/coco.
dataloader = yolox_dataloader("coco_2017_train", "coco_2017_val", 640, BATCH, num_workers=4)
model = yolox_model(depth=0.33, width=0.50, num_classes=80, box_loss="iou", input_size=640)
optimizer = yolox_sgd(total_batch_size=BATCH)

train.max_iter = iterations(300, NUM_IMAGES, BATCH)
_no_aug_iters = iterations(15, NUM_IMAGES, BATCH)
lr_multiplier = yolox_schedule(
    train.max_iter, warmup_iters=iterations(5, NUM_IMAGES, BATCH), no_aug_iters=_no_aug_iters
)
train.hooks = yolox_hooks(no_aug_iters=_no_aug_iters, max_iter=train.max_iter)
train.eval_period = iterations(10, NUM_IMAGES, BATCH)  # official eval_interval: 10 epochs
train.checkpointer.period = iterations(10, NUM_IMAGES, BATCH)
train.output_dir = "./output/yolox_s_coco"
