"""Fg/bg crop classifier (CE + center loss) pretraining TinyResNet on the demo set, CPU-sized.

    python tools/train_net.py --config-file configs/pretrain/fgbg_center_demo_cpu.py
Writes <output_dir>/backbone_export.pth, a `train.init_checkpoint` for
configs/common/models/faster_rcnn_tiny.py detectors (keys backbone.bottom_up.*).
"""

from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

from labeleff.data import register_demo_detection
from labeleff.modeling import TinyResNet
from labeleff.projects.pretrain import BackboneClassifier, FgBgCropDataset, build_pretrain_loader

from ..common.optim import SGD as optimizer
from ..common.schedule import multistep
from ..common.train import train
from .common.recipe import export_hook

datasets = dict(demo_train=L(register_demo_detection)(name="demo_train", split="train"))

model = L(BackboneClassifier)(
    # same node as configs/common/models/faster_rcnn_tiny.py's backbone.bottom_up
    backbone=L(TinyResNet)(channels=(16, 32, 64, 128), blocks_per_stage=1, norm="BN"),
    num_classes=2,  # fg / bg (the write-up's binary crop classifier)
    embed_dim=64,
    center_loss_weight=0.1,  # lambda (Wen et al. use 0.003-0.1; the write-up 1.0)
    center_alpha=0.5,  # centers' learning rate (Wen et al. Eq. 4; write-up's center SGD lr 0.5)
)

dataloader = OmegaConf.create()
dataloader.train = L(build_pretrain_loader)(
    dataset=L(FgBgCropDataset)(
        dataset_names="demo_train",
        size=64,  # crop side (write-up: 224)
        margin=0.2,  # context around each GT box, fraction of its size per side
        bg_per_image=2,
        bg_max_iou=0.1,  # background crops: IoU with every GT box below this
        seed=0,
    ),
    total_batch_size=32,
    num_workers=0,
)
dataloader.evaluator = None  # judged by the detector fine-tuned on the export

train.max_iter = 400
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/pretrain_fgbg_center_demo_cpu"
train.eval_period = 0
train.log_period = 20
train.checkpointer.period = 400
train.hooks = [export_hook("backbone.bottom_up.")]

optimizer.lr = 0.05
optimizer.weight_decay = 1e-4
lr_multiplier = multistep(train.max_iter, steps=(300, 370), warmup_iters=20)
