#!/usr/bin/env python
"""Target-domain AP50 of source-only vs base UDA (image + instance domain classifiers) vs base UDA
+ MIC on a labeled domain pair (labeleff.projects.mic_uda.benchmark): the same Lite0 FPN
Faster R-CNN, source loader, iterations and target evaluation per variant, for several seeds.
Prints per seed and mean +- std the target AP50 (student, as MIC evaluates; teacher too), the
ratio to source-only, the share of logged windows with a non-zero MIC loss, pseudo-boxes per
image and their precision against the hidden target labels, the domain classifiers' accuracy
over the last quarter of the run (0.5: they never told the domains apart); writes summary.json
and summary.png (AP50 bars, weak view + pseudo-labels | masked strong view | hidden labels) into
--output-dir.
coco128 -> ../shared/data/dawn_fog is the default; classes are matched by name between domains.

    nice -n 10 python tools/benchmark_mic.py --seeds 1,2,3 --iters 2000
    python tools/benchmark_mic.py --source-json src.json --source-images src/ \
        --target-voc-root fog_voc --classes person,car,bus --seeds 1,2,3

Run on a quiet machine; finished runs in --output-dir are reused.
"""

import argparse
import os

from labeleff.projects.mic_uda.benchmark import (
    VARIANTS,
    data_overrides,
    format_table,
    run_benchmark,
)
from labeleff.projects.mic_uda.benchmark_report import write_report_png


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    for domain in ("source", "target"):
        p.add_argument(f"--{domain}-json", help=f"{domain}: COCO json")
        p.add_argument(f"--{domain}-images", help=f"{domain}: image folder of --{domain}-json")
        p.add_argument(f"--{domain}-voc-root", help=f"{domain}: VOC folder (instead of a json)")
        p.add_argument(f"--{domain}-image-set", help=f"{domain}: VOC ImageSets/Main/<name>.txt")
    p.add_argument("--classes", help="comma-separated class names both domains share")
    p.add_argument("--seeds", default="1,2,3", help="training seeds")
    p.add_argument("--iters", type=int, default=2000, help="iterations per variant")
    p.add_argument("--variants", default=",".join(VARIANTS), help=", ".join(VARIANTS))
    p.add_argument("--output-dir", default="./output/benchmark_mic")
    p.add_argument("--no-png", action="store_true", help="skip summary.png")
    p.add_argument(
        "--uda-opts",
        nargs="*",
        default=[],
        help="key=value overrides for the base UDA and MIC runs only (MIC model keys)",
    )
    p.add_argument("opts", nargs="*", default=[], help="extra key=value overrides for every run")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    data = data_overrides(
        args.classes.split(",") if args.classes else None,
        args.source_json,
        args.source_images,
        args.source_voc_root,
        args.source_image_set,
        args.target_json,
        args.target_images,
        args.target_voc_root,
        args.target_image_set,
    )
    variants = args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise SystemExit(f"--variants: unknown {unknown}; choose from {list(VARIANTS)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    result = run_benchmark(
        seeds, args.iters, args.output_dir, data, args.opts, variants, args.uda_opts
    )
    print(f"{'custom pair' if data else 'coco128 -> DAWN fog'}, {args.iters} iterations")
    print(format_table(result))
    if not args.no_png:
        png = os.path.join(args.output_dir, "summary.png")
        write_report_png(result, args.output_dir, png)
        print(f"wrote {os.path.join(args.output_dir, 'summary.json')} and {png}")
    return result


if __name__ == "__main__":
    main()
