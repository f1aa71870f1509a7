#!/usr/bin/env python
"""Soft Teacher benchmarks (labeleff.projects.soft_teacher.benchmark):

  step-cost: Soft Teacher step time / supervised step time, same detector, same student batch,
             one process (interleaved blocks); target <= 1.4.
  accuracy:  supervised twin vs Soft Teacher (paper thresholds and the adaptive recipe) at equal
             iterations on the same labeled split, for several split seeds, on BCCD (default) or
             any detection dataset: a VOC folder or COCO jsons. Prints per seed and mean +- std
             the AP / AP50 of supervised, teacher and student, the ratio, the lowest
             pseudo-boxes/image relative to its post-burn-in level; writes summary.json and
             summary.png (APs, pseudo-label curves) into --output-dir.

    python tools/benchmark_soft_teacher.py accuracy --percent 10 --seeds 1,2,3 --iters 600
    python tools/benchmark_soft_teacher.py accuracy --voc-root DIR --classes cat,dog --percent 5
    python tools/benchmark_soft_teacher.py accuracy --coco-json train.json --image-root imgs \
        --test-json val.json --percent 10

Run on a quiet machine (`nice`); finished runs in --output-dir are reused.
"""

import argparse
import json
import logging
import os

import torch

from labeleff.projects.soft_teacher.accuracy_benchmark import (
    VARIANTS,
    configured_eval_model,
    data_overrides,
    run_accuracy,
    summarize,
    write_report_png,
)
from labeleff.projects.soft_teacher.benchmark import (
    ALL_DETECTIONS_ARE_PSEUDO_LABELS,
    measure_step_cost,
)

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("what", choices=["step-cost", "accuracy", "all"])
    p.add_argument("--iters", type=int, default=600, help="accuracy: iterations of each run")
    p.add_argument("--seeds", default="1,2,3", help="accuracy: split (and training) seeds")
    p.add_argument("--percent", type=float, default=10, help="accuracy: %% of train labeled")
    p.add_argument("--burn-in", type=float, default=1 / 3, help="accuracy: fraction of --iters")
    p.add_argument(
        "--variants",
        default="paper,adaptive",
        help=f"accuracy: Soft Teacher variants ({', '.join(VARIANTS)})",
    )
    p.add_argument(
        "--full-supervision",
        action="store_true",
        help="accuracy: also train the supervised model on 100 %% labels (same iterations): "
        "what labels alone give at this schedule",
    )
    p.add_argument("--voc-root", help="accuracy: VOC folder (ImageSets/Main/{train,test}.txt)")
    p.add_argument("--coco-json", help="accuracy: COCO json of the training images")
    p.add_argument("--image-root", help="accuracy: image folder of --coco-json")
    p.add_argument("--test-json", help="accuracy: COCO json of the test images")
    p.add_argument(
        "--test-image-root", help="accuracy: image folder of --test-json " "(default --image-root)"
    )
    p.add_argument("--classes", help="accuracy: comma-separated class names (VOC: required)")
    p.add_argument(
        "opts", nargs="*", default=[], help="accuracy: extra key=value overrides for every run"
    )
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
    return p.parse_intermixed_args(argv)  # key=value overrides may follow the options


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    torch.set_num_threads(args.threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    checkpoint = args.checkpoint
    if args.what in ("accuracy", "all"):
        data = data_overrides(
            voc_root=args.voc_root,
            coco_json=args.coco_json,
            image_root=args.image_root,
            test_json=args.test_json,
            test_image_root=args.test_image_root,
            classes=args.classes.split(",") if args.classes else None,
        )
        seeds = [int(s) for s in args.seeds.split(",")]
        runs = run_accuracy(
            seeds,
            args.iters,
            args.output_dir,
            data=data,
            percent=args.percent,
            variants=args.variants.split(","),
            burn_in_fraction=args.burn_in,
            extra=args.opts,
            full_supervision=args.full_supervision,
        )
        summary = summarize(runs, eval_model=configured_eval_model(args.opts))
        summary.update(iters=args.iters, percent=args.percent, seeds=seeds, data=data or "BCCD")
        print_table(summary)
        with open(os.path.join(args.output_dir, "summary.json"), "w") as f:
            json.dump({"summary": summary, "runs": runs}, f, indent=1)
        png = write_report_png(summary, runs, os.path.join(args.output_dir, "summary.png"))
        print(f"wrote {os.path.join(args.output_dir, 'summary.json')} and {png}")
        if args.what == "all" and not checkpoint:
            checkpoint = os.path.join(
                args.output_dir, f"seed{seeds[0]}", args.variants.split(",")[0], "model_final.pth"
            )
    if args.what in ("step-cost", "all"):
        overrides = [] if checkpoint else ALL_DETECTIONS_ARE_PSEUDO_LABELS
        cost = measure_step_cost(
            args.step_config, overrides, checkpoint, rounds=args.rounds, block=args.block
        )
        cost["checkpoint"] = checkpoint or "none (every detection a pseudo-label)"
        print(json.dumps({"step_cost": cost}, indent=1))


def print_table(summary: dict) -> None:
    def fmt(v, spec=".1f"):
        return "-" if v is None else format(v, spec)

    print(
        f"{'seed':>4} {'variant':>9} {'sup AP':>7} {'AP50':>6} {'teach AP':>8} {'AP50':>6} "
        f"{'stud AP':>7} {'AP50':>6} {'ratio':>6} {'min/level':>9} {'cls>0':>6} {'100% AP':>7}"
    )
    for r in summary["rows"]:
        print(
            f"{r['seed']:>4} {r['variant']:>9} {fmt(r['supervised_AP']):>7} "
            f"{fmt(r['supervised_AP50']):>6} {fmt(r['teacher_AP']):>8} {fmt(r['teacher_AP50']):>6} "
            f"{fmt(r['student_AP']):>7} {fmt(r['student_AP50']):>6} {fmt(r['ratio'], '.3f'):>6} "
            f"{fmt(r['collapse_ratio'], '.2f'):>9} {fmt(r['windows_with_cls_pseudo'], '.0%'):>6} "
            f"{fmt(r.get('full_AP')):>7}"
        )
    for variant, m in summary["mean_std"].items():
        cells = "  ".join(
            f"{k} {fmt(m[k]['mean'], '.3f' if 'ratio' in k else '.1f')} +- "
            f"{fmt(m[k]['std'], '.3f' if 'ratio' in k else '.1f')}"
            for k in (
                "supervised_AP",
                "teacher_AP",
                "student_AP",
                "ratio",
                "ratio_best",
                "full_AP",
                "full_ratio",
            )
            if k in m
        )
        print(f"mean +- std {variant}: {cells}")


if __name__ == "__main__":
    main()
