"""configs/mic_uda/custom.py end to end on data the test writes: a 2-class source json, a folder
of raw foggy target images, a foggy target test json; class lists matched by name."""

import json
import os
import shutil

import pytest

from labeleff.data import make_demo_detection
from labeleff.engine.train_net import main, parse_args

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CFG = os.path.join(REPO, "configs", "mic_uda", "custom.py")
SMALL = [
    "dataloader.train.mapper.augmentations.0.short_edge_length=[128,160]",
    "dataloader.unlabeled.mapper.geometric.0.short_edge_length=[128,160]",
    "dataloader.test.mapper.augmentations.0.short_edge_length=160",
    "train.log_period=1",
    "train.eval_period=0",
    "train.vis_period=0",
    "model.score_threshold=0.0",  # untrained teacher: accept all its detections
]


def _subset(coco, ids, path, names=None):
    """`coco` restricted to images `ids`, circles and squares; `names` renames the categories."""
    keep = set(ids)
    cats = [dict(c) for c in coco["categories"] if c["id"] in (1, 2)]
    for c, n in zip(cats, names or []):
        c["name"] = n
    out = dict(
        images=[im for im in coco["images"] if im["id"] in keep],
        annotations=[
            a for a in coco["annotations"] if a["image_id"] in keep and a["category_id"] < 3
        ],
        categories=cats,
    )
    with open(path, "w") as f:
        json.dump(out, f)
    return str(path)


@pytest.fixture(scope="module")
def domains(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("domains")
    clear_json, clear_images = make_demo_detection("val", "clear", root=str(tmp / "gen"))
    fog_json, fog_images = make_demo_detection("val", "fog", root=str(tmp / "gen"))
    clear, fog = json.load(open(clear_json)), json.load(open(fog_json))
    raw = tmp / "fog_raw" / "run1"
    raw.mkdir(parents=True)
    for im in fog["images"][20:28]:
        shutil.copy(os.path.join(fog_images, im["file_name"]), raw / im["file_name"])
    ids = [im["id"] for im in fog["images"]]
    return dict(
        source=_subset(clear, ids[:8], tmp / "source.json"),
        source_images=clear_images,
        target=str(tmp / "fog_raw"),
        test=_subset(fog, ids[8:14], tmp / "test.json"),
        swapped=_subset(fog, ids[8:14], tmp / "swapped.json", names=["square", "circle"]),
        test_images=fog_images,
    )


def _args(d, out, test_json, *extra):
    return parse_args(
        [
            "--config-file",
            CFG,
            f"dataloader.source_json={d['source']}",
            f"dataloader.source_images={d['source_images']}",
            f"dataloader.target_images={d['target']}",
            f"dataloader.target_test_json={test_json}",
            f"dataloader.target_test_images={d['test_images']}",
            f"train.output_dir={out}",
            *SMALL,
            *extra,
        ]
    )


def test_custom_domains_train_mic_on_a_raw_target_folder(domains, tmp_path):
    out = tmp_path / "run"
    results = main(_args(domains, out, domains["test"], "train.max_iter=3"))
    last = [json.loads(line) for line in open(out / "metrics.json") if "total_loss" in line][-1]
    assert last["unsup/loss_mic_cls"] > 0  # the target folder fed the masked-view loss
    # two classes from the source json (the base config has six), evaluated on the target test
    assert {k for k in results["student/bbox"] if k.startswith("AP-")} == {"AP-circle", "AP-square"}


def test_target_test_classes_must_match_the_source_by_name(domains, tmp_path):
    with pytest.raises(ValueError, match=r"\['square', 'circle'\] but 'custom_source' has"):
        main(_args(domains, tmp_path / "run", domains["swapped"], "train.max_iter=3"))
