#!/usr/bin/env python
"""Benchmark (not a test): YOLOX box loss `iou` (official 1 - IoU^2) vs `ciou`, same model, data
order, seed and iterations; prints AP, AP_small and per-class AP of the EMA model and writes
<output-dir>/boxloss_benchmark.json.

    nice -n 10 python tools/benchmark_yolox_boxloss.py [--config-file F] [--losses iou ciou] \
        [--output-dir D] [key=value ...]
"""

import argparse
import json
import os
import time

import torch

import labeleff  # noqa: F401  # isort: skip
from labeleff.config import load_config
from labeleff.engine.train_net import main, parse_args

DEFAULT = "configs/yolox/bccd_nano_cpu.py"


def run(config_file, loss, output_dir, overrides):
    """Train + evaluate one box loss; returns its flat metrics (task -> {metric: value})."""
    out = os.path.join(output_dir, loss)
    opts = [f"model.box_loss={loss}", f"train.output_dir={out}", *overrides]
    args = parse_args(["--config-file", config_file, *opts])
    t0 = time.time()
    results = main(args)  # the last evaluation (EMA model: keys "ema/bbox")
    return {
        "minutes": (time.time() - t0) / 60,
        "max_iter": load_config(config_file, args.opts).train.max_iter,
        "results": results,
    }


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config-file", default=DEFAULT)
    p.add_argument("--losses", nargs="+", default=["iou", "ciou"])
    p.add_argument("--output-dir", default="./output/yolox_boxloss_benchmark")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (shared machines: 1)")
    p.add_argument("opts", nargs=argparse.REMAINDER, default=[], help="config overrides key=value")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    summary = {}
    for loss in a.losses:
        summary[loss] = run(a.config_file, loss, a.output_dir, a.opts)
        os.makedirs(a.output_dir, exist_ok=True)
        with open(os.path.join(a.output_dir, "boxloss_benchmark.json"), "w") as f:
            json.dump(summary, f, indent=1)
    print(
        f"\n{'loss':6} {'task':10} {'AP':>6} {'AP50':>6} {'APs':>6} {'APm':>6}  per-class AP  (min)"
    )
    for loss, entry in summary.items():
        for task, m in entry["results"].items():
            per_class = {k[3:]: round(v, 1) for k, v in m.items() if k.startswith("AP-")}
            print(
                f"{loss:6} {task:10} {m['AP']:6.2f} {m['AP50']:6.2f} {m['APs']:6.2f} "
                f"{m['APm']:6.2f}  {per_class}  ({entry['minutes']:.1f})"
            )
