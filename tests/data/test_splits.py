"""Partial-label splits: reproducible, disjoint, complete, the percent honoured, the COCO recipe."""

import filecmp
import functools
import json
import os
import runpy

import numpy as np
import pytest

from labeleff.data.convert_voc import voc_to_coco
from labeleff.data.splits import (
    num_labeled_images,
    split_coco,
    write_recipe_splits,
    write_split,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@functools.lru_cache(maxsize=1)
def _convert_bccd(root):
    coco, _ = voc_to_coco(
        os.path.join(root, "Annotations"),
        os.path.join(root, "JPEGImages"),
        ["RBC", "WBC", "Platelets"],
    )
    return json.dumps(coco)


@pytest.fixture
def bccd_json(shared_data, tmp_path):
    """All 364 BCCD images (4886 boxes) as a COCO json in tmp_path (converted once per session)."""
    text = _convert_bccd(os.path.join(shared_data, "bccd"))
    path = str(tmp_path / "bccd.json")
    with open(path, "w") as f:
        f.write(text)
    return path, json.loads(text)


def _load(path):
    with open(path) as f:
        return json.load(f)


@pytest.mark.parametrize("percent, expected", [(1, 3), (5, 18), (10, 36), (50, 182), (100, 364)])
def test_bccd_split_honours_percent_is_disjoint_and_complete(
    bccd_json, tmp_path, percent, expected
):
    path, coco = bccd_json
    labeled_path, unlabeled_path = write_split(path, str(tmp_path / "out"), percent, seed=1)
    assert os.path.basename(labeled_path) == f"bccd.1@{percent}.json"
    assert os.path.basename(unlabeled_path) == f"bccd.1@{percent}-unlabeled.json"
    labeled, unlabeled = _load(labeled_path), _load(unlabeled_path)

    labeled_ids = [img["id"] for img in labeled["images"]]
    unlabeled_ids = [img["id"] for img in unlabeled["images"]]
    assert len(labeled_ids) == expected == num_labeled_images(364, percent)  # floor(p * 364 / 100)
    assert not set(labeled_ids) & set(unlabeled_ids)
    assert sorted(labeled_ids + unlabeled_ids) == [img["id"] for img in coco["images"]]
    # the labeled file holds exactly the boxes of its images, the unlabeled one none by default
    assert labeled["annotations"] == [
        a for a in coco["annotations"] if a["image_id"] in set(labeled_ids)
    ]
    assert unlabeled["annotations"] == []
    assert labeled["categories"] == unlabeled["categories"] == coco["categories"]


def test_same_seed_same_files_other_seed_other_images(bccd_json, tmp_path):
    path, _ = bccd_json
    first = write_split(path, str(tmp_path / "a"), 10, seed=3)
    again = write_split(path, str(tmp_path / "b"), 10, seed=3)
    for a, b in zip(first, again):
        assert filecmp.cmp(a, b, shallow=False)
    other = write_split(path, str(tmp_path / "c"), 10, seed=4)
    ids = [{img["id"] for img in _load(p)["images"]} for p in (first[0], other[0])]
    assert len(ids[0]) == len(ids[1]) == 36 and ids[0] != ids[1]


def test_draw_is_the_stac_soft_teacher_one(bccd_json):
    """As Soft Teacher's prepare_coco_data: np.random.seed(seed), then
    np.random.choice(range(N), size=k, replace=False)."""
    _, coco = bccd_json
    for seed, percent in ((1, 10), (5, 5)):
        labeled, _ = split_coco(coco, percent, seed)
        np.random.seed(seed)
        n = len(coco["images"])
        reference = np.random.choice(range(n), size=int(percent / 100.0 * n), replace=False)
        expected = [coco["images"][i]["id"] for i in sorted(reference)]
        assert [img["id"] for img in labeled["images"]] == expected


def test_unlabeled_annotations_are_kept_only_on_request(bccd_json):
    _, coco = bccd_json
    labeled, unlabeled = split_coco(coco, 5, seed=2, keep_unlabeled_annotations=True)
    unlabeled_ids = {img["id"] for img in unlabeled["images"]}
    assert unlabeled["annotations"] == [
        a for a in coco["annotations"] if a["image_id"] in unlabeled_ids
    ]
    assert len(labeled["annotations"]) + len(unlabeled["annotations"]) == 4886
    # the default gives the same images and labeled boxes, and no unlabeled boxes
    labeled_default, unlabeled_default = split_coco(coco, 5, seed=2)
    assert labeled_default == labeled
    assert (
        unlabeled_default["images"] == unlabeled["images"]
        and unlabeled_default["annotations"] == []
    )


def test_coco_recipe_writes_3_percents_x_5_folds(bccd_json, tmp_path):
    path, _ = bccd_json
    out = str(tmp_path / "recipe")
    written = write_recipe_splits(path, out)
    assert sorted(written) == [(p, f) for p in (1, 5, 10) for f in (1, 2, 3, 4, 5)]
    assert len(os.listdir(out)) == 30
    assert os.path.basename(written[(10, 4)][0]) == "bccd.4@10.json"
    folds_at_5 = [
        frozenset(img["id"] for img in _load(written[(5, f)][0])["images"]) for f in range(1, 6)
    ]
    assert all(len(ids) == 18 for ids in folds_at_5) and len(set(folds_at_5)) == 5
    # plain mode with seed k is fold k of the recipe, byte for byte
    plain = write_split(path, str(tmp_path / "plain"), 5, seed=3)
    for a, b in zip(plain, written[(5, 3)]):
        assert filecmp.cmp(a, b, shallow=False)


def test_rounding_rule():
    assert num_labeled_images(205, 10) == 20  # 20.5 -> floor
    assert num_labeled_images(118287, 1) == 1182  # COCO train2017, as STAC / Soft Teacher
    assert num_labeled_images(118287, 10) == 11828
    assert num_labeled_images(10000, 0.29) == 29  # float math would give 28
    assert num_labeled_images(50, 1) == 1  # 0.5 -> at least one labeled image
    for bad in (0, -1, 100.5):
        with pytest.raises(ValueError, match="percent"):
            num_labeled_images(100, bad)


def test_tool_recipe_and_plain_modes(bccd_json, tmp_path, capsys):
    path, _ = bccd_json
    tool = runpy.run_path(os.path.join(REPO, "tools", "make_splits.py"))
    tool["main"](
        ["--json", path, "--percent", "2.5", "--seed", "7", "--output-dir", str(tmp_path / "t")]
    )
    expected = write_split(path, str(tmp_path / "lib"), 2.5, seed=7)
    assert sorted(os.listdir(tmp_path / "t")) == ["bccd.7@2.5-unlabeled.json", "bccd.7@2.5.json"]
    for name in map(os.path.basename, expected):
        assert filecmp.cmp(tmp_path / "t" / name, tmp_path / "lib" / name, shallow=False)
    # recipe mode on the small 2.5 % file, keeping the ground truth of the unlabeled images
    small = str(tmp_path / "t" / "bccd.7@2.5.json")
    tool["main"](
        [
            "--json",
            small,
            "--recipe",
            "coco",
            "--keep-unlabeled-annotations",
            "--output-dir",
            str(tmp_path / "r"),
        ]
    )
    assert len(os.listdir(tmp_path / "r")) == 30
    unlabeled = _load(tmp_path / "r" / "bccd.7@2.5.1@10-unlabeled.json")
    assert len(unlabeled["images"]) == 9 - 1 and len(unlabeled["annotations"]) > 0
    with pytest.raises(SystemExit) as info:
        tool["main"](
            [
                "--json",
                str(tmp_path / "missing.json"),
                "--percent",
                "1",
                "--output-dir",
                str(tmp_path),
            ]
        )
    assert info.value.code == 1 and "missing.json" in capsys.readouterr().err
