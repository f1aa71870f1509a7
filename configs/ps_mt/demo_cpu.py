"""PS-MT on the project's synthetic segmentation demo set (made on first use): the recipe of
common/camvid.py (DeepLabv3+ on ImageNet EfficientNet-Lite0, models/psmt_deeplab_lite0.py) with 1/4
of the 64 training images labeled, the rest unlabeled, 64 px images; a few CPU minutes."""

from detectron2.config import LazyCall as L

from labeleff.data.catalog import datasets_root
from labeleff.projects.ps_mt import demo_segmentation_dataset
from labeleff.schedule import follows_max_iter

from .common.camvid import dataloader, lr_multiplier, model, optimizer, train

_split = dict(
    split_file=f"{datasets_root()}/splits/ps_mt_demo_train_1-4_seed0.txt",
    split_fraction="1/4",
    split_seed=0,
)
datasets = dict(
    labeled=L(demo_segmentation_dataset)(
        split="train", name="ps_mt_demo_train_labeled", split_part="labeled", **_split
    ),
    unlabeled=L(demo_segmentation_dataset)(
        split="train", name="ps_mt_demo_train_unlabeled", split_part="unlabeled", **_split
    ),
    val=L(demo_segmentation_dataset)(split="val", name="ps_mt_demo_val"),
)
for _loader in (dataloader.train, train.trainer.unlabeled_data_loader):
    _scale, _crop = _loader.mapper.augmentations[:2]
    _scale.min_scale, _scale.max_scale = 0.75, 1.5
    _scale.target_height = _scale.target_width = 64
    _crop.crop_size = (64, 64)
dataloader.test.mapper.augmentations = []
dataloader.evaluator.distributed = True

model.student.sem_seg_head.ignore_value = 255
train.max_iter = 200  # burn-in and ramp-up below follow a train.max_iter override
# PS-MT --warm_up=5 epochs of the labeled loader (16 / 4)
model.burn_in_iters = follows_max_iter(5 * 4, of=train.max_iter)
model.teacher_period = 12  # one "epoch" of the 48 unlabeled images at batch 4
model.rampup_iters = follows_max_iter(40, of=train.max_iter)
optimizer.weight_decay = 1e-4
train.eval_period = 100
train.checkpointer.period = 100
train.output_dir = "./output/ps_mt_demo_cpu"
