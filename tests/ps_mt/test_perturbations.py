"""T-VAT and CutMix invariants."""

import numpy as np
import pytest
import torch
from torch import nn

from labeleff.projects.ps_mt.perturbations import apply_cutmix, cutmix_boxes, tvat_perturbation


def _linear_teachers(channels=4, classes=3, seed=0):
    torch.manual_seed(seed)
    return [nn.Conv2d(channels, classes, 1).double() for _ in range(2)]


def test_tvat_norm_is_eps_per_sample():
    teachers = _linear_teachers()
    feats = (
        torch.randn(3, 4, 5, 6, dtype=torch.float64)
        * torch.tensor([0.1, 1.0, 10.0]).view(3, 1, 1, 1).double()
    )
    r_adv = tvat_perturbation(feats, teachers, xi=1e-6, eps=2.0)
    assert r_adv.shape == feats.shape and not r_adv.requires_grad
    assert torch.allclose(r_adv.flatten(1).norm(dim=1), torch.full((3,), 2.0, dtype=torch.float64))


def test_tvat_direction_matches_analytic_gradient_of_linear_decoders():
    teachers = _linear_teachers()
    feats = torch.randn(2, 4, 3, 3, dtype=torch.float64)
    noise = torch.rand_like(feats) - 0.5
    xi = 1e-6
    r_adv = tvat_perturbation(feats, teachers, xi=xi, eps=2.0, noise=noise)

    # mean of two 1x1 convs is one linear map W x + b; d KL(p || softmax(W (x + xi d) + b)) / d d
    # = xi / N * W^T (q - p) at every pixel
    weight = torch.stack([t.weight[:, :, 0, 0] for t in teachers]).mean(0).detach()  # (K, C)
    bias = torch.stack([t.bias for t in teachers]).mean(0).detach()
    d = noise / noise.flatten(1).norm(dim=1).view(-1, 1, 1, 1)

    def logits(x):
        return torch.einsum("kc,nchw->nkhw", weight, x) + bias.view(1, -1, 1, 1)

    p = logits(feats).softmax(1)
    q = logits(feats + xi * d).softmax(1)
    grad = xi / feats.shape[0] * torch.einsum("kc,nkhw->nchw", weight, q - p)
    expected = grad / grad.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
    cosine = (r_adv / 2.0 * expected).flatten(1).sum(1)
    assert torch.all(cosine > 1 - 1e-6), cosine


def test_tvat_uses_eval_mode_and_leaves_teachers_untouched():
    decoder = nn.Sequential(nn.BatchNorm2d(4), nn.Conv2d(4, 3, 1))
    decoder.train()
    running_mean = decoder[0].running_mean.clone()
    feats = torch.randn(2, 4, 3, 3, requires_grad=True)
    tvat_perturbation(feats, [decoder, decoder])
    assert decoder.training  # restored
    assert torch.equal(decoder[0].running_mean, running_mean)  # eval-mode BN: no stats update
    assert all(p.grad is None for p in decoder.parameters()) and feats.grad is None


def test_cutmix_same_box_for_images_and_targets():
    n, h, w = 6, 32, 40
    images = torch.arange(1, n + 1, dtype=torch.float32).view(n, 1, 1, 1).expand(n, 3, h, w)
    targets = 10 * torch.arange(1, n + 1, dtype=torch.float32).view(n, 1, 1, 1).expand(n, 5, h, w)
    boxes, _ = cutmix_boxes(n, h, w, rng=np.random.default_rng(0))
    partner = torch.roll(torch.arange(n), 1)  # never itself: every box is visible
    mixed_images, mixed_targets = apply_cutmix([images, targets], boxes, partner)
    for i, (y0, y1, x0, x1) in enumerate(boxes.tolist()):
        changed_img = (mixed_images[i] != images[i]).all(0)
        changed_tgt = (mixed_targets[i] != targets[i]).all(0)
        box = torch.zeros(h, w, dtype=torch.bool)
        box[y0:y1, x0:x1] = True
        assert torch.equal(changed_img, box) and torch.equal(changed_tgt, box)
        assert torch.all(mixed_images[i][:, box] == partner[i].item() + 1)
        assert torch.all(mixed_targets[i][:, box] == 10 * (partner[i].item() + 1))
    assert torch.all(images[0] == 1)  # inputs untouched


def test_cutmix_lambda_mean_and_box_area():
    rng = np.random.default_rng(123)
    lams, areas = [], []
    for _ in range(3000):
        boxes, lam = cutmix_boxes(1, 64, 64, rng=rng)
        y0, y1, x0, x1 = boxes[0]
        lams.append(lam)
        areas.append((y1 - y0) * (x1 - x0) / 64 / 64)
        assert 0 <= y0 <= y1 <= 64 and 0 <= x0 <= x1 <= 64
        assert areas[-1] <= 1 - lam + 1e-9  # clipped to the image: at most 1 - lambda
    assert np.mean(lams) == pytest.approx(0.5, abs=0.02)
    assert np.std(lams) == pytest.approx(1 / 6, abs=0.02)  # Beta(4, 4)
