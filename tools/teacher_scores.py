#!/usr/bin/env python
"""Per-class score evidence for pseudo-label thresholds: runs a checkpoint (a detector, or the
teacher / student of a teacher-student checkpoint) on a registered dataset that has annotations
(by default the config's unlabeled split, whose labels are hidden from training) and prints, per
class, detections per image, precision and recall above 0.3 / 0.5 / 0.7 / 0.9 and a TP / FP
score histogram. Writes the same as JSON (and a PNG of the histograms) with --output.

    python tools/teacher_scores.py --config-file configs/soft_teacher/bccd_10pct.py \
        --weights output/soft_teacher/bccd_10pct/model_0000199.pth --output scores_200.json
"""

import argparse
import json
import os

import torch
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.structures import BoxMode

import labeleff  # noqa: F401  # isort: skip
from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.projects.teacher_student.score_diagnostics import DEFAULT_THRESHOLDS, ScoreTally
from labeleff.tools_vis import load_model


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config-file", required=True)
    p.add_argument("--weights", required=True)
    p.add_argument(
        "--dataset",
        default="unlabeled",
        help="key of the config's `datasets` node (default: unlabeled)",
    )
    p.add_argument(
        "--model",
        choices=["teacher", "student"],
        default="teacher",
        help="which model of a teacher-student checkpoint (ignored for detectors)",
    )
    p.add_argument("--max-images", type=int, default=0, help="0: all")
    p.add_argument("--thresholds", default=",".join(map(str, DEFAULT_THRESHOLDS)))
    p.add_argument("--output", default="", help="JSON file (a PNG is written beside it)")
    p.add_argument("opts", nargs=argparse.REMAINDER, default=[])
    return p.parse_args(argv)


def build_detector(cfg, weights: str, which: str):
    """The checkpoint's detector: `which` ("teacher" / "student") of a teacher-student model."""
    model = load_model(cfg, weights)
    return getattr(model, which) if hasattr(model, "teacher") else model


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config_file, args.opts)
    register_datasets(cfg)
    if args.dataset not in cfg.datasets:
        raise KeyError(
            f"teacher_scores: --dataset {args.dataset!r} is not in the config's datasets "
            f"({', '.join(cfg.datasets)})"
        )
    name = cfg.datasets[args.dataset].name
    records = DatasetCatalog.get(name)
    if args.max_images:
        records = records[: args.max_images]
    if not any(r.get("annotations") for r in records):
        raise ValueError(f"teacher_scores: dataset {name!r} has no annotations to compare with")
    classes = MetadataCatalog.get(name).get("thing_classes", [])
    detector = build_detector(cfg, args.weights, args.model)
    tally = ScoreTally(
        detector.roi_heads.num_classes, [float(t) for t in args.thresholds.split(",")]
    )
    mapper = instantiate(cfg.dataloader.test.mapper)
    with torch.no_grad():
        for i, rec in enumerate(records):
            inp = mapper({k: v for k, v in rec.items() if k != "annotations"})
            inst = detector([inp])[0]["instances"].to("cpu")
            anns = [a for a in rec.get("annotations", []) if not a.get("iscrowd", 0)]
            gt = torch.tensor(
                [BoxMode.convert(a["bbox"], a["bbox_mode"], BoxMode.XYXY_ABS) for a in anns],
                dtype=torch.float32,
            ).reshape(-1, 4)
            gt_cls = torch.tensor([a["category_id"] for a in anns], dtype=torch.long)
            tally.add(inst.pred_boxes.tensor, inst.pred_classes, inst.scores, gt, gt_cls)
            if (i + 1) % 50 == 0:
                print(f"{i + 1}/{len(records)} images", flush=True)
    summary = tally.summary(classes)
    for cls, row in summary.items():
        cells = "  ".join(
            f"{t}: {v['per_image']:.2f}/img P {v['precision'] or 0:.2f} R {v['recall'] or 0:.2f}"
            for t, v in row.items()
            if t.startswith("@")
        )
        print(
            f"{cls:>12} gt/img {row['gt_per_image']:.2f} median TP {row['median_tp_score']} "
            f"FP {row['median_fp_score']} | {cells}"
        )
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as f:
            json.dump(
                {"weights": args.weights, "dataset": name, "model": args.model, "classes": summary},
                f,
                indent=1,
            )
        _plot(summary, os.path.splitext(args.output)[0] + ".png")


def _plot(summary, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(summary), figsize=(4 * len(summary), 3), squeeze=False)
    for ax, (cls, row) in zip(axes[0], summary.items()):
        bins = [i / 10 + 0.05 for i in range(10)]
        ax.bar(bins, row["histogram"]["tp"], width=0.04, label="TP", align="edge")
        ax.bar(
            [b - 0.04 for b in bins], row["histogram"]["fp"], width=0.04, label="FP", align="edge"
        )
        ax.set_title(cls)
        ax.set_xlabel("score")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


if __name__ == "__main__":
    main()
