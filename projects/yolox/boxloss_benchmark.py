"""The YOLOX box-loss comparison (tools/benchmark_yolox_boxloss.py): each loss trained with each
seed on the same config, evaluated (EMA model), and summarised as mean +- std over seeds of AP,
AP_small and per-class AP, with the fraction of SimOTA positives whose predicted box missed its
target (diagnostics.py) read from each run's metrics."""

import json
import os
import statistics
from typing import Callable, Dict, List, Sequence

from labeleff.benchmarking import mean_std

__all__ = ["overlap_curve", "summarize", "run_boxloss_benchmark"]

OVERLAP_KEYS = ("yolox/pos_no_overlap", "yolox/pos_no_overlap_small")


def overlap_curve(metrics_json: str) -> Dict[str, List[float]]:
    """{key: values over the logged windows} of OVERLAP_KEYS in one run's metrics.json."""
    out = {k: [] for k in OVERLAP_KEYS}
    with open(metrics_json) as f:
        for line in f:
            row = json.loads(line)
            for k in OVERLAP_KEYS:
                if k in row:
                    out[k].append(row[k])
    return out


def summarize(runs: Dict[str, Dict[int, dict]]) -> Dict[str, dict]:
    """runs: {loss: {seed: {"bbox": {AP, APs, AP-<class>...}, "overlap": curve}}} -> per loss
    {metric: {mean, std, n}} over seeds; the overlap fractions are each run's mean over its
    logged windows."""
    out = {}
    for loss, per_seed in runs.items():
        metrics = sorted({k for r in per_seed.values() for k in r["bbox"]})
        entry = {m: mean_std([r["bbox"].get(m) for r in per_seed.values()]) for m in metrics}
        for k in OVERLAP_KEYS:
            means = [
                statistics.fmean(r["overlap"][k]) for r in per_seed.values() if r["overlap"][k]
            ]
            entry[k] = mean_std(means)
        out[loss] = entry
    return out


RESULT = "result.json"


def _finished(out: str, config_file: str, opts: List[str]):
    """The bbox metrics of a finished run in `out` made with this config and these options."""
    path = os.path.join(out, RESULT)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        done = json.load(f)
    if done.get("config_file") != config_file or done.get("opts") != opts:
        return None
    return done["bbox"]


def run_boxloss_benchmark(
    train: Callable[[str, List[str]], dict],
    config_file: str,
    losses: Sequence[str],
    seeds: Sequence[int],
    output_dir: str,
    overrides: Sequence[str] = (),
) -> Dict[str, Dict[int, dict]]:
    """`train(config_file, opts) -> results` (train_net's main) for every (loss, seed), in
    `<output_dir>/<loss>/seed<k>`; returns the `runs` that `summarize` takes.

    Each finished run leaves `result.json` (its config, options and final bbox metrics); a later
    call with the same config and options reuses it instead of training again, so the losses can
    be trained by separate processes and summarised together by one call."""
    runs = {}
    for loss in losses:
        runs[loss] = {}
        for seed in seeds:
            out = os.path.join(output_dir, loss, f"seed{seed}")
            opts = [f"model.box_loss={loss}", f"train.seed={seed}", f"train.output_dir={out}"]
            opts = [*opts, *overrides]
            bbox = _finished(out, config_file, opts)
            if bbox is None:
                results = train(config_file, opts)
                bbox = next(v for k, v in results.items() if k.endswith("bbox"))
                with open(os.path.join(out, RESULT), "w") as f:
                    json.dump({"config_file": config_file, "opts": opts, "bbox": bbox}, f)
            runs[loss][seed] = {
                "bbox": bbox,
                "overlap": overlap_curve(os.path.join(out, "metrics.json")),
            }
    return runs
