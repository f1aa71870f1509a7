"""Conf-CE pixel selection: the frequency quota by hand, the mask route of conf_ce_loss, PSMT's
labeled pixel counts, the selected-pixel logs against hidden labels, and the key check."""

import pytest
import torch
from detectron2.utils.events import EventStorage
from test_meta_arch import _labeled, _tiny_psmt, _unlabeled

from labeleff.projects.ps_mt.losses import conf_ce_loss
from labeleff.projects.ps_mt.selection import frequency_selection, threshold_selection


def test_frequency_quota_keeps_each_class_s_most_confident_pixels():
    # 10 pixels: class 0 on six of them, class 1 on three, class 2 on one
    pseudo = torch.tensor([[0, 0, 0, 0, 0, 0, 1, 1, 1, 2]])
    confidence = torch.tensor([[0.9, 0.5, 0.99, 0.7, 0.6, 0.8, 0.4, 0.95, 0.3, 0.2]])
    prior = torch.tensor([0.5, 0.3, 0.2])
    # ratio 0.8: quotas round(0.8 * prior * 10) = 4, 2, 2 -> class 0 keeps 0.99 0.9 0.8 0.7,
    # class 1 keeps 0.95 0.4, class 2 its only pixel (quota above what it has)
    mask = frequency_selection(confidence, pseudo, prior, 0.8)
    expected = [True, False, True, True, False, True, True, True, False, True]
    assert mask[0].tolist() == expected
    assert frequency_selection(confidence, pseudo, prior, 0.0).sum() == 0
    # the threshold rule would have dropped every class-1 and class-2 pixel but one
    assert threshold_selection(confidence, 0.6)[0, 6:].tolist() == [False, True, False, False]


def test_frequency_selection_keeps_the_shape_and_ties_in_pixel_order():
    pseudo = torch.zeros(2, 3, 4, dtype=torch.int64)
    confidence = torch.full((2, 3, 4), 0.5)
    mask = frequency_selection(confidence, pseudo, torch.tensor([1.0]), 0.25)  # 6 of 24
    assert mask.shape == (2, 3, 4)
    assert mask.flatten().tolist() == [True] * 6 + [False] * 18


def test_conf_ce_with_a_mask_averages_w_ce_over_the_masked_pixels():
    g = torch.Generator().manual_seed(0)
    student = torch.randn(1, 3, 2, 2, generator=g)
    teacher = torch.randn(1, 3, 2, 2, generator=g) * 3
    mask = torch.tensor([[[True, False], [False, True]]])
    prob = teacher.softmax(1)
    w, label = prob.max(1)
    ce = -student.log_softmax(1).gather(1, label[:, None])[:, 0]
    by_hand = (w * ce)[mask].sum() / 2
    assert conf_ce_loss(student, teacher, 0.99, mask).item() == pytest.approx(by_hand.item())
    none = torch.zeros_like(mask)
    assert conf_ce_loss(student, teacher, 0.0, none).item() == 0.0


def test_psmt_frequency_counts_labeled_pixels_and_logs_the_selection():
    model = _tiny_psmt(conf_selection="frequency", frequency_ratio=0.5).train()
    labeled = _labeled(classes=4)
    unlabeled = _unlabeled()
    for u, x in zip(unlabeled, _labeled(classes=4)):
        u["sem_seg"] = x["sem_seg"]  # hidden labels (weak-view geometry)
    with EventStorage(5) as storage:
        model({"labeled": labeled, "unlabeled": unlabeled})
        logged = {k: v[0] for k, v in storage.latest().items()}
    by_hand = torch.bincount(torch.stack([x["sem_seg"] for x in labeled]).flatten(), minlength=4)
    assert model.labeled_pixel_counts.tolist() == by_hand.float().tolist()
    assert "labeled_pixel_counts" in model.state_dict()  # resumed with the checkpoint
    # ratio 0.5 of every class's labeled share: about half of the pixels (fewer where the
    # teacher predicts a class less often than it is labeled)
    assert 0 < logged["unsup/selected_ratio"] <= 0.5 + 1e-6
    shares = [logged[f"unsup/selected_share_c{k}"] for k in range(4)]
    assert sum(shares) == pytest.approx(1.0)
    assert "unsup/pseudo_label_accuracy" in logged
    assert any(k.startswith("unsup/selected_recall_c") for k in logged)


def test_threshold_is_the_default_and_a_wrong_selection_names_the_key():
    model = _tiny_psmt()
    assert model.conf_selection == "threshold" and "labeled_pixel_counts" not in model.state_dict()
    with pytest.raises(ValueError, match="conf_selection"):
        _tiny_psmt(conf_selection="quantile")
