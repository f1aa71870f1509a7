"""Soft Teacher, COCO fully labeled: train2017 labeled + unlabeled2017 unlabeled; 720k iterations on
8 GPUs with 4 labeled + 4 unlabeled images per GPU (sample ratio 1:1), unsup_weight 2.0.

    python tools/train_net.py --config-file configs/soft_teacher/coco_full.py --num-gpus 8 \
        train.init_checkpoint=/path/to/R-50.pkl
"""

from detectron2.config import LazyCall as L

from labeleff.data import register_coco

from ..common.schedule import multistep
from .coco_1pct import dataloader, datasets, model, optimizer, train

del dataloader.percent, dataloader.fold  # no partial split here
datasets["labeled"] = L(register_coco)(
    name="coco_train2017",
    json_file="${dataloader.coco_root}/annotations/instances_train2017.json",
    image_root="${dataloader.coco_root}/train2017",
)
datasets["unlabeled"] = L(register_coco)(
    name="coco_unlabeled2017",
    # image_info_unlabeled2017.json (images only) from cocodataset.org
    json_file="${dataloader.coco_root}/annotations/image_info_unlabeled2017.json",
    image_root="${dataloader.coco_root}/unlabeled2017",
)
dataloader.train.total_batch_size = 32  # 4 labeled per GPU x 8 GPUs
dataloader.unlabeled.total_batch_size = 32  # 4 unlabeled per GPU x 8 GPUs (ratio 1:1)
model.unsup_weight = 2.0  # paper / official full-data setting

train.max_iter = 720000  # 180k x 4
lr_multiplier = multistep(train.max_iter, steps=(480000, 640000), warmup_iters=500)
train.output_dir = "./output/soft_teacher/coco_full"
