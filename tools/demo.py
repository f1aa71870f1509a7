#!/usr/bin/env python
"""The main job (`make demo`): train the CPU demo config on the project's synthetic data,
evaluate it (AP printed) and write Visualizer PNGs of its predictions.

    python tools/demo.py [--config-file F] [key=value ...]
"""
import argparse
import glob
import os
import time

import labeleff  # noqa: F401
from labeleff.config import load_config
from labeleff.engine.train_net import main, parse_args

DEFAULT = "configs/soft_teacher/demo_cpu.py"

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config-file", default=DEFAULT)
    p.add_argument("opts", nargs=argparse.REMAINDER, default=[])
    a = p.parse_args()
    t0 = time.time()
    args = parse_args(["--config-file", a.config_file, *a.opts])
    res = main(args)
    out = load_config(a.config_file, args.opts).train.output_dir
    print("\n=== demo finished in %.1f min ===" % ((time.time() - t0) / 60))
    for key, metrics in res.items():
        print(f"{key}: AP={metrics['AP']:.1f}  AP50={metrics['AP50']:.1f}  AP75={metrics['AP75']:.1f}")
    pngs = sorted(glob.glob(os.path.join(out, "**", "*.png"), recursive=True))
    print(f"outputs: {os.path.abspath(out)} (metrics.json, log.txt, model_final.pth, {len(pngs)} PNGs)")
    for f in pngs[:8]:
        print("  ", f)
