"""PS-MT vs its supervised twin on any segmentation folder pair (tools/benchmark_ps_mt.py): the
same labeled split (`dataloader.fraction`, `dataloader.split_seed`), student, optimizer and
iterations; per split seed the final mIoU and per-class IoU of the supervised model, the PS-MT
teacher ensemble and the PS-MT student, and the confident-pixel ratio / pseudo-label accuracy
after burn-in; mean +- std over seeds. CamVid 1/8 (configs/ps_mt/folder_split.py) by default."""

import json
import logging
import os
from typing import Dict, List, Optional, Sequence

from labeleff.benchmarking import (
    REPO,
    finished_run,
    last_record_with,
    mean_std,
    one_evaluation_overrides,
    run_train_net,
    write_summary,
)

__all__ = [
    "CONFIGS",
    "MODELS",
    "data_overrides",
    "read_run",
    "summarize",
    "run_benchmark",
    "format_table",
]

logger = logging.getLogger("labeleff")

CONFIGS = {
    "supervised": os.path.join(REPO, "configs", "ps_mt", "folder_split_supervised.py"),
    "ps_mt": os.path.join(REPO, "configs", "ps_mt", "folder_split.py"),
}
# evaluated model -> (run, metrics.json key prefix)
MODELS = {
    "supervised": ("supervised", ""),
    "ps_mt_ensemble": ("ps_mt", "teacher/"),
    "ps_mt_student": ("ps_mt", "student/"),
}
PSEUDO_KEYS = ("unsup/confident_ratio", "unsup/pseudo_label_accuracy")


def data_overrides(
    image_dir: Optional[str] = None,
    label_dir: Optional[str] = None,
    val_image_dir: Optional[str] = None,
    val_label_dir: Optional[str] = None,
    classes: Optional[Sequence[str]] = None,
    ignore_index: Optional[int] = None,
    image_ext: Optional[str] = None,
    fraction: str = "1/8",
) -> List[str]:
    """`dataloader.*` overrides of folder_split.py for the given folders (None: the config's
    CamVid value). A training pair needs its validation pair and class list: an error says
    which option is missing."""
    if image_dir or label_dir:
        missing = [
            flag
            for flag, v in (
                ("--image-dir", image_dir),
                ("--label-dir", label_dir),
                ("--val-image-dir", val_image_dir),
                ("--val-label-dir", val_label_dir),
                ("--classes", classes),
            )
            if not v
        ]
        if missing:
            raise ValueError(f"a custom folder pair also needs {', '.join(missing)}")
        for flag, path in (
            ("--image-dir", image_dir),
            ("--label-dir", label_dir),
            ("--val-image-dir", val_image_dir),
            ("--val-label-dir", val_label_dir),
        ):
            if not os.path.isdir(path):
                raise FileNotFoundError(f"{flag}: folder not found: {path}")
    out = [f"dataloader.fraction={fraction}"]
    for key, v in (
        ("train_images", image_dir),
        ("train_masks", label_dir),
        ("val_images", val_image_dir),
        ("val_masks", val_label_dir),
        ("image_ext", image_ext),
    ):
        if v:
            out.append(f"dataloader.{key}={os.path.abspath(v) if key != 'image_ext' else v}")
    if classes:
        out.append(f"dataloader.classes=[{','.join(repr(c) for c in classes)}]")
    if ignore_index is not None:
        out.append(f"dataloader.ignore_label={int(ignore_index)}")
    return out


def read_run(output_dir: str, run: str) -> Dict[str, dict]:
    """{model: {"mIoU", "IoU": {class: IoU}}} of one finished run, plus for PS-MT "pseudo":
    the mean of each PSEUDO_KEYS value over the logged windows that have it and the fraction
    of those windows with confident pixels (> 0)."""
    metrics_json = os.path.join(output_dir, "metrics.json")
    final = last_record_with(metrics_json, "sem_seg/mIoU")
    out = {}
    for model, (run_name, prefix) in MODELS.items():
        if run_name != run:
            continue
        head = f"{prefix}sem_seg/"
        out[model] = {
            "mIoU": final[head + "mIoU"],
            "IoU": {k[len(head) + 4 :]: v for k, v in final.items() if k.startswith(head + "IoU-")},
        }
    if run == "ps_mt":
        with open(metrics_json) as f:
            records = [json.loads(line) for line in f if line.strip()]
        windows = [r for r in records if PSEUDO_KEYS[0] in r]
        out["pseudo"] = {k: mean_std([r.get(k) for r in windows])["mean"] for k in PSEUDO_KEYS}
        out["pseudo"]["windows"] = len(windows)
        out["pseudo"]["windows_confident"] = (
            sum(r[PSEUDO_KEYS[0]] > 0 for r in windows) / len(windows) if windows else None
        )
    return out


def summarize(per_seed: Dict[int, Dict[str, dict]]) -> dict:
    """Mean +- std over seeds of every model's mIoU and per-class IoU, and of the gains
    (PS-MT ensemble / student minus supervised, in points, per seed)."""
    seeds = sorted(per_seed)
    models = [m for m in MODELS if all(m in per_seed[s] for s in seeds)]
    out = {"seeds": seeds, "models": {}}
    for m in models:
        classes = list(per_seed[seeds[0]][m]["IoU"])
        out["models"][m] = {
            "mIoU": mean_std([per_seed[s][m]["mIoU"] for s in seeds]),
            "IoU": {c: mean_std([per_seed[s][m]["IoU"].get(c) for s in seeds]) for c in classes},
        }
    if "supervised" in models:
        for m in ("ps_mt_ensemble", "ps_mt_student"):
            if m in models:
                out[f"gain_{m}"] = mean_std(
                    [per_seed[s][m]["mIoU"] - per_seed[s]["supervised"]["mIoU"] for s in seeds]
                )
    return out


def run_benchmark(
    seeds: Sequence[int],
    iters: int,
    output_dir: str,
    data: Sequence[str] = (),
    extra: Sequence[str] = (),
    runs: Sequence[str] = ("supervised", "ps_mt"),
    ps_mt_extra: Sequence[str] = (),
    supervised_extra: Sequence[str] = (),
) -> dict:
    """Train each run for each split seed (`<output_dir>/seed<k>/<run>`; a finished run, one
    whose metrics.json has the final evaluation, is reused; `extra` overrides go to every run,
    `ps_mt_extra` to the PS-MT run only, `supervised_extra` to the twin only: its model is the
    PS-MT run's `model.student`, so a student key is `model.student.x` there and `model.x`
    here) and write
    `<output_dir>/summary.json` = {"per_seed", "summary", "iters", "overrides"}."""
    per_seed = {}
    for seed in seeds:
        per_seed[seed] = {}
        for run in runs:
            out = os.path.join(output_dir, f"seed{seed}", run)
            if not finished_run(os.path.join(out, "metrics.json"), "sem_seg/mIoU", iters):
                overrides = [
                    *one_evaluation_overrides(iters),
                    "train.log_period=10",
                    f"dataloader.split_seed={seed}",
                    f"train.seed={seed}",
                    *data,
                    *extra,
                    *(ps_mt_extra if run == "ps_mt" else ()),
                    *(supervised_extra if run == "supervised" else ()),
                ]
                wall = run_train_net(CONFIGS[run], overrides, out)
                logger.info(f"seed {seed} {run}: {wall / 60:.1f} min")
            per_seed[seed].update(read_run(out, run))
    result = {
        "iters": iters,
        "overrides": [*data, *extra],
        "ps_mt_overrides": list(ps_mt_extra),
        "supervised_overrides": list(supervised_extra),
        "per_seed": per_seed,
        "summary": summarize(per_seed),
    }
    write_summary(output_dir, result)
    return result


def format_table(result: dict) -> str:
    """Per seed and mean +- std: mIoU of each model, gains, confident-pixel ratio."""
    s = result["summary"]
    models = list(s["models"])
    lines = ["seed | " + " | ".join(models) + " | ensemble - sup | confident | PL acc"]
    for seed in s["seeds"]:
        r = result["per_seed"][seed]
        cells = [f"{r[m]['mIoU']:.2f}" for m in models]
        gain = (
            f"{r['ps_mt_ensemble']['mIoU'] - r['supervised']['mIoU']:+.2f}"
            if "ps_mt_ensemble" in r and "supervised" in r
            else "-"
        )
        p = r.get("pseudo", {})
        conf, acc = p.get(PSEUDO_KEYS[0]), p.get(PSEUDO_KEYS[1])
        lines.append(
            f"{seed} | "
            + " | ".join(cells)
            + f" | {gain} | {conf if conf is None else round(conf, 3)}"
            + f" | {acc if acc is None else round(acc, 3)}"
        )

    def ms(d):
        return "-" if d["mean"] is None else f"{d['mean']:.2f} +- {d['std']:.2f}"

    gain = s.get("gain_ps_mt_ensemble")
    lines.append(
        "mean | "
        + " | ".join(ms(s["models"][m]["mIoU"]) for m in models)
        + f" | {ms(gain) if gain else '-'} | |"
    )
    classes = list(s["models"][models[0]]["IoU"])
    lines.append("")
    lines.append("class | " + " | ".join(models))
    for c in classes:
        lines.append(f"{c} | " + " | ".join(ms(s["models"][m]["IoU"][c]) for m in models))
    return "\n".join(lines)
