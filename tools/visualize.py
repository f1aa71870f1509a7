#!/usr/bin/env python
"""Draw predictions of a trained model (and ground truth) with Detectron2's Visualizer.

    # predictions on a registered dataset (the config's test set), next to its ground truth
    python tools/visualize.py --config-file configs/baselines/faster_rcnn_demo_cpu.py \
        --weights output/faster_rcnn_demo_cpu/model_final.pth --output vis/ --max-images 8
    # predictions on image files
    python tools/visualize.py --config-file F --weights W --input a.jpg b.jpg --output vis/
    # ground truth only (no model)
    python tools/visualize.py --config-file F --gt-only --output vis/
"""

import argparse
import os

import labeleff  # noqa: F401  # isort: skip
from labeleff.tools_vis import run

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    p.add_argument("--config-file", required=True)
    p.add_argument("--weights", default="", help="checkpoint (default: train.init_checkpoint)")
    p.add_argument("--input", nargs="*", default=None, help="image files (default: the test set)")
    p.add_argument("--output", required=True, help="folder for the PNGs")
    p.add_argument("--max-images", type=int, default=8)
    p.add_argument("--score-thresh", type=float, default=0.5)
    p.add_argument("--gt-only", action="store_true", help="draw the test set's ground truth only")
    p.add_argument("opts", nargs=argparse.REMAINDER, default=[])
    args = p.parse_args()
    paths = run(args)
    print(f"wrote {len(paths)} PNGs to {os.path.abspath(args.output)}")
