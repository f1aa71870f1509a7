"""Shared-geometry views: same geometry and boxes in both views, colour changes only in strong."""

import cv2
import numpy as np
import pytest
import torch
from detectron2.data import transforms as T
from detectron2.structures import BoxMode

from labeleff.projects.mic_uda.mapper import SharedGeometryViewMapper
from labeleff.projects.mic_uda.photometric import RandomColorJitter


@pytest.fixture
def item(tmp_path):
    img = np.random.default_rng(0).integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
    path = str(tmp_path / "a.png")
    cv2.imwrite(path, img)
    return {
        "file_name": path,
        "image_id": 7,
        "height": 40,
        "width": 60,
        "annotations": [
            {"bbox": [10, 5, 30, 25], "bbox_mode": BoxMode.XYXY_ABS, "category_id": 1, "iscrowd": 0}
        ],
    }


def test_views_share_geometry_and_differ_in_colour(item):
    mapper = SharedGeometryViewMapper(
        geometric=[T.ResizeShortestEdge(80, max_size=200), T.RandomFlip(prob=1.0)],
        photometric=[RandomColorJitter(strength=0.2, prob=1.0)],
    )
    np.random.seed(0)
    out = mapper(item)
    weak, strong = out["weak"], out["strong"]
    assert weak["image"].shape == strong["image"].shape == (3, 80, 120)
    assert np.array_equal(weak["transform"], strong["transform"])
    assert np.allclose(weak["transform"], [[-2, 0, 120], [0, 2, 0], [0, 0, 1]])
    assert torch.equal(weak["instances"].gt_boxes.tensor, strong["instances"].gt_boxes.tensor)
    assert weak["instances"].gt_boxes.tensor.tolist() == [[60.0, 10.0, 100.0, 50.0]]
    assert not torch.equal(weak["image"], strong["image"])
    # BGR output, as the detector expects: the weak view is the flipped, resized file
    ref = cv2.resize(cv2.imread(item["file_name"]), (120, 80), interpolation=cv2.INTER_LINEAR)
    assert np.abs(weak["image"].permute(1, 2, 0).numpy().astype(int) - ref[:, ::-1]).max() <= 2


def test_geometric_ops_in_the_photometric_list_are_rejected(item):
    mapper = SharedGeometryViewMapper(geometric=[], photometric=[T.RandomFlip(prob=1.0)])
    with pytest.raises(ValueError, match="photometric augmentations moved pixels"):
        mapper(item)
