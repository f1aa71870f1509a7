"""CamVid 1/8 benchmark: supervised-only vs PS-MT mIoU on val at equal iterations (CPU-sized), and
the supervised ImageNet-Lite0 student vs the from-scratch tiny model (`supervised_scratch`)."""

import json
import logging
import os
import statistics
from typing import Dict, List, Sequence

import torch
from detectron2.engine import default_setup

from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.engine import train_net

__all__ = ["BENCHMARK_CONFIGS", "train_and_evaluate", "run_benchmark"]

logger = logging.getLogger("labeleff")

_CONFIG_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "ps_mt")
BENCHMARK_CONFIGS = {
    "supervised": os.path.join(_CONFIG_DIR, "camvid_1-8_supervised.py"),
    "ps_mt": os.path.join(_CONFIG_DIR, "camvid_1-8.py"),
    "supervised_scratch": os.path.join(_CONFIG_DIR, "camvid_1-8_scratch_supervised.py"),
}


def _seconds_per_iter(output_dir: str, first_iter: int, end_iter: int) -> float:
    """Median IterationTimer "time" (seconds/iteration, as logged in metrics.json) over
    iterations [first_iter, end_iter)."""
    path = os.path.join(output_dir, "metrics.json")
    if not os.path.isfile(path):
        return float("nan")
    with open(path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    values = [r["time"] for r in records if "time" in r and first_iter <= r["iteration"] < end_iter]
    return statistics.median(values) if values else float("nan")


def train_and_evaluate(
    config_file: str, iters: int, output_dir: str, overrides: Sequence[str] = ()
) -> Dict[str, float]:
    """Train `config_file` for `iters` iterations through the entry point's `do_train` (which
    evaluates after the last iteration) and return the final mIoU of every evaluated model plus
    the median seconds per iteration (during burn-in and after it, for PS-MT)."""
    opts = [
        f"train.max_iter={iters}",
        f"train.eval_period={iters}",
        "train.log_period=10",
        f"train.checkpointer.period={iters}",
        f"train.output_dir={output_dir}",
        *overrides,
    ]
    args = train_net.parse_args(["--config-file", config_file, *opts])
    cfg = load_config(args.config_file, args.opts)
    if not torch.cuda.is_available():
        cfg.train.device = "cpu"
    default_setup(cfg, args)
    register_datasets(cfg)
    final = train_net.do_train(args, cfg)
    results = {f"{k}/mIoU": v["mIoU"] for k, v in final.items() if "mIoU" in v}
    burn_in = min(int(cfg.model.get("burn_in_iters", 0) or 0), iters)
    results["sec_per_iter"] = _seconds_per_iter(output_dir, burn_in, iters)
    if burn_in:
        results["sec_per_iter_burn_in"] = _seconds_per_iter(output_dir, 0, burn_in)
    return results


def run_benchmark(
    iters: int,
    output_dir: str,
    methods: List[str] = ("supervised", "ps_mt"),
    overrides: Sequence[str] = (),
) -> Dict[str, Dict[str, float]]:
    """Both CamVid 1/8 runs at `iters` iterations; writes `<output_dir>/benchmark.json`."""
    results = {}
    for method in methods:
        results[method] = train_and_evaluate(
            BENCHMARK_CONFIGS[method], iters, os.path.join(output_dir, method), overrides
        )
        logger.info(f"benchmark {method}: {results[method]}")
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "benchmark.json"), "w") as f:
        json.dump({"iters": iters, "overrides": list(overrides), "results": results}, f, indent=2)
    return results
