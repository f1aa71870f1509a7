"""The synthetic demo set is deterministic, valid COCO and registered through the catalog."""

import json

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog

from labeleff.data import DEMO_CLASSES, make_demo_detection, register_demo_detection
from labeleff.data.demo import SPLIT_SIZES, apply_fog


def test_deterministic_and_valid(tmp_path):
    j1, r1 = make_demo_detection("val", root=str(tmp_path / "a"))
    j2, r2 = make_demo_detection("val", root=str(tmp_path / "b"))
    a, b = json.load(open(j1)), json.load(open(j2))
    assert a == b
    assert len(a["images"]) == SPLIT_SIZES["val"]
    assert [c["name"] for c in a["categories"]] == DEMO_CLASSES
    sizes = {im["id"]: (im["height"], im["width"]) for im in a["images"]}
    for ann in a["annotations"]:
        x, y, w, h = ann["bbox"]
        H, W = sizes[ann["image_id"]]
        assert w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= W and y + h <= H
        assert ann["area"] == w * h
    im = cv2.imread(f"{r1}/{a['images'][0]['file_name']}")
    assert im.shape == (*sizes[1], 3)
    # every class appears, and images hold 1-4 objects
    assert {ann["category_id"] for ann in a["annotations"]} == {1, 2, 3}
    counts = np.bincount([ann["image_id"] for ann in a["annotations"]])[1:]
    assert counts.min() >= 1 and counts.max() <= 4


def test_objects_are_drawn_where_boxes_say(tmp_path):
    """The pixels inside a box differ from the background ring around it (shapes are there)."""
    j, r = make_demo_detection("val", root=str(tmp_path))
    coco = json.load(open(j))
    ann = max(coco["annotations"], key=lambda a: a["area"])
    img = cv2.imread(f"{r}/{coco['images'][ann['image_id'] - 1]['file_name']}").astype(float)
    x, y, w, h = ann["bbox"]
    cx, cy = int(x + w / 2), int(y + h / 2)
    centre = img[cy - 2 : cy + 3, cx - 2 : cx + 3].reshape(-1, 3).std(0).mean()
    assert centre < 12  # flat fill (JPEG noise only), unlike the textured background


def test_fog_formula():
    img = np.full((4, 2, 3), 100, np.uint8)
    out = apply_fog(img, transmission=0.5, airlight=200.0)
    t_top = 0.5  # t grows from `transmission` at the top to (1 + transmission) / 2 at the bottom
    assert out[0, 0, 0] == round(100 * t_top + 200 * (1 - t_top))
    t_bot = 0.75
    assert out[-1, 0, 0] == round(100 * t_bot + 200 * (1 - t_bot))


def test_register_is_idempotent(tmp_path):
    name = register_demo_detection("test_demo_val_reg", split="val", root=str(tmp_path))
    assert register_demo_detection("test_demo_val_reg", split="val", root=str(tmp_path)) == name
    dicts = DatasetCatalog.get(name)
    assert len(dicts) == SPLIT_SIZES["val"]
    assert MetadataCatalog.get(name).thing_classes == DEMO_CLASSES


def test_varied_variant_deterministic_boxes_tight_on_drawn_pixels(tmp_path):
    """The "varied" scenes repeat exactly and hold every class; every box lies in the image; on a
    black background the drawn shape reaches (within 3 px) each side of its box (tight boxes)."""
    from labeleff.data.varied_shapes import draw_varied_image, shape_points

    j1, _ = make_demo_detection("val", variant="varied", root=str(tmp_path / "a"))
    j2, _ = make_demo_detection("val", variant="varied", root=str(tmp_path / "b"))
    a, b = json.load(open(j1)), json.load(open(j2))
    assert a == b and len(a["images"]) == SPLIT_SIZES["val"]
    assert {ann["category_id"] for ann in a["annotations"]} == {1, 2, 3}
    for ann in a["annotations"]:
        x, y, w, h = ann["bbox"]
        assert w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= 160 and y + h <= 160
    # tight boxes: the outline's extremes are on the box (a pure function of the points)
    rng = np.random.default_rng(0)
    for kind in ("circle", "square", "triangle", "cross", "star"):
        pts = shape_points(kind, 40.0, rng)
        ext = pts.max(0) - pts.min(0)
        assert 10 < ext.min() and ext.max() <= 40 * 2**0.5 + 1e-6
        assert np.allclose(pts.mean(0), 0, atol=12)
    # drawn pixels fill the box up to its border: background-only pixels outside the shape
    bg = lambda rng, h, w: np.zeros((h, w, 3), np.uint8)  # noqa: E731
    img, objects = draw_varied_image(np.random.default_rng(3), 160, 160, bg)
    drawn = img.any(2)
    for _, (x0, y0, x1, y1) in objects:
        inside = drawn[y0:y1, x0:x1]
        assert (
            inside[:3].any() and inside[-3:].any() and inside[:, :3].any() and inside[:, -3:].any()
        )


def test_demo_folders_are_versioned(tmp_path, monkeypatch):
    from labeleff.data import demo

    assert demo.demo_folder("clear", str(tmp_path)) == str(tmp_path / "demo_clear")
    monkeypatch.setitem(demo.DATA_VERSIONS, "varied", 2)
    assert demo.demo_folder("varied", str(tmp_path)) == str(tmp_path / "demo_varied_v2")
    json_file, _ = make_demo_detection("val", variant="varied", root=str(tmp_path))
    assert json_file.startswith(str(tmp_path / "demo_varied_v2"))
    with pytest.raises(ValueError, match="varied"):
        make_demo_detection("val", variant="foggy", root=str(tmp_path))
