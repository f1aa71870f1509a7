"""YOLOX's PAFPN on EfficientNet-Lite0 res3/res4/res5 and the Lite0 model node of the CPU
configs."""

import os

import pytest
import torch
from detectron2.config import instantiate

from labeleff.config import load_config
from labeleff.modeling import LITE0_PIXEL_MEAN, LITE0_PIXEL_STD, EfficientNetLite
from labeleff.projects.yolox import YOLOPAFPN

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_lite0_pafpn_levels_have_the_backbone_strides_and_channels():
    lite0 = EfficientNetLite(pretrained=False, out_features=["res3", "res4", "res5"])
    neck = YOLOPAFPN(bottom_up=lite0, in_features=("res3", "res4", "res5"), depthwise=True)
    with torch.no_grad():
        out = neck.eval()(torch.zeros(2, 3, 256, 320))
    # 256 x 320 input: strides 8 / 16 / 32 -> 32 x 40, 16 x 20, 8 x 10; Lite0 channels 40/112/320.
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "p3": (2, 40, 32, 40),
        "p4": (2, 112, 16, 20),
        "p5": (2, 320, 8, 10),
    }
    shapes = neck.output_shape()
    assert {k: (s.channels, s.stride) for k, s in shapes.items()} == {
        "p3": (40, 8),
        "p4": (112, 16),
        "p5": (320, 32),
    }
    assert neck.size_divisibility == 32


def test_pafpn_rejects_levels_that_are_not_strides_s_2s_4s():
    dilated = EfficientNetLite(pretrained=False, output_stride=16)  # res4 and res5 at stride 16
    with pytest.raises(ValueError, match=r"strides \[8, 16, 16\]"):
        YOLOPAFPN(bottom_up=dilated, in_features=("res3", "res4", "res5"))
    with pytest.raises(ValueError, match="missing"):
        YOLOPAFPN(bottom_up=dilated, in_features=("dark3", "dark4", "dark5"))


def test_bccd_lite0_config_is_nano_with_a_frozen_lite0_backbone():
    cfg = load_config(os.path.join(REPO, "configs/yolox/bccd_lite0_cpu.py"))
    nano = load_config(os.path.join(REPO, "configs/yolox/bccd_nano_cpu.py"))
    # Same data, input size, optimizer and schedule as the from-scratch twin.
    for key in ("dataloader", "optimizer", "lr_multiplier"):
        assert cfg[key] == nano[key], key
    assert cfg.train.max_iter == nano.train.max_iter and cfg.train.hooks == nano.train.hooks
    model = instantiate(cfg.model)
    lite0 = model.backbone.bottom_up
    assert isinstance(lite0, EfficientNetLite) and lite0.flip_channels  # BGR in, RGB inside
    assert not any(p.requires_grad for p in lite0.parameters())  # freeze_at=5
    assert model.pixel_mean.flatten().tolist() == LITE0_PIXEL_MEAN
    assert model.pixel_std.flatten().tolist() == LITE0_PIXEL_STD
    assert model.input_format == "BGR" and model.square_size == 320
    channels = [s.channels for s in model.backbone.output_shape().values()]
    assert [c.conv.in_channels for c in model.head.stems] == channels == [40, 112, 320]
    assert model.head.cls_preds[0].in_channels == 64  # nano's head width int(256 * 0.25)
    # YOLOX's own BN (eps 1e-3, momentum 0.03) in the trained neck and head.
    bn = model.backbone.C3_p3.conv1.bn
    assert isinstance(bn, torch.nn.BatchNorm2d) and (bn.eps, bn.momentum) == (1e-3, 0.03)
