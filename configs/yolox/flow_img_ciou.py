"""YOLOX-s with the CIoU box loss on FloW-Img (floating bottles, 1 class "bottle"; Cheng et al.
ICCV 2021). CIoU keeps a gradient when a tiny predicted box does not overlap its target, where the
official 1 - IoU^2 has none. VOC xml converted once to COCO json by the foundation's VOC tool;
set the folders of your copy (the layout below is an assumption):

    python tools/train_net.py --config-file configs/yolox/flow_img_ciou.py --num-gpus 8 \
        datasets.flow_train.annotation_dir=/data/FloW_IMG/training/annotations ...
"""

from detectron2.config import LazyCall as L

from labeleff.data import register_voc_dirs

from ..common.train import train
from .common.model import yolox_model
from .common.recipe import iterations, yolox_dataloader, yolox_hooks, yolox_schedule, yolox_sgd

BATCH = 64
NUM_IMAGES = 1200  # FloW-Img training split (2000 images: 1200 train / 800 test)

datasets = dict(
    flow_train=L(register_voc_dirs)(
        name="flow_img_train",
        annotation_dir="datasets/FloW_IMG/training/annotations",
        image_root="datasets/FloW_IMG/training/images",
        class_names=["bottle"],
        image_set=None,  # or an ImageSets/Main/<split>.txt
    ),
    flow_test=L(register_voc_dirs)(
        name="flow_img_test",
        annotation_dir="datasets/FloW_IMG/test/annotations",
        image_root="datasets/FloW_IMG/test/images",
        class_names="${..flow_train.class_names}",
        image_set=None,
    ),
)
dataloader = yolox_dataloader("flow_img_train", "flow_img_test", 640, BATCH, num_workers=4)
model = yolox_model(depth=0.33, width=0.50, num_classes=1, box_loss="ciou", input_size=640)
optimizer = yolox_sgd(total_batch_size=BATCH)

# The official 300-epoch recipe (the seed write-up gives no FloW-specific schedule).
train.max_iter = iterations(300, NUM_IMAGES, BATCH)
_no_aug_iters = iterations(15, NUM_IMAGES, BATCH)
lr_multiplier = yolox_schedule(
    train.max_iter, warmup_iters=iterations(5, NUM_IMAGES, BATCH), no_aug_iters=_no_aug_iters
)
train.hooks = yolox_hooks(no_aug_iters=_no_aug_iters, max_iter=train.max_iter)
train.eval_period = iterations(10, NUM_IMAGES, BATCH)
train.checkpointer.period = iterations(10, NUM_IMAGES, BATCH)
train.output_dir = "./output/yolox_flow_img_ciou"
