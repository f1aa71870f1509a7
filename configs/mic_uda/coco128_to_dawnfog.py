"""MIC on a small real domain shift for CPU runs: source coco128 (clear, train2017 + val2017, 152
images with the 6 shared classes), target DAWN fog (104 images; its labels are hidden in training).
As in the small DA benchmarks (Clipart1k, Watercolor2k) the target images are also the test set.
Faster R-CNN FPN on ImageNet EfficientNet-Lite0 (packaged in a PyPI wheel, frozen backbone). A diff
over common/base.py (the official Cityscapes setting).

    python tools/train_net.py --config-file configs/mic_uda/coco128_to_dawnfog.py
    ... model.mic=False                                      # base UDA only
    configs/mic_uda/coco128_to_dawnfog_source_only.py        # the source-only twin
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

from labeleff.data import num_classes_of, shared_data_root
from labeleff.evaluation import COCOEvaluator
from labeleff.projects.mic_uda.datasets import register_coco128_shared, register_dawn_fog

from ..common.models.faster_rcnn_lite0 import model as detector
from ..common.schedule import multistep
from ..common.semi_supervised import detection_test_loader, train_loader, unlabeled_loader
from .common.base import model, optimizer, train
from .common.data import source_mapper, target_mapper

dataloader = OmegaConf.create()
dataloader.data_root = shared_data_root()  # holds coco128/ and dawn_fog/
datasets = dict(
    source=L(register_coco128_shared)(
        name="coco128_shared6", root="${dataloader.data_root}/coco128"
    ),
    target=L(register_dawn_fog)(name="dawn_fog_shared6", root="${dataloader.data_root}/dawn_fog"),
)
_resize = L(T.ResizeShortestEdge)(
    short_edge_length=(288, 320, 352), sample_style="choice", max_size=576
)
# 2 source + 2 target images per step (official: 1 + 1 per GPU)
dataloader.train = train_loader("${datasets.source.name}", source_mapper(_resize), 2, seed=0)
dataloader.unlabeled = unlabeled_loader("${datasets.target.name}", target_mapper(_resize), 2, 1)
dataloader.test = detection_test_loader("${datasets.target.name}", 320, 576, num_workers=0)
dataloader.evaluator = L(COCOEvaluator)(dataset_name="${datasets.target.name}")

# the class count of the source data (the 6 shared classes)
detector.roi_heads.num_classes = L(num_classes_of)(name="${datasets.source.name}")
model.student = detector
model.instance_da_rois_per_image = 128  # = the CPU detector's ROI batch (official: 256)

train.max_iter = 2000
optimizer.lr = 0.01  # CPU, Lite0 (frozen) + GN-FPN: stable at 0.01 (official: 0.0025)
for _key in ("base_lr", "bias_lr_factor", "weight_decay_bias"):
    del optimizer.params[_key]  # Detectron2's defaults (official: bias lr x 2, no bias decay)
lr_multiplier = multistep(train.max_iter, steps=(1400, 1800), warmup_iters=100)
train.init_checkpoint = ""  # the Lite0 backbone loads its own ImageNet weights
train.device = "cpu"
train.output_dir = "./output/mic_uda/coco128_to_dawnfog"
train.eval_period = 1000
train.log_period = 20
train.checkpointer.period = 1000
