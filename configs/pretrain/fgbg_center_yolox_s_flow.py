"""Fg/bg crop classifier (CE + center loss) pretraining the YOLOX-s CSPDarknet on FloW-Img crops,
the FloW write-up's supervised pretraining. The export (<output_dir>/backbone_export.pth, keys
backbone.bottom_up.*) is the `train.init_checkpoint` of configs/yolox/flow_img_ciou.py.
"""

from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

from labeleff.projects.pretrain import BackboneClassifier, FgBgCropDataset, build_pretrain_loader
from labeleff.projects.yolox import CSPDarknet

from ..common.train import train
from .common.flow import CROP_SIZE, datasets
from .common.recipe import Adam as optimizer
from .common.recipe import cosine, export_hook

model = L(BackboneClassifier)(
    backbone=L(CSPDarknet)(depth=0.33, width=0.50, depthwise=False, act="silu"),  # YOLOX-s
    num_classes=2,  # write-up: binary fg / bg crop classifier
    embed_dim=128,
    center_loss_weight=1.0,  # lambda; write-up: loss = CE + center loss (weight 1)
    center_alpha=0.5,  # centers' rate; write-up: SGD lr 0.5 on the centers (Wen et al. alpha 0.5)
    pixel_mean=[0.0, 0.0, 0.0],  # YOLOX feeds raw 0-255 BGR pixels
    pixel_std=[1.0, 1.0, 1.0],
)

dataloader = OmegaConf.create()
dataloader.train = L(build_pretrain_loader)(
    dataset=L(FgBgCropDataset)(
        dataset_names="flow_img_train_pretrain",
        size=CROP_SIZE,
        margin=0.2,
        bg_per_image=4,
        bg_max_iou=0.1,
        seed=0,
    ),
    total_batch_size=128,  # write-up
    num_workers=4,
)

# write-up: 100 epochs of Adam (lr 1e-3, wd 5e-4) with cosine annealing; with ~1200 images x
# (~4 boxes + 4 backgrounds) ~ 10k crops, 100 epochs ~ 8000 iterations of 128.
train.max_iter = 8000
train.output_dir = "./output/pretrain_fgbg_center_yolox_s_flow"
train.eval_period = 0
train.checkpointer.period = 2000
train.hooks = [export_hook("backbone.bottom_up.")]
lr_multiplier = cosine(warmup_iters=200, max_iter=train.max_iter)
