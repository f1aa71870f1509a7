"""Self-supervised patch pretext on FloW video frames (tools/extract_frames.py output) pretraining
the YOLOX-s CSPDarknet, the FloW write-up's self-supervised step: 224 px patches on a 3 x 5 grid,
4 neighbours as positives, 4 far patches as negatives, loss -cos(a, p) + cos(a, n).
Export: <output_dir>/backbone_export.pth (keys backbone.bottom_up.*) for configs/yolox/*.
"""

from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

from labeleff.projects.pretrain import PatchPretextDataset, PatchPretextModel, build_pretrain_loader
from labeleff.projects.yolox import CSPDarknet

from ..common.train import train
from .common.flow import FRAMES_DIR, PATCH_GRID, PATCH_SIZE
from .common.recipe import Adam as optimizer
from .common.recipe import cosine, export_hook

model = L(PatchPretextModel)(
    backbone=L(CSPDarknet)(depth=0.33, width=0.50, depthwise=False, act="silu"),
    embed_dim=128,
    loss="cosine",  # write-up; "infonce" is the option
    temperature=0.1,
    pixel_mean=[0.0, 0.0, 0.0],
    pixel_std=[1.0, 1.0, 1.0],
)

dataloader = OmegaConf.create()
dataloader.train = L(build_pretrain_loader)(
    dataset=L(PatchPretextDataset)(
        source=FRAMES_DIR,
        patch_size=PATCH_SIZE,
        grid=PATCH_GRID,
        num_negatives=4,
        # write-up: negatives from the right-most columns, anchors near the left: >= 2 cells
        min_neg_distance=2,
    ),
    total_batch_size=16,  # write-up
    num_workers=4,
)

# write-up: 10 epochs, Adam lr 1e-3 wd 5e-4, cosine annealing (epoch length depends on the frames)
train.max_iter = 5000
train.output_dir = "./output/pretrain_patch_pretext_yolox_s_flow"
train.eval_period = 0
train.checkpointer.period = 1000
train.hooks = [export_hook("backbone.bottom_up.")]
lr_multiplier = cosine(warmup_iters=100, max_iter=train.max_iter)
