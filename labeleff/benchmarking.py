"""Helpers every `tools/benchmark_*.py` shares: one training run of `tools/train_net.py` in its
own process, the last evaluation record of its metrics.json, mean +- std over seeds."""

import json
import math
import os
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

__all__ = [
    "REPO",
    "mean_std",
    "run_train_net",
    "last_record_with",
    "task_metrics",
    "one_evaluation_overrides",
    "finished_run",
    "write_summary",
]

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def mean_std(values: Sequence[Optional[float]]) -> Dict[str, float]:
    """Mean and sample std of the finite values (Detectron2 reports NaN for a metric without
    ground truth, e.g. AP_small on a set without small boxes); n = how many were finite."""
    values = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not values:
        return {"mean": None, "std": None, "n": 0}
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": statistics.mean(values), "std": std, "n": len(values)}


def run_train_net(
    config_file: str, overrides: Sequence[str], output_dir: str, flags: Sequence[str] = ()
) -> float:
    """Train `config_file` with tools/train_net.py in a subprocess (a fresh dataset catalog per
    run; stdout + stderr in `output_dir/stdout.txt`); `flags` go before the overrides
    (`["--eval-only"]`: evaluate `train.init_checkpoint`, results in eval_results.json). Returns
    the wall time in seconds; a failed run is an error naming its log."""
    cmd = [
        sys.executable,
        os.path.join(REPO, "tools", "train_net.py"),
        "--config-file",
        config_file,
        *flags,
        *overrides,
        f"train.output_dir={output_dir}",
    ]
    os.makedirs(output_dir, exist_ok=True)
    log_path = os.path.join(output_dir, "stdout.txt")
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        raise RuntimeError(f"training failed (exit {rc}): {' '.join(cmd)}; see {log_path}")
    return time.perf_counter() - t0


def last_record_with(metrics_json: str, suffix: str) -> Dict[str, float]:
    """The last record of a metrics.json holding a key ending with `suffix` (e.g. "bbox/AP",
    "sem_seg/mIoU"); an error naming the file if there is none."""
    if not os.path.isfile(metrics_json):
        raise FileNotFoundError(f"metrics file not found: {metrics_json}")
    last = {}
    with open(metrics_json) as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                if any(k.endswith(suffix) for k in record):
                    last = record
    if not last:
        raise ValueError(f"{metrics_json}: no evaluation record ({suffix}) found")
    return last


def task_metrics(record: Dict[str, float], task: str = "bbox") -> Dict[str, float]:
    """The metrics of one evaluation task in a metrics.json record, without their prefix: the
    record's first "<task>/AP" key names it, with any model prefix ("bbox/..." of a plain
    detector, "ema/bbox/..." of YOLOX's EMA model); {"AP": ..., "AP50": ..., "AP-<class>": ...}."""
    prefix = next(k for k in record if k.endswith(f"{task}/AP"))[: -len("AP")]
    return {k[len(prefix) :]: v for k, v in record.items() if k.startswith(prefix)}


def one_evaluation_overrides(iters: int) -> List[str]:
    """`train.max_iter` and the periods that follow it: one checkpoint and one evaluation, at the
    end. Detectron2's LRMultiplier evaluates the schedule at iter / max_iter, and burn-in and
    ramp-ups follow `train.max_iter` (labeleff.schedule), so every phase keeps its fraction."""
    return [
        f"train.max_iter={iters}",
        f"train.eval_period={iters}",
        f"train.checkpointer.period={iters}",
    ]


def finished_run(metrics_json: str, suffix: str, iters: int) -> bool:
    """A run of `iters` iterations whose final evaluation (a key ending with `suffix`, logged at
    iteration iters - 1 or iters) is in its metrics.json: the benchmarks reuse it."""
    try:
        return last_record_with(metrics_json, suffix).get("iteration") in (iters - 1, iters)
    except (FileNotFoundError, ValueError):
        return False


def write_summary(output_dir: str, result: dict) -> str:
    """`<output_dir>/summary.json` (indented); returns its path."""
    os.makedirs(output_dir, exist_ok=True)
    path = os.path.join(output_dir, "summary.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    return path
