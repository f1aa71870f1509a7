"""configs/soft_teacher/custom.py end to end on data the test writes: a 2-class COCO json of
labeled images, a nested folder of raw unlabeled images (with a broken file), a test json."""

import json
import os
import shutil

import pytest

from labeleff.data import make_demo_detection
from labeleff.engine.train_net import main, parse_args

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CFG = os.path.join(REPO, "configs", "soft_teacher", "custom.py")
SMALL = [
    "dataloader.train.mapper.augmentations.0.short_edge_length=[128,160]",
    "dataloader.train.mapper.augmentations.0.max_size=200",
    "dataloader.unlabeled.mapper.views.short_edge=[128,160]",
    "dataloader.unlabeled.mapper.views.max_size=200",
    "dataloader.test.mapper.augmentations.0.short_edge_length=160",
    "train.log_period=1",
    "train.vis_period=0",
]


def _two_class_json(coco, image_ids, path):
    """The demo json restricted to `image_ids` and to circles and squares (triangles dropped)."""
    keep = set(image_ids)
    out = dict(
        images=[im for im in coco["images"] if im["id"] in keep],
        annotations=[
            a for a in coco["annotations"] if a["image_id"] in keep and a["category_id"] in (1, 2)
        ],
        categories=[c for c in coco["categories"] if c["id"] in (1, 2)],
    )
    with open(path, "w") as f:
        json.dump(out, f)
    return str(path)


@pytest.fixture(scope="module")
def user_data(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("user_data")
    json_file, image_root = make_demo_detection("val", root=str(tmp / "gen"))
    coco = json.load(open(json_file))
    ids = [im["id"] for im in coco["images"]]
    raw = tmp / "raw" / "day1" / "cam2"
    raw.mkdir(parents=True)
    for im in coco["images"][20:28]:
        shutil.copy(os.path.join(image_root, im["file_name"]), raw / im["file_name"])
    (tmp / "raw" / "broken.jpg").write_bytes(b"no image here")
    return dict(
        labeled=_two_class_json(coco, ids[:8], tmp / "labeled.json"),
        test=_two_class_json(coco, ids[8:14], tmp / "test.json"),
        images=image_root,
        raw=str(tmp / "raw"),
    )


def _args(user_data, out, *extra):
    return parse_args(
        [
            "--config-file",
            CFG,
            f"dataloader.labeled_json={user_data['labeled']}",
            f"dataloader.labeled_images={user_data['images']}",
            f"dataloader.unlabeled_images={user_data['raw']}",
            f"dataloader.test_json={user_data['test']}",
            f"dataloader.test_images={user_data['images']}",
            f"train.output_dir={out}",
            *SMALL,
            *extra,
        ]
    )


def test_custom_data_trains_on_an_image_folder_with_classes_from_the_json(user_data, tmp_path):
    out = tmp_path / "run"
    results = main(_args(user_data, out, "train.max_iter=4", "train.checkpointer.period=4"))
    rows = [json.loads(line) for line in open(out / "metrics.json")]
    # burn-in follows max_iter (1000 of 3000 -> 1 of 4): the unlabeled folder fed steps 1-3
    unsup = [r["iteration"] for r in rows if "unsup/loss_cls" in r]
    assert unsup == [1, 2, 3]
    # two classes, from the labeled json (the BCCD base has three): evaluated per class
    per_class = {k for k in results["student/bbox"] if k.startswith("AP-")}
    assert per_class == {"AP-circle", "AP-square"}
    assert (out / "model_final.pth").is_file()


def test_explicit_class_count_is_checked_against_the_json(user_data, tmp_path):
    with pytest.raises(ValueError, match=r"num_classes = 3 but .*custom_labeled' has 2 classes"):
        main(
            _args(
                user_data,
                tmp_path / "run",
                "train.max_iter=4",
                "model.student.roi_heads.num_classes=3",
            )
        )
