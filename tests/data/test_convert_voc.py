"""VOC -> COCO conversion on the real BCCD and DAWN data, and its errors on bad input."""

import json
import logging
import os
import runpy
import shutil
import xml.etree.ElementTree as ET

import pytest

from labeleff.data.coco_io import DatasetFormatError, load_class_names, write_coco_json
from labeleff.data.convert_voc import voc_to_coco

BCCD_CLASSES = ["RBC", "WBC", "Platelets"]
DAWN_CLASSES = ["car", "truck", "person", "bus", "motorcycle", "bicycle"]
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def voc_log(caplog):
    """caplog wired to the converter's logger itself, so it works whatever propagation is set."""
    logger = logging.getLogger("labeleff.data.convert_voc")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger=logger.name)
    yield caplog
    logger.removeHandler(caplog.handler)


def _bccd(shared_data):
    root = os.path.join(shared_data, "bccd")
    return os.path.join(root, "Annotations"), os.path.join(root, "JPEGImages")


def _count_xml_boxes(annotation_dir):
    """Independent count: {xml file: (number of <object>, number with a zero-width/height box)}."""
    counts = {}
    for name in sorted(os.listdir(annotation_dir)):
        root = ET.parse(os.path.join(annotation_dir, name)).getroot()
        objects = root.findall("object")
        zero = 0
        for obj in objects:
            b = {k: float(obj.find("bndbox/" + k).text) for k in ("xmin", "ymin", "xmax", "ymax")}
            zero += b["xmax"] <= b["xmin"] or b["ymax"] <= b["ymin"]
        counts[name] = (len(objects), zero)
    return counts


def test_bccd_keeps_every_box_but_the_two_zero_area_ones(shared_data, voc_log):
    annotations, images = _bccd(shared_data)
    counts = _count_xml_boxes(annotations)
    assert sum(n for n, _ in counts.values()) == 4888
    assert {f for f, (_, z) in counts.items() if z} == {
        "BloodImage_00338.xml",
        "BloodImage_00343.xml",
    }

    coco, report = voc_to_coco(annotations, images, BCCD_CLASSES)

    assert len(coco["images"]) == 364 == report.num_images
    assert len(coco["annotations"]) == 4888 - 2 == report.num_boxes
    per_image = {img["id"]: 0 for img in coco["images"]}
    for ann in coco["annotations"]:
        per_image[ann["image_id"]] += 1
    for img in coco["images"]:
        n, zero = counts[img["file_name"].replace(".jpg", ".xml")]
        assert per_image[img["id"]] == n - zero, img["file_name"]
    assert report.dropped_boxes == {"zero-area": ["BloodImage_00338.xml", "BloodImage_00343.xml"]}
    warnings = [r.getMessage() for r in voc_log.records if r.levelno == logging.WARNING]
    assert any(
        "Dropped 2 zero-area" in m and "BloodImage_00338.xml" in m and "BloodImage_00343.xml" in m
        for m in warnings
    ), warnings
    assert [c["id"] for c in coco["categories"]] == [1, 2, 3]
    assert [c["name"] for c in coco["categories"]] == BCCD_CLASSES
    assert len({a["id"] for a in coco["annotations"]}) == len(coco["annotations"])


def test_bccd_boxes_follow_detectron2_voc_convention(shared_data):
    annotations, images = _bccd(shared_data)
    coco, _ = voc_to_coco(annotations, images, BCCD_CLASSES, image_set=["BloodImage_00338"])
    (image,) = coco["images"]
    assert (image["file_name"], image["width"], image["height"]) == (
        "BloodImage_00338.jpg",
        640,
        480,
    )
    # first <object>: RBC xmin 453 ymin 81 xmax 555 ymax 182 -> x1 - 1, y1 - 1, x2, y2
    first = coco["annotations"][0]
    assert first["bbox"] == [452.0, 80.0, 103.0, 102.0]
    assert first["area"] == 103 * 102
    assert first["category_id"] == 1 and first["iscrowd"] == 0
    # 14 objects in the file, one of them the zero-area click at (504, 337)
    assert len(coco["annotations"]) == 13
    # the WBC touching the bottom border: ymax 480 == height, so nothing is clipped
    assert coco["annotations"][-1]["bbox"] == [243.0, 326.0, 266.0, 154.0]


def test_bccd_image_set_picks_the_split_in_file_order(shared_data):
    annotations, images = _bccd(shared_data)
    split_file = os.path.join(shared_data, "bccd", "ImageSets", "Main", "test.txt")
    with open(split_file) as f:
        ids = [line.strip() for line in f if line.strip()]
    coco, _ = voc_to_coco(annotations, images, BCCD_CLASSES, image_set=split_file)
    assert [img["file_name"] for img in coco["images"]] == [i + ".jpg" for i in ids]
    assert len(ids) == 72
    assert [img["id"] for img in coco["images"]] == list(range(1, 73))


def test_dawn_boxes_crossing_the_border_are_clipped_and_counted(shared_data, voc_log):
    root = os.path.join(shared_data, "dawn_fog")
    coco, report = voc_to_coco(
        os.path.join(root, "annotations"), os.path.join(root, "images"), DAWN_CLASSES
    )
    assert len(coco["images"]) == 104 and len(coco["annotations"]) == 572
    # seven boxes start at xmin = 0 in a 1-based format: x1 - 1 = -1 is clipped to 0
    assert len(report.clipped_boxes) == 7
    assert "foggy-018.xml" in report.clipped_boxes
    image = next(img for img in coco["images"] if img["file_name"] == "foggy-018.jpg")
    assert (image["width"], image["height"]) == (1280, 837)
    boxes = [a["bbox"] for a in coco["annotations"] if a["image_id"] == image["id"]]
    assert [0.0, 478.0, 143.0, 210.0] in boxes  # xml: 0 479 143 688
    sizes = {img["id"]: (img["width"], img["height"]) for img in coco["images"]}
    for a in coco["annotations"]:
        x, y, w, h = a["bbox"]
        width, height = sizes[a["image_id"]]
        assert x >= 0 and y >= 0 and w > 0 and h > 0 and x + w <= width and y + h <= height
    assert any("Clipped 7 box(es)" in r.getMessage() for r in voc_log.records)


# --- bad input, on small copies of BCCD in tmp_path ---------------------------------------


@pytest.fixture
def small_voc(shared_data, tmp_path):
    """Two BCCD images with their xml in tmp_path: (annotation dir, image dir)."""
    annotations, images = _bccd(shared_data)
    ann_dir, img_dir = tmp_path / "Annotations", tmp_path / "JPEGImages"
    ann_dir.mkdir()
    img_dir.mkdir()
    for stem in ("BloodImage_00000", "BloodImage_00001"):
        shutil.copy(os.path.join(annotations, stem + ".xml"), ann_dir)
        shutil.copy(os.path.join(images, stem + ".jpg"), img_dir)
    return str(ann_dir), str(img_dir)


def _edit_xml(path, old, new, count=1):
    with open(path) as f:
        text = f.read()
    assert old in text
    with open(path, "w") as f:
        f.write(text.replace(old, new, count))


def test_malformed_xml_names_the_file(small_voc):
    ann_dir, img_dir = small_voc
    bad = os.path.join(ann_dir, "BloodImage_00001.xml")
    _edit_xml(bad, "</annotation>", "")
    with pytest.raises(DatasetFormatError, match="BloodImage_00001.xml: malformed XML"):
        voc_to_coco(ann_dir, img_dir, BCCD_CLASSES)


def test_non_numeric_coordinate_names_the_file_and_object(small_voc):
    ann_dir, img_dir = small_voc
    _edit_xml(os.path.join(ann_dir, "BloodImage_00000.xml"), "<xmin>", "<xmin>abc")
    with pytest.raises(DatasetFormatError, match=r"BloodImage_00000.xml: <object> #1 <xmin>"):
        voc_to_coco(ann_dir, img_dir, BCCD_CLASSES)


def test_unknown_class_names_file_class_and_known_classes(small_voc):
    ann_dir, img_dir = small_voc
    _edit_xml(
        os.path.join(ann_dir, "BloodImage_00001.xml"), "<name>RBC</name>", "<name>Neutrophil</name>"
    )
    with pytest.raises(DatasetFormatError) as info:
        voc_to_coco(ann_dir, img_dir, BCCD_CLASSES)
    message = str(info.value)
    assert "BloodImage_00001.xml" in message and "'Neutrophil'" in message
    assert "['RBC', 'WBC', 'Platelets']" in message


def test_missing_image_is_an_error_or_skipped(small_voc, voc_log):
    ann_dir, img_dir = small_voc
    os.remove(os.path.join(img_dir, "BloodImage_00000.jpg"))
    with pytest.raises(DatasetFormatError, match="BloodImage_00000.xml: no image"):
        voc_to_coco(ann_dir, img_dir, BCCD_CLASSES)
    coco, report = voc_to_coco(ann_dir, img_dir, BCCD_CLASSES, on_missing_image="skip")
    assert [img["file_name"] for img in coco["images"]] == ["BloodImage_00001.jpg"]
    assert report.skipped_images == ["BloodImage_00000.xml"]
    assert any("BloodImage_00000.xml" in r.getMessage() for r in voc_log.records)
    # without image checks the xml <size> is trusted and the image is not needed
    coco, _ = voc_to_coco(ann_dir, img_dir, BCCD_CLASSES, check_images=False)
    assert [(i["width"], i["height"]) for i in coco["images"]] == [(640, 480), (640, 480)]


def test_xml_size_is_checked_against_the_image(small_voc):
    ann_dir, img_dir = small_voc
    _edit_xml(
        os.path.join(ann_dir, "BloodImage_00000.xml"), "<width>640</width>", "<width>600</width>"
    )
    with pytest.raises(
        DatasetFormatError, match=r"BloodImage_00000.xml: <size> says 600x480 .* 640x480"
    ):
        voc_to_coco(ann_dir, img_dir, BCCD_CLASSES)


def test_images_without_objects_are_kept_unless_asked(small_voc):
    ann_dir, img_dir = small_voc
    path = os.path.join(ann_dir, "BloodImage_00001.xml")
    tree = ET.parse(path)
    for obj in tree.getroot().findall("object"):
        tree.getroot().remove(obj)
    tree.write(path)
    coco, report = voc_to_coco(ann_dir, img_dir, BCCD_CLASSES)
    assert len(coco["images"]) == 2 and report.images_without_boxes == 1
    coco, _ = voc_to_coco(ann_dir, img_dir, BCCD_CLASSES, keep_empty_images=False)
    assert [img["file_name"] for img in coco["images"]] == ["BloodImage_00000.jpg"]
    assert {a["image_id"] for a in coco["annotations"]} == {1}


def test_difficult_objects_become_crowd_only_on_request(small_voc):
    ann_dir, img_dir = small_voc
    _edit_xml(
        os.path.join(ann_dir, "BloodImage_00000.xml"),
        "<difficult>0</difficult>",
        "<difficult>1</difficult>",
    )
    coco, _ = voc_to_coco(ann_dir, img_dir, BCCD_CLASSES)
    assert all(a["iscrowd"] == 0 for a in coco["annotations"])
    crowd, _ = voc_to_coco(ann_dir, img_dir, BCCD_CLASSES, difficult_as_crowd=True)
    assert [a["iscrowd"] for a in crowd["annotations"]] == [1] + [0] * (
        len(coco["annotations"]) - 1
    )


def test_class_names_from_file_list_or_inferred(small_voc, tmp_path, voc_log):
    names_file = tmp_path / "classes.txt"
    names_file.write_text("RBC\nWBC\n\nPlatelets\n")
    assert load_class_names(str(names_file)) == BCCD_CLASSES
    assert load_class_names("RBC, WBC,Platelets") == BCCD_CLASSES
    with pytest.raises(DatasetFormatError, match="duplicate"):
        load_class_names(["RBC", "RBC"])
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        load_class_names(str(tmp_path / "nope.txt"))
    ann_dir, img_dir = small_voc
    # inferred names depend on the subset: these two images hold no Platelets
    coco, _ = voc_to_coco(ann_dir, img_dir)
    assert [c["name"] for c in coco["categories"]] == ["RBC", "WBC"]
    assert any(
        "inferred 2" in r.getMessage() and "['RBC', 'WBC']" in r.getMessage()
        for r in voc_log.records
    )


def test_tool_writes_the_library_result_and_exits_on_bad_input(small_voc, tmp_path, capsys):
    ann_dir, img_dir = small_voc
    tool = runpy.run_path(os.path.join(REPO, "tools", "convert_voc_to_coco.py"))
    out = tmp_path / "out.json"
    tool["main"](
        [
            "--annotations",
            ann_dir,
            "--images",
            img_dir,
            "--classes",
            "RBC,WBC,Platelets",
            "--output",
            str(out),
        ]
    )
    with open(out) as f:
        assert json.load(f) == voc_to_coco(ann_dir, img_dir, BCCD_CLASSES)[0]
    os.remove(os.path.join(img_dir, "BloodImage_00001.jpg"))
    with pytest.raises(SystemExit) as info:
        tool["main"](["--annotations", ann_dir, "--images", img_dir, "--output", str(out)])
    assert info.value.code == 1
    assert "BloodImage_00001.xml: no image" in capsys.readouterr().err


def test_output_loads_in_detectron2(small_voc, tmp_path):
    from detectron2.data.datasets import load_coco_json
    from detectron2.structures import BoxMode

    ann_dir, img_dir = small_voc
    coco, _ = voc_to_coco(ann_dir, img_dir, BCCD_CLASSES)
    path = str(tmp_path / "small.json")
    write_coco_json(coco, path)
    dicts = load_coco_json(path, img_dir, dataset_name=None)
    assert [d["file_name"] for d in dicts] == [
        os.path.join(img_dir, "BloodImage_00000.jpg"),
        os.path.join(img_dir, "BloodImage_00001.jpg"),
    ]
    loaded = [a for d in dicts for a in d["annotations"]]
    assert len(loaded) == len(coco["annotations"])
    assert all(a["bbox_mode"] == BoxMode.XYWH_ABS for a in loaded)
    assert [a["bbox"] for a in loaded] == [a["bbox"] for a in coco["annotations"]]
