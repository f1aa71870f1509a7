"""GMM pseudo-label thresholds and the pseudo-label health monitor."""

import logging

import numpy as np
import pytest
import torch
from detectron2.utils.events import EventStorage

from labeleff.projects.teacher_student import (
    ClassScoreThresholds,
    PseudoLabelHealthHook,
    collapse_warning,
    gmm_score_threshold,
)


def _bimodal(low=0.3, high=0.85, n=(60, 40), std=0.03, seed=0):
    rng = np.random.default_rng(seed)
    return np.clip(np.concatenate([rng.normal(low, std, n[0]), rng.normal(high, std, n[1])]), 0, 1)


def test_gmm_threshold_lands_between_the_modes_at_the_positive_mode():
    scores = _bimodal()
    high = gmm_score_threshold(scores, default=0.0, policy="high")
    middle = gmm_score_threshold(scores, default=0.0, policy="middle")
    # "middle" is the lowest score of the upper cluster: above every low score, below the mode
    assert scores[scores < 0.6].max() < middle < 0.85
    assert middle == pytest.approx(scores[scores > 0.6].min())
    # "high": the lowest positive score at or above the positive component's densest point,
    # i.e. about its mean 0.85 (the upper cluster's sample median by symmetry), not below
    upper = np.sort(scores[scores > 0.6])
    assert abs(high - 0.85) < 0.03 and high >= middle
    assert high in upper


def test_gmm_threshold_defaults_and_no_implicit_bound():
    assert gmm_score_threshold([0.9, 0.8, 0.7], default=0.42) == 0.42  # < 4 scores
    assert gmm_score_threshold([0.6] * 10, default=0.42) == 0.42  # no spread
    # a class the teacher scores low (modes 0.1 / 0.3) gets a low threshold, between its modes
    low = _bimodal(0.1, 0.3)
    assert low[low < 0.2].max() < gmm_score_threshold(low, default=0.5, policy="middle") < 0.3


def test_class_thresholds_clamp_fits_but_not_the_default():
    thr = ClassScoreThresholds(
        num_classes=2,
        queue_size=100,
        default=0.9,
        min_threshold=0.2,
        max_threshold=0.8,
        policy="middle",
    )
    low = torch.tensor(_bimodal(0.05, 0.15), dtype=torch.float32)  # fitted ~0.1: clamped to 0.2
    out = thr.update(low, torch.zeros(len(low), dtype=torch.long))
    assert out[0].item() == pytest.approx(0.2) and out[1].item() == pytest.approx(0.9)
    thr.update(torch.tensor([0.3, 0.4]), torch.ones(2, dtype=torch.long))  # < 4 scores
    assert thr.thresholds[1].item() == pytest.approx(0.9)  # the default, above the clamp
    with pytest.raises(ValueError, match="policy"):
        gmm_score_threshold(_bimodal(), 0.0, policy="low")


def test_class_queues_are_per_class_bounded_and_checkpointed():
    thr = ClassScoreThresholds(num_classes=2, queue_size=50, default=0.5, policy="middle")
    scores = torch.tensor(_bimodal(0.55, 0.9, n=(30, 30)), dtype=torch.float32)
    out = thr.update(scores, torch.zeros(60, dtype=torch.long))
    assert thr.count.tolist() == [50, 0]  # at most queue_size pushed per call, class 1 untouched
    assert 0.6 < out[0] < 0.9 and out[1] == 0.5
    boxes_classes = torch.tensor([1, 0, 0])
    assert thr.per_box(boxes_classes).tolist() == [0.5, out[0].item(), out[0].item()]
    clone = ClassScoreThresholds(num_classes=2, queue_size=50, default=0.5, policy="middle")
    clone.load_state_dict(thr.state_dict())
    assert torch.equal(clone.queue, thr.queue) and torch.equal(clone.thresholds, thr.thresholds)


def test_collapse_warning_on_synthetic_series():
    healthy = [10 + (i % 3) for i in range(200)]
    assert collapse_warning(healthy) is None
    collapsing = [16.0] * 40 + [16 - 0.2 * i for i in range(80)]  # 16 -> 0 over 80 iterations
    reason = collapse_warning(collapsing)
    assert reason is not None and "post-burn-in level" in reason
    # first warned where the last-20 mean falls below 8
    first = next(n for n in range(40, 121) if collapse_warning(collapsing[:n]))
    assert (
        sum(collapsing[first - 20 : first]) / 20 < 8 <= sum(collapsing[first - 21 : first - 1]) / 20
    )
    assert "zero for the last 50" in collapse_warning([0.0] * 60)
    assert collapse_warning([0.0] * 49) is None


class _Trainer:
    def __init__(self, storage):
        self.storage, self.iter, self.model = storage, 0, torch.nn.Linear(1, 1)


@pytest.mark.parametrize("collapse", [False, True])
def test_monitor_warns_once_on_collapse_and_draws_curves(tmp_path, caplog, collapse):
    hook = PseudoLabelHealthHook(str(tmp_path), keys_to_check=["model.cls_pseudo_threshold"])
    with EventStorage(0) as storage:
        hook.trainer = _Trainer(storage)
        for it in range(150):
            storage.iter = hook.trainer.iter = it
            if it >= 10:  # burn-in: nothing logged
                value = max(0.0, 12 - 0.2 * (it - 40)) if collapse and it > 40 else 12.0
                storage.put_scalar("pseudo_label/boxes_per_image", value)
            with caplog.at_level(logging.WARNING):
                hook.after_step()
        warnings = [r for r in caplog.records if "pseudo-labels" in r.getMessage()]
        assert len(warnings) == (1 if collapse else 0)
        if collapse:
            assert "model.cls_pseudo_threshold" in warnings[0].getMessage()
            assert "pseudo_label/collapsed" in storage.histories()
        assert hook.counts[0] == 12.0  # the reference starts after burn-in
        hook.after_train()
    png = tmp_path / "pseudo_labels.png"
    assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG"


def test_frequency_thresholds_keep_ratio_times_the_labeled_count_by_hand():
    from labeleff.projects.teacher_student import ClassFrequencyThresholds

    thr = ClassFrequencyThresholds(
        num_classes=3, ratio=1.0, min_threshold=0.05, max_threshold=0.9, default=0.9
    )
    classes = torch.tensor([0, 0, 0, 1, 1, 2])
    scores = torch.tensor([0.8, 0.6, 0.4, 0.3, 0.2, 0.95])
    assert thr.update(scores, classes, 2).tolist() == pytest.approx([0.9] * 3)  # nothing counted
    # labeled: image 1 has classes 0, 0, 1; image 2 has 0, 0 -> per image: 2.0, 0.5, 0.0
    thr.observe([torch.tensor([0, 0, 1]), torch.tensor([0, 0])])
    assert thr.frequency().tolist() == pytest.approx([2.0, 0.5, 0.0])
    out = thr.update(scores, classes, num_images=1)
    # class 0: n = 2 -> the 3rd highest score 0.4 (0.8 and 0.6 pass); class 1: n = round(0.5) = 0
    # -> its best score 0.3 (none pass); class 2: n = 0 -> 0.95, clamped to 0.9 (always kept)
    assert out.tolist() == pytest.approx([0.4, 0.3, 0.9])
    assert int((scores > thr.per_box(classes)).sum()) == 3  # 0.8, 0.6 and the confident 0.95
    # more images than candidates: every candidate above the floor passes
    assert thr.update(scores, classes, num_images=4)[0].item() == pytest.approx(0.05)
    clone = ClassFrequencyThresholds(num_classes=3)
    clone.load_state_dict(thr.state_dict())  # counts are checkpointed
    assert clone.frequency().tolist() == pytest.approx([2.0, 0.5, 0.0])


def test_frequency_carry_gives_a_rare_class_its_share_over_batches_by_hand():
    """One labeled circle in 4 images, ratio 0.5, 4 unlabeled images per batch: the quota is 0.5
    boxes per batch. Rounding keeps none in every batch; carrying keeps one every second batch."""
    from labeleff.projects.teacher_student import ClassFrequencyThresholds

    scores = torch.tensor([0.7, 0.6, 0.5, 0.3, 0.2])
    classes = torch.tensor([0, 0, 1, 1, 1])
    labeled = [torch.tensor([0]), torch.tensor([1, 1]), torch.tensor([1]), torch.tensor([1])]

    def kept_per_batch(carry):
        thr = ClassFrequencyThresholds(num_classes=2, ratio=0.5, carry_remainder=carry)
        thr.observe(labeled)  # per image: class 0 0.25, class 1 1.0 -> quota 0.5 and 2.0 per batch
        kept = []
        for _ in range(4):
            thr.update(scores, classes, num_images=4)
            passed = scores > thr.per_box(classes)
            kept.append([int(passed[classes == k].sum()) for k in (0, 1)])
        return kept, thr

    rounded, _ = kept_per_batch(False)
    assert rounded == [[0, 2]] * 4  # round(0.5) = 0: the circle is never a pseudo-label
    carried, thr = kept_per_batch(True)
    assert carried == [[0, 2], [1, 2], [0, 2], [1, 2]]  # 0.5 -> 0 (+0.5), 1.0 -> 1 (+0) ...
    assert thr.carry.tolist() == pytest.approx([0.0, 0.0])
    clone = ClassFrequencyThresholds(num_classes=2, ratio=0.5, carry_remainder=True)
    thr.update(scores, classes, num_images=4)
    clone.load_state_dict(thr.state_dict())  # the remainder is checkpointed
    assert clone.carry.tolist() == pytest.approx([0.5, 0.0])
