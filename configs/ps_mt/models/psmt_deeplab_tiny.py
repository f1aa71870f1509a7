"""A CPU-sized PS-MT model: the same DeepLabv3+ layout on a DeepLab ResNet with one bottleneck per
stage and 1/8 of the widths, from scratch: the unit tests' model and the from-scratch baseline
(camvid_1-8_scratch_supervised.py); the CPU configs use psmt_deeplab_lite0.py."""

from detectron2.config import LazyCall as L

from labeleff.projects.ps_mt import PSMT, DeepLabV3PlusSegmentor, deeplab_resnet

from .head import deeplab_v3plus_head

model = L(PSMT)(
    student=L(DeepLabV3PlusSegmentor)(
        backbone=L(deeplab_resnet)(
            num_blocks_per_stage=[1, 1, 1, 1],
            stem_out_channels=16,
            res2_out_channels=32,
            width_per_group=8,
            norm="BN",
            out_features=["res2", "res5"],
            res5_dilation=2,
            res5_multi_grid=[1],
        ),
        sem_seg_head=deeplab_v3plus_head(
            32, 256, project=16, decoder=[64, 64], dropout=0.1, norm="BN", classes=4
        ),
        pixel_mean=[123.675, 116.28, 103.53],
        pixel_std=[58.395, 57.12, 57.375],
        size_divisibility=16,
    ),
    unsup_weight=1.5,  # PS-MT VOC weight
    eval_model="teacher",
    burn_in_iters=0,
    gamma=0.5,
    conf_threshold=0.6,
    vat_xi=1e-6,
    vat_eps=2.0,
    vat_labeled=True,
    vat_unlabeled=True,
    cutmix=True,
    cutmix_beta=[4.0, 4.0],
    rampup_iters=100,
    rampup="cosine",
    teacher_period=10,
    conf_selection="threshold",
    frequency_ratio=0.8,
    paste_max_share=0.0,
)
