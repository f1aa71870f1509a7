"""MIC meta-architecture: loss groups, pseudo-label routing, skipped images, gradients."""

import math

import pytest
import torch
from detectron2.structures import Boxes, Instances
from detectron2.utils.events import EventStorage
from mic_uda_helpers import make_mic, source_item, target_item


def _pseudo(boxes, classes, scores, size=(64, 80)):
    p = Instances(size)
    p.gt_boxes = Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4))
    p.gt_classes = torch.tensor(classes, dtype=torch.int64)
    p.gt_scores = torch.tensor(scores, dtype=torch.float32)
    return p


def test_training_losses_have_all_groups_and_are_finite():
    model = make_mic(score_threshold=0.0)  # an untrained teacher: accept every detection
    batch = {
        "labeled": [source_item(0), source_item(1)],
        "unlabeled": [target_item(0), target_item(1, flip=True)],
    }
    with EventStorage(0):
        losses = model(batch)
    assert {
        "sup/loss_cls",
        "sup/loss_rpn_cls",
        "da/loss_da_image_source",
        "da/loss_da_instance_source",
        "unsup/loss_mic_cls",
        "unsup/loss_mic_rpn_cls",
        "da/loss_da_image_target",
        "da/loss_da_instance_target",
    } <= set(losses)
    assert not any("box_reg" in k or "rpn_loc" in k for k in losses if k.startswith("unsup/"))
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert model.image_domain_head.heads[0][0].weight.grad is not None
    assert all(p.grad is None for p in model.teacher.parameters())


def test_images_without_pseudo_labels_contribute_nothing():
    model = make_mic(image_da=False, instance_da=False)
    items = [target_item(0), target_item(1)]
    labels = [_pseudo([[5, 5, 40, 40]], [1], [0.9]), _pseudo([], [], [])]
    model.pseudo_label = lambda unlabeled: labels[: len(unlabeled)]
    with EventStorage(0):
        torch.manual_seed(5)
        both = model.unsupervised_losses(items)
        torch.manual_seed(5)
        only_first = model.unsupervised_losses(items[:1])
    assert set(both) == {"loss_mic_cls", "loss_mic_rpn_cls"}
    for k in both:
        assert both[k].item() == pytest.approx(only_first[k].item(), rel=1e-6)
        assert both[k].item() > 0


def test_no_pseudo_labels_at_all_gives_finite_zeros():
    model = make_mic(score_threshold=1.01, image_da=False, instance_da=False)
    with EventStorage(0):
        losses = model.unsupervised_losses([target_item(0), target_item(1)])
    assert losses and all(v.item() == 0.0 for v in losses.values())


def test_pseudo_boxes_are_projected_into_the_strong_view():
    model = make_mic(image_da=False, instance_da=False, pseudo_box_reg=True)
    model.pseudo_label = lambda unlabeled: [_pseudo([[5, 6, 30, 40]], [2], [0.95])]
    seen = {}

    rpn = model.student.proposal_generator
    original = rpn.pseudo_label_losses

    def spy(images, features, targets, **kwargs):
        seen["boxes"] = targets[0].gt_boxes.tensor.clone()
        seen["zero"] = (images.tensor[0, :, :64, :80] == 0).all(dim=0)
        return original(images, features, targets, **kwargs)

    rpn.pseudo_label_losses = spy
    with EventStorage(0):
        losses = model.unsupervised_losses([target_item(0, flip=True)])
    assert seen["boxes"].tolist() == [[50.0, 6.0, 75.0, 40.0]]  # x -> 80 - x
    assert {"loss_mic_box_reg", "loss_mic_rpn_loc"} <= set(losses)
    # normalised pixels are exactly zero on whole 32x32 blocks (the default b) and nowhere else
    zero = seen["zero"]
    for i in range(0, 64, 32):
        for j in range(0, 80, 32):
            block = zero[i : i + 32, j : j + 32]
            assert block.all() or not block.any()


def test_mic_weight_scales_the_masked_losses():
    labels = [_pseudo([[5, 5, 40, 40]], [1], [0.9])]
    out = {}
    for w in (1.0, 0.5):
        model = make_mic(image_da=False, instance_da=False, mic_weight=w)
        model.pseudo_label = lambda unlabeled: labels
        with EventStorage(0):
            torch.manual_seed(3)
            out[w] = model.unsupervised_losses([target_item(0)])
    for k in out[1.0]:
        assert out[0.5][k].item() == pytest.approx(0.5 * out[1.0][k].item(), rel=1e-5)


def test_switches_select_the_parts():
    model = make_mic(mic=False, instance_da=False)
    assert model.instance_domain_head is None and model.image_domain_head is not None
    with EventStorage(0):
        losses = model.unsupervised_losses([target_item(0)])
    assert set(losses) == {"loss_da_image"}
    # untrained image head: logit 0 -> BCE log 2, halved
    assert losses["loss_da_image"].item() == pytest.approx(0.5 * math.log(2), rel=1e-3)
    with pytest.raises(ValueError, match="quality_weight"):
        make_mic(quality_weight="soft")


def test_inference_uses_the_student_by_default():
    model = make_mic().eval()
    item = source_item(0)
    with torch.no_grad():
        out = model([{"image": item["image"], "height": 64, "width": 80}])
    assert "instances" in out[0]
    assert model.eval_model == "student"


def test_teacher_quality_with_unit_scores_equals_no_weighting():
    out = {}
    for mode, score in (("teacher", 1.0), ("none", 0.3), ("teacher", 0.3)):
        model = make_mic(image_da=False, instance_da=False, quality_weight=mode)
        labels = [_pseudo([[5, 5, 40, 40], [30, 20, 70, 60]], [1, 0], [score, score])]
        model.pseudo_label = lambda unlabeled: labels
        with EventStorage(0):
            torch.manual_seed(4)
            out[mode, score] = model.unsupervised_losses([target_item(0)])
    for k in out["none", 0.3]:
        assert out["teacher", 1.0][k].item() == pytest.approx(out["none", 0.3][k].item(), rel=1e-6)
        # foreground samples weighted 0.3, background 1: strictly smaller
        assert out["teacher", 0.3][k].item() < out["none", 0.3][k].item()


def test_domain_losses_are_their_own_group_outside_the_unsupervised_weight():
    batch = {"labeled": [source_item(0)], "unlabeled": [target_item(0)]}
    out = {}
    for w in (1.0, 3.0):
        model = make_mic(score_threshold=0.0, unsup_weight=w)
        with EventStorage(0):
            torch.manual_seed(3)
            out[w] = model(batch)
    assert {"da/loss_da_image_source", "da/loss_da_image_target"} <= set(out[1.0])
    for k, v in out[1.0].items():
        expected = 3.0 * v.item() if k.startswith("unsup/") else v.item()
        assert out[3.0][k].item() == pytest.approx(expected, rel=1e-5), k
    assert any(k.startswith("unsup/loss_mic") for k in out[1.0])
    assert not any("loss_da" in k for k in out[1.0] if not k.startswith("da/"))


def test_frequency_policy_keeps_the_source_class_quota_of_top_teacher_boxes():
    """Source batch: one class-0 and one class-1 object in 2 images -> 0.5 per image each, 0 for
    class 2; with ratio 1 a 2-image target batch keeps the single highest-scored teacher box of
    class 0 and of class 1 (the untrained teacher scores ~1/4 < 0.8) and none of class 2."""
    model = make_mic(
        score_threshold_policy="frequency",
        frequency_ratio=1.0,
        frequency_carry=False,
        image_da=False,
        instance_da=False,
    )
    items = [target_item(0), target_item(1)]
    with EventStorage(0) as storage:
        model.supervised_losses([source_item(0), source_item(1)])  # classes 0 and 1
        with torch.no_grad():
            detections = model.teacher(
                [{"image": x["weak"]["image"], "height": 64, "width": 80} for x in items]
            )
        scores = torch.cat([d["instances"].scores for d in detections])
        classes = torch.cat([d["instances"].pred_classes for d in detections])
        pseudo = model.pseudo_label(items)
    kept = sorted((int(c), float(s)) for p in pseudo for c, s in zip(p.gt_classes, p.gt_scores))
    expected = sorted((k, float(scores[classes == k].max())) for k in (0, 1))
    assert float(scores.max()) < 0.8 and (classes == 0).sum() > 1 and (classes == 1).sum() > 1
    assert [k for k, _ in kept] == [0, 1]
    assert [s for _, s in kept] == pytest.approx([s for _, s in expected])
    second = torch.sort(scores[classes == 0], descending=True).values[1]  # the rank threshold
    assert storage.latest()["pseudo_label/score_threshold/class_0"][0] == pytest.approx(second)


def test_unknown_threshold_policy_is_rejected_by_name():
    with pytest.raises(ValueError, match="score_threshold_policy.*'gmm'"):
        make_mic(score_threshold_policy="gmm")


def test_domain_accuracy_counts_the_side_each_logit_is_on():
    """Output biases +10: every pixel and ROI is called "source", so the logged accuracy is 1 on
    the source batch and 0 on the target batch."""
    model = make_mic(mic=False)
    with torch.no_grad():
        for head in model.image_domain_head.heads:
            head[-1].bias.fill_(10.0)
        model.instance_domain_head.net[-1].bias.fill_(10.0)
    batch = {"labeled": [source_item(0)], "unlabeled": [target_item(0)]}
    with EventStorage(0) as storage:
        model(batch)
        logged = {k: v[0] for k, v in storage.latest().items() if k.startswith("da/accuracy_")}
    assert logged == {
        "da/accuracy_image_source": 1.0,
        "da/accuracy_image_target": 0.0,
        "da/accuracy_instance_source": 1.0,
        "da/accuracy_instance_target": 0.0,
    }
