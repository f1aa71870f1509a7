import numpy as np

from labeleff.projects.teacher_student import ColorOpTransform, EraseTransform, RandomErase
from labeleff.projects.teacher_student.augmentations import RandomColorOp


def test_colour_ops_change_pixels_not_coordinates():
    img = np.full((4, 4, 3), 100, np.uint8)
    img[0, 0] = 200
    assert ColorOpTransform("solarize", 150).apply_image(img)[0, 0, 0] == 255 - 200
    assert ColorOpTransform("solarize", 150).apply_image(img)[1, 1, 0] == 100
    assert ColorOpTransform("posterize", 2).apply_image(img)[0, 0, 0] == 192  # keep 2 high bits
    stretched = ColorOpTransform("autocontrast").apply_image(img)
    assert stretched.min() == 0 and stretched.max() >= 254  # PIL's LUT rounds to 254
    assert ColorOpTransform("brightness", 0.5).apply_image(img)[1, 1, 0] == 50
    coords = np.array([[1.5, 2.5]])
    assert np.array_equal(ColorOpTransform("equalize").apply_coords(coords.copy()), coords)
    np.testing.assert_array_equal(ColorOpTransform("identity").matrix, np.eye(3))


def test_random_colour_op_levels_follow_soft_teacher_ranges():
    np.random.seed(0)
    aug = RandomColorOp(["contrast", "solarize", "posterize"])
    for _ in range(100):
        t = aug.get_transform(np.zeros((2, 2, 3), np.uint8))
        if t.op == "contrast":
            assert 0.28 - 1e-9 <= t.magnitude <= 1.72 + 1e-9
        elif t.op == "solarize":
            assert 25 <= t.magnitude <= 230
        else:
            assert 1 <= t.magnitude <= 4


def test_erase_fills_patches_and_random_erase_respects_counts_and_sizes():
    img = np.zeros((10, 20, 3), np.uint8)
    out = EraseTransform(np.array([[2, 3, 5, 7]]), fill=125).apply_image(img)
    assert (out[3:7, 2:5] == 125).all() and out.sum() == 125 * 3 * 4 * 3
    np.random.seed(1)
    aug = RandomErase((1, 5), (0.0, 0.2))
    counts = set()
    for _ in range(200):
        patches = aug.get_transform(np.zeros((50, 100, 3), np.uint8)).patches
        counts.add(len(patches))
        w, h = patches[:, 2] - patches[:, 0], patches[:, 3] - patches[:, 1]
        assert (w <= 20).all() and (h <= 10).all() and (patches[:, 2] <= 100).all()
    assert counts == {1, 2, 3, 4, 5}
