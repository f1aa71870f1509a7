"""Photometric ops of the masked view: neutral parameters are identities, probabilities hold."""

import numpy as np
from detectron2.data.transforms import AugInput, NoOpTransform

from labeleff.projects.mic_uda.photometric import (
    RandomColorJitter,
    RandomGaussianBlur,
    color_jitter,
    gaussian_blur,
)


def _img(seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(24, 32, 3), dtype=np.uint8)


def test_neutral_jitter_is_identity_up_to_rounding():
    img = _img()
    out = color_jitter(img, 1.0, 1.0, 1.0, 0.0, [0, 1, 2, 3])
    assert out.dtype == np.uint8 and np.abs(out.astype(int) - img).max() <= 1


def test_brightness_shifts_and_saturation_zero_gives_grey():
    img = np.full((4, 4, 3), 100, dtype=np.uint8)
    assert (color_jitter(img, 1.2, 1.0, 1.0, 0.0, [0]) == 151).all()  # 100 + 0.2 * 255
    grey = color_jitter(_img(), 1.0, 1.0, 0.0, 0.0, [2])
    assert (np.ptp(grey.astype(int), axis=2) <= 1).all()


def test_blur_keeps_constant_images_and_smooths_noise():
    flat = np.full((30, 40, 3), 77, dtype=np.uint8)
    assert (gaussian_blur(flat, 1.0) == 77).all()
    noisy = _img()
    assert gaussian_blur(noisy, 1.15).astype(float).std() < noisy.astype(float).std()


def test_augmentations_respect_their_probability_and_leave_boxes_alone():
    img = _img()
    assert isinstance(RandomColorJitter(prob=0.0).get_transform(img), NoOpTransform)
    assert isinstance(RandomGaussianBlur(prob=0.0).get_transform(img), NoOpTransform)
    np.random.seed(0)
    aug_input = AugInput(img.copy(), boxes=np.array([[1.0, 2.0, 10.0, 12.0]]))
    tfm = RandomColorJitter(strength=0.2, prob=1.0)(aug_input)
    assert not isinstance(tfm, NoOpTransform)
    assert np.array_equal(aug_input.boxes, [[1.0, 2.0, 10.0, 12.0]])
    assert aug_input.image.shape == img.shape
