"""Dataset registration of the Soft Teacher configs: partial splits and BCCD (VOC) as COCO."""

import json
import os

from detectron2.data import DatasetCatalog

from labeleff.projects.soft_teacher.data import (
    register_partial_split,
    register_voc_partial,
    soft_teacher_views,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _coco(tmp_path, n=20):
    images = [
        {"id": i, "file_name": f"{i}.jpg", "height": 10, "width": 10} for i in range(1, n + 1)
    ]
    annotations = [
        {"id": i, "image_id": i, "bbox": [1, 1, 5, 5], "area": 25, "category_id": 1, "iscrowd": 0}
        for i in range(1, n + 1)
    ]
    path = tmp_path / "train.json"
    path.write_text(
        json.dumps(
            {
                "images": images,
                "annotations": annotations,
                "categories": [{"id": 1, "name": "thing"}],
            }
        )
    )
    (tmp_path / "img").mkdir()
    return str(path), str(tmp_path / "img")


def test_partial_split_is_disjoint_complete_and_keeps_hidden_ground_truth(tmp_path):
    json_file, image_root = _coco(tmp_path)
    lab = register_partial_split("st_test_lab", json_file, image_root, 10, 1, unlabeled=False)
    unl = register_partial_split("st_test_unl", json_file, image_root, 10, 1, unlabeled=True)
    labeled, unlabeled = DatasetCatalog.get(lab), DatasetCatalog.get(unl)
    assert len(labeled) == 2 and len(unlabeled) == 18
    ids_l = {d["image_id"] for d in labeled}
    ids_u = {d["image_id"] for d in unlabeled}
    assert not ids_l & ids_u and len(ids_l | ids_u) == 20
    assert all(len(d["annotations"]) == 1 for d in unlabeled)  # for pseudo-label quality only
    assert (tmp_path / "semi_supervised" / "train.1@10.json").is_file()


def test_views_are_weak_and_strong():
    views = soft_teacher_views((100, 120), 200)
    assert set(views) == {"weak", "strong"}
    assert len(views["strong"]) > len(views["weak"]) == 2


def test_bccd_ten_percent_split(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path))
    kwargs = dict(
        voc_root=f"{shared_data}/bccd",
        image_set="train",
        class_names=["RBC", "WBC", "Platelets"],
        percent=10,
        seed=1,
    )
    lab = DatasetCatalog.get(register_voc_partial("st_bccd_lab", unlabeled=False, **kwargs))
    unl = DatasetCatalog.get(register_voc_partial("st_bccd_unl", unlabeled=True, **kwargs))
    assert len(lab) == 20 and len(unl) == 185  # 205 train images
    assert {a["category_id"] for d in lab for a in d["annotations"]} <= {0, 1, 2}
    assert not {d["file_name"] for d in lab} & {d["file_name"] for d in unl}


def _box_aspects(strong, size, draws=30):
    """Width / height of a (size/2.5 x size/5) box after the `strong` augmentations on a
    size x size image, over seeded draws."""
    import detectron2.data.transforms as T
    import numpy as np

    augs = T.AugmentationList(strong)
    box = np.array([[0.2, 0.2, 0.6, 0.4]]) * size
    out = []
    for k in range(draws):
        np.random.seed(k)
        aug = T.AugInput(np.full((size, size, 3), 128, np.uint8), boxes=box.copy())
        augs(aug)
        x0, y0, x1, y1 = aug.boxes[0]
        out.append((x1 - x0) / (y1 - y0))
    return np.array(out)


def _strong_box_aspects(draws=30, **geometric):
    """Box aspects after soft_teacher_views' strong view with the given geometric ranges."""
    return _box_aspects(soft_teacher_views((100, 100), 200, **geometric)["strong"], 100, draws)


def test_strong_view_geometric_ranges_are_arguments():
    """rotate = shear = translate = 0 leaves only resize + flip acting on boxes (aspect kept on
    every draw); the paper's ranges change the aspect on some draws (rotation / shear loosen a
    box)."""
    import numpy as np

    assert np.allclose(_strong_box_aspects(rotate=0.0, shear=0.0, translate=0.0), 2.0)
    assert (np.abs(_strong_box_aspects() - 2.0) > 0.05).any()


def _config_strong_box_aspects(config, draws=30):
    """Box aspects after the strong view a config's unlabeled mapper builds."""
    from detectron2.config import instantiate

    from labeleff.config import load_config

    cfg = load_config(os.path.join(REPO, "configs", "soft_teacher", config), [])
    return _box_aspects(instantiate(cfg.dataloader.unlabeled.mapper.views)["strong"], 160, draws)


def test_demo_strong_view_has_no_rotation_or_shear_and_bccd_keeps_the_papers():
    """The demo config turns rotation and shear off in the loader it builds (every projected box
    keeps its aspect, translation and resize do not change it); bccd_10pct.py keeps the paper's
    30 degrees, which change it on some draws."""
    import numpy as np

    assert np.allclose(_config_strong_box_aspects("demo_cpu.py"), 2.0)
    assert (np.abs(_config_strong_box_aspects("bccd_10pct.py") - 2.0) > 0.05).any()


def test_demo_labels_four_of_its_240_train_images():
    from labeleff.config import load_config
    from labeleff.data import register_datasets

    cfg = load_config(os.path.join(REPO, "configs", "soft_teacher", "demo_cpu.py"), [])
    register_datasets(cfg)
    labeled = DatasetCatalog.get(cfg.datasets.labeled.name)
    unlabeled = DatasetCatalog.get(cfg.datasets.unlabeled.name)
    assert len(labeled) == 4 and len(unlabeled) == 236
    assert not {d["file_name"] for d in labeled} & {d["file_name"] for d in unlabeled}
