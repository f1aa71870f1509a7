"""PseudoLabelROIHeads / PseudoLabelCascadeROIHeads against Detectron2's own code paths: given-box
probabilities and refinement = the predictor's `predict_probs` / `predict_boxes` of the (last)
stage; unit-weight pseudo-label losses = the heads' own training losses (Cascade: summed over
stages); weights and normalizers by hand; a plain StandardROIHeads student is refused."""

import os

import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.modeling.roi_heads import StandardROIHeads
from detectron2.structures import Boxes, Instances
from detectron2.utils.events import EventStorage

from labeleff.modeling import PseudoLabelROIHeads, weighted_cross_entropy
from labeleff.projects.soft_teacher import SoftTeacher

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(REPO, "configs", "common", "models")
SIZE = (96, 128)


def _detector(name):
    torch.manual_seed(0)
    return instantiate(LazyConfig.load(os.path.join(MODELS, f"{name}.py")).model).train()


def _features(detector, seed=0):
    g = torch.Generator().manual_seed(seed)
    images = torch.randn(2, 3, *SIZE, generator=g)
    return detector.backbone(images)


def _boxes(seed, n):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * torch.tensor([90.0, 60.0])
    wh = 8 + torch.rand(n, 2, generator=g) * 30
    return Boxes(torch.cat([xy, xy + wh], dim=1))


def _targets():
    out = []
    for seed, n in ((1, 3), (2, 0)):  # the second image has no pseudo box
        t = Instances(SIZE)
        t.gt_boxes = _boxes(seed, n)
        t.gt_classes = torch.arange(n) % 3
        t.gt_scores = torch.linspace(0.5, 0.9, n)
        out.append(t)
    return out


def _proposals(seed=5, n=40):
    out = []
    for i in range(2):
        p = Instances(SIZE)
        p.proposal_boxes = _boxes(seed + i, n)
        p.objectness_logits = torch.zeros(n)
        out.append(p)
    return out


def _proposals_of(boxes):
    out = []
    for b in boxes:
        p = Instances(SIZE)
        p.proposal_boxes = b
        out.append(p)
    return out


@pytest.mark.parametrize("name", ["faster_rcnn_tiny", "cascade_rcnn_tiny"])
def test_given_boxes_are_scored_and_refined_by_the_last_stage(name):
    detector = _detector(name).eval()
    heads = detector.roi_heads
    with torch.no_grad():
        features = _features(detector)
        boxes = [_boxes(3, 7), _boxes(4, 5)]
        classes = [torch.tensor([0, 1, 2, 0, 1, 2, 0]), torch.tensor([2, 2, 1, 0, 0])]
        probs = heads.class_probs(features, boxes)
        refined = heads.refine_boxes(features, boxes, classes, [SIZE, SIZE])
        # Detectron2's route: the last stage's head and predictor on the same boxes
        last = -1 if name.startswith("cascade") else None
        head = heads.box_head[last] if last else heads.box_head
        predictor = heads.box_predictor[last] if last else heads.box_predictor
        x = head(heads.box_pooler([features[f] for f in heads.box_in_features], boxes))
        predictions = predictor(x)
        proposals = _proposals_of(boxes)
        expected_probs = torch.cat(predictor.predict_probs(predictions, proposals))
        expected_boxes = predictor.predict_boxes(predictions, proposals)
    assert probs.shape == (12, 4)
    torch.testing.assert_close(probs, expected_probs)
    for got, exp, cls, b in zip(refined, expected_boxes, classes, boxes):
        exp = exp.view(len(b), -1, 4)
        exp = exp[torch.arange(len(b)), cls] if exp.shape[1] > 1 else exp[:, 0]
        exp[:, 0::2] = exp[:, 0::2].clamp(0, SIZE[1])
        exp[:, 1::2] = exp[:, 1::2].clamp(0, SIZE[0])
        torch.testing.assert_close(got.tensor, exp)
    assert heads.refine_boxes(features, [_boxes(0, 0)] * 2, [torch.zeros(0, dtype=torch.long)] * 2,
                              [SIZE, SIZE])[0].tensor.shape == (0, 4)  # fmt: skip


@pytest.mark.parametrize("name", ["faster_rcnn_tiny", "cascade_rcnn_tiny"])
def test_unit_weight_losses_equal_the_heads_own_training_losses(name):
    detector = _detector(name)
    heads = detector.roi_heads
    features = _features(detector)
    targets = _targets()
    with EventStorage():
        torch.manual_seed(7)
        ours = heads.pseudo_label_box_losses(
            features, _proposals(), cls_targets=targets, cls_normalizer="mean"
        )
        torch.manual_seed(7)  # the same proposal sampling
        _, own = heads(None, features, _proposals(), targets)
    # Cascade: one loss per stage (stage gradient scaling leaves the values alone)
    for term in ("loss_cls", "loss_box_reg"):
        expected = sum(v for k, v in own.items() if k.startswith(term))
        torch.testing.assert_close(ours[term], expected)
    assert set(ours) == {"loss_cls", "loss_box_reg"}


def test_weights_normalizers_and_a_separate_regression_sampling():
    detector = _detector("cascade_rcnn_tiny")
    heads = detector.roi_heads
    features = _features(detector)
    seen = []

    def half_background(stage, sampled, logits):
        gt = torch.cat([s.gt_classes for s in sampled])
        seen.append((stage, len(gt), logits.shape))
        return torch.where(gt == heads.num_classes, 0.5, 1.0)

    with EventStorage():
        losses = heads.pseudo_label_box_losses(
            features, _proposals(), cls_targets=_targets(), cls_weights=half_background,
            box_reg=False,
        )  # fmt: skip
        reg_only = heads.pseudo_label_box_losses(
            features, _proposals(), reg_targets=_targets(), box_reg=True
        )
    assert set(losses) == {"loss_cls"} and set(reg_only) == {"loss_box_reg"}
    assert [s for s, _, _ in seen] == [0, 1, 2]  # the weights are asked for at every stage
    assert all(shape == (n, heads.num_classes + 1) for _, n, shape in seen)
    assert reg_only["loss_box_reg"].item() > 0
    # the two normalizers by hand
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    gt = torch.tensor([0, 1, 1])
    w = torch.tensor([1.0, 0.5, 0.0])
    ce = torch.nn.functional.cross_entropy(logits, gt, reduction="none")
    torch.testing.assert_close(
        weighted_cross_entropy(logits, gt, w, "weight_sum"), (ce[0] + 0.5 * ce[1]) / 1.5
    )
    torch.testing.assert_close(
        weighted_cross_entropy(logits, gt, w, "mean"), (ce[0] + 0.5 * ce[1]) / 3
    )
    with pytest.raises(ValueError, match="normalizer must be"):
        weighted_cross_entropy(logits, gt, w, "sum")


def test_a_student_with_plain_standard_roi_heads_is_refused():
    cfg = LazyConfig.load(os.path.join(MODELS, "faster_rcnn_tiny.py")).model
    assert cfg.roi_heads._target_ is PseudoLabelROIHeads  # every Faster R-CNN config builds them
    cfg.roi_heads._target_ = StandardROIHeads
    with pytest.raises(TypeError, match="model.student.roi_heads is StandardROIHeads"):
        SoftTeacher(student=instantiate(cfg))
