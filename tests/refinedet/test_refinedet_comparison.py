"""The RefineDet / RetinaNet / Faster R-CNN comparison: option errors, the runs it asks for and
reuses, its summary and ratios by hand, the median timing on a fake clock, and end to end on a
tiny VOC copy of BCCD (slow)."""

import json
import os
import shutil
import statistics
import subprocess
import sys

import pytest

from labeleff.projects.refinedet import comparison
from labeleff.projects.refinedet.comparison import (
    DETECTORS,
    MULTISCALE,
    data_overrides,
    median_images_per_second,
    run_comparison,
    summarize,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _voc(root, stems_by_set):
    for part, stems in stems_by_set.items():
        os.makedirs(os.path.join(root, "ImageSets", "Main"), exist_ok=True)
        with open(os.path.join(root, "ImageSets", "Main", f"{part}.txt"), "w") as f:
            f.write("\n".join(stems) + "\n")


def test_data_overrides_check_the_folder_and_classes(tmp_path):
    assert data_overrides() == ([], None)
    with pytest.raises(ValueError, match="--classes needs --voc-root"):
        data_overrides(None, ["a"])
    with pytest.raises(ValueError, match="--voc-root needs --classes"):
        data_overrides(str(tmp_path))
    _voc(str(tmp_path), {"train": ["x"]})
    with pytest.raises(FileNotFoundError, match=r"test\.txt"):
        data_overrides(str(tmp_path), ["a"])
    _voc(str(tmp_path), {"test": ["y"]})
    opts, n = data_overrides(str(tmp_path), ["cat", "dog"])
    assert n == 2
    assert f"datasets.train.voc_root={tmp_path}" in opts
    assert 'datasets.train.class_names=["cat","dog"]' in opts


def _fake_run(calls, ap_of):
    """A stand-in for run_train_net: records the call and writes what a finished run leaves."""

    def run(config, opts, out, flags=()):
        calls.append((config, list(opts), out, list(flags)))
        os.makedirs(out, exist_ok=True)
        seed = int(next(o for o in opts if o.startswith("train.seed=")).split("=")[1])
        iters = int(next(o for o in opts if o.startswith("train.max_iter=")).split("=")[1])
        name = os.path.basename(out)
        if flags == ["--eval-only"]:
            with open(os.path.join(out, "eval_results.json"), "w") as f:
                json.dump({"results": {"bbox": {"AP": ap_of(name, seed)}}}, f)
            return 1.0
        with open(os.path.join(out, "metrics.json"), "w") as f:
            f.write(json.dumps({"iteration": 0, "total_loss": 1.0}) + "\n")
            row = {"iteration": iters - 1, "bbox/AP": ap_of(name, seed), "bbox/APs": 1.0}
            f.write(json.dumps(row) + "\n")
        return 1.0

    return run


def test_runs_per_seed_and_detector_are_made_once_and_reused(tmp_path):
    calls = []
    ap = {"refinedet": 20.0, "retinanet": 16.0, "faster_rcnn": 25.0, MULTISCALE: 22.0}
    run = _fake_run(calls, lambda name, seed: ap[name] + seed)
    kw = dict(data=["datasets.train.voc_root=/v"], num_classes=2, run=run)
    runs = run_comparison([1, 2], 7, str(tmp_path), **kw)
    # 3 trainings + 1 multi-scale evaluation per seed
    assert len(calls) == 8
    assert runs[2]["retinanet"] == {"AP": 18.0, "APs": 1.0}
    assert runs[1][MULTISCALE] == {"AP": 23.0}
    for config, opts, out, flags in calls:
        name = os.path.basename(out)
        if name == MULTISCALE:
            assert flags == ["--eval-only"] and "model.multiscale_test=True" in opts
            assert f"train.init_checkpoint={os.path.dirname(out)}/model_final.pth" in opts
            continue
        assert config == DETECTORS[name][0] and flags == []
        assert f"{DETECTORS[name][1]}=2" in opts and "datasets.train.voc_root=/v" in opts
        assert {"train.max_iter=7", "train.eval_period=7"} <= set(opts)
    assert run_comparison([1, 2], 7, str(tmp_path), **kw) == runs and len(calls) == 8
    # another length is another run, and its new model_final is tested at multiple scales again
    run_comparison([1], 9, str(tmp_path), **kw)
    assert len(calls) == 12
    assert [os.path.basename(c[2]) for c in calls[8:]] == ["refinedet", MULTISCALE] + [
        "retinanet",
        "faster_rcnn",
    ]
    with pytest.raises(KeyError, match="unknown detector"):
        run_comparison([1], 7, str(tmp_path), detectors=["ssd"], run=run)


def test_summary_and_ratios_by_hand():
    runs = {
        1: {"refinedet": {"AP": 20.0}, "retinanet": {"AP": 16.0}, MULTISCALE: {"AP": 21.0}},
        2: {"refinedet": {"AP": 30.0}, "retinanet": {"AP": 20.0}, MULTISCALE: {"AP": 34.0}},
    }
    throughput = {"refinedet": {"images_per_s": 3.0}, "retinanet": {"images_per_s": 4.0}}
    s = summarize(runs, throughput)
    assert s["per_detector"]["refinedet"]["AP"]["mean"] == 25.0
    r = s["ratios"]["refinedet_AP / retinanet_AP"]
    assert r["per_seed"] == [1.25, 1.5] and r["mean"] == pytest.approx(1.375)
    assert r["std"] == pytest.approx(statistics.stdev([1.25, 1.5]))
    assert s["ratios"]["multiscale_AP - single_AP"]["per_seed"] == [1.0, 4.0]
    assert s["ratios"]["refinedet / retinanet images/s"] == pytest.approx(0.75)
    assert "refinedet_AP / faster_rcnn_AP" not in s["ratios"]
    assert "per seed: 1.250, 1.500" in comparison.format_table(s)


def test_throughput_is_one_over_the_median_call(monkeypatch):
    clock = {"t": 0.0}
    durations = iter([9.0, 0.5, 0.1, 0.3, 0.2, 7.0])  # first call is the warm-up

    def model(batch):
        assert batch == [{"i": 0}] or batch == [{"i": 1}]
        clock["t"] += next(durations)

    monkeypatch.setattr(comparison.time, "perf_counter", lambda: clock["t"])
    r = median_images_per_second(model, [[{"i": 0}], [{"i": 1}]], warmup=1, iters=5)
    assert r["median_s"] == pytest.approx(0.3) and r["images_per_s"] == pytest.approx(1 / 0.3)
    with pytest.raises(ValueError):
        median_images_per_second(model, [], warmup=0, iters=1)


def test_interleaved_timing_alternates_blocks_and_takes_the_median_of_all(monkeypatch):
    clock = {"t": 0.0}
    order = []

    def fake(name, durations):
        it = iter(durations)

        def model(batch):
            order.append(name)
            clock["t"] += next(it)

        return model

    monkeypatch.setattr(comparison.time, "perf_counter", lambda: clock["t"])
    # a: warm-up 5, then 1, 2 | warm-up 5, then 3, 10 ; b: always 0.5 except a slow 9
    models = {"a": fake("a", [5, 1, 2, 5, 3, 10]), "b": fake("b", [5, 0.5, 9, 5, 0.5, 0.5])}
    r = comparison.interleaved_images_per_second(
        models, {"a": [[{}]], "b": [[{}]]}, warmup=1, iters=2, rounds=2
    )
    assert order == ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["b"] * 3
    assert r["a"]["median_s"] == 2.5 and r["a"]["timed_calls"] == 4  # median of 1, 2, 3, 10
    assert r["b"]["images_per_s"] == 2.0 and r["b"]["rounds"] == 2


@pytest.mark.slow
def test_benchmark_end_to_end_on_a_tiny_voc_copy(shared_data, tmp_path):
    bccd = os.path.join(shared_data, "bccd")
    root = str(tmp_path / "voc")
    stems = {"train": ["BloodImage_00000", "BloodImage_00001"], "test": ["BloodImage_00002"]}
    for sub in ("Annotations", "JPEGImages"):
        os.makedirs(os.path.join(root, sub))
    for stem in stems["train"] + stems["test"]:
        shutil.copy(os.path.join(bccd, "Annotations", stem + ".xml"), f"{root}/Annotations")
        shutil.copy(os.path.join(bccd, "JPEGImages", stem + ".jpg"), f"{root}/JPEGImages")
    _voc(root, stems)
    out = tmp_path / "bench"
    cmd = [
        sys.executable,
        os.path.join(REPO, "tools/benchmark_refinedet.py"),
        "compare",
        "--voc-root",
        root,
        "--classes",
        "RBC,WBC,Platelets",
        "--seeds",
        "1",
        "--iters",
        "2",
        "--timed",
        "2",
        "--warmup",
        "0",
        "--rounds",
        "2",
        "--output-dir",
        str(out),
        "dataloader.train.total_batch_size=2",
    ]
    env = {**os.environ, "LABELEFF_DATASETS": str(tmp_path / "ds")}
    p = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]
    data = json.load(open(out / "summary.json"))
    per_seed = data["runs"]["1"]
    assert sorted(per_seed) == sorted([*DETECTORS, MULTISCALE])
    for name in DETECTORS:  # the summary is the run's own final evaluation
        rows = [json.loads(line) for line in open(out / "seed1" / name / "metrics.json")]
        final = [r for r in rows if "bbox/AP" in r][-1]
        assert per_seed[name]["AP"] == pytest.approx(final["bbox/AP"], nan_ok=True)
        assert data["summary"]["throughput"][name]["timed_calls"] == 2 * 2  # --timed x --rounds
    assert os.path.isfile(out / "seed1" / "refinedet" / MULTISCALE / "eval_results.json")
    assert "images/s" in p.stdout
