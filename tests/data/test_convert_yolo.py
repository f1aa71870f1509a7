"""YOLO -> COCO conversion on the real coco128 data, and its errors on bad input."""

import json
import logging
import os
import runpy
import shutil

import pytest
from PIL import Image

from labeleff.data.coco_io import DatasetFormatError, load_class_names, read_image_size
from labeleff.data.convert_yolo import yolo_split_dirs, yolo_to_coco

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def yolo_log(caplog):
    """caplog wired to the converter's logger itself, so it works whatever propagation is set."""
    logger = logging.getLogger("labeleff.data.convert_yolo")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger=logger.name)
    yield caplog
    logger.removeHandler(caplog.handler)


def _coco128(shared_data):
    root = os.path.join(shared_data, "coco128")
    return root, os.path.join(root, "config.yaml")


def _label_lines(label_dir, stem):
    path = os.path.join(label_dir, stem + ".txt")
    if not os.path.isfile(path):
        return []
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def _hand_box(line, width, height):
    cx, cy, w, h = (float(v) for v in line[1:])
    return [(cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height]


def test_coco128_val_every_line_becomes_a_box_in_pixels(shared_data):
    root, config = _coco128(shared_data)
    image_dir, label_dir = yolo_split_dirs(root, "val2017")
    coco, report = yolo_to_coco(image_dir, label_dir, config)

    assert len(coco["images"]) == 128
    lines = {img["id"]: _label_lines(label_dir, img["file_name"][:-4]) for img in coco["images"]}
    assert len(coco["annotations"]) == sum(len(v) for v in lines.values()) == 898
    assert report.num_dropped == 0 and report.clipped_boxes == []
    names = load_class_names(config)
    assert len(names) == 80 and [c["name"] for c in coco["categories"]] == names
    assert [c["id"] for c in coco["categories"]] == list(range(1, 81))

    # every box against the txt line and the image size read here with PIL
    by_image = {img["id"]: [] for img in coco["images"]}
    for ann in coco["annotations"]:
        by_image[ann["image_id"]].append(ann)
    for img in coco["images"]:
        with Image.open(os.path.join(image_dir, img["file_name"])) as pil:
            assert (img["width"], img["height"]) == pil.size
        for line, ann in zip(lines[img["id"]], by_image[img["id"]]):
            assert ann["category_id"] == int(line[0]) + 1
            assert ann["bbox"] == pytest.approx(_hand_box(line, *pil.size), abs=1e-2)


def test_coco128_hand_computed_boxes(shared_data):
    root, config = _coco128(shared_data)
    image_dir, label_dir = yolo_split_dirs(root, "val2017")
    coco, _ = yolo_to_coco(image_dir, label_dir, config)
    image = next(img for img in coco["images"] if img["file_name"] == "000000000139.jpg")
    assert (image["width"], image["height"]) == (640, 426)
    first = min(
        (a for a in coco["annotations"] if a["image_id"] == image["id"]), key=lambda a: a["id"]
    )
    # "58 0.389578 0.416103 0.0385937 0.163146" on 640 x 426:
    # x = (0.389578 - 0.0192969) * 640 = 236.98, y = (0.416103 - 0.081573) * 426 = 142.51,
    # w = 0.0385937 * 640 = 24.70, h = 0.163146 * 426 = 69.50; class 58 = "potted plant", id 59
    assert first["bbox"] == pytest.approx([236.98, 142.51, 24.70, 69.50], abs=0.01)
    assert first["category_id"] == 59
    assert coco["categories"][58]["name"] == "potted plant"


def test_coco128_train_label_files_without_images(shared_data, yolo_log):
    """coco128 train2017 holds labels of 000000000656/659 but not their images (a real fault)."""
    root, config = _coco128(shared_data)
    image_dir, label_dir = yolo_split_dirs(root, "train2017")
    with pytest.raises(DatasetFormatError, match="000000000656.txt: no image"):
        yolo_to_coco(image_dir, label_dir, config)

    coco, report = yolo_to_coco(image_dir, label_dir, config, on_missing_image="skip")
    assert report.skipped_images == ["000000000656.txt", "000000000659.txt"]
    assert any("000000000659.txt" in r.getMessage() for r in yolo_log.records)
    assert len(coco["images"]) == 128
    expected = sum(len(_label_lines(label_dir, img["file_name"][:-4])) for img in coco["images"])
    assert len(coco["annotations"]) == expected == 941 - 3 - 9
    # 000000000250 and 000000000508 have no label file: kept, without objects
    with_boxes = {a["image_id"] for a in coco["annotations"]}
    empty = sorted(img["file_name"] for img in coco["images"] if img["id"] not in with_boxes)
    assert empty == ["000000000250.jpg", "000000000508.jpg"]
    # hand check on 000000000025.jpg, first line "23 0.770336 0.489695 0.335891 0.697559"
    image = next(img for img in coco["images"] if img["file_name"] == "000000000025.jpg")
    with Image.open(os.path.join(image_dir, "000000000025.jpg")) as pil:
        width, height = pil.size
    first = min(
        (a for a in coco["annotations"] if a["image_id"] == image["id"]), key=lambda a: a["id"]
    )
    cx, cy, w, h = 0.770336, 0.489695, 0.335891, 0.697559
    expected_box = [(cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height]
    assert first["bbox"] == pytest.approx(expected_box, abs=1e-6)
    assert first["category_id"] == 24 and coco["categories"][23]["name"] == "giraffe"


# --- bad input, on small copies in tmp_path -----------------------------------------------


@pytest.fixture
def small_yolo(shared_data, tmp_path):
    """Two coco128 val images with their labels in tmp_path: (image dir, label dir, names)."""
    root, config = _coco128(shared_data)
    src_images, src_labels = yolo_split_dirs(root, "val2017")
    image_dir, label_dir = tmp_path / "images", tmp_path / "labels"
    image_dir.mkdir()
    label_dir.mkdir()
    for stem in ("000000000139", "000000000285"):
        shutil.copy(os.path.join(src_images, stem + ".jpg"), image_dir)
        shutil.copy(os.path.join(src_labels, stem + ".txt"), label_dir)
    return str(image_dir), str(label_dir), load_class_names(config)


def _append(path, text):
    with open(path, "a") as f:
        f.write(text)


@pytest.mark.parametrize(
    "line, message",
    [
        ("3 0.5 0.5 0.2\n", r"000000000285.txt:2: expected 5 fields"),
        ("3 0.5 x 0.2 0.2\n", r"000000000285.txt:2: non-numeric"),
        ("80 0.5 0.5 0.2 0.2\n", r"000000000285.txt:2: class id 80 out of range \[0, 80\)"),
        ("1.5 0.5 0.5 0.2 0.2\n", r"000000000285.txt:2: class id '1.5' is not an integer"),
        ("3 320 240 64 48\n", r"000000000285.txt:2: cx cy w h must be normalised"),
    ],
)
def test_bad_lines_name_file_and_line(small_yolo, line, message):
    image_dir, label_dir, names = small_yolo
    _append(os.path.join(label_dir, "000000000285.txt"), line)  # the file has one line
    with pytest.raises(DatasetFormatError, match=message):
        yolo_to_coco(image_dir, label_dir, names)


def test_zero_size_boxes_are_dropped_with_a_warning(small_yolo, yolo_log):
    image_dir, label_dir, names = small_yolo
    _append(os.path.join(label_dir, "000000000285.txt"), "\n5 0.5 0.5 0.0 0.2\n")
    coco, report = yolo_to_coco(image_dir, label_dir, names)
    assert report.dropped_boxes == {"zero-area": ["000000000285.txt"]}
    assert len(coco["annotations"]) == report.num_boxes == 20 + 1  # lines of the two files
    assert any(
        "Dropped 1 zero-area" in r.getMessage() and "000000000285.txt" in r.getMessage()
        for r in yolo_log.records
    )


def test_boxes_use_the_size_after_exif_rotation(tmp_path):
    """A 40x20 JPEG stored with EXIF orientation 6 decodes (Detectron2's read_image) as 20x40."""
    from detectron2.data.detection_utils import read_image

    image_dir, label_dir = tmp_path / "images", tmp_path / "labels"
    image_dir.mkdir()
    label_dir.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (40, 20)).save(image_dir / "a.jpg", exif=exif)
    (label_dir / "a.txt").write_text("0 0.5 0.5 0.5 0.5\n")
    assert read_image(str(image_dir / "a.jpg")).shape[:2] == (40, 20)  # (height, width)
    assert read_image_size(str(image_dir / "a.jpg")) == (20, 40)
    coco, _ = yolo_to_coco(str(image_dir), str(label_dir), ["thing"])
    assert (coco["images"][0]["width"], coco["images"][0]["height"]) == (20, 40)
    assert coco["annotations"][0]["bbox"] == [5.0, 10.0, 10.0, 20.0]


def test_class_names_from_yaml_list_and_dict(tmp_path, shared_data):
    _, config = _coco128(shared_data)
    assert load_class_names(config)[:3] == ["person", "bicycle", "car"]
    listed = tmp_path / "list.yaml"
    listed.write_text("names: [cat, dog]\n")
    assert load_class_names(str(listed)) == ["cat", "dog"]
    gapped = tmp_path / "gap.yaml"
    gapped.write_text("names:\n  0: cat\n  2: dog\n")
    with pytest.raises(DatasetFormatError, match="gap.yaml: `names` keys must be the class ids"):
        load_class_names(str(gapped))


def test_tool_matches_library_and_reports_bad_input(small_yolo, tmp_path, capsys):
    image_dir, label_dir, names = small_yolo
    tool = runpy.run_path(os.path.join(REPO, "tools", "convert_yolo_to_coco.py"))
    out = tmp_path / "out.json"
    classes = ",".join(names)
    tool["main"](
        ["--images", image_dir, "--labels", label_dir, "--classes", classes, "--output", str(out)]
    )
    with open(out) as f:
        assert json.load(f) == yolo_to_coco(image_dir, label_dir, names)[0]
    _append(os.path.join(label_dir, "000000000139.txt"), "99 0.5 0.5 0.1 0.1\n")
    with pytest.raises(SystemExit) as info:
        tool["main"](
            [
                "--images",
                image_dir,
                "--labels",
                label_dir,
                "--classes",
                classes,
                "--output",
                str(out),
            ]
        )
    assert info.value.code == 1
    assert "000000000139.txt:" in capsys.readouterr().err
