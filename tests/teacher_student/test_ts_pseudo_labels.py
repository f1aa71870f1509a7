import os

import cv2
import numpy as np
import pytest
import torch
from detectron2.structures import Boxes, Instances
from detectron2.utils.events import EventStorage
from ts_helpers import ToyDetector, ToyTeacherStudent

from labeleff.projects.teacher_student import PseudoLabelVisualizerHook, match_pseudo_labels


def _inst(boxes, classes, scores=None, size=(50, 60), prefix="gt"):
    inst = Instances(size)
    inst.set(f"{prefix}_boxes", Boxes(torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4)))
    inst.set(f"{prefix}_classes", torch.tensor(classes, dtype=torch.int64))
    if scores is not None:
        inst.scores = torch.tensor(scores)
    return inst


def test_matching_is_class_aware_one_to_one_by_score():
    gt = _inst([[0, 0, 10, 10], [20, 20, 30, 30]], [0, 1])
    # p0: duplicate of gt0 (lower score), p1: gt0, p2: right box wrong class, p3: IoU 0.25 with gt1
    pred = _inst(
        [[0, 0, 10, 10], [0, 0, 10, 11], [20, 20, 30, 30], [20, 20, 25, 25]],
        [0, 0, 0, 1],
        scores=[0.6, 0.9, 0.8, 0.7],
        prefix="pred",
    )
    tp = match_pseudo_labels(
        pred.pred_boxes, pred.pred_classes, gt.gt_boxes, gt.gt_classes, pred.scores
    )
    assert tp == 1
    assert (
        match_pseudo_labels(pred.pred_boxes[:0], pred.pred_classes[:0], gt.gt_boxes, gt.gt_classes)
        == 0
    )


def test_quality_logging_and_visualizer_png(tmp_path):
    pseudo = [_inst([[0, 0, 10, 10], [40, 40, 50, 50]], [0, 0]), _inst([], [])]
    image = torch.zeros(3, 50, 60, dtype=torch.uint8)
    shift = np.array([[1.0, 0, 5], [0, 1, 0], [0, 0, 1]])  # strong = weak shifted by 5 px in x
    unlabeled = [
        {
            "weak": {
                "image": image,
                "transform": np.eye(3),
                "instances": _inst([[0, 0, 10, 10], [20, 20, 30, 30], [1, 1, 5, 5]], [0, 1, 1]),
            },
            "strong": {"image": image, "transform": shift},
        },
        {
            "weak": {
                "image": image,
                "transform": np.eye(3),
                "instances": _inst([[0, 0, 9, 9]], [2]),
            },
            "strong": {"image": image, "transform": shift},
        },
    ]
    model = ToyTeacherStudent(student=ToyDetector())
    with EventStorage(0) as storage:
        model.log_pseudo_labels(pseudo, unlabeled)
        latest = storage.latest()
    assert latest["pseudo_label/boxes_per_image"][0] == 1.0
    assert latest["pseudo_label/precision@0.5"][0] == pytest.approx(1 / 2)
    assert latest["pseudo_label/recall@0.5"][0] == pytest.approx(1 / 4)
    strong_boxes = model.last_pseudo_labels["views"]["strong"][1]
    assert torch.allclose(strong_boxes, torch.tensor([[5.0, 0, 15, 10], [45, 40, 55, 50]]))

    class _Trainer:
        iter = 9

    hook = PseudoLabelVisualizerHook(period=5, output_dir=str(tmp_path))
    _Trainer.model = model
    hook.trainer = _Trainer()
    hook.after_step()
    png = cv2.imread(os.path.join(tmp_path, "pseudo_labels", "iter_0000009.png"))
    assert png.shape[0] == 50 and png.shape[1] == 2 * (60 + 4)
    assert png.max() > 0  # boxes drawn on black images


def test_per_class_counts_and_recall():
    from labeleff.projects.teacher_student.pseudo_labels import log_pseudo_label_quality

    # image 0: class 0 found (1 of 1), class 1 has two objects, one found; image 1: no gt
    pseudo = [
        _inst([[0, 0, 10, 10], [20, 20, 30, 30], [40, 40, 50, 50]], [0, 1, 1]),
        _inst([[0, 0, 5, 5]], [2]),
    ]
    gt = _inst([[0, 0, 10, 10], [20, 20, 30, 30], [1, 30, 9, 45]], [0, 1, 1])
    unlabeled = [{"weak": {"instances": gt}}, {"weak": {}}]
    with EventStorage(0) as storage:
        log_pseudo_label_quality(storage, pseudo, unlabeled, "weak", num_classes=3)
        latest = {k: v[0] for k, v in storage.latest().items()}
    assert latest["pseudo_label/class_0/boxes_per_image"] == 0.5
    assert latest["pseudo_label/class_1/boxes_per_image"] == 1.0
    assert latest["pseudo_label/class_2/boxes_per_image"] == 0.5
    assert latest["pseudo_label/class_0/recall@0.5"] == 1.0
    assert latest["pseudo_label/class_1/recall@0.5"] == 0.5
    assert "pseudo_label/class_2/recall@0.5" not in latest  # no object of class 2 anywhere
