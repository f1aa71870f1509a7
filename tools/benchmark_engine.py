#!/usr/bin/env python
"""Teacher-student engine overhead: per-step time with a no-op method vs the plain supervised
trainer (same detector, same labeled batch), and the EMA update as a fraction of a step.

    nice -n 10 python tools/benchmark_engine.py [--model configs/common/models/faster_rcnn_tiny.py]
"""

import argparse
import json

import torch

# the detectron2._C fallback before Detectron2 modules load
import labeleff  # noqa: F401  # isort: skip
from detectron2.config import LazyConfig, instantiate

from labeleff.data import register_demo_detection
from labeleff.projects.teacher_student.benchmark import (
    NoOpTeacherStudent,
    benchmark_engine,
    time_ema_update,
)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--model",
        default="configs/common/models/faster_rcnn_tiny.py",
        help="LazyConfig file with a `model` node (the student detector)",
    )
    p.add_argument("--labeled-batch", type=int, default=2)
    p.add_argument("--unlabeled-batch", type=int, default=2)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=15)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument(
        "--ema-model",
        default="",
        help="also time one EMA update of this config's model (e.g. the R50-FPN)",
    )
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    model_cfg = LazyConfig.load(args.model).model
    dataset = register_demo_detection("demo_train", split="train")
    result = benchmark_engine(
        lambda: instantiate(model_cfg),
        dataset,
        args.labeled_batch,
        args.unlabeled_batch,
        warmup=args.warmup,
        steps=args.steps,
    )
    if args.ema_model:
        big = NoOpTeacherStudent(student=instantiate(LazyConfig.load(args.ema_model).model))
        result["ema_model_parameters"] = sum(p.numel() for p in big.student.parameters())
        result["ema_model_update"] = time_ema_update(big, repeats=10)
    print(json.dumps({**vars(args), **result}, indent=1))


if __name__ == "__main__":
    main()
