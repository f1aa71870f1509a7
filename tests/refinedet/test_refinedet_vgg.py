"""VGG16-reduced backbone: feature strides, L2Norm scales, torchvision converter (fc reduction)."""

import pytest
import torch

from labeleff.projects.refinedet.vgg import (
    L2Norm,
    VGG16Reduced,
    _torchvision_conv_indices,
    convert_torchvision_vgg16,
    load_torchvision_vgg16,
)


def fake_torchvision_state():
    """torchvision vgg16() state_dict shapes; fc6 on the meta device (400 MB otherwise)."""
    state, in_ch = {}, 3
    channels = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
    for idx, ch in zip(_torchvision_conv_indices(), channels):
        state[f"features.{idx}.weight"] = torch.full((ch, in_ch, 3, 3), float(idx))
        state[f"features.{idx}.bias"] = torch.zeros(ch)
        in_ch = ch
    state["classifier.0.weight"] = torch.empty(4096, 25088, device="meta")
    state["classifier.0.bias"] = torch.arange(4096.0)
    state["classifier.3.weight"] = torch.arange(4096.0).view(1, -1) + 10000 * torch.arange(
        4096.0
    ).view(-1, 1)
    state["classifier.3.bias"] = torch.arange(4096.0)
    state["classifier.6.weight"] = torch.empty(1000, 4096, device="meta")
    return state


def test_converter_maps_every_vgg_weight():
    assert _torchvision_conv_indices() == [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
    out = convert_torchvision_vgg16(fake_torchvision_state())
    backbone = VGG16Reduced()
    params = dict(backbone.named_parameters())
    assert set(params) - set(out) == {
        "conv6_1.weight",
        "conv6_1.bias",
        "conv6_2.weight",
        "conv6_2.bias",
        "conv4_3_norm.weight",
        "conv5_3_norm.weight",
    }
    for k, v in out.items():
        assert v.shape == params[k].shape, k
    assert out["stages.3.2.weight"].unique().item() == 21.0  # conv4_3 = features.21
    # fc7: every 4th output and input of the 4096 x 4096 matrix; fc6 bias every 4th.
    assert out["fc7.weight"][1, 2, 0, 0].item() == 4 * 10000 + 8
    assert out["fc6.bias"][:3].tolist() == [0.0, 4.0, 8.0]


def test_load_rejects_width_multiplier(tmp_path):
    with pytest.raises(ValueError, match="width_mult=1.0"):
        load_torchvision_vgg16(VGG16Reduced(width_mult=0.5), str(tmp_path / "vgg16.pth"))


def test_l2norm_scales():
    backbone = VGG16Reduced(width_mult=0.0625)
    assert torch.all(backbone.conv4_3_norm.weight == 10) and torch.all(
        backbone.conv5_3_norm.weight == 8
    )
    x = torch.randn(2, 5, 3, 3)
    y = L2Norm(5, 10.0)(x)
    assert torch.allclose(y.norm(dim=1), torch.full((2, 3, 3), 10.0), atol=1e-4)
    shapes = backbone.output_shape()
    assert {k: v.stride for k, v in shapes.items()} == {
        "conv4_3": 8,
        "conv5_3": 16,
        "fc7": 32,
        "conv6_2": 64,
    }
