#!/usr/bin/env python
"""RefineDet benchmarks (labeleff.projects.refinedet.comparison / .benchmark):

  compare:        RefineDet vs RetinaNet vs Faster R-CNN FPN on one backbone (ImageNet
                  EfficientNet-Lite0, frozen), one 320 x 320 input and one schedule, trained for
                  each seed on BCCD (default) or any VOC folder; prints AP / AP50 / AP_small /
                  per-class AP (mean +- std), RefineDet's multi-scale + flip (box voting) AP, the
                  AP ratios, and each trained detector's CPU images/s at batch 1 (1 / median of
                  --timed calls x --rounds interleaved blocks, after training, in this
                  process);
                  writes <output-dir>/summary.json.
  vgg-throughput: images/s of RefineDet320 (full-width VGG16) vs Detectron2's RetinaNet R50-FPN
                  at the same input size, random weights.

    nice -n 10 python tools/benchmark_refinedet.py compare --seeds 1,2,3 --iters 300
    python tools/benchmark_refinedet.py compare --voc-root DIR --classes cat,dog
    python tools/benchmark_refinedet.py vgg-throughput --size 320 --warmup 3 --iters 20

Run on a quiet machine: nothing else may run beside the throughput measurement.
"""

import argparse
import json
import os

import torch

import labeleff  # noqa: F401  # isort: skip  (sets up Detectron2's _C before Detectron2 imports it)
from labeleff.projects.refinedet.benchmark import (
    build_refinedet320,
    build_retinanet_r50_fpn,
    images_per_second,
    network_only,
    random_image_inputs,
)
from labeleff.projects.refinedet.comparison import (
    DETECTORS,
    data_overrides,
    format_table,
    measure_throughput,
    run_comparison,
    summarize,
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("what", nargs="?", default="compare", choices=["compare", "vgg-throughput"])
    p.add_argument("--seeds", default="1,2,3", help="compare: training seeds (train.seed)")
    p.add_argument("--iters", type=int, default=300, help="compare: iterations of each run")
    p.add_argument("--voc-root", help="compare: VOC folder (ImageSets/Main/{train,test}.txt)")
    p.add_argument("--classes", help="compare: comma-separated class names (with --voc-root)")
    p.add_argument("--detectors", default=",".join(DETECTORS), help="compare: which detectors")
    p.add_argument(
        "--no-multiscale", action="store_true", help="compare: skip RefineDet's multi-scale test"
    )
    p.add_argument(
        "--no-throughput",
        action="store_true",
        help="compare: train and evaluate only (e.g. parallel partial runs; a final call measures)",
    )
    p.add_argument("--timed", type=int, default=20, help="timed calls per detector (median)")
    p.add_argument("--warmup", type=int, default=3, help="untimed calls before timing")
    p.add_argument(
        "--rounds", type=int, default=5, help="compare: interleaved timing blocks per detector"
    )
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (all runs)")
    p.add_argument("--output-dir", default="./output/benchmark_refinedet")
    p.add_argument("--size", type=int, default=320, help="vgg-throughput: square input side")
    p.add_argument("opts", nargs="*", default=[], help="compare: key=value overrides of every run")
    return p.parse_intermixed_args(argv)


def vgg_throughput(args):
    torch.manual_seed(0)
    inputs = random_image_inputs(args.size)
    refinedet = build_refinedet320()
    refinedet.test_size = args.size
    models = {"RefineDet320 VGG16": refinedet, "RetinaNet R50-FPN": build_retinanet_r50_fpn()}
    for model in models.values():
        model.eval()
    for what, wrap in (("full inference", lambda m: m), ("backbone + head only", network_only)):
        results = {}
        for name, model in models.items():
            results[name] = images_per_second(wrap(model), inputs, args.warmup, args.timed)
            print(
                f"[{what}] {name:20s} {results[name]:.3f} images/s ({args.size}x{args.size}, "
                f"batch 1, {args.threads} thread(s), {args.timed} images)"
            )
        ratio = results["RefineDet320 VGG16"] / results["RetinaNet R50-FPN"]
        print(f"[{what}] ratio RefineDet / RetinaNet: {ratio:.2f}x")


def compare(args):
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # the training subprocesses too
    data, num_classes = data_overrides(
        args.voc_root, args.classes.split(",") if args.classes else None
    )
    seeds = [int(s) for s in args.seeds.split(",")]
    detectors = args.detectors.split(",")
    runs = run_comparison(
        seeds,
        args.iters,
        args.output_dir,
        data=data,
        num_classes=num_classes,
        detectors=detectors,
        multiscale=not args.no_multiscale,
        extra=args.opts,
    )
    checkpoints = {
        d: os.path.join(args.output_dir, f"seed{seeds[0]}", d, "model_final.pth") for d in detectors
    }
    throughput = None
    if not args.no_throughput:
        throughput = measure_throughput(
            checkpoints, data, num_classes, args.warmup, args.timed, rounds=args.rounds
        )
    summary = summarize(runs, throughput)
    summary.update(seeds=seeds, iters=args.iters, data=args.voc_root or "BCCD")
    print(f"\n{len(seeds)} seeds, {args.iters} iterations each: mean +- std")
    print(format_table(summary))
    path = os.path.join(args.output_dir, "summary.json")
    with open(path, "w") as f:
        json.dump({"summary": summary, "runs": runs}, f, indent=1)
    print(f"wrote {path}")


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    (compare if args.what == "compare" else vgg_throughput)(args)


if __name__ == "__main__":
    main()
