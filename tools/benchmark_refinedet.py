#!/usr/bin/env python
"""CPU inference throughput (images/s, batch 1) of RefineDet320 (VGG16, full width) vs Detectron2's
RetinaNet R50-FPN at the same input size, both with random weights, measured in one run.

    nice -n 10 python tools/benchmark_refinedet.py --size 320 --warmup 3 --iters 20 --threads 2
"""

import argparse

import torch

import labeleff  # noqa: F401  # isort: skip  (sets up Detectron2's _C before Detectron2 imports it)
from labeleff.projects.refinedet.benchmark import (
    build_refinedet320,
    build_retinanet_r50_fpn,
    images_per_second,
    network_only,
    random_image_inputs,
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=320, help="square input side")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
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
            results[name] = images_per_second(wrap(model), inputs, args.warmup, args.iters)
            print(
                f"[{what}] {name:20s} {results[name]:.3f} images/s ({args.size}x{args.size}, "
                f"batch 1, {args.threads} thread(s), {args.iters} images)"
            )
        ratio = results["RefineDet320 VGG16"] / results["RetinaNet R50-FPN"]
        print(f"[{what}] ratio RefineDet / RetinaNet: {ratio:.2f}x (target >= 1.5x)")


if __name__ == "__main__":
    main()
