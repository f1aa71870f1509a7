"""Anchor count and layout per level for 320 and 512 inputs (4 levels, 3 anchors per location)."""

import math

import pytest
import torch

from labeleff.projects.refinedet.anchors import (
    build_box_coder,
    build_refinedet_anchor_generator,
    variances_to_weights,
)
from labeleff.projects.refinedet.vgg import VGG16Reduced


@pytest.mark.parametrize("size", [320, 512])
def test_anchor_count_and_layout(size):
    backbone = VGG16Reduced(width_mult=0.0625)
    with torch.no_grad():
        feats = backbone(torch.zeros(1, 3, size, size))
    maps = [feats[k] for k in ("conv4_3", "conv5_3", "fc7", "conv6_2")]
    strides = (8, 16, 32, 64)
    assert [tuple(f.shape[-2:]) for f in maps] == [(size // s, size // s) for s in strides]
    per_level = build_refinedet_anchor_generator()(maps)
    assert [len(a) for a in per_level] == [3 * (size // s) ** 2 for s in strides]
    assert sum(len(a) for a in per_level) == {320: 6375, 512: 16320}[size]
    for stride, anchors in zip(strides, per_level):
        a = anchors.tensor.view(size // stride, size // stride, 3, 4)
        centers = (a[..., :2] + a[..., 2:]) / 2
        wh = a[..., 2:] - a[..., :2]
        # Location (y, x) -> centre ((x + 0.5) * stride, (y + 0.5) * stride) for all 3 anchors.
        y, x = 2, 1
        assert torch.allclose(
            centers[y, x], torch.tensor([(x + 0.5) * stride, (y + 0.5) * stride]).expand(3, 2)
        )
        base = 4 * stride
        r = math.sqrt(2)
        expected_wh = torch.tensor([[base, base], [base * r, base / r], [base / r, base * r]])
        assert torch.allclose(wh[y, x], expected_wh, rtol=1e-5)


def test_variances_are_box2box_weights():
    assert variances_to_weights((0.1, 0.2)) == (10.0, 10.0, 5.0, 5.0)
    coder = build_box_coder((0.1, 0.2))
    prior = torch.tensor([[0.0, 0.0, 10.0, 20.0]])
    gt = torch.tensor([[1.0, 2.0, 11.0, 22.0]])
    # SSD encoding: ((6-5)/10/0.1, (12-10)/20/0.1, log(10/10)/0.2, log(20/20)/0.2)
    assert torch.allclose(coder.get_deltas(prior, gt), torch.tensor([[1.0, 1.0, 0.0, 0.0]]))
