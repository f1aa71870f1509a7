"""tools/benchmark_ps_mt.py and configs/ps_mt/folder_split.py: split files per folder, the split of
one labeled pair, option checks, metrics read back and summarized (by hand), and the benchmark end
to end on a tiny folder pair (slow)."""

import json
import math
import os
import subprocess
import sys

import pytest
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog

from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.data.segmentation_splits import split_file_for
from labeleff.projects.ps_mt import benchmark
from labeleff.projects.ps_mt.benchmark import data_overrides, read_run, summarize
from labeleff.projects.ps_mt.demo import DEMO_SEG_CLASSES, make_demo_segmentation
from labeleff.projects.ps_mt.schedule import epoch_iters_of

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CFG = os.path.join(REPO, "configs", "ps_mt", "folder_split.py")
CAMVID = os.path.join(REPO, "..", "shared", "data", "camvid")


def test_split_files_are_kept_per_folder_fraction_and_seed(tmp_path, monkeypatch):
    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path / "ds"))
    a, b = tmp_path / "a" / "train", tmp_path / "b" / "train"
    paths = {
        split_file_for(str(a), "1/8", 0),
        split_file_for(str(b), "1/8", 0),  # same folder name, other folder
        split_file_for(str(a), "1/4", 0),
        split_file_for(str(a), "1/8", 1),
    }
    assert len(paths) == 4
    assert split_file_for(str(a) + "/", "1/8", 0) == split_file_for(str(a), "1/8", 0)
    assert all(p.startswith(str(tmp_path / "ds" / "splits")) for p in paths)


@pytest.mark.skipif(not os.path.isdir(CAMVID), reason="needs ../shared/data/camvid")
def test_folder_split_seed0_is_camvid_1_8_and_other_seeds_partition_the_pair(tmp_path, monkeypatch):
    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path))
    parts = {}
    for seed in (0, 1):
        cfg = load_config(CFG, [f"dataloader.split_seed={seed}"])
        register_datasets(cfg)
        parts[seed] = {
            p: {d["image_id"] for d in DatasetCatalog.get(cfg.datasets[p].name)}
            for p in ("labeled", "unlabeled")
        }
        assert len(parts[seed]["labeled"]) == math.ceil(367 / 8)  # 46
        assert not parts[seed]["labeled"] & parts[seed]["unlabeled"]
        assert len(parts[seed]["labeled"] | parts[seed]["unlabeled"]) == 367
        # the teachers alternate every pass over the 321 unlabeled images, 4 per step
        assert instantiate(cfg.model.teacher_period) == math.ceil(321 / 4)
    assert parts[0]["labeled"] != parts[1]["labeled"]
    camvid = load_config(os.path.join(REPO, "configs", "ps_mt", "camvid_1-8.py"), [])
    register_datasets(camvid)
    labeled = {d["image_id"] for d in DatasetCatalog.get(camvid.datasets.labeled.name)}
    assert parts[0]["labeled"] == labeled


def test_epoch_iters_of_counts_the_registered_dataset():
    name = "test_epoch_iters_of_ten"
    if name not in DatasetCatalog.list():
        DatasetCatalog.register(name, lambda: [{"file_name": str(i)} for i in range(10)])
    assert [epoch_iters_of(name, b) for b in (1, 3, 4, 10, 16)] == [10, 4, 3, 1, 1]


def test_data_overrides_name_what_is_missing_and_reach_the_config(tmp_path):
    with pytest.raises(ValueError, match="--val-image-dir, --val-label-dir, --classes"):
        data_overrides(image_dir=str(tmp_path), label_dir=str(tmp_path))
    missing = str(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="--label-dir: folder not found: .*nope"):
        data_overrides(str(tmp_path), missing, str(tmp_path), str(tmp_path), ["a", "b"])
    opts = data_overrides(
        str(tmp_path), str(tmp_path), str(tmp_path), str(tmp_path), ["road", "car"], 255, "png"
    )
    cfg = load_config(CFG, opts + ["dataloader.fraction=1/4"])
    assert list(cfg.dataloader.classes) == ["road", "car"]
    assert cfg.dataloader.ignore_label == 255 and cfg.dataloader.image_ext == "png"
    assert cfg.dataloader.train_masks == str(tmp_path) and cfg.dataloader.fraction == "1/4"
    # the CamVid default: only the fraction is set
    assert data_overrides() == ["dataloader.fraction=1/8"]


def _metrics(path, records):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "metrics.json"), "w") as f:
        f.write("\n".join(json.dumps(r) for r in records) + "\n")
    return str(path)


def test_read_run_and_summarize_by_hand(tmp_path):
    per_seed = {}
    for seed, (sup, ens, stu) in {1: (30.0, 33.0, 32.0), 2: (20.0, 21.0, 24.0)}.items():
        sup_dir = _metrics(
            tmp_path / str(seed) / "s",
            [
                {"iteration": 9, "total_loss": 1.0},
                {
                    "iteration": 10,
                    "sem_seg/mIoU": sup,
                    "sem_seg/IoU-road": sup + 1,
                    "sem_seg/IoU-car": sup - 1,
                    "sem_seg/BoundaryIoU-road": 5.0,
                },
            ],
        )
        ps_dir = _metrics(
            tmp_path / str(seed) / "p",
            [
                {"iteration": 4, "unsup/confident_ratio": 0.0},
                {"iteration": 9, "unsup/confident_ratio": 0.6, "unsup/pseudo_label_accuracy": 0.8},
                {
                    "iteration": 10,
                    "teacher/sem_seg/mIoU": ens,
                    "teacher/sem_seg/IoU-road": ens,
                    "teacher/sem_seg/IoU-car": ens,
                    "student/sem_seg/mIoU": stu,
                    "student/sem_seg/IoU-road": stu,
                    "student/sem_seg/IoU-car": stu,
                },
            ],
        )
        per_seed[seed] = {**read_run(sup_dir, "supervised"), **read_run(ps_dir, "ps_mt")}
    assert per_seed[1]["supervised"]["IoU"] == {"road": 31.0, "car": 29.0}  # no BoundaryIoU
    assert per_seed[1]["pseudo"]["unsup/confident_ratio"] == pytest.approx(0.3)
    assert per_seed[1]["pseudo"]["unsup/pseudo_label_accuracy"] == pytest.approx(0.8)
    assert per_seed[1]["pseudo"]["windows_confident"] == 0.5
    s = summarize(per_seed)
    assert s["models"]["supervised"]["mIoU"]["mean"] == 25.0
    assert s["models"]["supervised"]["mIoU"]["std"] == pytest.approx(math.sqrt(50.0))
    assert s["models"]["supervised"]["IoU"]["road"]["mean"] == 26.0
    # gains per seed: ensemble +3 / +1, student +2 / +4
    assert s["gain_ps_mt_ensemble"]["mean"] == 2.0
    assert s["gain_ps_mt_ensemble"]["std"] == pytest.approx(math.sqrt(2.0))
    assert s["gain_ps_mt_student"]["mean"] == 3.0


def test_read_run_names_a_run_without_evaluation(tmp_path):
    run = _metrics(tmp_path / "r", [{"iteration": 3, "total_loss": 1.0}])
    with pytest.raises(ValueError, match="metrics.json: no evaluation record"):
        read_run(run, "supervised")


def test_run_specific_overrides_reach_only_their_run(tmp_path, monkeypatch):
    seen = {}

    def fake_train_net(config, overrides, out):  # records the overrides, writes a final record
        run = os.path.basename(out)
        seen[run] = list(overrides)
        final = {"iteration": 7, "sem_seg/mIoU": 1.0, "sem_seg/IoU-a": 1.0}
        if run == "ps_mt":
            final = {"iteration": 7, "unsup/confident_ratio": 0.5}
            final.update({f"{m}/sem_seg/{k}": 2.0 for m in ("teacher", "student")
                          for k in ("mIoU", "IoU-a")})  # fmt: skip
        _metrics(out, [final])
        return 0.0

    monkeypatch.setattr(benchmark, "run_train_net", fake_train_net)
    result = benchmark.run_benchmark(
        [3], 8, str(tmp_path), ["d=1"], ["all=1"],
        ps_mt_extra=["model.student.x=1"], supervised_extra=["model.x=1"],
    )  # fmt: skip
    assert seen["supervised"][-3:] == ["d=1", "all=1", "model.x=1"]
    assert seen["ps_mt"][-3:] == ["d=1", "all=1", "model.student.x=1"]
    assert "model.x=1" not in seen["ps_mt"] and "model.student.x=1" not in seen["supervised"]
    assert "train.seed=3" in seen["ps_mt"] and "dataloader.split_seed=3" in seen["supervised"]
    assert result["supervised_overrides"] == ["model.x=1"]
    assert result["summary"]["gain_ps_mt_ensemble"]["mean"] == 1.0
    # finished runs are reused: a second call trains nothing
    seen.clear()
    benchmark.run_benchmark([3], 8, str(tmp_path), ["d=1"], ["all=1"])
    assert seen == {}


@pytest.mark.slow
def test_benchmark_end_to_end_on_a_tiny_folder_pair(tmp_path):
    gen = str(tmp_path / "gen")
    train, val = make_demo_segmentation("train", root=gen), make_demo_segmentation("val", root=gen)
    # keys both configs have (the supervised twin has no unlabeled loader)
    small = [
        "dataloader.train.mapper.augmentations.0.target_height=64",
        "dataloader.train.mapper.augmentations.0.target_width=64",
        "dataloader.train.mapper.augmentations.1.crop_size=[64,64]",
        "dataloader.test.mapper.augmentations.0.shape=[64,64]",
    ]
    out = tmp_path / "bench"
    cmd = [
        sys.executable,
        os.path.join(REPO, "tools", "benchmark_ps_mt.py"),
        "--image-dir", os.path.join(train, "images"),
        "--label-dir", os.path.join(train, "labels"),
        "--val-image-dir", os.path.join(val, "images"),
        "--val-label-dir", os.path.join(val, "labels"),
        "--classes", ",".join(DEMO_SEG_CLASSES),
        "--ignore-index", "255",
        "--image-ext", "png",
        "--fraction", "1/4",
        "--seeds", "1",
        "--iters", "4",
        "--output-dir", str(out),
        *small,
    ]  # fmt: skip
    env = dict(os.environ, LABELEFF_DATASETS=str(tmp_path / "datasets"))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "summary.json").read_text())
    run = report["per_seed"]["1"]
    assert set(run) == {"supervised", "ps_mt_ensemble", "ps_mt_student", "pseudo"}
    assert set(run["supervised"]["IoU"]) == set(DEMO_SEG_CLASSES)
    gain = run["ps_mt_ensemble"]["mIoU"] - run["supervised"]["mIoU"]
    assert report["summary"]["gain_ps_mt_ensemble"]["mean"] == pytest.approx(gain)
    # 1/4 of the 64 generated training images are labeled
    (split,) = (tmp_path / "datasets" / "splits").glob("images_*_1-4_seed1.txt")
    assert len(split.read_text().split()) == 16
    assert (out / "summary.png").stat().st_size > 0
    assert "ensemble - sup" in proc.stdout
