#!/usr/bin/env python
"""Tiny Faster R-CNN fine-tuned from (a) scratch, (b) fg/bg center-loss and (c) patch-pretext
pretraining on the same images, equal fine-tuning iterations; prints AP of each.

    python tools/benchmark_pretrain.py --data bccd --pretrain-iters 300 --finetune-iters 600
"""

import argparse
import json
import logging
import os
import sys

from labeleff.projects.pretrain.benchmark import (
    SETUPS,
    format_seed_table,
    format_table,
    run_benchmark,
    run_seeds,
    summarize_seeds,
)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--data",
        choices=sorted(SETUPS),
        default="bccd",
        help="bccd: ../shared/data/bccd (train -> test); demo: synthetic demo set",
    )
    p.add_argument("--pretrain-iters", type=int, default=400)
    p.add_argument("--finetune-iters", type=int, default=1500)
    p.add_argument(
        "--variants",
        default="scratch,fgbg,patch",
        help="scratch (no pretraining: plain ImageNet for bccd_lite0), fgbg (binary fg/bg center "
        "loss), fgbg_classes (one center per class + background), patch (patch pretext)",
    )
    p.add_argument("--out-dir", default="./output/benchmark_pretrain")
    p.add_argument("--nice", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0, help="one seed (output directly in --out-dir)")
    p.add_argument(
        "--seeds",
        help="several seeds, e.g. 1,2,3: each in <out-dir>/seed<k>; prints mean +- std and the "
        "per-seed gain over scratch (finished fine-tunes are reused)",
    )
    p.add_argument(
        "--reuse-pretrain",
        action="store_true",
        help="skip a pretraining whose backbone_export.pth already exists in --out-dir",
    )
    p.add_argument(
        "finetune_opts",
        nargs="*",
        help="key=value overrides of the fine-tuning runs (optimizer.lr=0.01)",
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    if args.seeds:
        per_seed = run_seeds(
            [int(k) for k in args.seeds.split(",")],
            args.out_dir,
            data=args.data,
            pretrain_iters=args.pretrain_iters,
            finetune_iters=args.finetune_iters,
            variants=tuple(args.variants.split(",")),
            nice=args.nice,
            threads=args.threads,
            reuse_pretrain=args.reuse_pretrain,
            finetune_overrides=args.finetune_opts,
        )
        summary = summarize_seeds(per_seed)
        with open(os.path.join(args.out_dir, "summary.json"), "w") as f:
            json.dump({"data": args.data, "summary": summary, "runs": per_seed}, f, indent=1)
        print(format_seed_table(summary))
        return 0
    results = run_benchmark(
        args.data,
        args.out_dir,
        args.pretrain_iters,
        args.finetune_iters,
        tuple(args.variants.split(",")),
        args.nice,
        args.threads,
        args.seed,
        args.reuse_pretrain,
        args.finetune_opts,
    )
    print(json.dumps(results, indent=1))
    print(format_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
