"""Box jittering and the normalised-std uncertainty (hand-computed examples)."""

import statistics

import pytest
import torch

from labeleff.projects.soft_teacher.jitter import box_regression_uncertainty, jitter_boxes


def test_jitter_offsets_scale_matches_formula():
    # w=40,h=20 and a degenerate box (w=0.5 -> clamped to 1, h=100)
    boxes = torch.tensor([[10.0, 30.0, 50.0, 50.0], [5.0, 5.0, 5.5, 105.0]], dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    jittered = jitter_boxes(boxes, times=20000, scale=0.06, generator=g)
    assert jittered.shape == (20000, 2, 4)
    offsets = jittered - boxes[None]
    expected_std = 0.06 * torch.tensor([[40.0, 20.0, 40.0, 20.0], [1.0, 100.0, 1.0, 100.0]])
    measured = offsets.std(dim=0)
    # 20000 normal draws: the relative standard error of the std is 1/sqrt(2*20000) = 0.5 %
    assert torch.allclose(measured, expected_std.double(), rtol=0.03)
    assert (offsets.mean(dim=0).abs() < 4 * expected_std / 20000**0.5).all()
    # coordinates move independently: x1 and x2 offsets are uncorrelated
    corr = torch.corrcoef(torch.stack([offsets[:, 0, 0], offsets[:, 0, 2]]))[0, 1]
    assert abs(corr) < 0.05


def test_jitter_is_reproducible_with_a_generator():
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0]])
    a = jitter_boxes(boxes, 5, 0.06, torch.Generator().manual_seed(3))
    b = jitter_boxes(boxes, 5, 0.06, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_uncertainty_hand_example():
    # box 0: only x1 varies (0 and 2): stdev = sqrt(2); mean box (1,0,10,10): w=9 -> sqrt(2)/9/4
    # box 1: all copies equal -> 0
    refined = torch.tensor(
        [
            [[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 25.0, 45.0]],
            [[2.0, 0.0, 10.0, 10.0], [5.0, 5.0, 25.0, 45.0]],
        ]
    )
    unc = box_regression_uncertainty(refined)
    assert unc.shape == (2,)
    assert unc[0].item() == pytest.approx(2**0.5 / 9 / 4)
    assert unc[1].item() == 0.0


def test_uncertainty_of_seeded_jitter_equals_hand_computation():
    # identity "refinement" of 4 seeded jitters of 2 boxes, recomputed with the statistics module
    boxes = torch.tensor([[10.0, 20.0, 30.0, 60.0], [0.0, 0.0, 0.5, 8.0]], dtype=torch.float64)
    refined = jitter_boxes(boxes, times=4, scale=0.06, generator=torch.Generator().manual_seed(7))
    unc = box_regression_uncertainty(refined)
    for i in range(2):
        copies = refined[:, i].tolist()  # 4 x [x1, y1, x2, y2]
        cols = list(zip(*copies))
        mean = [statistics.mean(c) for c in cols]
        w = max(mean[2] - mean[0], 1.0)
        h = max(mean[3] - mean[1], 1.0)
        expected = statistics.mean(statistics.stdev(c) / s for c, s in zip(cols, (w, h, w, h)))
        assert unc[i].item() == pytest.approx(expected, rel=1e-9)


def test_uncertainty_of_no_boxes():
    assert box_regression_uncertainty(torch.zeros(10, 0, 4)).shape == (0,)
