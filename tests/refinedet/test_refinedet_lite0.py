"""EfficientNet-Lite0 backbone of RefineDet: the four ARM sources (strides 8/16/32/64, channels),
the frozen ImageNet stages against the trainable extras and L2Norms, the yacs entry."""

import pytest
import torch

from labeleff.modeling import EfficientNetLite
from labeleff.projects.refinedet import Lite0RefineDetBackbone, lite0_refinedet_channels


def lite0_backbone(freeze_at=5, **kwargs):
    torch.manual_seed(0)
    bottom_up = EfficientNetLite(
        pretrained=False, freeze_at=freeze_at, out_features=["res3", "res4", "res5"]
    )
    return Lite0RefineDetBackbone(bottom_up, **kwargs)


@pytest.mark.parametrize(
    "size,expected",
    [
        # 320: every stride divides the input.
        ((320, 320), {"res3": (40, 40), "res4": (20, 20), "res5": (10, 10), "res6": (5, 5)}),
        # 200 x 136: Lite0 pads like TF "same" (ceil at each stride 2): 100x68, 50x34, 25x17,
        # 13x9, 7x5; the extra 3x3 stride-2 conv (padding 1) gives ceil(7/2) x ceil(5/2).
        ((200, 136), {"res3": (25, 17), "res4": (13, 9), "res5": (7, 5), "res6": (4, 3)}),
    ],
)
def test_four_sources_strides_and_channels(size, expected):
    backbone = lite0_backbone(extra_channels=(32, 48)).eval()
    with torch.no_grad():
        feats = backbone(torch.randn(2, 3, *size))
    channels = {"res3": 40, "res4": 112, "res5": 320, "res6": 48}
    assert {k: tuple(v.shape) for k, v in feats.items()} == {
        k: (2, channels[k], *hw) for k, hw in expected.items()
    }
    shapes = backbone.output_shape()
    assert {k: (s.channels, s.stride) for k, s in shapes.items()} == {
        "res3": (40, 8),
        "res4": (112, 16),
        "res5": (320, 32),
        "res6": (48, 64),
    }
    assert [s.channels for s in shapes.values()] == lite0_refinedet_channels((32, 48))
    assert backbone.size_divisibility == 64


def test_res3_res4_are_l2_normalised_to_their_scales():
    backbone = lite0_backbone(res3_scale=10.0, res4_scale=8.0).eval()
    with torch.no_grad():
        feats = backbone(torch.randn(1, 3, 64, 64))
    torch.testing.assert_close(feats["res3"].norm(dim=1), torch.full((1, 8, 8), 10.0))
    torch.testing.assert_close(feats["res4"].norm(dim=1), torch.full((1, 4, 4), 8.0))


@pytest.mark.parametrize(
    "freeze_at,frozen_stages",
    [(5, ("stem", "res2", "res3", "res4", "res5")), (3, ("stem", "res2", "res3"))],
)
def test_frozen_stages_get_no_gradient_and_the_extras_do(freeze_at, frozen_stages):
    backbone = lite0_backbone(freeze_at=freeze_at).train()
    feats = backbone(torch.randn(2, 3, 64, 64))
    sum(f.square().mean() for f in feats.values()).backward()
    frozen = {
        id(p)
        for stage in frozen_stages
        for module in backbone.bottom_up.stage_modules(stage)
        for p in module.parameters()
    }
    for name, p in backbone.named_parameters():
        if id(p) in frozen:
            assert not p.requires_grad and p.grad is None, name
        else:
            assert p.requires_grad and p.grad is not None and p.grad.abs().sum() > 0, name
    trainable = {n.split(".")[0] for n, p in backbone.named_parameters() if p.requires_grad}
    extras = {"res3_norm", "res4_norm", "extra_1x1", "extra_3x3"}
    assert trainable == (extras if freeze_at == 5 else extras | {"bottom_up"})


def test_bottom_up_without_res5_names_the_feature():
    bottom_up = EfficientNetLite(pretrained=False, out_features=["res2", "res3", "res4"])
    with pytest.raises(ValueError, match="'res5' at stride 32"):
        Lite0RefineDetBackbone(bottom_up)


def test_yacs_build_model_with_lite0():
    from detectron2.config import get_cfg
    from detectron2.modeling import build_model

    from labeleff.modeling import LITE0_PIXEL_MEAN, LITE0_PIXEL_STD
    from labeleff.projects.refinedet import RefineDet, add_refinedet_config

    cfg = get_cfg()
    add_refinedet_config(cfg)
    cfg.MODEL.META_ARCHITECTURE = "RefineDet"
    cfg.MODEL.DEVICE = "cpu"
    cfg.MODEL.BACKBONE.NAME = "build_lite0_refinedet_backbone"
    cfg.MODEL.BACKBONE.FREEZE_AT = 5
    cfg.MODEL.REFINEDET.IN_FEATURES = ["res3", "res4", "res5", "res6"]
    cfg.MODEL.REFINEDET.NUM_CLASSES = 3
    cfg.MODEL.PIXEL_MEAN = LITE0_PIXEL_MEAN
    cfg.MODEL.PIXEL_STD = LITE0_PIXEL_STD
    model = build_model(cfg)
    assert isinstance(model, RefineDet)
    assert isinstance(model.backbone, Lite0RefineDetBackbone)
    assert not model.backbone.bottom_up.flip_channels  # INPUT.FORMAT = RGB (RefineDet's)
    assert [c.in_channels for c in model.head.arm_loc] == [40, 112, 320, 256]
    assert not any(p.requires_grad for p in model.backbone.bottom_up.parameters())
