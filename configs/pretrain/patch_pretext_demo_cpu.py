"""Self-supervised patch pretext (neighbour patches close, far patches apart) pretraining
TinyResNet on the demo images (labels unused), CPU-sized.

    python tools/train_net.py --config-file configs/pretrain/patch_pretext_demo_cpu.py
Writes <output_dir>/backbone_export.pth (keys backbone.bottom_up.*).
"""

from detectron2.config import LazyCall as L
from omegaconf import OmegaConf

from labeleff.data import register_demo_detection
from labeleff.modeling import TinyResNet
from labeleff.projects.pretrain import PatchPretextDataset, PatchPretextModel, build_pretrain_loader

from ..common.optim import SGD as optimizer
from ..common.schedule import multistep
from ..common.train import train
from .common.recipe import export_hook

datasets = dict(demo_train=L(register_demo_detection)(name="demo_train", split="train"))

model = L(PatchPretextModel)(
    backbone=L(TinyResNet)(channels=(16, 32, 64, 128), blocks_per_stage=1, norm="BN"),
    embed_dim=64,
    loss="cosine",  # write-up: -cos(a, p) + cos(a, n); "infonce" with `temperature`
    temperature=0.1,
)

dataloader = OmegaConf.create()
dataloader.train = L(build_pretrain_loader)(
    dataset=L(PatchPretextDataset)(
        source="demo_train",  # registered dataset(s), an image folder (frames) or a list
        patch_size=32,  # write-up: 224
        grid=(5, 5),  # image resized to grid * patch_size (160 x 160 here)
        num_negatives=4,  # write-up: 4 positives, 4 negatives per anchor
        min_neg_distance=2,  # negatives at Chebyshev grid distance >= 2 from the anchor
    ),
    total_batch_size=8,
    num_workers=0,
)
dataloader.evaluator = None  # judged by the detector fine-tuned on the export

train.max_iter = 400
train.device = "cpu"
train.seed = 0
train.output_dir = "./output/pretrain_patch_pretext_demo_cpu"
train.eval_period = 0
train.log_period = 20
train.checkpointer.period = 400
train.hooks = [export_hook("backbone.bottom_up.")]

optimizer.lr = 0.05
optimizer.weight_decay = 1e-4
lr_multiplier = multistep(train.max_iter, steps=(300, 370), warmup_iters=20)
