#!/usr/bin/env python
"""Target-domain AP50 of source-only vs base UDA (domain classifiers) vs MIC on coco128 -> DAWN fog
(configs/mic_uda/coco128_to_dawnfog*.py): same tiny detector, same number of iterations.

    nice -n 10 python tools/benchmark_mic.py --iters 300 --output-dir output/mic_benchmark
"""

import argparse
import os

from labeleff.projects.mic_uda.benchmark import VARIANTS, format_table, run_benchmark

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iters", type=int, default=2000, help="iterations per variant")
    parser.add_argument("--output-dir", default="output/mic_benchmark")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("overrides", nargs="*", help="key=value config overrides for every run")
    args = parser.parse_args()
    os.makedirs(args.output_dir, exist_ok=True)
    results = run_benchmark(
        REPO, args.iters, os.path.abspath(args.output_dir), args.variants, args.seed, args.overrides
    )
    table = format_table(results)
    print(table)
    with open(os.path.join(args.output_dir, "results.md"), "w") as f:
        f.write(f"coco128 -> DAWN fog, {args.iters} iterations per variant, seed {args.seed}\n\n")
        f.write(table + "\n")


if __name__ == "__main__":
    main()
