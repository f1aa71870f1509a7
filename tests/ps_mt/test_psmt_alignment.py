"""Distribution alignment of the teacher's pseudo-labels: the aligned probabilities by hand, the
running mean, and PSMT's wiring (its buffers after one step, the default off)."""

import pytest
import torch
from detectron2.utils.events import EventStorage
from test_meta_arch import _labeled, _tiny_psmt, _unlabeled

from labeleff.projects.ps_mt.alignment import align_logits, update_running_mean


def test_aligned_probabilities_are_p_times_prior_over_mean_renormalised():
    p = torch.tensor([0.6, 0.3, 0.1])
    prior, mean = torch.tensor([0.5, 0.3, 0.2]), torch.tensor([0.7, 0.25, 0.05])
    logits = p.log().view(1, 3, 1, 1) + 5.0  # a constant shift: same softmax
    raw = p * prior / mean  # 0.4286, 0.36, 0.4
    expected = raw / raw.sum()
    got = align_logits(logits, prior, mean).exp()[0, :, 0, 0]
    assert got.tolist() == pytest.approx(expected.tolist(), abs=1e-6)
    # the argmax stays class 0 here, but the under-predicted class 2 moved from 0.1 to 0.33
    assert got[2].item() == pytest.approx(0.4 / 1.1886, abs=1e-4)
    # prior == mean: the teacher's probabilities unchanged
    same = align_logits(logits, prior, prior).exp()[0, :, 0, 0]
    assert same.tolist() == pytest.approx(p.tolist(), abs=1e-6)


def test_a_never_predicted_class_stays_finite_and_a_never_labeled_one_is_suppressed():
    logits = torch.tensor([2.0, 0.0, -1.0]).view(1, 3, 1, 1)
    out = align_logits(logits, torch.tensor([0.5, 0.5, 0.0]), torch.tensor([0.5, 0.5, 0.0]))
    assert torch.isfinite(out).all()
    assert out.exp().sum().item() == pytest.approx(1.0)
    out = align_logits(logits, torch.tensor([0.5, 0.5, 0.0]), torch.tensor([0.4, 0.4, 0.2]))
    assert out.exp()[0, 2].item() < 1e-5


def test_running_mean_starts_at_the_first_batch_then_averages():
    mean = torch.zeros(2)
    first = torch.tensor([[0.0, 0.0], [0.0, 0.0]]).view(1, 2, 2, 1)  # softmax 0.5 / 0.5
    update_running_mean(mean, first, 0.9, first=True)
    assert mean.tolist() == pytest.approx([0.5, 0.5])
    second = torch.tensor([10.0, -10.0]).view(1, 2, 1, 1)  # softmax ~1 / ~0
    update_running_mean(mean, second, 0.9, first=False)
    assert mean.tolist() == pytest.approx([0.55, 0.45], abs=1e-6)


def test_psmt_alignment_buffers_and_default_off():
    assert "teacher_class_mean" not in _tiny_psmt().state_dict()
    model = _tiny_psmt(distribution_alignment=True, alignment_momentum=0.5).train()
    labeled = _labeled(classes=4)
    with EventStorage(5):
        model({"labeled": labeled, "unlabeled": _unlabeled()})
    by_hand = torch.bincount(torch.stack([x["sem_seg"] for x in labeled]).flatten(), minlength=4)
    assert model.labeled_pixel_counts.tolist() == by_hand.float().tolist()
    mean = model.teacher_class_mean
    assert mean.sum().item() == pytest.approx(1.0, abs=1e-5) and (mean > 0).all()
    assert {"teacher_class_mean", "labeled_pixel_counts"} <= set(model.state_dict())
