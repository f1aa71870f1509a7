"""PS-MT model node: DeepLabv3+ on Detectron2's DeepLab ResNet-50 (output stride 16, multi-grid
1/2/4, ASPP 6/12/18, 48-channel low-level projection, 256-channel decoder), two EMA teachers."""

from detectron2.config import LazyCall as L

from labeleff.projects.ps_mt import PSMT, DeepLabV3PlusSegmentor, deeplab_resnet

from .head import deeplab_v3plus_head

model = L(PSMT)(
    student=L(DeepLabV3PlusSegmentor)(
        backbone=L(deeplab_resnet)(
            depth=50,  # 101 for the R-101 configs
            stem_out_channels=128,  # deep stem 64-64-128 (PS-MT: deep_stem, stem_width=64)
            norm="SyncBN",  # PS-MT converts BN to SyncBatchNorm under DDP
            out_features=["res2", "res5"],
            res5_dilation=2,
            res5_multi_grid=[1, 2, 4],  # PS-MT layer4 dilations 2/4/8
            weights="",  # local ImageNet checkpoint, set by the dataset configs
        ),
        # PS-MT: 48-channel projection, 256-channel decoder, no ASPP dropout
        sem_seg_head=deeplab_v3plus_head(
            256, 2048, project=48, decoder=[256, 256], dropout=0.0, norm="SyncBN", classes=21
        ),
        pixel_mean=[123.675, 116.28, 103.53],  # RGB ImageNet statistics (images read as RGB)
        pixel_std=[58.395, 57.12, 57.375],
        size_divisibility=16,
    ),
    unsup_weight=1.5,  # `unsupervised_w`: 1.5 VOC, 3.0 Cityscapes
    eval_model="teacher",  # the two-teacher ensemble, as PS-MT validates
    burn_in_iters=0,
    gamma=0.5,  # teacher ensemble weight (`trainer.gamma`)
    conf_threshold=0.6,  # Conf-CE threshold (`semi_p_th`)
    vat_xi=1e-6,  # T-VAT xi (VATDecoderNetwork: get_r_adv_t(xi=1e-6, eps=2.0))
    vat_eps=2.0,
    vat_labeled=True,
    vat_unlabeled=True,
    cutmix=True,
    cutmix_beta=[4.0, 4.0],  # lambda ~ Beta(4, 4)
    rampup_iters=1000,  # set by each config: 12 epochs (`ramp_up`) of unlabeled iterations
    rampup="cosine",  # ConsistencyWeight(ramp_type="cosine_rampup") in main.py
    teacher_period=100,  # set by each config: one epoch (teachers alternate per epoch)
    conf_selection="threshold",  # the paper; "frequency": class-balanced (ps_mt/selection.py)
    frequency_ratio=0.8,  # used by "frequency" only
    paste_max_share=0.0,  # off (the paper); > 0: labeled rare-class paste (ps_mt/paste.py)
)
