#!/usr/bin/env python
"""The main job (`make demo`): on the project's synthetic data, train the supervised twin and Soft
Teacher on the same labeled split (2 % of the demo train set: 4 images), evaluate both, and print
their APs, the ratio, the pseudo-labels per image over time and where the PNGs are.

    python tools/demo.py [--config-file F] [--supervised-config F | --no-supervised] [key=value ...]

Overrides apply to both runs (e.g. `train.max_iter=300`); the supervised twin goes to
`<output_dir>/supervised`.
"""

import argparse
import glob
import json
import os
import time

import labeleff  # noqa: F401  # isort: skip
from labeleff.config import ConfigKeyError, load_config
from labeleff.engine.log_scope import training_log_scope
from labeleff.engine.train_net import main, parse_args

DEFAULT = "configs/soft_teacher/demo_cpu.py"
SUPERVISED = "configs/soft_teacher/supervised_demo_cpu.py"
CURVE_KEYS = ("pseudo_label/boxes_per_image", "soft_teacher/num_cls_pseudo")


def pseudo_label_windows(metrics_json: str, burn_in: int) -> dict:
    """{key: [(iteration, value), ...]} of the logged windows after burn-in, for CURVE_KEYS, of the
    latest run only (Detectron2's JSONWriter appends: a rerun into the same folder starts again
    near iteration 0; records of one run may be a step out of order, a resumed run continues)."""
    out = {k: [] for k in CURVE_KEYS}
    furthest = -1
    with open(metrics_json) as f:
        for line in f:
            row = json.loads(line)
            if row["iteration"] < furthest // 2:  # a new run from the start: drop the older one
                out = {k: [] for k in CURVE_KEYS}
                furthest = -1
            furthest = max(furthest, row["iteration"])
            for k in CURVE_KEYS:
                if k in row and row["iteration"] >= burn_in:
                    out[k].append((row["iteration"], row[k]))
    return out


def _ap(results: dict, prefix: str = "") -> dict:
    key = next(k for k in results if k.endswith("bbox") and k.startswith(prefix))
    return results[key]


def supervised_overrides(config_file, opts):
    """The Soft Teacher overrides that mean something for the supervised twin: `model.student.X`
    becomes `model.X`; keys the twin does not have (teacher-student only) are left out."""
    out = []
    for opt in opts:
        opt = (
            opt.replace("model.student.", "model.", 1) if opt.startswith("model.student.") else opt
        )
        try:
            load_config(config_file, [opt])
        except ConfigKeyError:
            print(f"[demo] supervised twin: '{opt}' does not apply, left out")
            continue
        out.append(opt)
    return out


def run(config_file, opts, output_dir=None):
    extra = [f"train.output_dir={output_dir}"] if output_dir else []
    args = parse_args(["--config-file", config_file, *opts, *extra])
    with training_log_scope():  # each run logs to its own log.txt, once to stdout
        return main(args), load_config(config_file, args.opts)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config-file", default=DEFAULT)
    p.add_argument("--supervised-config", default=SUPERVISED)
    p.add_argument("--no-supervised", action="store_true", help="train Soft Teacher only")
    p.add_argument("opts", nargs=argparse.REMAINDER, default=[])
    a = p.parse_args()
    t0 = time.time()
    cfg = load_config(a.config_file, a.opts)
    out = cfg.train.output_dir
    sup_res = None
    if not a.no_supervised:
        sup_opts = supervised_overrides(a.supervised_config, a.opts)
        sup_res, _ = run(a.supervised_config, sup_opts, os.path.join(out, "supervised"))
    t_sup = time.time() - t0
    res, cfg = run(a.config_file, a.opts)
    print(
        "\n=== demo finished in %.1f min (supervised %.1f, Soft Teacher %.1f) ==="
        % ((time.time() - t0) / 60, t_sup / 60, (time.time() - t0 - t_sup) / 60)
    )
    if sup_res:
        m = _ap(sup_res)
        print(f"supervised twin:      AP={m['AP']:.1f}  AP50={m['AP50']:.1f}")
    for key in sorted(k for k in res if k.endswith("bbox")):
        m = res[key]
        ratio = f"  ({m['AP'] / max(_ap(sup_res)['AP'], 1e-6):.2f}x supervised)" if sup_res else ""
        print(f"Soft Teacher {key.split('/')[0]:8s} AP={m['AP']:.1f}  AP50={m['AP50']:.1f}{ratio}")
    burn_in = int(cfg.model.get("burn_in_iters", 0))
    windows = pseudo_label_windows(os.path.join(out, "metrics.json"), burn_in)
    cls = windows["soft_teacher/num_cls_pseudo"]
    if cls:
        fired = sum(v > 0 for _, v in cls) / len(cls)
        print(
            f"after burn-in ({burn_in} iterations): num_cls_pseudo > 0 in {fired:.0%} of "
            f"{len(cls)} logged windows"
        )
    boxes = windows["pseudo_label/boxes_per_image"]
    if boxes:
        step = max(1, len(boxes) // 8)
        print(
            "classification pseudo-labels / image (teacher, above the class thresholds):",
            "  ".join(f"it {it}: {v:.1f}" for it, v in boxes[::step]),
        )
    pngs = sorted(glob.glob(os.path.join(out, "**", "*.png"), recursive=True))
    print(
        f"outputs: {os.path.abspath(out)} (metrics.json, log.txt, model_final.pth, "
        f"{len(pngs)} PNGs)"
    )
    curves = os.path.join(out, "pseudo_labels.png")
    if os.path.isfile(curves):
        print(f"   pseudo-label curves: {curves}")
    for f in [f for f in pngs if f != curves][:8]:
        print("  ", f)
