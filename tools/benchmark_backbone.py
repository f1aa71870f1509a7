#!/usr/bin/env python
"""ImageNet EfficientNet-Lite0 vs the from-scratch CPU models: supervised runs of each model family
at equal iterations, on its real CPU dataset. Prints, per family and seed, the final metric
(COCO AP / AP50 or mIoU) and the median training step time of both, the ratios, and the mean +- std
over seeds; writes `results.json` in --output-dir.

    nice python tools/benchmark_backbone.py --families faster_rcnn,deeplab --iters 300 --seeds 0,1

Each run is `tools/train_net.py --config-file CFG` in a subprocess (its log beside the results),
with `train.max_iter` (the LR schedule keeps its fractions) and `train.seed` overridden. A family is
`name=PRETRAINED_CFG,SCRATCH_CFG` (`--family` adds or replaces one): any config pair works.
Run it on a quiet machine: the step times are only comparable within one run.
"""

import argparse
import json
import os
import statistics

from labeleff.benchmarking import one_evaluation_overrides, run_train_net

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
C = os.path.join(REPO, "configs")
# family -> (Lite0 config, from-scratch config, metric keys of the final evaluation)
FAMILIES = {
    "faster_rcnn": (
        f"{C}/soft_teacher/supervised_bccd_10pct.py",
        f"{C}/soft_teacher/supervised_bccd_10pct_scratch.py",
        ["bbox/AP", "bbox/AP50"],
    ),
    "deeplab": (
        f"{C}/ps_mt/camvid_1-8_supervised.py",
        f"{C}/ps_mt/camvid_1-8_scratch_supervised.py",
        ["sem_seg/mIoU"],
    ),
    "refinedet": (
        f"{C}/refinedet/bccd_lite0_320.py",
        f"{C}/refinedet/bccd_vgg_scratch_320.py",
        ["bbox/AP", "bbox/AP50"],
    ),
    "yolox": (
        f"{C}/yolox/bccd_lite0_cpu.py",
        f"{C}/yolox/bccd_nano_cpu.py",
        ["bbox/AP", "bbox/AP50"],
    ),
}


def run(config_file: str, iters: int, seed: int, output_dir: str, extra=()) -> dict:
    """Train + evaluate one config; returns the last evaluation record and the step times."""
    overrides = [*one_evaluation_overrides(iters), f"train.seed={seed}", *extra]
    wall = run_train_net(config_file, overrides, output_dir)
    records = [json.loads(line) for line in open(os.path.join(output_dir, "metrics.json"))]
    evals = [r for r in records if any(k.endswith(("bbox/AP", "sem_seg/mIoU")) for k in r)]
    if not evals:
        raise RuntimeError(f"{output_dir}/metrics.json: no evaluation record")
    # step time of the logged windows after the first fifth (warm-up, first data loads)
    times = [r["time"] for r in records if "time" in r and r["iteration"] >= iters // 5]
    return {
        "metrics": evals[-1],
        "step_s": statistics.median(times) if times else float("nan"),
        "wall_s": wall,
    }


def _metric(record: dict, key: str) -> float:
    """`key` (e.g. "bbox/AP") or the first "<model>/key" of a teacher-student record."""
    if key in record:
        return record[key]
    return next(v for k, v in record.items() if k.endswith("/" + key))


def mean_std(values):
    return (statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--families", default=",".join(FAMILIES), help="comma list of family names")
    p.add_argument(
        "--family",
        action="append",
        default=[],
        metavar="NAME=LITE0_CFG,SCRATCH_CFG[,METRIC]",
        help="add or replace a family (metric default bbox/AP)",
    )
    p.add_argument("--iters", type=int, default=300)
    p.add_argument("--seeds", default="0", help="comma list of train.seed values")
    p.add_argument("--output-dir", default="./output/benchmark_backbone")
    p.add_argument("--opts", nargs="*", default=[], help="extra overrides for every run")
    args = p.parse_args(argv)
    families = dict(FAMILIES)
    for spec in args.family:
        name, cfgs = spec.split("=", 1)
        parts = cfgs.split(",")
        families[name] = (parts[0], parts[1], parts[2:] or ["bbox/AP"])
    seeds = [int(s) for s in args.seeds.split(",")]
    results = {}
    for name in args.families.split(","):
        if name not in families:
            raise SystemExit(f"unknown family {name!r}; known: {sorted(families)}")
        lite0_cfg, scratch_cfg, keys = families[name]
        rows = []
        for seed in seeds:
            row = {"seed": seed}
            for variant, cfg in (("lite0", lite0_cfg), ("scratch", scratch_cfg)):
                out = os.path.join(args.output_dir, name, f"{variant}_seed{seed}")
                r = run(cfg, args.iters, seed, out, args.opts)
                row[variant] = {k: _metric(r["metrics"], k) for k in keys}
                row[variant].update(step_s=r["step_s"], wall_s=r["wall_s"])
            row["metric_ratio"] = row["lite0"][keys[0]] / max(row["scratch"][keys[0]], 1e-6)
            row["step_ratio"] = row["lite0"]["step_s"] / row["scratch"]["step_s"]
            print(json.dumps({"family": name, **row}), flush=True)
            rows.append(row)
        summary = {}
        for variant in ("lite0", "scratch"):
            for k in keys + ["step_s"]:
                summary[f"{variant}/{k}"] = mean_std([r[variant][k] for r in rows])
        summary["metric_ratio"] = mean_std([r["metric_ratio"] for r in rows])
        summary["step_ratio"] = mean_std([r["step_ratio"] for r in rows])
        results[name] = {
            "iters": args.iters,
            "configs": [lite0_cfg, scratch_cfg],
            "runs": rows,
            "summary": summary,
        }
        print(f"== {name} ({args.iters} iterations, seeds {seeds})")
        for k, (m, s) in summary.items():
            print(f"   {k:28s} {m:9.3f} +- {s:.3f}")
    os.makedirs(args.output_dir, exist_ok=True)
    with open(os.path.join(args.output_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
