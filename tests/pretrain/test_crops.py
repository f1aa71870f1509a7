"""Crop tool on a tiny synthetic COCO set: fg crops overlap their GT, bg crops stay below the IoU
threshold with every GT; deterministic; label file round trip."""

import json
import os
import runpy

import cv2
import numpy as np
import pytest

from labeleff.data import write_coco_json
from labeleff.projects.pretrain.crops import (
    box_iou,
    coco_to_dataset_dicts,
    expand_box,
    load_crop_labels,
    plan_crops,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
crop_tool = runpy.run_path(os.path.join(REPO, "tools", "crop_patches.py"))["main"]
GT = {1: [[10, 10, 30, 20], [60, 40, 25, 30]], 2: [[0, 0, 40, 40]], 3: []}  # XYWH per image


@pytest.fixture
def coco(tmp_path):
    images, anns = [], []
    for iid, boxes in GT.items():
        img = np.full((80, 100, 3), 40 * iid, np.uint8)
        cv2.imwrite(str(tmp_path / f"{iid}.jpg"), img)
        images.append(dict(id=iid, file_name=f"{iid}.jpg", height=80, width=100))
        for b in boxes:
            anns.append(
                dict(
                    id=len(anns) + 1,
                    image_id=iid,
                    category_id=1 + len(anns) % 2,
                    bbox=b,
                    area=b[2] * b[3],
                    iscrowd=0,
                )
            )
    d = dict(
        images=images, annotations=anns, categories=[dict(id=1, name="a"), dict(id=2, name="b")]
    )
    path = str(tmp_path / "train.json")
    write_coco_json(d, path)
    return path, str(tmp_path)


def _xyxy(b):
    return [b[0], b[1], b[0] + b[2], b[1] + b[3]]


def test_expand_box_hand_computed():
    assert expand_box([10, 10, 30, 20], 0.5, 100, 80) == [0.0, 5.0, 40.0, 25.0]
    assert expand_box([90, 70, 100, 80], 0.2, 100, 80) == [88.0, 68.0, 100.0, 80.0]


def test_plan_fg_and_bg(coco):
    json_path, root = coco
    with open(json_path) as f:
        dicts = coco_to_dataset_dicts(json.load(f), root)
    specs = plan_crops(dicts, margin=0.2, bg_per_image=5, bg_max_iou=0.1, seed=0)
    fg = [s for s in specs if s["kind"] == "fg"]
    bg = [s for s in specs if s["kind"] == "bg"]
    assert len(fg) == 3 and all(s["label"] == 1 for s in fg)
    assert len(bg) >= 10 and all(s["label"] == 0 for s in bg)
    for s in fg:
        gts = np.array([_xyxy(b) for b in GT[s["image_id"]]])
        iou = box_iou(s["box"], gts).max()
        assert iou > 0.5  # the crop is its GT box plus a 20 % margin each side: IoU 1/1.96
    for s in bg:
        gts = np.array([_xyxy(b) for b in GT[s["image_id"]]]).reshape(-1, 4)
        if len(gts):
            assert box_iou(s["box"], gts).max() < 0.1
        x0, y0, x1, y1 = s["box"]
        assert 0 <= x0 < x1 <= 100 and 0 <= y0 < y1 <= 80
    assert plan_crops(dicts, bg_per_image=5, seed=0) == specs
    assert plan_crops(dicts, bg_per_image=5, seed=1) != specs
    per_cat = plan_crops(dicts, per_category=True, seed=0)
    assert sorted(s["label"] for s in per_cat if s["kind"] == "fg") == [1, 1, 2]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_crop_tool_writes_crops_and_labels(coco, tmp_path, fmt):
    json_path, root = coco
    out = tmp_path / f"crops_{fmt}"
    assert (
        crop_tool(
            [
                "--json",
                json_path,
                "--image-root",
                root,
                "--out-dir",
                str(out),
                "--size",
                "32",
                "--bg-per-image",
                "2",
                "--label-format",
                fmt,
            ]
        )
        == 0
    )
    rows = load_crop_labels(str(out / f"labels.{fmt}"))
    assert sum(r["kind"] == "fg" for r in rows) == 3
    for row in rows:
        img = cv2.imread(row["file"])
        assert img.shape == (32, 32, 3)
        assert row["label"] == (1 if row["kind"] == "fg" else 0)


def test_crop_tool_rejects_bad_json(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert (
        crop_tool(
            ["--json", str(bad), "--image-root", str(tmp_path), "--out-dir", str(tmp_path / "o")]
        )
        == 2
    )
    assert "error" in capsys.readouterr().err


def test_dataset_from_label_file_matches_written_crops(coco, tmp_path):
    from labeleff.projects.pretrain import FgBgCropDataset

    json_path, root = coco
    out = tmp_path / "crops"
    assert (
        crop_tool(
            ["--json", json_path, "--image-root", root, "--out-dir", str(out), "--size", "16"]
        )
        == 0
    )
    ds = FgBgCropDataset(label_file=str(out / "labels.json"), size=24, flip=False)
    rows = load_crop_labels(str(out / "labels.json"))
    assert len(ds) == len(rows)
    for i, row in enumerate(rows):
        item = ds[i]
        assert item["label"] == row["label"] and item["image"].shape == (3, 24, 24)
