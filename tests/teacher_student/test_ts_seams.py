"""The engine's seams: `unsupervised_losses` = `pseudo_label` (teacher, no grad, logged) ->
`instances_between_views` weak -> strong -> `pseudo_label_losses`; loss groups and their weights."""

import numpy as np
import pytest
import torch
from detectron2.structures import Boxes, Instances
from detectron2.utils.events import EventStorage
from ts_helpers import ToyDetector

from labeleff.projects.teacher_student import TeacherStudent

FLIP = np.array([[-1.0, 0.0, 16.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # x -> 16 - x


class _Recorder(TeacherStudent):
    """Two fixed weak-view boxes as pseudo-labels; the loss is a function of the targets seen."""

    def pseudo_label(self, unlabeled):
        self.grad_enabled = torch.is_grad_enabled()
        out = []
        for _ in unlabeled:
            p = Instances((16, 16))
            p.gt_boxes = Boxes(torch.tensor([[1.0, 2.0, 5.0, 6.0], [8.0, 0.0, 16.0, 4.0]]))
            p.gt_classes = torch.tensor([0, 1])
            p.scores = torch.tensor([0.9, 0.8])
            out.append(p)
        return out

    def pseudo_label_losses(self, unlabeled, targets):
        self.targets = targets
        w = self.student.head.weight.sum()
        return {"loss_box": w * sum(t.gt_boxes.tensor.sum() for t in targets)}


def _item(flip):
    image = torch.zeros(3, 16, 16, dtype=torch.uint8)
    return {
        "weak": {"image": image, "transform": np.eye(3)},
        "strong": {"image": image, "transform": FLIP if flip else np.eye(3)},
    }


def test_pseudo_labels_are_made_without_grad_logged_and_moved_into_the_strong_view():
    model = _Recorder(student=ToyDetector())
    with EventStorage() as storage:
        losses = model.unsupervised_losses([_item(flip=True), _item(flip=False)])
        logged = storage.latest()["pseudo_label/boxes_per_image"][0]
    assert model.grad_enabled is False
    assert logged == 2.0
    # the flipped view: x -> 16 - x, corners re-ordered; scores and classes travel along
    flipped, same = model.targets
    torch.testing.assert_close(
        flipped.gt_boxes.tensor, torch.tensor([[11.0, 2.0, 15.0, 6.0], [0.0, 0.0, 8.0, 4.0]])
    )
    torch.testing.assert_close(
        same.gt_boxes.tensor, torch.tensor([[1.0, 2.0, 5.0, 6.0], [8.0, 0.0, 16.0, 4.0]])
    )
    assert flipped.gt_classes.tolist() == [0, 1]
    torch.testing.assert_close(flipped.scores, torch.tensor([0.9, 0.8]))
    assert losses["loss_box"].requires_grad  # the student's loss keeps its graph


class _Grouped(_Recorder):
    """A third group ("extra") with a weight of its own, as MIC's domain losses."""

    def loss_groups(self, labeled, unlabeled):
        groups = super().loss_groups(labeled, unlabeled)
        groups["extra"] = {"loss_e": torch.tensor(2.0)}
        return groups

    def loss_group_weights(self):
        return {**super().loss_group_weights(), "extra": 0.25}


def test_each_group_is_weighted_by_its_own_weight():
    labeled = [{"image": torch.zeros(3, 16, 16, dtype=torch.uint8), "instances": _gt()}]
    out = {}
    for w in (1.0, 4.0):
        torch.manual_seed(0)
        model = _Grouped(student=ToyDetector(), unsup_weight=w).train()
        with EventStorage(0):
            out[w] = model({"labeled": labeled, "unlabeled": [_item(False)]})
    assert out[1.0]["extra/loss_e"].item() == out[4.0]["extra/loss_e"].item() == 0.5
    assert out[4.0]["unsup/loss_box"].item() == pytest.approx(4 * out[1.0]["unsup/loss_box"].item())
    assert out[4.0]["sup/loss_box"].item() == pytest.approx(out[1.0]["sup/loss_box"].item())


def _gt():
    gt = Instances((16, 16))
    gt.gt_boxes = Boxes(torch.tensor([[2.0, 2.0, 9.0, 9.0]]))
    gt.gt_classes = torch.tensor([0])
    return gt
