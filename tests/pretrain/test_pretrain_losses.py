"""Center loss and its center update against hand computations; patch losses' invariants."""

import math

import torch

from labeleff.projects.pretrain import (
    CenterLoss,
    center_loss,
    cosine_patch_loss,
    info_nce_patch_loss,
    update_centers,
)


def test_center_loss_hand_computed():
    x = torch.tensor([[1.0, 2.0], [3.0, 0.0], [0.0, 0.0]])
    y = torch.tensor([0, 1, 0])
    c = torch.tensor([[1.0, 0.0], [2.0, 2.0]])
    # ||(0,2)||^2 = 4, ||(1,-2)||^2 = 5, ||(-1,0)||^2 = 1 -> 0.5 * 10 / 3
    assert torch.isclose(center_loss(x, y, c), torch.tensor(0.5 * 10.0 / 3.0))


def test_center_loss_gradient_on_features():
    x = torch.tensor([[1.0, 2.0], [3.0, 0.0]], requires_grad=True)
    c = torch.tensor([[1.0, 0.0], [2.0, 2.0]])
    center_loss(x, torch.tensor([0, 1]), c).backward()
    # d/dx_i of 0.5 * mean ||x_i - c||^2 = (x_i - c_yi) / N
    assert torch.allclose(x.grad, torch.tensor([[0.0, 1.0], [0.5, -1.0]]))


def test_update_centers_hand_computed():
    c = torch.tensor([[0.0, 0.0], [10.0, 10.0], [5.0, 5.0]])
    x = torch.tensor([[2.0, 0.0], [4.0, 2.0], [10.0, 12.0]])
    y = torch.tensor([0, 0, 1])
    new = update_centers(c, x, y, alpha=0.5)
    # class 0: delta = (2*c0 - (6, 2)) / 3 = (-2, -2/3); c0 - 0.5 * delta = (1, 1/3)
    # class 1: delta = (c1 - (10, 12)) / 2 = (0, -1); c1 + (0, 0.5); class 2 absent: unchanged
    assert torch.allclose(new, torch.tensor([[1.0, 1.0 / 3], [10.0, 10.5], [5.0, 5.0]]))


def test_centers_move_toward_class_means():
    g = torch.Generator().manual_seed(0)
    means = torch.tensor([[3.0, -1.0, 2.0], [-4.0, 0.5, 1.0]])
    y = torch.randint(0, 2, (200,), generator=g)
    x = means[y] + 0.3 * torch.randn(200, 3, generator=g)
    module = CenterLoss(num_classes=2, feat_dim=3, alpha=0.5).train()
    class_means = torch.stack([x[y == k].mean(0) for k in range(2)])
    dists = [(module.centers - class_means).norm(dim=1)]
    losses = []
    for i in range(0, 200, 20):
        losses.append(float(module(x[i : i + 20], y[i : i + 20])))
        dists.append((module.centers - class_means).norm(dim=1))
    assert (dists[-1] < 0.2 * dists[0]).all()
    assert (dists[-1] < 0.3).all()
    assert losses[-1] < losses[0]
    # eval mode: no update
    module.eval()
    before = module.centers.clone()
    module(x[:20], y[:20])
    assert torch.equal(before, module.centers)


def test_cosine_patch_loss_extremes():
    a = torch.tensor([[1.0, 0.0]])
    same = torch.tensor([[[2.0, 0.0]] * 4])
    opposite = -same
    assert torch.isclose(cosine_patch_loss(a, same, opposite), torch.tensor(-2.0))
    assert torch.isclose(cosine_patch_loss(a, opposite, same), torch.tensor(2.0))


def test_info_nce_hand_computed():
    a = torch.tensor([[1.0, 0.0]])
    pos = torch.tensor([[[1.0, 0.0]]])  # cos 1
    neg = torch.tensor([[[0.0, 1.0], [-1.0, 0.0]]])  # cos 0, -1
    t = 0.5
    expected = -math.log(math.exp(2.0) / (math.exp(2.0) + math.exp(0.0) + math.exp(-2.0)))
    assert math.isclose(float(info_nce_patch_loss(a, pos, neg, t)), expected, rel_tol=1e-5)
