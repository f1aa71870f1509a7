"""PseudoLabelRPN against Detectron2's own RPN (same weights, same sampling seed): proposals without
ground truth = forward's proposals; unit-weight losses = RPN's training losses; weights scale
the objectness loss by hand; matched pseudo-box scores by construction; RPN's own forward is
untouched afterwards (also after an error); a plain RPN student is refused."""

import os

import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.modeling.proposal_generator import RPN
from detectron2.structures import Boxes, ImageList, Instances
from detectron2.utils.events import EventStorage

from labeleff.modeling import PseudoLabelRPN, check_pseudo_label_rpn

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(REPO, "configs", "common", "models", "faster_rcnn_tiny.py")
SIZE = (96, 128)


@pytest.fixture(autouse=True)
def _storage():
    with EventStorage(0):  # RPN's losses log anchor statistics
        yield


def _detector(plain_rpn=False):
    cfg = LazyConfig.load(TINY)
    if plain_rpn:
        cfg.model.proposal_generator._target_ = RPN
    torch.manual_seed(0)
    return instantiate(cfg.model).train()


def _inputs(detector):
    images = torch.randn(2, 3, *SIZE, generator=torch.Generator().manual_seed(0))
    return ImageList(images, [SIZE, SIZE]), detector.backbone(images)


def _targets(scores=(0.3, 0.8)):
    """Image 0: two disjoint boxes with the given scores; image 1: one box, score 0.6."""
    a = Instances(SIZE)
    a.gt_boxes = Boxes(torch.tensor([[4.0, 4.0, 44.0, 40.0], [70.0, 50.0, 120.0, 92.0]]))
    a.gt_classes = torch.tensor([0, 1])
    a.gt_scores = torch.tensor(scores)
    b = Instances(SIZE)
    b.gt_boxes = Boxes(torch.tensor([[30.0, 20.0, 90.0, 80.0]]))
    b.gt_classes = torch.tensor([2])
    b.gt_scores = torch.tensor([0.6])
    return [a, b]


def _ones(logits, labels, scores):
    return torch.ones_like(logits)


def test_the_configs_build_it():
    assert isinstance(_detector().proposal_generator, PseudoLabelRPN)


@pytest.mark.parametrize("training", [True, False])
def test_proposals_without_ground_truth_equal_forwards(training):
    detector = _detector()
    rpn = detector.proposal_generator.train(training)
    images, features = _inputs(detector)
    expected, _ = rpn(images, features, _targets())
    got = rpn.proposals(images, features)
    assert len(got[0]) == len(expected[0]) > 0
    for g, e in zip(got, expected):
        assert torch.equal(g.proposal_boxes.tensor, e.proposal_boxes.tensor)
        assert torch.equal(g.objectness_logits, e.objectness_logits)


def test_unit_weights_give_detectron2s_losses_and_weights_scale_them():
    detector, plain = _detector(), _detector(plain_rpn=True)
    plain.load_state_dict(detector.state_dict())
    images, features = _inputs(detector)
    targets = _targets()
    torch.manual_seed(3)
    _, expected = plain.proposal_generator(images, features, targets)
    rpn = detector.proposal_generator
    torch.manual_seed(3)
    unit, proposals = rpn.pseudo_label_losses(images, features, targets, _ones, box_reg=True)
    assert set(unit) == {"loss_rpn_cls", "loss_rpn_loc"}
    for k in unit:
        assert unit[k].item() == pytest.approx(expected[k].item(), rel=1e-6)
    assert len(proposals) == 2 and len(proposals[0]) > 0
    torch.manual_seed(3)
    half, _ = rpn.pseudo_label_losses(
        images, features, targets, lambda lo, la, s: torch.full_like(lo, 0.5)
    )
    assert set(half) == {"loss_rpn_cls"}  # no box_reg
    assert half["loss_rpn_cls"].item() == pytest.approx(0.5 * unit["loss_rpn_cls"].item())
    # only the positive anchors weighted 0: the background part of the unit loss remains
    torch.manual_seed(3)
    seen = {}

    def background_only(logits, labels, scores):
        seen["labels"] = labels
        return (labels == 0).to(logits.dtype)

    bg, _ = rpn.pseudo_label_losses(images, features, targets, background_only)
    labels = seen["labels"]
    assert 0 < (labels == 1).sum() and set(labels.unique().tolist()) == {0, 1}
    assert len(labels) == 2 * rpn.batch_size_per_image  # sampled anchors of both images
    assert 0 < bg["loss_rpn_cls"].item() < unit["loss_rpn_cls"].item()


def test_positive_anchors_carry_their_pseudo_boxs_score():
    detector = _detector()
    rpn = detector.proposal_generator
    images, features = _inputs(detector)
    seen = {}

    def record(logits, labels, scores):
        seen["labels"], seen["scores"] = labels, scores
        return torch.ones_like(logits)

    torch.manual_seed(1)
    rpn.pseudo_label_losses(images, features, _targets((0.3, 0.8)), record, with_scores=True)
    pos = seen["labels"] == 1
    # every positive anchor overlaps one of its image's boxes: 0.3 / 0.8 (image 0), 0.6 (image 1)
    values = sorted(round(v, 4) for v in seen["scores"][pos].unique().tolist())
    assert values == [0.3, 0.6, 0.8]
    torch.manual_seed(1)
    rpn.pseudo_label_losses(images, features, _targets(), record)
    assert seen["scores"] is None  # with_scores=False


def test_rpn_forward_is_rpns_after_pseudo_label_calls_and_errors():
    detector, plain = _detector(), _detector(plain_rpn=True)
    plain.load_state_dict(detector.state_dict())
    images, features = _inputs(detector)
    rpn = detector.proposal_generator

    def broken(logits, labels, scores):
        raise RuntimeError("weights failed")

    with pytest.raises(RuntimeError, match="weights failed"):
        rpn.pseudo_label_losses(images, features, _targets(), broken)
    rpn.proposals(images, features)
    torch.manual_seed(4)
    _, got = rpn(images, features, _targets())
    torch.manual_seed(4)
    _, expected = plain.proposal_generator(images, features, _targets())
    assert {k: v.item() for k, v in got.items()} == {k: v.item() for k, v in expected.items()}


def test_a_mic_student_with_a_plain_rpn_is_refused_with_the_key():
    from labeleff.projects.mic_uda import MIC

    with pytest.raises(TypeError, match=r"MIC: model.student.proposal_generator is RPN"):
        MIC(student=_detector(plain_rpn=True))
    check_pseudo_label_rpn(_detector(), "MIC")  # the configs' detector passes
