#!/usr/bin/env python
"""PS-MT vs its supervised twin on a segmentation folder pair (labeleff.projects.ps_mt.benchmark):
the training pair is split into a labeled part (--fraction, per --seeds) and an unlabeled part
whose masks training never reads; both runs train the same student for --iters iterations and
are evaluated on the validation pair. Prints per seed and mean +- std the mIoU of supervised,
PS-MT ensemble and PS-MT student, the gain in points and the per-class IoU; writes summary.json
and summary.png (per-class IoU, image | label | supervised | PS-MT) into --output-dir. CamVid
1/8 (../shared/data/camvid) is the default.

    nice -n 10 python tools/benchmark_ps_mt.py --seeds 1,2,3 --iters 2000
    python tools/benchmark_ps_mt.py --image-dir img --label-dir mask --val-image-dir vimg \
        --val-label-dir vmask --classes road,car,person --ignore-index 255 --fraction 1/4

Run on a quiet machine; finished runs in --output-dir are reused.
"""

import argparse
import os

from labeleff.projects.ps_mt.benchmark import data_overrides, format_table, run_benchmark
from labeleff.projects.ps_mt.benchmark_report import write_report_png


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--image-dir", help="training images (default: CamVid train)")
    p.add_argument("--label-dir", help="training label maps <stem>.png, pixel = class id")
    p.add_argument("--val-image-dir", help="validation images")
    p.add_argument("--val-label-dir", help="validation label maps")
    p.add_argument("--classes", help="comma-separated class names, index = pixel value")
    p.add_argument("--ignore-index", type=int, help="label value left out of loss and mIoU")
    p.add_argument("--image-ext", help="image file extension (default jpg)")
    p.add_argument("--fraction", default="1/8", help="labeled share of the training pair")
    p.add_argument("--seeds", default="1,2,3", help="split (and training) seeds")
    p.add_argument("--iters", type=int, default=2000, help="iterations of each run")
    p.add_argument("--runs", default="supervised,ps_mt", help="which runs (supervised, ps_mt)")
    p.add_argument("--output-dir", default="./output/benchmark_ps_mt")
    p.add_argument("--no-png", action="store_true", help="skip summary.png")
    p.add_argument(
        "--ps-mt-opts",
        nargs="*",
        default=[],
        help="key=value overrides for the PS-MT run only (PSMT model keys, e.g. "
        "model.conf_selection=frequency)",
    )
    p.add_argument(
        "--supervised-opts",
        nargs="*",
        default=[],
        help="key=value overrides for the supervised twin only (its model is the PS-MT run's "
        "model.student: model.backbone.freeze_at=4 there is model.student.backbone.freeze_at=4 "
        "in --ps-mt-opts)",
    )
    p.add_argument("opts", nargs="*", default=[], help="extra key=value overrides for every run")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    data = data_overrides(
        args.image_dir,
        args.label_dir,
        args.val_image_dir,
        args.val_label_dir,
        args.classes.split(",") if args.classes else None,
        args.ignore_index,
        args.image_ext,
        args.fraction,
    )
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = args.runs.split(",")
    result = run_benchmark(
        seeds,
        args.iters,
        args.output_dir,
        data,
        args.opts,
        runs,
        args.ps_mt_opts,
        args.supervised_opts,
    )
    print(f"{args.fraction} labeled, {args.iters} iterations, seeds {seeds}")
    print(format_table(result))
    if not args.no_png and set(runs) == {"supervised", "ps_mt"}:
        png = write_report_png(
            result, args.output_dir, os.path.join(args.output_dir, "summary.png")
        )
        print(f"wrote {os.path.join(args.output_dir, 'summary.json')} and {png}")
    return result


if __name__ == "__main__":
    main()
