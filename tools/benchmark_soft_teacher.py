#!/usr/bin/env python
"""Soft Teacher benchmarks (labeleff.projects.soft_teacher.benchmark):

  step-cost: Soft Teacher step time / supervised step time, same detector, same student batch,
             one process (interleaved blocks); target <= 1.4.
  accuracy:  BCCD 10 %: supervised twin vs Soft Teacher at equal iterations, teacher and student
             AP (tiny detector from scratch, CPU); target: Soft Teacher AP >= 1.25 x supervised.

Run with `nice -n 10` on a shared machine; it prints one JSON object per measurement.
"""

import argparse
import json
import logging
import os

import torch

from labeleff.projects.soft_teacher.benchmark import (
    ALL_DETECTIONS_ARE_PSEUDO_LABELS,
    measure_step_cost,
    schedule_overrides,
    train_and_evaluate,
)

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("what", choices=["step-cost", "accuracy", "all"])
    p.add_argument("--iters", type=int, default=3000, help="accuracy: iterations of each run")
    p.add_argument("--output-dir", default="./output/benchmark_soft_teacher")
    p.add_argument("--step-config", default=os.path.join(CONFIGS, "soft_teacher", "bccd_10pct.py"))
    p.add_argument(
        "--checkpoint",
        default="",
        help="step-cost: Soft Teacher weights (e.g. the accuracy run's model_final.pth) so that "
        "pseudo-labels come from a trained teacher at the paper's thresholds; without it every "
        "teacher detection is a pseudo-label (an upper bound on the cost)",
    )
    p.add_argument("--rounds", type=int, default=5, help="step-cost: interleaved rounds")
    p.add_argument("--block", type=int, default=4, help="step-cost: steps per block")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    torch.set_num_threads(args.threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    checkpoint = args.checkpoint
    if args.what in ("accuracy", "all"):
        results = {}
        for name in ("supervised_bccd_10pct", "bccd_10pct"):
            results[name] = train_and_evaluate(
                os.path.join(CONFIGS, "soft_teacher", f"{name}.py"),
                schedule_overrides(args.iters, semi=name == "bccd_10pct"),
                os.path.join(args.output_dir, name),
            )
        sup = results["supervised_bccd_10pct"]["bbox/AP"]
        semi = results["bccd_10pct"]
        summary = {
            "iters": args.iters,
            "supervised_AP": sup,
            "soft_teacher_teacher_AP": semi.get("teacher/bbox/AP"),
            "soft_teacher_student_AP": semi.get("student/bbox/AP"),
            "ratio_teacher": semi.get("teacher/bbox/AP", 0.0) / sup if sup else None,
            "details": results,
        }
        print(json.dumps({"accuracy": summary}, indent=1))
        if args.what == "all" and not checkpoint:
            checkpoint = os.path.join(args.output_dir, "bccd_10pct", "model_final.pth")
    if args.what in ("step-cost", "all"):
        overrides = [] if checkpoint else ALL_DETECTIONS_ARE_PSEUDO_LABELS
        cost = measure_step_cost(
            args.step_config, overrides, checkpoint, rounds=args.rounds, block=args.block
        )
        cost["checkpoint"] = checkpoint or "none (every detection a pseudo-label)"
        print(json.dumps({"step_cost": cost}, indent=1))


if __name__ == "__main__":
    main()
