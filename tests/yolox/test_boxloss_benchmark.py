"""The box-loss benchmark's summary by hand, and end to end on the YOLOX demo config (slow)."""

import json
import math
import os
import statistics
import subprocess
import sys

import pytest

from labeleff.projects.yolox.boxloss_benchmark import run_boxloss_benchmark, summarize

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_summary_by_hand():
    runs = {
        "iou": {
            1: {
                "bbox": {"AP": 10.0, "APs": 0.0, "AP-a": 5.0},
                "overlap": {"yolox/pos_no_overlap": [0.2, 0.4], "yolox/pos_no_overlap_small": []},
            },
            2: {
                "bbox": {"AP": 14.0, "APs": 2.0, "AP-a": 7.0},
                "overlap": {"yolox/pos_no_overlap": [0.6], "yolox/pos_no_overlap_small": []},
            },
        }
    }
    s = summarize(runs)["iou"]
    assert s["AP"]["mean"] == 12.0 and s["AP"]["std"] == pytest.approx(math.sqrt(8))
    assert s["AP-a"]["mean"] == 6.0 and s["APs"]["n"] == 2
    # per run: the mean over its windows (0.3, 0.6), then over seeds
    assert s["yolox/pos_no_overlap"]["mean"] == pytest.approx(0.45)
    assert s["yolox/pos_no_overlap"]["std"] == pytest.approx(statistics.stdev([0.3, 0.6]))
    assert s["yolox/pos_no_overlap_small"] == {"mean": None, "std": None, "n": 0}
    runs["iou"][2]["bbox"]["APs"] = float("nan")  # no small ground truth: left out of the mean
    assert summarize(runs)["iou"]["APs"] == {"mean": 0.0, "std": 0.0, "n": 1}


def test_finished_runs_are_reused_only_with_the_same_options(tmp_path):
    calls = []

    def fake_train(config_file, opts):
        calls.append(opts)
        out = next(o.split("=", 1)[1] for o in opts if o.startswith("train.output_dir="))
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "metrics.json"), "w") as f:
            f.write(json.dumps({"iteration": 0, "yolox/pos_no_overlap": 0.25}) + "\n")
        return {"bbox": {"AP": float(len(calls))}}

    args = (fake_train, "cfg.py", ["iou"], [1, 2], str(tmp_path))
    first = run_boxloss_benchmark(*args, overrides=["train.max_iter=5"])
    assert len(calls) == 2 and first["iou"][2]["bbox"]["AP"] == 2.0
    again = run_boxloss_benchmark(*args, overrides=["train.max_iter=5"])
    assert len(calls) == 2 and again == first  # reused, overlap curve read again
    assert again["iou"][1]["overlap"]["yolox/pos_no_overlap"] == [0.25]
    other = run_boxloss_benchmark(*args, overrides=["train.max_iter=6"])
    assert len(calls) == 4 and other["iou"][1]["bbox"]["AP"] == 3.0


@pytest.mark.slow
def test_benchmark_end_to_end_on_the_demo(tmp_path):
    out = tmp_path / "bench"
    cmd = [
        sys.executable,
        os.path.join(REPO, "tools/benchmark_yolox_boxloss.py"),
        "--config-file",
        os.path.join(REPO, "configs/yolox/demo_cpu.py"),
        "--losses",
        "iou",
        "ciou",
        "--seeds",
        "1,2",
        "--output-dir",
        str(out),
        "train.max_iter=2",
        "train.eval_period=2",
        "train.log_period=1",
        "train.checkpointer.period=100",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "LABELEFF_DATASETS": str(tmp_path / "ds")}
    p = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]
    data = json.load(open(out / "boxloss_benchmark.json"))
    assert sorted(data["runs"]) == ["ciou", "iou"]
    for loss, per_seed in data["runs"].items():
        assert sorted(per_seed) == ["1", "2"]
        aps = [r["bbox"]["AP"] for r in per_seed.values() if math.isfinite(r["bbox"]["AP"])]
        if aps:  # an untrained model may have NaN AP (then the summary leaves it out)
            assert data["summary"][loss]["AP"]["mean"] == pytest.approx(statistics.fmean(aps))
        # every logged training window carries the fraction (log_period 1, 2 iterations)
        assert all(len(r["overlap"]["yolox/pos_no_overlap"]) == 2 for r in per_seed.values())
    assert "no-overlap pos" in p.stdout
