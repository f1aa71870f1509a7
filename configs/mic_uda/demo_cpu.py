"""MIC (base UDA + masked image consistency) on the project's synthetic demo set: source = clear
demo train, target = the same kind of scenes under synthetic fog (I * t + A * (1 - t)), evaluated
on foggy demo val. The recipe of coco128_to_dawnfog.py (Faster R-CNN FPN on ImageNet
EfficientNet-Lite0, frozen backbone, CPU) on 160 px images for 600 iterations.

    python tools/train_net.py --config-file configs/mic_uda/demo_cpu.py
    python tools/train_net.py --config-file configs/mic_uda/demo_cpu.py model.mic=False  # base UDA
"""

from detectron2.config import LazyCall as L

from labeleff.data import register_demo_detection

from ..common.schedule import multistep
from .coco128_to_dawnfog import dataloader, model, optimizer, train

del dataloader["data_root"]
datasets = dict(
    source=L(register_demo_detection)(name="demo_train", split="train"),
    target=L(register_demo_detection)(name="demo_fog_train", split="train", variant="fog"),
    target_val=L(register_demo_detection)(name="demo_fog_val", split="val", variant="fog"),
)
for _resize in (dataloader.train.mapper.augmentations[0], dataloader.unlabeled.mapper.geometric[0]):
    _resize.short_edge_length = (128, 144, 160, 176, 192)  # demo images are 160 x 160
    _resize.max_size = 320
dataloader.test.dataset.names = "${datasets.target_val.name}"
dataloader.test.mapper.augmentations[0].short_edge_length = 160
dataloader.test.mapper.augmentations[0].max_size = 320
dataloader.evaluator.dataset_name = "${datasets.target_val.name}"

train.max_iter = 600
train.output_dir = "./output/mic_uda/demo_cpu"
train.eval_period = 600
train.checkpointer.period = 300
lr_multiplier = multistep(train.max_iter, steps=(400, 520), warmup_iters=50)
