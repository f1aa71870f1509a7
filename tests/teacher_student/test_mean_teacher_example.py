"""The engine contract's worked example (projects/mean_teacher): hard pseudo-labels above the
threshold, projected to the strong view, trained with the student's own losses."""

import os

import numpy as np
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.utils.events import EventStorage

from labeleff.projects.mean_teacher import MeanTeacher

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(REPO, "configs", "common", "models", "faster_rcnn_tiny.py")
FLIP = np.array([[-1.0, 0.0, 128.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def _items():
    out = []
    for seed in (0, 1):
        g = torch.Generator().manual_seed(seed)
        image = torch.randint(0, 256, (3, 96, 128), dtype=torch.uint8, generator=g)
        out.append(
            {
                "file_name": f"{seed}.jpg",
                "image_id": seed,
                "height": 96,
                "width": 128,
                "weak": {"image": image, "transform": np.eye(3)},
                "strong": {"image": image.flip(-1), "transform": FLIP},
            }
        )
    return out


def _model(threshold):
    torch.manual_seed(0)
    student = instantiate(LazyConfig.load(TINY).model)
    return MeanTeacher(student=student, score_threshold=threshold, unsup_weight=1.0).train()


def test_pseudo_labels_are_teacher_detections_above_the_threshold():
    items = _items()
    probe = _model(0.0)
    with torch.no_grad():
        raw = probe.teacher.inference(
            [{"image": x["weak"]["image"]} for x in items], do_postprocess=False
        )
    scores = torch.cat([r.scores for r in raw])
    assert len(scores) >= 4  # an untrained teacher still returns low-score boxes
    median = scores.median().item()
    model = _model(median)
    targets = model.pseudo_label(items)
    assert sum(len(t) for t in targets) == int((scores > median).sum())
    for t, r in zip(targets, raw):
        assert torch.all(t.scores > median)
        assert torch.equal(t.gt_boxes.tensor, r.pred_boxes.tensor[r.scores > median])


def test_strong_view_targets_are_the_flipped_boxes_and_losses_train_the_student():
    items = _items()
    model = _model(0.0)
    seen = {}
    student_forward = model.student.forward

    def spy(batched):
        seen["targets"] = [b["instances"] for b in batched]
        return student_forward(batched)

    model.student.forward = spy
    with EventStorage():
        weak = model.pseudo_label(items)
        losses = model.unsupervised_losses(items)
    for w, s in zip(weak, seen["targets"]):
        flipped = w.gt_boxes.tensor.clone()
        flipped[:, [0, 2]] = 128.0 - w.gt_boxes.tensor[:, [2, 0]]
        assert torch.allclose(s.gt_boxes.tensor, flipped, atol=1e-4)
    assert set(losses) == {"loss_rpn_cls", "loss_rpn_loc", "loss_cls", "loss_box_reg"}
    total = sum(losses.values())
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.student.parameters())


def test_no_pseudo_labels_trains_all_background_with_finite_losses():
    model = _model(1.0)  # no score exceeds 1
    with EventStorage():
        losses = model.unsupervised_losses(_items())
    assert all(torch.isfinite(v) for v in losses.values())
    assert losses["loss_cls"].item() > 0 and losses["loss_box_reg"].item() == 0.0
