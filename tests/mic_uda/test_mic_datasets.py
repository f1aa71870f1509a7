"""Dataset registration: Cityscapes / Foggy polygons -> boxes, class restriction, the real pair."""

import json
import os

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import BoxMode

from labeleff.projects.mic_uda.datasets import (
    CITYSCAPES_CLASSES,
    SHARED_CLASSES,
    load_cityscapes_detection,
    register_cityscapes_detection,
    restrict_coco_classes,
)


def _write_city(root, split, city, stem, objects, foggy=True):
    gt = os.path.join(root, "gtFine", split, city)
    os.makedirs(gt, exist_ok=True)
    with open(os.path.join(gt, f"{stem}_gtFine_polygons.json"), "w") as f:
        json.dump({"imgHeight": 32, "imgWidth": 64, "objects": objects}, f)
    img = np.zeros((32, 64, 3), dtype=np.uint8)
    for folder, suffix in [
        ("leftImg8bit", "leftImg8bit.png"),
        ("leftImg8bit_foggy", "leftImg8bit_foggy_beta_0.02.png"),
    ][: 1 + foggy]:
        d = os.path.join(root, folder, split, city)
        os.makedirs(d, exist_ok=True)
        cv2.imwrite(os.path.join(d, f"{stem}_{suffix}"), img)


@pytest.fixture
def city_root(tmp_path):
    root = str(tmp_path)
    _write_city(
        root,
        "train",
        "aachen",
        "aachen_000000_000019",
        [
            {"label": "car", "polygon": [[10, 5], [30, 5], [30, 20], [10, 20]]},
            {"label": "rider", "polygon": [[50, 10], [70, 12], [55, 40]]},  # crosses the border
            {"label": "cargroup", "polygon": [[0, 0], [5, 0], [5, 5]]},  # group: skipped
            {"label": "road", "polygon": [[0, 0], [64, 0], [64, 32]]},  # not a class
            {"label": "bicycle", "polygon": [[1, 1], [3, 3]]},  # not a polygon
        ],
    )
    _write_city(
        root,
        "train",
        "bremen",
        "bremen_000001_000019",
        [
            {"label": "train", "polygon": [[2, 3], [9, 3], [9, 8]]},
        ],
    )
    return root


def test_polygons_become_clipped_boxes_of_the_eight_classes(city_root):
    dicts = load_cityscapes_detection(
        os.path.join(city_root, "leftImg8bit_foggy", "train"),
        os.path.join(city_root, "gtFine", "train"),
        foggy_beta=0.02,
    )
    assert [os.path.basename(d["file_name"]) for d in dicts] == [
        "aachen_000000_000019_leftImg8bit_foggy_beta_0.02.png",
        "bremen_000001_000019_leftImg8bit_foggy_beta_0.02.png",
    ]
    first = dicts[0]
    assert (first["height"], first["width"], first["image_id"]) == (32, 64, "aachen_000000_000019")
    boxes = [(a["bbox"], CITYSCAPES_CLASSES[a["category_id"]]) for a in first["annotations"]]
    assert boxes == [([10.0, 5.0, 30.0, 20.0], "car"), ([50.0, 10.0, 64.0, 32.0], "rider")]
    assert all(a["bbox_mode"] == BoxMode.XYXY_ABS for a in first["annotations"])
    assert CITYSCAPES_CLASSES[dicts[1]["annotations"][0]["category_id"]] == "train"


def test_clear_images_and_registration(city_root):
    name = register_cityscapes_detection(
        "mic_test_cityscapes_train",
        os.path.join(city_root, "leftImg8bit", "train"),
        os.path.join(city_root, "gtFine", "train"),
    )
    dicts = DatasetCatalog.get(name)
    assert dicts[0]["file_name"].endswith("aachen_000000_000019_leftImg8bit.png")
    assert MetadataCatalog.get(name).thing_classes == CITYSCAPES_CLASSES
    DatasetCatalog.remove(name)
    MetadataCatalog.remove(name)


def test_missing_foggy_image_is_an_error_naming_it(tmp_path):
    root = str(tmp_path)
    _write_city(root, "val", "lindau", "lindau_000000_000019", [], foggy=False)
    with pytest.raises(FileNotFoundError, match="lindau_000000_000019_leftImg8bit_foggy_beta_0.02"):
        load_cityscapes_detection(
            os.path.join(root, "leftImg8bit_foggy", "val"),
            os.path.join(root, "gtFine", "val"),
            foggy_beta=0.02,
        )


def test_restrict_coco_classes_renumbers_and_drops():
    coco = {
        "images": [{"id": 1}, {"id": 2}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 3},
            {"id": 2, "image_id": 2, "category_id": 5},
        ],
        "categories": [
            {"id": 3, "name": "car"},
            {"id": 5, "name": "airplane"},
            {"id": 9, "name": "person"},
        ],
    }
    out = restrict_coco_classes(coco, ["person", "car"], keep_empty_images=False)
    assert out["categories"] == [
        {"id": 1, "name": "person", "supercategory": ""},
        {"id": 2, "name": "car", "supercategory": ""},
    ]
    assert [(a["image_id"], a["category_id"]) for a in out["annotations"]] == [(1, 2)]
    assert [im["id"] for im in out["images"]] == [1]
    assert len(restrict_coco_classes(coco, ["car"], keep_empty_images=True)["images"]) == 2


def test_real_pair_has_the_shared_classes(shared_data, tmp_path, monkeypatch):
    from labeleff.projects.mic_uda.datasets import register_coco128_shared, register_dawn_fog

    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path))
    src = register_coco128_shared("mic_test_coco128", os.path.join(shared_data, "coco128"))
    tgt = register_dawn_fog("mic_test_dawn", os.path.join(shared_data, "dawn_fog"))
    try:
        for name, n_images in ((src, 152), (tgt, 104)):
            dicts = DatasetCatalog.get(name)
            assert len(dicts) == n_images
            assert MetadataCatalog.get(name).thing_classes == SHARED_CLASSES
            assert all(os.path.isfile(d["file_name"]) for d in dicts[:5])
        cars = sum(a["category_id"] == 2 for d in DatasetCatalog.get(tgt) for a in d["annotations"])
        assert cars == 480
    finally:
        for name in (src, tgt):
            DatasetCatalog.remove(name)
            MetadataCatalog.remove(name)
