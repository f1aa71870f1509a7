"""CamVid 1/8 labels: supervised-only vs PS-MT mIoU on val at equal iterations (small model, CPU).

nice -n 10 .venv/bin/python tools/benchmark_ps_mt.py --iters 800 --output-dir output/bench_ps_mt
"""

import argparse

import torch

from labeleff.projects.ps_mt.benchmark import BENCHMARK_CONFIGS, run_benchmark


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iters", type=int, default=2000, help="training iterations of each run")
    p.add_argument("--output-dir", default="output/bench_ps_mt")
    p.add_argument(
        "--methods", nargs="+", default=list(BENCHMARK_CONFIGS), choices=list(BENCHMARK_CONFIGS)
    )
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("opts", nargs=argparse.REMAINDER, help="config overrides key=value (both runs)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    results = run_benchmark(args.iters, args.output_dir, args.methods, args.opts)
    print(f"CamVid 1/8, {args.iters} iterations")
    for method, metrics in results.items():
        print(method, {k: round(v, 3) for k, v in metrics.items()})


if __name__ == "__main__":
    main()
