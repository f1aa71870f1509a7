"""SoftTeacher.unsupervised_losses on the tiny Faster R-CNN with hand-made weak/strong views."""

import os

import numpy as np
import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.utils.events import EventStorage

from labeleff.projects.soft_teacher import SoftTeacher
from labeleff.projects.teacher_student import gmm_score_threshold

LOSS_NAMES = {"loss_rpn_cls", "loss_rpn_loc", "loss_cls", "loss_box_reg"}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(REPO, "configs", "common", "models", "faster_rcnn_tiny.py")


@pytest.fixture(scope="module")
def detector_cfg():
    return LazyConfig.load(TINY).model


def _model(detector_cfg, **kwargs):
    # as before reg_min_score existed: the regression candidates are the initial pseudo-labels
    kwargs.setdefault("reg_min_score", kwargs.get("pseudo_label_initial_score_thr", 0.5))
    torch.manual_seed(0)
    model = SoftTeacher(student=instantiate(detector_cfg), unsup_weight=4.0, **kwargs)
    return model.train()


def _item(seed, flip):
    g = torch.Generator().manual_seed(seed)
    image = torch.randint(0, 256, (3, 96, 128), dtype=torch.uint8, generator=g)
    flip_matrix = np.array([[-1.0, 0.0, 128.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    return {
        "file_name": f"img{seed}.jpg",
        "image_id": seed,
        "height": 96,
        "width": 128,
        "weak": {"image": image, "transform": np.eye(3)},
        "strong": {
            "image": image.flip(-1) if flip else image.clone(),
            "transform": flip_matrix if flip else np.eye(3),
        },
    }


def test_no_pseudo_labels_gives_finite_zero_losses(detector_cfg):
    # an untrained detector has no detection scoring above 0.99
    model = _model(detector_cfg, pseudo_label_initial_score_thr=0.99)
    with EventStorage():
        losses = model.unsupervised_losses([_item(0, True), _item(1, False)])
    assert set(losses) == LOSS_NAMES
    assert all(torch.isfinite(v) and v.item() == 0.0 for v in losses.values())
    assert model.last_pseudo_labels is not None  # logged for the visualizer even when empty


def test_background_only_losses_when_empty_batches_are_not_skipped(detector_cfg):
    model = _model(
        detector_cfg, pseudo_label_initial_score_thr=0.99, skip_losses_without_targets=False
    )
    with EventStorage():
        losses = model.unsupervised_losses([_item(0, True)])
    assert all(torch.isfinite(v) for v in losses.values())
    # the official behaviour: background-only objectness and ROI classification, no regression
    assert losses["loss_rpn_cls"].item() > 0 and losses["loss_cls"].item() > 0
    assert losses["loss_rpn_loc"].item() == 0 and losses["loss_box_reg"].item() == 0


def test_losses_train_the_student_only(detector_cfg):
    # thresholds lowered so that an untrained teacher's detections (score >= 0.05) are targets,
    # and every box is "reliable" for regression
    model = _model(
        detector_cfg,
        pseudo_label_initial_score_thr=0.0,
        rpn_pseudo_threshold=0.0,
        cls_pseudo_threshold=0.0,
        reg_pseudo_threshold=10.0,
    )
    with EventStorage() as storage:
        losses = model.unsupervised_losses([_item(0, True), _item(1, False)])
        counts = {k: v[0] for k, v in storage.latest().items()}
    assert set(losses) == LOSS_NAMES
    assert all(torch.isfinite(v) and v.item() > 0 for v in losses.values())
    assert counts["soft_teacher/num_rpn_pseudo"] > 0 and counts["soft_teacher/num_reg_pseudo"] > 0
    sum(losses.values()).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    grads = [p.grad for p in model.student.roi_heads.box_predictor.parameters()]
    assert all(g is not None and g.abs().sum() > 0 for g in grads)


def test_pseudo_labels_carry_uncertainty_and_respect_the_initial_threshold(detector_cfg):
    items = [_item(0, True), _item(1, False)]
    everything, _ = _model(detector_cfg, pseudo_label_initial_score_thr=0.0).teacher_pseudo_labels(
        items
    )
    # a threshold at the median teacher score: by construction about half the boxes pass
    thr = torch.cat([p.scores for p in everything]).median().item()
    pseudo, _ = _model(detector_cfg, pseudo_label_initial_score_thr=thr).teacher_pseudo_labels(
        items
    )
    assert [len(p) for p in pseudo] == [int((p.scores > thr).sum()) for p in everything]
    assert sum(len(p) for p in pseudo) > 0
    for p in pseudo:
        assert p.image_size == (96, 128)
        assert (p.scores > thr).all()
        assert p.reg_uncertainty.shape == (len(p),) and (p.reg_uncertainty >= 0).all()


def test_terms_without_targets_are_zero_and_the_others_train(detector_cfg):
    # no score reaches 1.0: no RPN / classification target; every box is reliable for regression
    model = _model(
        detector_cfg,
        pseudo_label_initial_score_thr=0.0,
        rpn_pseudo_threshold=1.0,
        cls_pseudo_threshold=1.0,
        reg_pseudo_threshold=10.0,
    )
    with EventStorage():
        losses = model.unsupervised_losses([_item(0, True), _item(1, False)])
    for name in ("loss_rpn_cls", "loss_rpn_loc", "loss_cls"):
        assert losses[name].item() == 0.0 and losses[name].grad_fn is None
    assert losses["loss_box_reg"].item() > 0 and losses["loss_box_reg"].requires_grad


def test_gmm_policy_keeps_boxes_above_their_class_threshold(detector_cfg):
    model = _model(
        detector_cfg,
        pseudo_label_initial_score_thr=0.0,
        reg_pseudo_threshold=10.0,
        score_threshold_policy="gmm",
        gmm_min_threshold=0.0,
        gmm_max_threshold=1.0,
        gmm_policy="middle",
    )
    items = [_item(0, False), _item(1, False)]  # identity views: pseudo boxes keep their scores
    with EventStorage() as storage:
        pseudo_weak, _ = model.teacher_pseudo_labels(items)
        model.unsupervised_losses(items)
        latest = {k: v[0] for k, v in storage.latest().items()}
    scores = torch.cat([p.scores for p in pseudo_weak])
    classes = torch.cat([p.gt_classes for p in pseudo_weak])
    assert len(scores) >= 8  # an untrained teacher's many low-score boxes: the loop really runs
    thresholds = model.score_thresholds.thresholds
    expected = sum(int((scores[classes == k] > thresholds[k]).sum()) for k in range(3)) / 2
    assert latest["soft_teacher/num_cls_pseudo"] == pytest.approx(expected)
    assert latest["soft_teacher/num_rpn_pseudo"] == pytest.approx(expected)
    for k in range(3):  # each class's threshold = the pure GMM function on its scores
        queued = scores[classes == k][-100:]  # the queue keeps the last gmm_queue_size
        expected_k = gmm_score_threshold(queued, model.cls_pseudo_threshold, "middle")
        assert thresholds[k].item() == pytest.approx(expected_k, abs=1e-6)
        assert latest[f"soft_teacher/score_threshold/class_{k}"] == pytest.approx(expected_k)
    assert "score_thresholds.queue" in model.state_dict()
    with pytest.raises(ValueError, match="score_threshold_policy"):
        _model(detector_cfg, score_threshold_policy="adaptive")


def test_overlaps_any_by_hand():
    from detectron2.structures import Boxes

    from labeleff.projects.soft_teacher.soft_teacher import overlaps_any

    boxes = Boxes(torch.tensor([[0.0, 0, 10, 10], [0, 0, 10, 20], [50, 50, 60, 60]]))
    others = Boxes(torch.tensor([[0.0, 0, 10, 10]]))
    # IoUs 1.0, 0.5, 0.0
    assert overlaps_any(boxes, others, 0.5).tolist() == [True, True, False]
    assert overlaps_any(boxes, others, 0.51).tolist() == [True, False, False]
    assert overlaps_any(boxes, others[:0], 0.5).tolist() == [False, False, False]


def test_ignore_band_zeroes_background_weights_near_uncertain_pseudo_boxes(detector_cfg):
    items = [_item(0, True), _item(1, False)]
    probe = _model(detector_cfg, pseudo_label_initial_score_thr=0.0)
    pseudo, _ = probe.teacher_pseudo_labels(items)
    median = torch.cat([p.scores for p in pseudo]).median().item()
    # the upper half of the teacher's boxes are classification targets, the lower half uncertain
    common = dict(
        pseudo_label_initial_score_thr=0.0,
        rpn_pseudo_threshold=0.0,
        cls_pseudo_threshold=median,
        reg_pseudo_threshold=10.0,
    )
    results = {}
    for ignore in (None, 2.0, 0.0):
        model = _model(detector_cfg, cls_ignore_score_threshold=ignore, **common)
        torch.manual_seed(1)  # the same proposal sampling in every run
        with EventStorage() as storage:
            losses = model.unsupervised_losses(items)
            fraction = storage.latest().get("soft_teacher/ignored_bg_fraction", (None,))[0]
        results[ignore] = (losses["loss_cls"].item(), fraction)
    assert results[None][1] is None  # the paper: no ignore band computed
    assert results[2.0] == (results[None][0], 0.0)  # no pseudo box above 2: nothing ignored
    assert results[0.0][1] > 0 and results[0.0][0] != results[None][0]


def test_only_boxes_above_reg_min_score_are_jittered(detector_cfg):
    items = [_item(0, True), _item(1, False)]
    probe = _model(detector_cfg, pseudo_label_initial_score_thr=0.0)
    with EventStorage():
        everything, _ = probe.teacher_pseudo_labels(items)
    median = torch.cat([p.scores for p in everything]).median().item()
    model = _model(detector_cfg, pseudo_label_initial_score_thr=0.0, reg_min_score=median)
    with EventStorage():
        pseudo, _ = model.teacher_pseudo_labels(items)
    for p, ref in zip(pseudo, everything):
        above = p.scores > median
        assert torch.isinf(p.reg_uncertainty[~above]).all()
        assert torch.isfinite(p.reg_uncertainty[above]).all()
    assert sum(int((p.scores > median).sum()) for p in pseudo) > 0


def test_frequency_policy_counts_labeled_classes_and_ranks_the_batch(detector_cfg):
    from detectron2.structures import Boxes, Instances

    model = _model(
        detector_cfg,
        pseudo_label_initial_score_thr=0.0,
        reg_pseudo_threshold=10.0,
        score_threshold_policy="frequency",
        frequency_ratio=1.0,
        gmm_min_threshold=0.0,
        gmm_max_threshold=1.0,
    )
    labeled = []
    for classes in ([0, 0, 1], [2]):  # per image: class 0 1.0, class 1 0.5, class 2 0.5
        inst = Instances((96, 128))
        inst.gt_boxes = Boxes(torch.tensor([[10.0, 10, 40, 40]] * len(classes)))
        inst.gt_classes = torch.tensor(classes)
        labeled.append({"image": torch.zeros(3, 96, 128, dtype=torch.uint8), "instances": inst})
    with EventStorage():
        model.supervised_losses(labeled)
    assert model.score_thresholds.frequency().tolist() == pytest.approx([1.0, 0.5, 0.5])
    items = [_item(0, False), _item(1, False)]
    with EventStorage() as storage:
        pseudo_weak, _ = model.teacher_pseudo_labels(items)
        model.unsupervised_losses(items)
        latest = {k: v[0] for k, v in storage.latest().items()}
    classes = torch.cat([p.gt_classes for p in pseudo_weak])
    # 2 images: at most round(1.0 * f_k * 2) = 2, 1, 1 targets per class (fewer if fewer boxes)
    expected = sum(min(n, int((classes == k).sum())) for k, n in enumerate([2, 1, 1]))
    assert len(classes) >= 4  # an untrained teacher's many low-score boxes: the ranking really runs
    assert latest["soft_teacher/num_cls_pseudo"] == pytest.approx(expected / 2)
