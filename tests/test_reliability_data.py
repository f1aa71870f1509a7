"""Bad data through tools/train_net.py (labeleff.engine.train_net.main): found before iteration 0
with the file named, or skipped and counted during training; nothing written is lost."""

import json
import logging
import os

import pytest
import torch
from detectron2.structures import BoxMode
from reliability_helpers import REPO, SMALL, copy_demo_coco, write_config

from labeleff.data.bad_images import BAD_IMAGES_KEY, ImageReadError, SkipBadImages
from labeleff.data.coco_io import DatasetFormatError
from labeleff.data.validation import DatasetCheckError, check_dataset_dicts
from labeleff.engine.train_net import main, parse_args
from labeleff.stops import TooManyBadImages


def _run(cfg, out, *extra):
    return main(parse_args(["--config-file", cfg, *SMALL, f"train.output_dir={out}", *extra]))


def _metrics(out):
    return [json.loads(line) for line in open(os.path.join(out, "metrics.json"))]


def test_missing_images_are_listed_together_before_training(tmp_path):
    json_file, root, coco = copy_demo_coco(tmp_path)
    gone = [im["file_name"] for im in coco["images"][:12]]
    for name in gone:
        os.remove(os.path.join(root, name))
    cfg = write_config(tmp_path, json_file, root, "rel_missing")
    out = tmp_path / "run"
    with pytest.raises(DatasetCheckError) as e:
        _run(cfg, out, "train.max_iter=3")
    msg = str(e.value)
    assert "12 missing file(s)" in msg and json_file in msg
    listed = [n for n in gone if os.path.join(root, n) in msg]
    assert len(listed) == 10 and "and 2 more" in msg  # the first 10, then a count
    assert not list(out.glob("*.pth"))  # training never started


def test_truncated_json_names_file_and_position(tmp_path):
    json_file, root, _ = copy_demo_coco(tmp_path, n_images=4)
    text = open(json_file).read()
    open(json_file, "w").write(text[: len(text) // 2])
    cfg = write_config(tmp_path, json_file, root, "rel_truncated_json")
    with pytest.raises(DatasetFormatError) as e:
        _run(cfg, tmp_path / "run", "train.max_iter=1")
    msg = str(e.value)
    assert json_file in msg and "not valid JSON" in msg
    assert f"char {len(text) // 2}" in msg or "line 1 column" in msg


def test_unknown_category_id_names_the_id(tmp_path):
    json_file, root, coco = copy_demo_coco(tmp_path, n_images=4)
    coco["annotations"][0]["category_id"] = 99
    json.dump(coco, open(json_file, "w"))
    cfg = write_config(tmp_path, json_file, root, "rel_bad_category")
    with pytest.raises(KeyError, match="category_id=99"):
        _run(cfg, tmp_path / "run", "train.max_iter=1")


def test_bad_boxes_dropped_or_clipped_with_one_warning(tmp_path, caplog):
    dicts = [
        {
            "file_name": str(tmp_path / "a.jpg"),
            "height": 100,
            "width": 200,
            "annotations": [
                {"bbox": [10, 10, 0, 5], "bbox_mode": BoxMode.XYWH_ABS},  # zero width
                {"bbox": [190, 90, 30, 40], "bbox_mode": BoxMode.XYWH_ABS},  # clipped to 10 x 10
                {"bbox": [250, 10, 270, 30], "bbox_mode": BoxMode.XYXY_ABS},  # outside
                {"bbox": [-5, -5, 10, 10], "bbox_mode": BoxMode.XYXY_ABS},  # clipped to 0..10
                {"bbox": [5, 5, 20, 20], "bbox_mode": BoxMode.XYWH_ABS},  # fine
            ],
        }
    ]
    open(dicts[0]["file_name"], "wb").close()
    with caplog.at_level(logging.WARNING):
        missing = check_dataset_dicts("rel_boxes", dicts)
    assert missing == []
    boxes = [a["bbox"] for a in dicts[0]["annotations"]]
    assert boxes == [[190, 90, 10, 10], [0, 0, 10, 10], [5, 5, 20, 20]]
    warnings = [r.getMessage() for r in caplog.records if "rel_boxes" in r.getMessage()]
    assert len(warnings) == 1
    assert "dropped 1 zero-area box(es) and 1 outside the image, clipped 2" in warnings[0]


def test_bad_boxes_in_a_json_train_with_the_counts_logged(tmp_path, caplog):
    json_file, root, coco = copy_demo_coco(tmp_path, n_images=6)
    im = coco["images"][0]
    anns = [a for a in coco["annotations"] if a["image_id"] == im["id"]]
    anns[0]["bbox"] = [3, 3, 0, 0]  # zero area
    anns[-1]["bbox"] = [im["width"] - 4, 2, 40, 20]  # reaches outside: clipped
    json.dump(coco, open(json_file, "w"))
    cfg = write_config(tmp_path, json_file, root, "rel_bad_boxes")
    with caplog.at_level(logging.WARNING):
        _run(cfg, tmp_path / "run", "train.max_iter=2")
    msgs = [r.getMessage() for r in caplog.records if "rel_bad_boxes" in r.getMessage()]
    assert any("dropped 1 zero-area" in m and "clipped 1" in m for m in msgs), msgs


def _corrupt(path, how):
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(b"this is not a JPEG" * 10 if how == "garbage" else data[: len(data) // 3])


@pytest.mark.parametrize("how", ["garbage", "truncated"])
def test_corrupt_image_is_skipped_and_counted(tmp_path, how):
    json_file, root, coco = copy_demo_coco(tmp_path, n_images=4)
    bad = os.path.join(root, coco["images"][1]["file_name"])
    _corrupt(bad, how)
    cfg = write_config(tmp_path, json_file, root, f"rel_corrupt_{how}")
    out = tmp_path / "run"
    _run(cfg, out, "train.max_iter=6", "train.seed=0")  # 12 samples from 4 images: meets it
    rows = [r for r in _metrics(out) if "data/bad_images" in r]
    assert [r["iteration"] for r in rows] == list(range(6))  # every step trained
    assert rows[-1]["data/bad_images"] == 1  # one file, counted once
    assert os.path.isfile(out / "model_final.pth")


def test_too_many_bad_images_stop_with_a_checkpoint(tmp_path):
    json_file, root, coco = copy_demo_coco(tmp_path, n_images=4)
    bad = [os.path.join(root, im["file_name"]) for im in coco["images"][:2]]
    for path in bad:
        _corrupt(path, "garbage")
    cfg = write_config(tmp_path, json_file, root, "rel_too_many")
    out = tmp_path / "run"
    with pytest.raises(TooManyBadImages) as e:
        _run(cfg, out, "train.max_iter=50", "train.max_bad_images=1", "train.seed=0")
    msg = str(e.value)
    assert all(p in msg for p in bad) and "train.max_bad_images=1" in msg
    ckpt = open(out / "last_checkpoint").read()
    state = torch.load(out / ckpt, weights_only=False)
    # the checkpoint is the state after the last finished iteration: --resume starts after it
    assert state["iteration"] == int(ckpt[len("model_") : -len(".pth")])
    assert f"checkpoint of iteration {state['iteration']}" in msg


def test_skip_bad_images_wrapper_units(tmp_path):
    calls = []

    def mapper(d):
        calls.append(d["file_name"])
        if d["file_name"].startswith("bad"):
            raise OSError("image file is truncated")
        return {"image": d["file_name"]}

    m = SkipBadImages(mapper)
    assert m({"file_name": "bad1.jpg"}) is None and m({"file_name": "bad1.jpg"}) is None
    out = m({"file_name": "ok.jpg"})
    assert out[BAD_IMAGES_KEY] == ["bad1.jpg", "bad1.jpg"]  # the monitor de-duplicates
    assert BAD_IMAGES_KEY not in m({"file_name": "ok2.jpg"})
    with pytest.raises(ImageReadError, match="bad2.jpg"):
        SkipBadImages(mapper, skip=False)({"file_name": "bad2.jpg"})


def test_wrap_config_mappers_wraps_loaders_only_and_keeps_interpolations():
    from detectron2.config import instantiate

    from labeleff.config import load_config
    from labeleff.data.bad_images import wrap_config_mappers

    cfg = load_config(os.path.join(REPO, "configs/soft_teacher/bccd_10pct.py"), [])
    assert isinstance(cfg.dataloader.class_names[0], str)  # a list among the loaders
    assert sorted(wrap_config_mappers(cfg)) == ["test", "train", "unlabeled"]
    assert wrap_config_mappers(cfg) == []  # idempotent
    train = instantiate(cfg.dataloader.train.mapper)
    test = instantiate(cfg.dataloader.test.mapper)
    assert isinstance(train, SkipBadImages) and train.skip
    assert isinstance(test, SkipBadImages) and not test.skip
    assert type(train.mapper).__name__ == "DatasetMapper" and train.mapper.image_format == "BGR"


def test_every_loader_dataset_of_a_semi_supervised_config_is_checked():
    from labeleff.config import load_config
    from labeleff.data import register_datasets
    from labeleff.data.validation import dataset_names_in

    cfg = load_config(os.path.join(REPO, "configs/soft_teacher/demo_cpu.py"), [])
    register_datasets(cfg)
    names = dataset_names_in(cfg.dataloader)
    assert sorted(names) == [
        "demo_clear_train.1@2",
        "demo_clear_train.1@2-unlabeled",
        "demo_clear_val",
    ]


def test_unreadable_unlabeled_images_are_replaced_by_a_deterministic_draw():
    from labeleff.projects.teacher_student.data import SeededBatchStream

    def mapper(d):
        return None if d["i"] % 3 == 0 else {"i": d["i"]}  # every third image unreadable

    data = [{"i": i} for i in range(9)]
    a = SeededBatchStream(data, mapper, batch_size=4, seed=3)
    b = SeededBatchStream(data, mapper, batch_size=4, seed=3)
    batches = [a.batch(k) for k in range(6)]
    assert all(d is not None and d["i"] % 3 for batch in batches for d in batch)
    assert [b.batch(k) for k in (5, 2)] == [batches[5], batches[2]]  # resumable: f(seed, i)
    with pytest.raises(RuntimeError, match="could not be mapped"):
        SeededBatchStream(data, lambda d: None, batch_size=1, seed=0).batch(0)
