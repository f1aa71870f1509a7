import numpy as np
import pytest
import torch
from detectron2.data import transforms as T
from fvcore.transforms.transform import Transform

from labeleff.projects.teacher_student import (
    AffineTransform,
    RandomRotate,
    RandomShear,
    RandomTranslate,
    project_boxes,
    transform_to_matrix,
    view_to_view,
)
from labeleff.projects.teacher_student.transforms import rotation_matrix, shear_matrix


def _random_chain(rng):
    """A random geometric chain: resize, maybe flip / crop, two of our affine ops."""
    augs = [
        T.ResizeShortestEdge((40, 90), 200, sample_style="range"),
        T.RandomFlip(prob=0.5, horizontal=True),
        T.RandomFlip(prob=0.5, horizontal=False, vertical=True),
        RandomRotate((-30, 30)),
        RandomShear(x=(-30, 30), y=(-30, 30)),
        RandomTranslate(x=(-0.1, 0.1), y=(-0.1, 0.1)),
    ]
    if rng.random() < 0.5:
        augs.insert(1, T.RandomCrop("relative_range", (0.6, 0.9)))
    order = [augs[0]] + [augs[i] for i in rng.permutation(np.arange(1, len(augs)))]
    image = np.zeros((int(rng.integers(30, 80)), int(rng.integers(30, 80)), 3), np.uint8)
    aug_input = T.AugInput(image)
    return T.AugmentationList(order)(aug_input), image.shape[:2]


def test_random_chains_round_trip_on_corners():
    rng = np.random.default_rng(0)
    np.random.seed(0)
    for _ in range(50):
        transforms, (h, w) = _random_chain(rng)
        matrix = transform_to_matrix(transforms)
        corners = np.array([[0, 0], [w, 0], [0, h], [w, h], [w / 3, h / 2]], dtype=np.float64)
        in_view = transforms.apply_coords(corners.copy())
        # the matrix is the chain: same points as Detectron2's own apply_coords
        assert np.abs(in_view - (corners @ matrix[:2, :2].T + matrix[:2, 2])).max() < 1e-3
        # view -> original -> view
        back = np.c_[in_view, np.ones(len(in_view))] @ np.linalg.inv(matrix).T
        assert np.abs(back[:, :2] - corners).max() < 1e-3
        again = back @ matrix.T
        assert np.abs(again[:, :2] - in_view).max() < 1e-3


def test_view_to_view_round_trip_between_two_chains():
    rng = np.random.default_rng(1)
    np.random.seed(1)
    for _ in range(20):
        weak, (h, w) = _random_chain(rng)
        strong, _ = _random_chain(rng)  # other chain, other image size: only matrices matter
        a, b = transform_to_matrix(weak), transform_to_matrix(strong)
        pts = np.c_[rng.uniform(0, 50, (6, 2)), np.ones(6)]
        there = pts @ view_to_view(a, b).T
        back = there @ view_to_view(b, a).T
        assert np.abs(back - pts).max() < 1e-3


def test_rotate_and_shear_match_hand_computed_corners():
    box = torch.tensor([[10.0, 20.0, 30.0, 40.0]])
    # rotation by 90 deg about (50, 30): x' = (y - 30) + 50, y' = -(x - 50) + 30
    rot90 = rotation_matrix(90.0, (50.0, 30.0))
    assert torch.allclose(
        project_boxes(box, rot90), torch.tensor([[40.0, 50.0, 60.0, 70.0]]), atol=1e-5
    )
    # rotation by 30 deg: (80, 30) -> (50 + 30 cos30, 30 - 30 sin30) = (75.981, 15)
    rot30 = rotation_matrix(30.0, (50.0, 30.0))
    assert np.allclose(rot30 @ [80.0, 30.0, 1.0], [50 + 30 * np.cos(np.pi / 6), 15.0, 1.0])
    # box corners (40,30),(60,30),(40,50),(60,50) about centre (50,30), by hand:
    c, s = np.cos(np.pi / 6), 0.5
    xs = [50 + c * dx + s * dy for dx in (-10, 10) for dy in (0, 20)]
    ys = [30 - s * dx + c * dy for dx in (-10, 10) for dy in (0, 20)]
    expected = torch.tensor([[min(xs), min(ys), max(xs), max(ys)]], dtype=torch.float32)
    assert torch.allclose(
        project_boxes(torch.tensor([[40.0, 30.0, 60.0, 50.0]]), rot30), expected, atol=1e-4
    )
    # shear x by 45 deg about (50, 30): x' = x + (y - 30)
    sh = shear_matrix(45.0, 0.0, (50.0, 30.0))
    assert torch.allclose(
        project_boxes(box, sh), torch.tensor([[0.0, 20.0, 40.0, 40.0]]), atol=1e-5
    )
    # clipping to (h, w) = (30, 35)
    assert torch.allclose(project_boxes(box, sh, (30, 35)), torch.tensor([[0.0, 20.0, 35.0, 30.0]]))


def test_affine_image_warp_agrees_with_coordinates():
    image = np.zeros((100, 100, 3), np.uint8)
    image[5, 10] = 255  # pixel centre (10.5, 5.5)
    rot = AffineTransform(rotation_matrix(90.0, (50.0, 50.0)), 100, 100, fill=0)
    out = rot.apply_image(image)[..., 0]
    x, y = rot.apply_coords(np.array([[10.5, 5.5]]))[0]  # (5.5, 89.5)
    assert np.unravel_index(out.argmax(), out.shape) == (int(y), int(x)) == (89, 5)
    inv = rot.inverse()
    assert np.allclose(inv.apply_coords(np.array([[x, y]])), [[10.5, 5.5]])


def test_non_affine_transform_is_refused():
    class Squash(Transform):
        def apply_image(self, img):
            return img

        def apply_coords(self, coords):
            return coords**2

    with pytest.raises(ValueError, match="Squash is not affine"):
        transform_to_matrix(Squash())
