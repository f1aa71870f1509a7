"""Domain classifiers: shapes, BCE by hand, reversed gradients into the features."""

import math

import pytest
import torch

from labeleff.projects.mic_uda.domain_classifiers import (
    ImageDomainClassifier,
    InstanceDomainClassifier,
    image_domain_loss,
    instance_domain_loss,
)


def test_image_loss_by_hand_with_level_resizing():
    # level 0: 2x2 logits 0 -> BCE log 2; level 1: 1x1 logit log(3) upsampled -> p = 0.75
    logits = [torch.zeros(1, 1, 2, 2), torch.full((1, 1, 1, 1), math.log(3.0))]
    src = image_domain_loss(logits, is_source=True)
    tgt = image_domain_loss(logits, is_source=False)
    assert src.item() == pytest.approx((math.log(2) - math.log(0.75)) / 2)
    assert tgt.item() == pytest.approx((math.log(2) - math.log(0.25)) / 2)


def test_instance_loss_by_hand():
    logits = torch.tensor([0.0, math.log(3.0)])
    assert instance_domain_loss(logits, True).item() == pytest.approx(
        (math.log(2) - math.log(0.75)) / 2
    )
    with pytest.raises(ValueError):
        instance_domain_loss(torch.zeros(0), True)


def test_classifiers_shapes_and_reversed_feature_gradient():
    torch.manual_seed(0)
    img_head = ImageDomainClassifier(in_channels=4, num_levels=2, grl_weight=0.025, hidden=8)
    feats = [torch.randn(2, 4, 8, 8, requires_grad=True), torch.randn(2, 4, 4, 4)]
    out = img_head(feats)
    assert [o.shape for o in out] == [(2, 1, 8, 8), (2, 1, 4, 4)]

    # the head learns to classify (descends), the features receive -0.025 x that gradient
    x = feats[0]
    loss = image_domain_loss([img_head.heads[0](x)], True)
    (g_plain,) = torch.autograd.grad(loss, x)
    loss_rev = image_domain_loss(img_head([x, feats[1]])[:1], True)
    (g_rev,) = torch.autograd.grad(loss_rev, x)
    assert torch.allclose(g_rev, -0.025 * g_plain, atol=1e-12)

    ins_head = InstanceDomainClassifier(in_dim=6, grl_weight=0.1, hidden=5).eval()
    roi = torch.randn(7, 6, requires_grad=True)
    logits = ins_head(roi)
    assert logits.shape == (7,)
    (g_rev,) = torch.autograd.grad(instance_domain_loss(logits, False), roi)
    (g_plain,) = torch.autograd.grad(instance_domain_loss(ins_head.net(roi), False), roi)
    assert torch.allclose(g_rev, -0.1 * g_plain, atol=1e-9)


def test_image_classifier_rejects_wrong_level_count():
    head = ImageDomainClassifier(4, 3, 0.1, hidden=2)
    with pytest.raises(ValueError, match="3 level heads"):
        head([torch.zeros(1, 4, 2, 2)])
