"""The Soft Teacher accuracy benchmark: data overrides for any dataset, the summary arithmetic,
collapse detection, and (slow) an end-to-end run on a tiny VOC folder."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from labeleff.projects.soft_teacher.accuracy_benchmark import (
    FULL,
    collapse_ratio,
    configured_eval_model,
    data_overrides,
    num_classes_override,
    summarize,
)
from labeleff.projects.soft_teacher.data import detection_source

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BCCD = os.path.join(os.path.dirname(REPO), "shared", "data", "bccd")


def test_collapse_ratio_by_hand():
    assert collapse_ratio([10, 12, 9, 6, 11]) == pytest.approx(6 / 11)
    assert collapse_ratio([10, 12, 9, 0, 11]) == 0.0
    assert collapse_ratio([0, 0, 3]) == 0.0  # nothing after burn-in: a collapse from the start
    assert collapse_ratio([5, 5]) is None  # too short to tell


def test_summary_ratios_and_mean_std_by_hand():
    def semi(t, s, counts):
        return {
            "teacher/bbox/AP": t,
            "teacher/bbox/AP50": t + 30,
            "student/bbox/AP": s,
            "student/bbox/AP50": s + 30,
            "curve": {
                "pseudo_label/boxes_per_image": counts,
                "soft_teacher/num_cls_pseudo": [1, 0, 2, 3],
            },
        }

    runs = {
        1: {
            "supervised": {"bbox/AP": 40.0, "bbox/AP50": 80.0},
            "adaptive": semi(44.0, 42.0, [10, 10, 8, 9]),
        },
        2: {
            "supervised": {"bbox/AP": 50.0, "bbox/AP50": 85.0},
            "adaptive": semi(45.0, 55.0, [4, 6, 1, 5]),
        },
    }
    out = summarize(runs, eval_model="teacher")
    r1, r2 = out["rows"]
    assert r1["ratio"] == pytest.approx(1.1) and r2["ratio"] == pytest.approx(0.9)
    assert r2["ratio_best"] == pytest.approx(1.1)  # the student is better on seed 2
    assert r1["collapse_ratio"] == pytest.approx(0.8) and r2["collapse_ratio"] == pytest.approx(0.2)
    assert r1["windows_with_cls_pseudo"] == pytest.approx(0.75)
    m = out["mean_std"]["adaptive"]
    assert m["ratio"]["mean"] == pytest.approx(1.0)
    assert m["ratio"]["std"] == pytest.approx(((0.1**2 + 0.1**2) / 1) ** 0.5)  # sample std
    assert m["supervised_AP"]["mean"] == pytest.approx(45.0) and m["supervised_AP"]["n"] == 2
    assert r1["full_AP"] is None and m["full_ratio"]["n"] == 0  # no 100 %-labeled run

    runs[1][FULL] = {"bbox/AP": 38.0, "bbox/AP50": 79.0}  # all labels, same iterations
    out = summarize(runs, eval_model="teacher")
    assert [r["variant"] for r in out["rows"]] == ["adaptive", "adaptive"]  # FULL: no variant
    assert out["rows"][0]["full_ratio"] == pytest.approx(0.95)
    assert out["mean_std"]["adaptive"]["full_AP"]["n"] == 1


def test_data_overrides_for_voc_and_coco(tmp_path):
    assert data_overrides() == []  # the config's own data (BCCD)
    voc = data_overrides(voc_root="/data/voc", classes=["cat", "big dog"])
    assert "dataloader.voc_root=/data/voc" in voc
    assert 'dataloader.class_names=["cat","big dog"]' in voc
    assert num_classes_override(voc, semi=True) == ["model.student.roi_heads.num_classes=2"]
    assert num_classes_override(voc, semi=False) == ["model.roi_heads.num_classes=2"]
    with pytest.raises(ValueError, match="--classes"):
        data_overrides(voc_root="/data/voc")
    coco = tmp_path / "train.json"
    coco.write_text(json.dumps({"categories": [{"id": 2, "name": "b"}, {"id": 1, "name": "a"}]}))
    out = data_overrides(coco_json=str(coco), image_root="/imgs", test_json="/t.json")
    assert 'dataloader.class_names=["a","b"]' in out  # the json's categories, in id order
    assert "dataloader.coco_test_images=/imgs" in out  # test images default to the train folder
    with pytest.raises(ValueError, match="--test-json"):
        data_overrides(coco_json=str(coco), image_root="/imgs")


def test_coco_source_checks_class_names(tmp_path):
    coco = tmp_path / "train.json"
    coco.write_text(
        json.dumps(
            {
                "images": [],
                "annotations": [],
                "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
            }
        )
    )
    assert detection_source(
        coco_json=str(coco), image_root=str(tmp_path), class_names=["a", "b"]
    ) == (str(coco), str(tmp_path))
    with pytest.raises(ValueError, match=r"categories \['a', 'b'\] differ"):
        detection_source(coco_json=str(coco), image_root=str(tmp_path), class_names=["b", "a"])
    with pytest.raises(FileNotFoundError, match="missing.json"):
        detection_source(coco_json=str(tmp_path / "missing.json"), image_root=str(tmp_path))


def _tiny_voc(root, train=20, test=6):
    """A VOC folder with the first images of BCCD's train and test sets."""
    names = {}
    for split, n in (("train", train), ("test", test)):
        with open(os.path.join(BCCD, "ImageSets", "Main", f"{split}.txt")) as f:
            names[split] = [line.strip() for line in f if line.strip()][:n]
    for sub in ("Annotations", "JPEGImages", os.path.join("ImageSets", "Main")):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
    for split, ids in names.items():
        with open(os.path.join(root, "ImageSets", "Main", f"{split}.txt"), "w") as f:
            f.write("\n".join(ids) + "\n")
        for i in ids:
            shutil.copy(
                os.path.join(BCCD, "Annotations", f"{i}.xml"), os.path.join(root, "Annotations")
            )
            shutil.copy(
                os.path.join(BCCD, "JPEGImages", f"{i}.jpg"), os.path.join(root, "JPEGImages")
            )


@pytest.mark.slow
def test_benchmark_end_to_end_on_a_tiny_voc_folder(tmp_path):
    voc = tmp_path / "tinyvoc"
    _tiny_voc(str(voc))
    out = tmp_path / "bench"
    iters, burn_in = 6, 2
    cmd = [
        sys.executable,
        os.path.join(REPO, "tools", "benchmark_soft_teacher.py"),
        "accuracy",
        "--voc-root",
        str(voc),
        "--classes",
        "RBC,WBC,Platelets",
        "--percent",
        "20",
        "--seeds",
        "1",
        "--iters",
        str(iters),
        "--burn-in",
        str(burn_in / iters),
        "--output-dir",
        str(out),
        "train.log_period=1",
    ]
    env = dict(os.environ, LABELEFF_DATASETS=str(tmp_path / "datasets"))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "summary.json").read_text())
    rows = report["summary"]["rows"]
    assert [r["variant"] for r in rows] == ["paper", "adaptive"]
    for r in rows:
        # the ratio is that of the model the config evaluates (bccd_10pct.py: the student)
        model = report["summary"]["eval_model"]
        assert model == configured_eval_model()
        assert r["ratio"] == pytest.approx(r[f"{model}_AP"] / r["supervised_AP"])
        curve = report["runs"]["1"][r["variant"]]["curve"]
        # one logged window per post-burn-in iteration (log_period 1)
        assert curve["iteration"] == list(range(burn_in, iters))
    # the labeled split has 20 % of the 20 train images; the test set the 6 test images
    split = json.loads(next((tmp_path / "datasets").rglob("*1@20.json")).read_text())
    assert len(split["images"]) == 4
    assert (out / "summary.png").stat().st_size > 0
    assert "mean +- std adaptive" in proc.stdout


def test_the_configured_evaluation_model_is_the_ratio_s_model():
    from detectron2.config import LazyConfig

    from labeleff.projects.soft_teacher.accuracy_benchmark import SEMI_CONFIG, configured_eval_model

    assert configured_eval_model() == LazyConfig.load(SEMI_CONFIG).model.eval_model
    assert configured_eval_model(["model.eval_model=teacher"]) == "teacher"


@pytest.mark.slow
def test_step_cost_runs_the_entry_point_trainers_from_the_same_seeded_start():
    from labeleff.projects.soft_teacher.benchmark import (
        ALL_DETECTIONS_ARE_PSEUDO_LABELS,
        measure_step_cost,
    )

    demo = os.path.join(REPO, "configs", "soft_teacher", "demo_cpu.py")
    runs = [
        measure_step_cost(demo, ALL_DETECTIONS_ARE_PSEUDO_LABELS, rounds=1, block=1, warmup=1)
        for _ in range(2)
    ]
    # seeded: the same weights and batches, hence the same pseudo-labels in both measurements
    assert runs[0]["pseudo_boxes_per_image"] == runs[1]["pseudo_boxes_per_image"] > 0
    for r in runs:
        assert r["ratio"] == pytest.approx(r["soft_teacher_s"] / r["supervised_s"])
        assert r["student_batch"] == 6  # demo: 2 labeled + 4 unlabeled per step
