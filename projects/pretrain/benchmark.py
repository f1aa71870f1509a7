"""Scratch vs fg/bg center-loss vs patch-pretext backbone initialisation of a tiny Faster R-CNN:
pretrain on the detector's training images, fine-tune each for the same iterations, report AP.

Every run is a `tools/train_net.py` process (optionally under `nice`), so it is exactly what a
user would run; results come from each run's metrics.json.
"""

import json
import logging
import os
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

from labeleff.benchmarking import finished_run, mean_std

__all__ = [
    "SETUPS",
    "run_train_net",
    "last_metrics",
    "run_benchmark",
    "run_seeds",
    "summarize_seeds",
    "format_table",
    "format_seed_table",
]

logger = logging.getLogger(__name__)
METRICS = ("AP", "AP50", "AP75", "APs")  # then the per-class APs ("AP-<class>") a run reports
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SETUPS = {
    "bccd": dict(
        fgbg="configs/pretrain/fgbg_center_bccd_cpu.py",
        patch="configs/pretrain/patch_pretext_bccd_cpu.py",
        detector="configs/pretrain/finetune_faster_rcnn_tiny_bccd_cpu.py",
    ),
    # ImageNet EfficientNet-Lite0: the "scratch" variant is the plain-ImageNet baseline
    "bccd_lite0": dict(
        fgbg="configs/pretrain/fgbg_center_bccd_lite0_cpu.py",
        # one center per class + background (= fgbg on a one-class set such as FloW)
        fgbg_classes="configs/pretrain/fgbg_center_classes_bccd_lite0_cpu.py",
        patch="configs/pretrain/patch_pretext_bccd_lite0_cpu.py",
        detector="configs/pretrain/finetune_faster_rcnn_lite0_bccd_cpu.py",
    ),
    "demo": dict(
        fgbg="configs/pretrain/fgbg_center_demo_cpu.py",
        fgbg_classes="configs/pretrain/fgbg_center_classes_demo_cpu.py",
        patch="configs/pretrain/patch_pretext_demo_cpu.py",
        detector="configs/baselines/faster_rcnn_demo_cpu.py",
    ),
}


def run_train_net(
    config: str, overrides: List[str], log_path: str, nice: int = 10, threads: int = 1
) -> float:
    """Run tools/train_net.py on `config` with `overrides`; returns wall seconds. Raises
    RuntimeError (with the log path) if it fails."""
    cmd = [
        sys.executable,
        os.path.join(REPO, "tools", "train_net.py"),
        "--config-file",
        os.path.join(REPO, config),
        *overrides,
    ]
    if nice:
        cmd = ["nice", "-n", str(nice), *cmd]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    t0 = time.time()
    with open(log_path, "w") as f:
        rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=REPO, env=env)
    if rc != 0:
        raise RuntimeError(f"{config} failed (exit {rc}); see {log_path}")
    return time.time() - t0


def last_metrics(output_dir: str, key: str) -> Optional[Dict]:
    """The last line of `<output_dir>/metrics.json` holding `key`, or None."""
    path = os.path.join(output_dir, "metrics.json")
    found = None
    if os.path.isfile(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    row = json.loads(line)
                    if key in row:
                        found = row
    return found


def run_benchmark(
    data: str,
    out_dir: str,
    pretrain_iters: int,
    finetune_iters: int,
    variants=("scratch", "fgbg", "patch"),
    nice: int = 10,
    threads: int = 1,
    seed: int = 0,
    reuse_pretrain: bool = False,
    finetune_overrides: Sequence[str] = (),
) -> Dict[str, Dict]:
    """Returns {variant: {"AP", "AP50", "AP75", "pretrain_s", "finetune_s", "pretrain_loss"}}.
    reuse_pretrain: skip a pretraining whose `backbone_export.pth` is already in `out_dir`.
    finetune_overrides: extra `key=value` overrides of every fine-tuning run (e.g. optimizer.lr)."""
    setup = SETUPS[data]
    unknown = [v for v in variants if v != "scratch" and (v not in setup or v == "detector")]
    if unknown:
        choices = ", ".join(["scratch", *[k for k in setup if k != "detector"]])
        raise ValueError(
            f"--variants {','.join(unknown)}: not a variant of --data {data} ({choices})"
        )
    results = {}
    for variant in variants:
        res = {}
        init = ""
        if variant != "scratch":
            pre_dir = os.path.join(out_dir, f"pretrain_{variant}")
            init = os.path.join(pre_dir, "backbone_export.pth")
            if not (reuse_pretrain and os.path.isfile(init)):
                overrides = [
                    f"train.max_iter={pretrain_iters}",
                    f"train.output_dir={pre_dir}",
                    f"train.seed={seed}",
                    f"train.checkpointer.period={pretrain_iters}",
                ]
                log = os.path.join(out_dir, f"pretrain_{variant}.log")
                secs = run_train_net(setup[variant], overrides, log, nice, threads)
                res["pretrain_s"] = round(secs, 1)
            row = last_metrics(pre_dir, "total_loss")
            res["pretrain_loss"] = row and round(row["total_loss"], 4)
            if not os.path.isfile(init):
                raise RuntimeError(f"pretraining wrote no {init}")
        ft_dir = os.path.join(out_dir, f"finetune_{variant}")
        # a finished fine-tune is reused unless its init was just pretrained again
        reuse = "pretrain_s" not in res and finished_run(
            os.path.join(ft_dir, "metrics.json"), "bbox/AP", finetune_iters
        )
        res["finetune_s"] = (
            None
            if reuse
            else round(
                run_train_net(
                    setup["detector"],
                    [
                        f"train.max_iter={finetune_iters}",
                        f"train.output_dir={ft_dir}",
                        f"train.init_checkpoint={init}",
                        f"train.seed={seed}",
                        "train.eval_period=0",
                        "train.vis_period=0",
                        f"train.checkpointer.period={finetune_iters}",
                        *finetune_overrides,
                    ],
                    os.path.join(out_dir, f"finetune_{variant}.log"),
                    nice,
                    threads,
                ),
                1,
            )
        )
        row = last_metrics(ft_dir, "bbox/AP") or {}
        res.update({k: row.get(f"bbox/{k}") for k in ("AP", "AP50", "AP75", "APs")})
        res.update({k[len("bbox/") :]: v for k, v in row.items() if k.startswith("bbox/AP-")})
        results[variant] = res
        logger.info(f"{variant}: {res}")
        with open(os.path.join(out_dir, "results.json"), "w") as f:
            json.dump(
                dict(
                    data=data,
                    pretrain_iters=pretrain_iters,
                    finetune_iters=finetune_iters,
                    seed=seed,
                    results=results,
                ),
                f,
                indent=1,
            )
    return results


def run_seeds(seeds: Sequence[int], out_dir: str, **kwargs) -> Dict[int, Dict[str, Dict]]:
    """`run_benchmark` once per seed (pretraining and fine-tuning seed), in `<out_dir>/seed<k>`."""
    return {
        seed: run_benchmark(out_dir=os.path.join(out_dir, f"seed{seed}"), seed=seed, **kwargs)
        for seed in seeds
    }


def summarize_seeds(per_seed: Dict[int, Dict[str, Dict]]) -> Dict[str, Dict]:
    """{variant: {AP/AP50/AP75/APs/AP-<class>: {mean, std, n}, "AP_per_seed": [...],
    "AP_gain_vs_scratch": {mean, std, n} of the per-seed differences (same seed) to the "scratch"
    init}}; per-class keys are those any run reported."""
    variants = list(next(iter(per_seed.values()))) if per_seed else []
    out = {}
    for v in variants:
        rows = [r[v] for r in per_seed.values() if v in r]
        classes = sorted({k for r in rows for k in r if k.startswith("AP-")})
        entry = {m: mean_std([r.get(m) for r in rows]) for m in (*METRICS, *classes)}
        entry["AP_per_seed"] = [r.get("AP") for r in rows]
        if v != "scratch" and all("scratch" in r for r in per_seed.values()):
            gains = [
                r[v]["AP"] - r["scratch"]["AP"]
                for r in per_seed.values()
                if r[v].get("AP") is not None and r["scratch"].get("AP") is not None
            ]
            entry["AP_gain_vs_scratch"] = mean_std(gains)
        out[v] = entry
    return out


def format_seed_table(summary: Dict[str, Dict]) -> str:
    def f(m):
        return "-" if not m or m["mean"] is None else f"{m['mean']:.2f} +- {m['std']:.2f}"

    classes = sorted({k for e in summary.values() for k in e if k.startswith("AP-")})
    cols = [*METRICS, *classes]
    head = " | ".join(c.replace("APs", "AP_small") for c in cols)
    lines = [
        f"| init | {head} | AP - scratch AP (same seed) | AP per seed |",
        "|---|" + "---|" * (len(cols) + 2),
    ]
    for v, e in summary.items():
        per = ", ".join("-" if a is None else f"{a:.2f}" for a in e["AP_per_seed"])
        gain = f(e.get("AP_gain_vs_scratch"))
        lines.append(f"| {v} | {' | '.join(f(e.get(c)) for c in cols)} | {gain} | {per} |")
    return "\n".join(lines)


def format_table(results: Dict[str, Dict]) -> str:
    lines = ["| init | AP | AP50 | AP75 | pretrain s | finetune s |", "|---|---|---|---|---|---|"]
    for k, r in results.items():
        fmt = [f"{r[m]:.2f}" if r.get(m) is not None else "-" for m in ("AP", "AP50", "AP75")]
        lines.append(
            f"| {k} | {' | '.join(fmt)} | {r.get('pretrain_s', '-')} | {r['finetune_s']} |"
        )
    return "\n".join(lines)
