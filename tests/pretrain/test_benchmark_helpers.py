"""The benchmark reads AP from the last metrics.json row that holds it."""

import json

import pytest
import torch

from labeleff.projects.pretrain.benchmark import format_table, last_metrics


def test_last_metrics_picks_last_row_with_key(tmp_path):
    rows = [
        {"total_loss": 3.0, "iteration": 1},
        {"bbox/AP": 1.5, "iteration": 5},
        {"total_loss": 2.0, "iteration": 9},
        {"bbox/AP": 7.25, "bbox/AP50": 20.0, "iteration": 9},
    ]
    (tmp_path / "metrics.json").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert last_metrics(str(tmp_path), "bbox/AP")["bbox/AP"] == 7.25
    assert last_metrics(str(tmp_path), "total_loss")["total_loss"] == 2.0
    assert last_metrics(str(tmp_path), "missing") is None
    assert last_metrics(str(tmp_path / "nope"), "bbox/AP") is None


def test_format_table():
    table = format_table({"scratch": {"AP": 1.234, "AP50": None, "AP75": 0.5, "finetune_s": 9}})
    assert "| scratch | 1.23 | - | 0.50 | - | 9 |" in table


def test_seed_summary_and_same_seed_gain_by_hand():
    import statistics

    from labeleff.projects.pretrain.benchmark import format_seed_table, summarize_seeds

    per_seed = {
        1: {"scratch": {"AP": 40.0, "AP50": 80.0}, "fgbg": {"AP": 43.0, "AP50": 82.0}},
        2: {"scratch": {"AP": 30.0, "AP50": 70.0}, "fgbg": {"AP": 31.0, "AP50": None}},
    }
    s = summarize_seeds(per_seed)
    assert s["scratch"]["AP"]["mean"] == 35.0 and "AP_gain_vs_scratch" not in s["scratch"]
    # gains pair each seed with its own scratch run: +3, +1 (not 37 - 35)
    assert s["fgbg"]["AP_gain_vs_scratch"]["mean"] == 2.0
    assert s["fgbg"]["AP_gain_vs_scratch"]["std"] == statistics.stdev([3.0, 1.0])
    assert s["fgbg"]["AP50"] == {"mean": 82.0, "std": 0.0, "n": 1}  # a missing value left out
    assert s["fgbg"]["AP_per_seed"] == [43.0, 31.0]
    assert "| fgbg | 37.00 +- 8.49 |" in format_seed_table(s)
    # per-class APs: a column per class any run reported, mean +- std over the seeds that have it
    per_seed[1]["fgbg"]["AP-WBC"], per_seed[2]["fgbg"]["AP-WBC"] = 50.0, 40.0
    per_seed[1]["scratch"]["AP-WBC"] = 20.0
    s = summarize_seeds(per_seed)
    assert s["fgbg"]["AP-WBC"]["mean"] == 45.0 and s["scratch"]["AP-WBC"]["n"] == 1
    table = format_seed_table(s).splitlines()
    assert table[0].startswith("| init | AP | AP50 | AP75 | AP_small | AP-WBC |")
    assert "| 45.00 +- 7.07 | 2.00 +- 1.41 |" in table[3]  # WBC, then the same-seed gain


@pytest.mark.slow
def test_benchmark_two_seeds_end_to_end_then_reused(tmp_path):
    """tools/benchmark_pretrain.py --seeds on the demo set, 2 iterations: every seed's table row
    is its own fine-tune's final AP; a second call with --reuse-pretrain trains nothing."""
    import json
    import os
    import subprocess
    import sys

    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = tmp_path / "bench"
    cmd = [
        sys.executable,
        os.path.join(repo, "tools/benchmark_pretrain.py"),
        "--data",
        "demo",
        "--seeds",
        "1,2",
        "--variants",
        "scratch,fgbg,fgbg_classes",
        "--pretrain-iters",
        "2",
        "--finetune-iters",
        "2",
        "--nice",
        "0",
        "--out-dir",
        str(out),
        "dataloader.train.total_batch_size=2",
    ]
    p = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=1200)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]
    data = json.load(open(out / "summary.json"))
    for seed in ("1", "2"):
        for variant in ("scratch", "fgbg", "fgbg_classes"):
            final = last_metrics(str(out / f"seed{seed}" / f"finetune_{variant}"), "bbox/AP")
            assert data["runs"][seed][variant]["AP"] == pytest.approx(final["bbox/AP"], nan_ok=True)
    assert os.path.isfile(out / "seed1" / "pretrain_fgbg" / "backbone_export.pth")
    # one center per demo shape + background in the class-aware run, two (fg, bg) in the binary one
    for variant, rows in (("fgbg", 2), ("fgbg_classes", 4)):
        ckpt = torch.load(
            out / "seed1" / f"pretrain_{variant}" / "model_final.pth", weights_only=False
        )
        assert ckpt["model"]["center_loss.centers"].shape[0] == rows
    again = subprocess.run([*cmd, "--reuse-pretrain"], cwd=repo, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-3000:]
    rerun = json.load(open(out / "seed2" / "results.json"))["results"]
    assert all(r["finetune_s"] is None and "pretrain_s" not in r for r in rerun.values())
