"""Self-supervised patch pretext (neighbour patches close, far patches apart) pretraining
TinyResNet on BCCD train images (labels unused), CPU-sized.

    python tools/train_net.py --config-file configs/pretrain/patch_pretext_bccd_cpu.py
Writes <output_dir>/backbone_export.pth (keys backbone.bottom_up.*).
"""

from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

from labeleff.modeling import TinyResNet
from labeleff.projects.pretrain import PatchPretextDataset, PatchPretextModel, build_pretrain_loader

from ..common.optim import SGD as optimizer
from ..common.schedule import multistep
from ..common.train import train
from .common.bccd import datasets  # noqa: F401 (registered by the entry point)
from .common.recipe import export_hook

model = L(PatchPretextModel)(
    backbone=L(TinyResNet)(channels=(16, 32, 64, 128), blocks_per_stage=1, norm="BN"),
    embed_dim=64,
    loss="cosine",  # write-up: -cos(a, p) + cos(a, n); "infonce" with `temperature`
    temperature=0.1,
)

dataloader = OmegaConf.create()
dataloader.train = L(build_pretrain_loader)(
    dataset=L(PatchPretextDataset)(
        source="bccd_train",  # registered dataset(s), an image folder (frames) or a list
        patch_size=48,  # write-up: 224
        grid=(4, 5),  # image resized to grid * patch_size (240 x 192 here)
        num_negatives=4,  # write-up: 4 positives, 4 negatives per anchor
        min_neg_distance=2,  # negatives at Chebyshev grid distance >= 2 from the anchor
    ),
    total_batch_size=8,
    num_workers=0,
)

train.max_iter = 400
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/pretrain_patch_pretext_bccd_cpu"
train.eval_period = 0
train.log_period = 20
train.checkpointer.period = 400
train.hooks = [export_hook("backbone.bottom_up.")]

optimizer.lr = 0.05
optimizer.weight_decay = 1e-4
lr_multiplier = multistep(train.max_iter, steps=(300, 370), warmup_iters=20)
