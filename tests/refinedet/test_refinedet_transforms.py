"""SSD augmentations as Detectron2 transforms and the RefineDet dataset mapper."""

import cv2
import numpy as np
import pytest
from detectron2.data import transforms as T
from detectron2.structures import BoxMode
from fvcore.transforms.transform import CropTransform, NoOpTransform

from labeleff.projects.refinedet.mapper import RefineDetDatasetMapper, keep_centered_boxes
from labeleff.projects.refinedet.transforms import (
    ExpandTransform,
    MinIoURandomCrop,
    PhotometricDistortTransform,
    RandomInterpolationResize,
    ZoomOut,
    _jaccard,
    ssd_train_augmentations,
)


def test_expand_places_image_and_shifts_boxes():
    img = np.full((4, 6, 3), 7, dtype=np.uint8)
    t = ExpandTransform(left=3, top=2, out_h=10, out_w=12, fill=(1, 2, 3))
    out = t.apply_image(img)
    assert out.shape == (10, 12, 3)
    assert (
        (out[2:6, 3:9] == 7).all()
        and tuple(out[0, 0]) == (1, 2, 3)
        and tuple(out[9, 11]) == (1, 2, 3)
    )
    assert t.apply_box(np.array([[0.0, 0.0, 6.0, 4.0]])).tolist() == [[3.0, 2.0, 9.0, 6.0]]


def test_zoom_out_ratio_bounds():
    np.random.seed(0)
    img = np.zeros((20, 30, 3), dtype=np.uint8)
    for _ in range(20):
        t = ZoomOut(fill=(0, 0, 0), max_ratio=4.0, prob=1.0).get_transform(img)
        assert 20 <= t.out_h <= 80 and 30 <= t.out_w <= 120
        assert 0 <= t.left <= t.out_w - 30 and 0 <= t.top <= t.out_h - 20


def test_min_iou_crop_meets_constraint():
    np.random.seed(0)
    img = np.zeros((100, 200, 3), dtype=np.uint8)
    boxes = np.array([[20.0, 20.0, 120.0, 90.0]])
    aug = MinIoURandomCrop(min_ious=(0.7,), with_max_iou_sampler=False)
    crops = 0
    for _ in range(30):
        t = aug.get_transform(img, boxes)
        if isinstance(t, NoOpTransform):
            continue
        assert isinstance(t, CropTransform)
        crops += 1
        assert t.x0 >= 0 and t.y0 >= 0 and t.x0 + t.w <= 200 and t.y0 + t.h <= 100
        crop = np.array([t.x0, t.y0, t.x0 + t.w, t.y0 + t.h], dtype=np.float64)
        assert _jaccard(crop, boxes).max() >= 0.7 - 0.02  # rounding to whole pixels
    assert crops >= 3
    # Without boxes only the whole image remains.
    assert isinstance(aug.get_transform(img, np.zeros((0, 4))), NoOpTransform)


def test_photometric_contrast_only_and_boxes_unchanged():
    img = np.array([[[10, 100, 200]]], dtype=np.uint8)
    t = PhotometricDistortTransform(None, 1.5, None, None, contrast_last=True, image_format="RGB")
    assert t.apply_image(img).tolist() == [[[15, 150, 255]]]
    coords = np.array([[1.0, 2.0]])
    assert np.array_equal(t.apply_coords(coords), coords)
    hue = PhotometricDistortTransform(None, None, None, 60, False, "RGB")  # +120 degrees
    assert hue.apply_image(np.array([[[255, 0, 0]]], dtype=np.uint8)).tolist() == [[[0, 255, 0]]]


def test_center_constraint_and_clip():
    boxes = np.array([[5.0, 5.0, 25.0, 25.0], [0.0, 0.0, 14.0, 14.0], [40.0, 40.0, 60.0, 70.0]])
    tfm = T.TransformList([CropTransform(10, 10, 40, 40)])
    out, keep = keep_centered_boxes(boxes, tfm, (40, 40))
    # Centres after the crop: (5, 5) in, (-3, -3) out, (40, 45) out (y beyond 40).
    assert keep.tolist() == [True, False, False]
    assert out[0].tolist() == [0.0, 0.0, 15.0, 15.0]


def test_mapper_end_to_end(tmp_path):
    img = np.random.RandomState(0).randint(0, 255, (60, 80, 3)).astype(np.uint8)
    path = str(tmp_path / "img.jpg")
    cv2.imwrite(path, img)
    record = dict(
        file_name=path,
        height=60,
        width=80,
        image_id=0,
        annotations=[
            dict(bbox=[10, 10, 30, 20], bbox_mode=BoxMode.XYWH_ABS, category_id=2, iscrowd=0),
            dict(
                bbox=[5, 5, 0, 10], bbox_mode=BoxMode.XYWH_ABS, category_id=1, iscrowd=0
            ),  # zero area
            dict(
                bbox=[0, 0, 80, 60], bbox_mode=BoxMode.XYWH_ABS, category_id=0, iscrowd=1
            ),  # crowd
        ],
    )
    mapper = RefineDetDatasetMapper(True, ssd_train_augmentations(64, (124, 116, 104)), "RGB")
    for seed in range(8):
        np.random.seed(seed)
        out = mapper(record)
        assert out["image"].shape == (3, 64, 64)
        inst = out["instances"]
        assert len(inst) <= 1 and set(inst.gt_classes.tolist()) <= {2}
        b = inst.gt_boxes.tensor
        assert (b >= 0).all() and (b <= 64).all() and (b[:, 2:] > b[:, :2]).all()
    test_out = RefineDetDatasetMapper(False, [], "RGB")(record)
    assert test_out["image"].shape == (3, 60, 80) and "instances" not in test_out


@pytest.mark.parametrize("size", [32, 320])
def test_random_interpolation_resize(size):
    t = RandomInterpolationResize(size).get_transform(np.zeros((50, 70, 3), dtype=np.uint8))
    assert t.apply_image(np.zeros((50, 70, 3), dtype=np.uint8)).shape == (size, size, 3)
