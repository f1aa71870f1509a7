"""Converted-json caches follow what the conversion depends on: the same inputs reuse the json, a
changed class list, annotation file, image set or label file converts again."""

import json
import os
import shutil

import pytest

from labeleff.data import voc_as_coco_json, yolo_as_coco_json

BCCD = ["RBC", "WBC", "Platelets"]
STEMS = ("BloodImage_00000", "BloodImage_00001")


@pytest.fixture
def voc(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path / "datasets"))
    root = tmp_path / "myvoc"
    for sub in ("Annotations", "JPEGImages", "ImageSets/Main"):
        (root / sub).mkdir(parents=True)
    src = os.path.join(shared_data, "bccd")
    for stem in STEMS:
        shutil.copy(os.path.join(src, "Annotations", stem + ".xml"), root / "Annotations")
        shutil.copy(os.path.join(src, "JPEGImages", stem + ".jpg"), root / "JPEGImages")
    (root / "ImageSets/Main/train.txt").write_text(STEMS[0] + "\n")
    return root


def _convert(root, classes=BCCD):
    return voc_as_coco_json(
        str(root / "Annotations"),
        str(root / "JPEGImages"),
        classes,
        str(root / "ImageSets/Main/train.txt"),
    )


def _boxes(json_file):
    return [a["bbox"] for a in json.load(open(json_file))["annotations"]]


def test_voc_cache_is_reused_for_the_same_inputs_and_redone_when_they_change(voc):
    first = _convert(voc)
    stamp = os.stat(first).st_mtime_ns
    assert _convert(voc) == first and os.stat(first).st_mtime_ns == stamp  # reused, not rewritten
    assert os.path.basename(first).startswith("myvoc_train_")

    # another class order: another json (category ids differ)
    assert _convert(voc, ["WBC", "RBC", "Platelets"]) != first

    # one box edited in the listed xml: converted again, with the new box
    xml = voc / "Annotations" / (STEMS[0] + ".xml")
    text = xml.read_text()
    i = text.index("<xmin>") + len("<xmin>")
    j = text.index("</xmin>", i)
    xml.write_text(text[:i] + str(int(text[i:j]) + 7) + text[j:])
    edited = _convert(voc)
    assert edited != first and _boxes(edited)[0][0] == _boxes(first)[0][0] + 7

    # the image set gains an image: converted again, with both images
    (voc / "ImageSets/Main/train.txt").write_text("\n".join(STEMS) + "\n")
    grown = _convert(voc)
    assert grown not in (first, edited) and len(json.load(open(grown))["images"]) == 2


def test_yolo_cache_follows_its_label_files(tmp_path, monkeypatch):
    import cv2
    import numpy as np

    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path / "datasets"))
    images, labels = tmp_path / "images" / "train", tmp_path / "labels" / "train"
    images.mkdir(parents=True)
    labels.mkdir(parents=True)
    cv2.imwrite(str(images / "a.jpg"), np.zeros((40, 60, 3), np.uint8))
    (labels / "a.txt").write_text("0 0.5 0.5 0.5 0.5\n")
    first = yolo_as_coco_json(str(images), str(labels), ["thing"])
    assert yolo_as_coco_json(str(images), str(labels), ["thing"]) == first
    (labels / "a.txt").write_text("0 0.5 0.5 0.25 0.5\n")  # box width 30 -> 15 px
    second = yolo_as_coco_json(str(images), str(labels), ["thing"])
    assert second != first
    assert _boxes(first)[0][2] == pytest.approx(30) and _boxes(second)[0][2] == pytest.approx(15)
