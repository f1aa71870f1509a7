"""Pseudo boxes reach the strong view through the tracked transforms (flip + rotate, by hand),
with every per-box field, through the engine's one projection (`instances_between_views`)."""

import numpy as np
import torch
from detectron2.data.transforms import HFlipTransform, RotationTransform
from detectron2.structures import Boxes, Instances

from labeleff.projects.teacher_student import instances_between_views

H, W = 100, 200  # original image
FLIP = np.array([[-1.0, 0.0, W], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # weak view: x -> W - x
ROT90 = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, W], [0.0, 0.0, 1.0]])  # strong: 90 deg CCW, expanded


def _view(transform, size):
    """A view dict of MultiViewDatasetMapper: its image (only the size matters) and matrix."""
    return {"image": torch.zeros(3, *size), "transform": transform}


def pseudo_labels_to_view(pseudo, src_transform, dst_transform, dst_size):
    return instances_between_views(
        pseudo, _view(src_transform, pseudo.image_size), _view(dst_transform, dst_size)
    )


def _weak_pseudo():
    p = Instances((H, W))
    # original box (10, 20, 50, 40), seen in the flipped weak view
    p.gt_boxes = Boxes(torch.tensor([[150.0, 20.0, 190.0, 40.0]]))
    p.gt_classes = torch.tensor([2])
    p.scores = torch.tensor([0.97])
    p.reg_uncertainty = torch.tensor([0.01])
    return p


def test_hand_matrices_agree_with_detectron2_transforms():
    corners = np.array([[10.0, 20.0], [50.0, 40.0], [0.0, 0.0], [W, H]])
    homog = np.c_[corners, np.ones(4)]
    np.testing.assert_allclose(
        (homog @ FLIP.T)[:, :2], HFlipTransform(W).apply_coords(corners.copy())
    )
    rot = RotationTransform(H, W, 90, expand=True)
    np.testing.assert_allclose(
        (homog @ ROT90.T)[:, :2], rot.apply_coords(corners.copy()), atol=1e-9
    )


def test_flip_then_rotate_reaches_strong_view():
    strong = pseudo_labels_to_view(_weak_pseudo(), FLIP, ROT90, dst_size=(W, H))
    # (x, y) -> (y, W - x) on the original box (10, 20, 50, 40): x in [20, 40], y in [150, 190]
    assert torch.allclose(strong.gt_boxes.tensor, torch.tensor([[20.0, 150.0, 40.0, 190.0]]))
    assert strong.image_size == (W, H)
    assert strong.gt_classes.tolist() == [2] and torch.equal(
        strong.reg_uncertainty, torch.tensor([0.01])
    )
    back = pseudo_labels_to_view(strong, ROT90, FLIP, dst_size=(H, W))
    assert torch.allclose(back.gt_boxes.tensor, _weak_pseudo().gt_boxes.tensor, atol=1e-4)


def test_projected_boxes_are_clipped_to_the_strong_view():
    shift = np.array([[1.0, 0.0, -160.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # translate left
    strong = pseudo_labels_to_view(_weak_pseudo(), np.eye(3), shift, dst_size=(H, W))
    assert torch.allclose(strong.gt_boxes.tensor, torch.tensor([[0.0, 20.0, 30.0, 40.0]]))
