#!/usr/bin/env python
"""Benchmark (not a test): YOLOX box loss `iou` (official 1 - IoU^2) vs `ciou` (and `giou`), same
model, data and iterations, for several training seeds; prints AP, AP_small and per-class AP of the
EMA model (mean +- std over seeds) and the fraction of SimOTA positives whose predicted box does
not overlap its target (all / small targets), and writes <output-dir>/boxloss_benchmark.json.

    nice -n 10 python tools/benchmark_yolox_boxloss.py [--config-file F] [--losses iou ciou] \
        [--seeds 1,2,3] [--output-dir D] [key=value ...]
"""

import argparse
import json
import os

import torch

import labeleff  # noqa: F401  # isort: skip
from labeleff.benchmarking import last_record_with, run_train_net, task_metrics
from labeleff.projects.yolox.boxloss_benchmark import run_boxloss_benchmark, summarize

DEFAULT = "configs/yolox/bccd_nano_cpu.py"


def _train(config_file, opts):
    """One run in its own train_net process (its own log file and dataset catalog); returns its
    final evaluation as train_net's main does ({"bbox": {AP, APs, AP-<class>, ...}})."""
    out = next(o.split("=", 1)[1] for o in opts if o.startswith("train.output_dir="))
    run_train_net(config_file, opts, out)
    record = last_record_with(os.path.join(out, "metrics.json"), "bbox/AP")
    return {"bbox": task_metrics(record)}  # YOLOX logs its EMA model as ema/bbox/...


def _fmt(entry, key, scale=1.0):
    m = entry.get(key, {})
    if not m or m["mean"] is None:
        return "-"
    return f"{m['mean'] * scale:.2f} +- {m['std'] * scale:.2f}"


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config-file", default=DEFAULT)
    p.add_argument("--losses", nargs="+", default=["iou", "ciou"])
    p.add_argument("--seeds", default="1,2,3", help="training seeds (train.seed)")
    p.add_argument("--output-dir", default="./output/yolox_boxloss_benchmark")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (shared machines: 1)")
    p.add_argument("opts", nargs=argparse.REMAINDER, default=[], help="config overrides key=value")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    os.environ["OMP_NUM_THREADS"] = str(a.threads)  # the training processes
    seeds = [int(s) for s in a.seeds.split(",")]
    runs = run_boxloss_benchmark(_train, a.config_file, a.losses, seeds, a.output_dir, a.opts)
    summary = summarize(runs)
    os.makedirs(a.output_dir, exist_ok=True)
    with open(os.path.join(a.output_dir, "boxloss_benchmark.json"), "w") as f:
        json.dump({"seeds": seeds, "summary": summary, "runs": runs}, f, indent=1)
    print(f"\n{len(seeds)} seeds: mean +- std")
    print(f"{'loss':5} {'AP':>14} {'AP_small':>14} {'no-overlap pos':>16} {'(small)':>16}")
    for loss, entry in summary.items():
        print(
            f"{loss:5} {_fmt(entry, 'AP'):>14} {_fmt(entry, 'APs'):>14} "
            f"{_fmt(entry, 'yolox/pos_no_overlap'):>16} "
            f"{_fmt(entry, 'yolox/pos_no_overlap_small'):>16}"
        )
        per_class = {k[3:]: _fmt(entry, k) for k in entry if k.startswith("AP-")}
        print(f"      per-class AP: {per_class}")
    print(f"wrote {os.path.join(a.output_dir, 'boxloss_benchmark.json')}")
