"""The PS-MT Lite0 node (models/psmt_deeplab_lite0.py): ASPP on res5 at stride 16, low-level res2 at
stride 4, the encoder shape, no ASPP dropout, a frozen RGB backbone; the CPU configs use it."""

import os

import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.layers import ASPP, ShapeSpec

from labeleff.config import load_config
from labeleff.modeling import EfficientNetLite
from labeleff.projects.ps_mt import SemSegMapper, deeplab_resnet

CONFIG_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "ps_mt")
NODE = os.path.join(CONFIG_DIR, "models", "psmt_deeplab_lite0.py")


@pytest.fixture(scope="module")
def segmentor():
    cfg = LazyConfig.load(NODE)
    torch.manual_seed(0)
    return instantiate(cfg.model.student).eval()


def test_aspp_reads_res5_at_stride_16_and_low_level_res2_at_stride_4(segmentor):
    assert segmentor.backbone.output_shape() == {
        "res2": ShapeSpec(channels=24, stride=4),
        "res5": ShapeSpec(channels=320, stride=16),
    }
    head = segmentor.sem_seg_head
    assert head.in_features == ["res2", "res5"]  # sorted by stride: low-level first, ASPP last
    aspp = head.decoder["res5"]["project_conv"]
    assert isinstance(aspp, ASPP) and aspp.convs[0].in_channels == 320
    assert head.decoder["res2"]["project_conv"].in_channels == 24


def test_encoder_shapes_for_a_96x128_image(segmentor):
    images = torch.randn(2, 3, 96, 128)
    with torch.no_grad():
        features = segmentor.backbone(images)
        encoded = segmentor.encode(images)
        decoded = segmentor.decode(encoded)
        expected = segmentor.sem_seg_head.layers(features)
    # res2: 96/4 x 128/4; res5 dilated (OS 16): 96/16 x 128/16
    assert {k: tuple(v.shape) for k, v in features.items()} == {
        "res2": (2, 24, 24, 32),
        "res5": (2, 320, 6, 8),
    }
    assert encoded.shape == (2, 24 + 128, 24, 32)  # low-level projection 24 + ASPP 128
    assert decoded.shape == (2, 4, 24, 32)
    torch.testing.assert_close(decoded, expected)


def test_inference_pads_to_16_and_returns_the_input_size(segmentor):
    image = torch.randint(0, 256, (3, 90, 120), dtype=torch.uint8)
    with torch.no_grad():
        (out,) = segmentor([{"image": image, "height": 90, "width": 120}])
    assert out["sem_seg"].shape == (4, 90, 120)


def test_no_aspp_dropout(segmentor):
    assert LazyConfig.load(NODE).model.student.sem_seg_head.aspp_dropout == 0.0
    assert segmentor.sem_seg_head.decoder["res5"]["project_conv"].dropout == 0.0


def test_backbone_is_frozen_and_reads_the_mappers_rgb(segmentor):
    backbone = segmentor.backbone
    assert isinstance(backbone, EfficientNetLite)
    assert not any(p.requires_grad for p in backbone.parameters())  # freeze_at=5
    assert all(p.requires_grad for p in segmentor.sem_seg_head.parameters())
    assert SemSegMapper(augmentations=[]).image_format == "RGB"
    assert not backbone.flip_channels  # input_format="RGB": no BGR -> RGB flip
    assert segmentor.pixel_mean.flatten().tolist() == [127.5] * 3


@pytest.mark.parametrize(
    "name, backbone",
    [
        ("camvid_1-8.py", EfficientNetLite),
        ("camvid_1-8_supervised.py", EfficientNetLite),
        ("demo_cpu.py", EfficientNetLite),
        ("camvid_1-8_scratch_supervised.py", None),  # the tiny DeepLab ResNet from scratch
    ],
)
def test_cpu_configs_backbones(name, backbone):
    cfg = load_config(os.path.join(CONFIG_DIR, name))
    student = cfg.model.get("student", cfg.model)
    if backbone is None:
        assert student.backbone._target_ is deeplab_resnet
        assert not student.backbone.get("weights")  # no ImageNet checkpoint
        assert student.backbone.num_blocks_per_stage == [1] * 4
    else:
        assert student.backbone._target_ is backbone and student.backbone.pretrained
