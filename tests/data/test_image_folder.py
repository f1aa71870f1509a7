"""A plain image folder as a dataset: recursive listing, header sizes, unreadable files left out,
clear errors for a missing or empty folder."""

import logging
import os

import cv2
import numpy as np
import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog

from labeleff.data import list_images, load_image_folder, register_image_folder


def _write(path, h, w, ext=".jpg"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img = np.random.default_rng(h * w).integers(0, 255, size=(h, w, 3), dtype=np.uint8)
    assert cv2.imwrite(path, img)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "raw"
    _write(str(root / "b.jpg"), 30, 40)
    _write(str(root / "a.PNG"), 20, 50)  # extension case does not matter
    _write(str(root / "sub" / "deeper" / "c.jpeg"), 64, 16)
    _write(str(root / ".hidden" / "d.jpg"), 10, 10)  # hidden folders are not searched
    (root / "notes.txt").write_text("not an image")
    (root / "broken.jpg").write_bytes(b"\x00\x01 not a jpeg")  # an image name, no image
    return str(root)


def test_listing_is_recursive_sorted_and_skips_hidden_and_other_files(folder):
    names = [os.path.relpath(p, folder) for p in list_images(folder)]
    assert names == ["a.PNG", "b.jpg", "broken.jpg", os.path.join("sub", "deeper", "c.jpeg")]


def test_sizes_come_from_the_headers_and_unreadable_files_are_left_out(folder, caplog):
    with caplog.at_level(logging.WARNING):
        dicts = load_image_folder(folder)
    got = {os.path.basename(d["file_name"]): (d["height"], d["width"]) for d in dicts}
    decoded = {
        n: cv2.imread(os.path.join(r, n)).shape[:2]
        for r, _, fs in os.walk(folder)
        for n in fs
        if n in got
    }
    assert got == decoded == {"a.PNG": (20, 50), "b.jpg": (30, 40), "c.jpeg": (64, 16)}
    assert all(d["annotations"] == [] for d in dicts)
    assert len({d["image_id"] for d in dicts}) == 3
    assert "broken.jpg" in caplog.text and "1 file(s)" in caplog.text


def test_missing_and_empty_folders_fail_at_registration(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        register_image_folder("t_missing_folder", str(tmp_path / "nowhere"))
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "sub" / "x.txt").write_text("")
    with pytest.raises(ValueError, match=r"empty holds no image \(looked recursively"):
        register_image_folder("t_empty_folder", str(tmp_path / "empty"))
    assert "t_empty_folder" not in DatasetCatalog.list()


def test_registered_folder_loads_and_keeps_its_classes(folder):
    name = register_image_folder("t_raw_folder", folder, thing_classes=["x", "y"])
    assert register_image_folder("t_raw_folder", folder) == name  # idempotent
    assert len(DatasetCatalog.get(name)) == 3
    meta = MetadataCatalog.get(name)
    assert meta.image_root == os.path.abspath(folder) and meta.thing_classes == ["x", "y"]


def test_exif_rotated_photo_has_the_size_detectron2_reads(tmp_path):
    from detectron2.data.detection_utils import read_image
    from PIL import Image

    path = tmp_path / "phone" / "p.jpg"
    path.parent.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": stored 40 wide x 30 high
    Image.new("RGB", (40, 30), (10, 200, 30)).save(path, exif=exif)
    (d,) = load_image_folder(str(path.parent))
    assert (d["height"], d["width"]) == read_image(str(path)).shape[:2] == (40, 30)
