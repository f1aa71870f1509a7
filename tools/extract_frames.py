#!/usr/bin/env python
"""Extract frames from videos as JPEGs: every N-th frame (--stride) or a seeded random fraction.

python tools/extract_frames.py VIDEO [VIDEO ...] --out-dir frames/ [--stride 25 | --fraction 0.05]
"""

import argparse
import sys

from labeleff.projects.pretrain.frames import VideoReadError, extract_frames


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("videos", nargs="+")
    p.add_argument("--out-dir", required=True)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--stride", type=int, default=None, help="keep frames 0, N, 2N, ...")
    g.add_argument(
        "--fraction",
        type=float,
        default=0.05,
        help="keep each frame with this probability (FloW write-up: ~5%%)",
    )
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    total = 0
    for i, video in enumerate(args.videos):
        try:
            paths = extract_frames(
                video, args.out_dir, stride=args.stride, fraction=args.fraction, seed=args.seed + i
            )
        except VideoReadError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(f"{video}: {len(paths)} frames -> {args.out_dir}")
        total += len(paths)
    print(f"total: {total} frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
