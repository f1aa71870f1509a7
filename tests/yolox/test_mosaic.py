"""Mosaic placement, mixup, the mosaic dataset wrapper and the mapper (letterbox) on tiny images."""

import random

import cv2
import numpy as np
import pytest
from detectron2.structures import BoxMode

from labeleff.projects.yolox.data import (
    Letterbox,
    MosaicMixupDataset,
    YOLOXDatasetMapper,
    build_mosaic,
    mixup,
)


def _images(sizes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 255, (h, w, 3), dtype=np.uint8) for h, w in sizes]


def test_build_mosaic_offsets_and_clipping():
    sizes = [(40, 30), (80, 100), (64, 64), (10, 10)]  # (h, w) of the 4 tiles
    images = _images(sizes)
    boxes = [
        np.array([[5.0, 5, 15, 25]]),
        np.array([[0.0, 0, 100, 20]]),
        np.array([[10.0, 50, 30, 64]]),
        np.array([[2.0, 3, 4, 5]]),
    ]
    canvas, out = build_mosaic(images, boxes, (64, 64), centre=(50, 70))
    assert canvas.shape == (128, 128, 3)
    # Tile offsets (x, y): (20, 30), (50, -10), (-14, 70), (50, 70); then clipped to 128 x 128.
    expected = [[25, 35, 35, 55], [50, 0, 128, 10], [0, 120, 16, 128], [52, 73, 54, 75]]
    np.testing.assert_allclose(out, expected)
    assert (out >= 0).all() and (out <= 128).all()
    offsets = [(20, 30), (50, -10), (-14, 70), (50, 70)]
    regions = [(20, 30, 50, 70), (50, 0, 128, 70), (0, 70, 50, 128), (50, 70, 60, 80)]
    for image, (ox, oy), (x1, y1, x2, y2) in zip(images, offsets, regions):
        np.testing.assert_array_equal(
            canvas[y1:y2, x1:x2], image[y1 - oy : y2 - oy, x1 - ox : x2 - ox]
        )
    assert (canvas[0:30, 0:50] == 114).all()  # left of/above tile 0: background


def test_mixup_blends_and_appends_boxes():
    image = np.full((32, 32, 3), 100, np.uint8)
    other = np.full((32, 32, 3), 200, np.uint8)
    out, boxes, classes = mixup(
        image,
        np.array([[0.0, 0, 10, 10]]),
        np.array([0]),
        other,
        np.array([[4.0, 4, 20, 28]]),
        np.array([3]),
        jitter=1.0,
        flip=True,
        offset_xy=(0, 0),
    )
    assert (out == 150).all()
    np.testing.assert_allclose(boxes, [[0, 0, 10, 10], [12, 4, 28, 28]])  # flipped: 32 - x
    assert classes.tolist() == [0, 3]


@pytest.fixture
def tiny_dataset(tmp_path):
    dicts = []
    for i, (h, w) in enumerate([(48, 64), (64, 40), (32, 32), (60, 60)]):
        path = str(tmp_path / f"{i}.jpg")
        cv2.imwrite(path, _images([(h, w)], seed=i)[0])
        annos = [
            {"bbox": [4.0, 4.0, 20.0, 16.0], "bbox_mode": BoxMode.XYWH_ABS, "category_id": i % 2},
            {
                "bbox": [w / 2, h / 2, w - 2.0, h - 2.0],
                "bbox_mode": BoxMode.XYXY_ABS,
                "category_id": 1,
            },
        ]
        dicts.append(
            {"file_name": path, "image_id": i, "height": h, "width": w, "annotations": annos}
        )
    return dicts


def test_mosaic_dataset_keeps_boxes_inside(tiny_dataset):
    random.seed(0)
    np.random.seed(0)
    dataset = MosaicMixupDataset(tiny_dataset, input_size=(64, 64))
    for i in range(12):
        item = dataset[i % 4]
        assert item["image"].shape == (64, 64, 3) and (item["height"], item["width"]) == (64, 64)
        boxes = np.array([a["bbox"] for a in item["annotations"]]).reshape(-1, 4)
        assert (
            (boxes >= 0).all() and (boxes[:, [0, 2]] <= 64).all() and (boxes[:, [1, 3]] <= 64).all()
        )
        assert (boxes[:, 2:] > boxes[:, :2]).all()
    dataset.set_mosaic(False)
    assert dataset[1] == tiny_dataset[1]


def test_mapper_letterbox(tiny_dataset):
    mapper = YOLOXDatasetMapper(True, augmentations=[Letterbox(32)])
    out = mapper(tiny_dataset[0])  # 48 x 64 -> scale 0.5 -> 24 x 32, padded to 32 x 32
    assert tuple(out["image"].shape) == (3, 32, 32)
    assert (out["image"][:, 24:] == 114).all()
    np.testing.assert_allclose(
        out["instances"].gt_boxes.tensor.numpy(), [[2, 2, 12, 10], [16, 12, 31, 23]]
    )
    assert out["instances"].gt_classes.tolist() == [0, 1]
    test_out = YOLOXDatasetMapper(False, augmentations=[Letterbox(32, pad=False)])(tiny_dataset[0])
    assert tuple(test_out["image"].shape) == (3, 24, 32) and "instances" not in test_out


def test_affine_matrix_maps_canvas_centre_to_output_centre():
    from labeleff.projects.yolox.data.transforms import AffineTransform, affine_matrix

    m = affine_matrix(
        (128, 128), (64, 64), degrees=90.0, scale=0.5, shear_xy=(0, 0), translate_xy=(0.5, 0.5)
    )
    tfm = AffineTransform(m, 64, 64)
    # centre stays at the centre; a point 20 px right of it goes 10 px up (90 deg CCW, scale .5)
    np.testing.assert_allclose(
        tfm.apply_coords(np.array([[64.0, 64.0], [84.0, 64.0]])), [[32, 32], [32, 22]], atol=1e-9
    )
    assert tfm.apply_image(np.zeros((128, 128, 3), np.uint8)).shape == (64, 64, 3)


def test_box_candidates_rules():
    from labeleff.projects.yolox.data import box_candidates

    before = np.array([[0.0, 0, 10, 10]] * 4)
    after = np.array([[0.0, 0, 10, 10], [0, 0, 1.5, 10], [0, 0, 4, 4], [0, 0, 10, 9]])
    # kept / too thin (<= 2 px) / area ratio .16 <= .2 / kept
    assert box_candidates(before, after).tolist() == [True, False, False, True]
