"""Soft Teacher against its supervised twin on any detection dataset
(tools/benchmark_soft_teacher.py
accuracy): the same labeled split, detector, labeled batch and iterations; several split seeds;
Soft Teacher with the paper's fixed thresholds and with the adaptive recipe of the CPU configs.

Each run is `tools/train_net.py` in a subprocess (its log in `<output>/<seed>/<variant>/`); the
summary reads the runs' metrics.json (final AP, pseudo-label curves)."""

import json
import os
from typing import Dict, List, Optional, Sequence

from labeleff.benchmarking import REPO, mean_std

from .benchmark import final_metrics, train_and_evaluate

__all__ = [
    "VARIANTS",
    "FULL",
    "data_overrides",
    "pseudo_label_curve",
    "collapse_ratio",
    "summarize",
    "configured_eval_model",
    "run_accuracy",
    "write_report_png",
]

SEMI_CONFIG = os.path.join(REPO, "configs", "soft_teacher", "bccd_10pct.py")
SUPERVISED_CONFIG = os.path.join(REPO, "configs", "soft_teacher", "supervised_bccd_10pct.py")

# Soft Teacher variants as overrides of SEMI_CONFIG. "paper": the paper's fixed thresholds with no
# ignore band; "adaptive": per-class GMM thresholds over every teacher detection above the
# detector's test threshold, uncertain teacher boxes neither object nor background; "frequency":
# the same with per-class thresholds from the labeled class frequencies.
VARIANTS: Dict[str, List[str]] = {
    "paper": [
        "model.unsup_weight=4.0",
        "model.score_threshold_policy=fixed",
        "model.pseudo_label_initial_score_thr=0.5",
        "model.rpn_pseudo_threshold=0.9",
        "model.cls_pseudo_threshold=0.9",
        "model.cls_ignore_score_threshold=null",
    ],
    "adaptive": [
        "model.score_threshold_policy=gmm",
        "model.pseudo_label_initial_score_thr=0.05",
        "model.gmm_policy=high",
        "model.gmm_min_threshold=0.05",
        "model.gmm_max_threshold=0.9",
        "model.cls_ignore_score_threshold=0.05",
    ],
    # per-class thresholds that keep 0.5 x the labeled per-image count of each class per image
    "frequency": [
        "model.score_threshold_policy=frequency",
        "model.pseudo_label_initial_score_thr=0.05",
        "model.frequency_ratio=0.5",
        "model.frequency_carry=False",
        "model.gmm_min_threshold=0.05",
        "model.gmm_max_threshold=0.9",
        "model.cls_ignore_score_threshold=0.05",
    ],
}
# the demo's recipe: "frequency" with each class's fractional quota carried over batches, and a
# strong view without the paper's rotation and shear (translation, colour and erasing kept): a box
# projected through a rotation or shear encloses the turned box and is looser than the object
VARIANTS["frequency_carry_no_rotation"] = VARIANTS["frequency"] + [
    "model.frequency_carry=True",
    "dataloader.unlabeled.mapper.views.rotate=0",
    "dataloader.unlabeled.mapper.views.shear=0",
]
FULL = "supervised_full"  # run name: the supervised twin with 100 % of the images labeled
COUNT_KEY = "pseudo_label/boxes_per_image"
CURVE_KEYS = (
    COUNT_KEY,
    "pseudo_label/precision@0.5",
    "pseudo_label/recall@0.5",
    "soft_teacher/num_cls_pseudo",
)


def data_overrides(
    voc_root: Optional[str] = None,
    coco_json: Optional[str] = None,
    image_root: Optional[str] = None,
    test_json: Optional[str] = None,
    test_image_root: Optional[str] = None,
    classes: Optional[Sequence[str]] = None,
    name: str = "bench",
) -> List[str]:
    """Overrides of the `dataloader.*` data keys of SEMI_CONFIG (and its supervised twin) for a
    VOC folder or COCO jsons. None keeps the config's data (BCCD)."""
    out = []
    if coco_json:
        if not (image_root and test_json):
            raise ValueError("--coco-json needs --image-root and --test-json")
        if not classes:
            with open(coco_json) as f:
                cats = sorted(json.load(f)["categories"], key=lambda c: c["id"])
            classes = [c["name"] for c in cats]
        out += [
            f"dataloader.coco_train_json={os.path.abspath(coco_json)}",
            f"dataloader.coco_train_images={os.path.abspath(image_root)}",
            f"dataloader.coco_test_json={os.path.abspath(test_json)}",
            f"dataloader.coco_test_images={os.path.abspath(test_image_root or image_root)}",
        ]
    elif voc_root:
        if not classes:
            raise ValueError("--voc-root needs --classes (the VOC class names, in order)")
        out.append(f"dataloader.voc_root={os.path.abspath(voc_root)}")
    else:
        return []
    names = ",".join(json.dumps(c) for c in classes)
    out += [f"dataloader.class_names=[{names}]", f"dataloader.dataset_name={name}"]
    return out


def num_classes_override(data: List[str], semi: bool) -> List[str]:
    """`roi_heads.num_classes` from the `dataloader.class_names` override (if any)."""
    for o in data:
        if o.startswith("dataloader.class_names="):
            n = len(json.loads(o.split("=", 1)[1]))
            node = "model.student" if semi else "model"
            return [f"{node}.roi_heads.num_classes={n}"]
    return []


def pseudo_label_curve(metrics_json: str, keys: Sequence[str] = CURVE_KEYS) -> Dict[str, list]:
    """{"iteration": [...], key: [...]} over the logged windows that have `COUNT_KEY`."""
    curve = {"iteration": [], **{k: [] for k in keys}}
    with open(metrics_json) as f:
        for line in f:
            r = json.loads(line)
            if COUNT_KEY not in r:
                continue
            curve["iteration"].append(r["iteration"])
            for k in keys:
                curve[k].append(r.get(k, float("nan")))
    return curve


def collapse_ratio(counts: Sequence[float], level_windows: int = 2) -> Optional[float]:
    """Lowest pseudo-boxes/image after burn-in relative to its post-burn-in level (mean of the
    first `level_windows` logged windows); < 0.5 is a collapse. None without data."""
    if len(counts) <= level_windows:
        return None
    level = sum(counts[:level_windows]) / level_windows
    if level <= 0:
        return 0.0
    return min(counts[level_windows:]) / level


def configured_eval_model(extra: Sequence[str] = ()) -> str:
    """`model.eval_model` of SEMI_CONFIG after the `extra` overrides: the model whose AP is the
    method's result ("teacher" or "student")."""
    for o in reversed(list(extra)):
        if o.startswith("model.eval_model="):
            return o.split("=", 1)[1]
    from detectron2.config import LazyConfig

    return LazyConfig.load(SEMI_CONFIG).model.eval_model


def summarize(runs: Dict[int, Dict[str, dict]], eval_model: str = "teacher") -> dict:
    """Per-seed rows and mean +- std per variant.

    Args:
        runs: seed -> {"supervised": metrics, "<variant>": metrics (+ "curve")}; metrics hold
            "bbox/AP" (supervised) or "teacher/bbox/AP" and "student/bbox/AP".
        eval_model: the model the configs evaluate as the method's result.
    """
    rows, per_variant = [], {}
    for seed, by_name in sorted(runs.items()):
        sup = by_name["supervised"]
        full = by_name.get(FULL, {}).get("bbox/AP")
        for variant, m in by_name.items():
            if variant in ("supervised", FULL):
                continue
            row = {
                "seed": seed,
                "variant": variant,
                "supervised_AP": sup["bbox/AP"],
                "supervised_AP50": sup["bbox/AP50"],
                "teacher_AP": m["teacher/bbox/AP"],
                "teacher_AP50": m["teacher/bbox/AP50"],
                "student_AP": m["student/bbox/AP"],
                "student_AP50": m["student/bbox/AP50"],
            }
            # all training images labeled, same iterations: what labels alone give at this
            # schedule (the most a semi-supervised method can be expected to approach)
            row["full_AP"] = full
            row["full_ratio"] = (
                full / sup["bbox/AP"] if full is not None and sup["bbox/AP"] else None
            )
            row["ratio"] = row[f"{eval_model}_AP"] / sup["bbox/AP"] if sup["bbox/AP"] else None
            best = max(row["teacher_AP"], row["student_AP"])
            row["ratio_best"] = best / sup["bbox/AP"] if sup["bbox/AP"] else None
            curve = m.get("curve", {})
            counts = curve.get(COUNT_KEY, [])
            row["collapse_ratio"] = collapse_ratio(counts)
            cls = curve.get("soft_teacher/num_cls_pseudo", [])
            row["windows_with_cls_pseudo"] = (
                sum(1 for c in cls if c > 0) / len(cls) if cls else None
            )
            rows.append(row)
            per_variant.setdefault(variant, []).append(row)
    means = {
        variant: {
            k: mean_std([r[k] for r in vrows]) for k in vrows[0] if k not in ("seed", "variant")
        }
        for variant, vrows in per_variant.items()
    }
    return {"eval_model": eval_model, "rows": rows, "mean_std": means}


def run_accuracy(
    seeds: Sequence[int],
    iters: int,
    output_dir: str,
    data: Sequence[str] = (),
    percent: float = 10,
    variants: Sequence[str] = ("paper", "adaptive"),
    burn_in_fraction: float = 1 / 3,
    extra: Sequence[str] = (),
    full_supervision: bool = False,
) -> dict:
    """Train the supervised twin and each Soft Teacher variant for every split seed (finished runs
    with a metrics.json evaluation are reused, so an interrupted benchmark continues).
    `full_supervision`: also the supervised model with every training image labeled (FULL)."""
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise KeyError(f"unknown Soft Teacher variant(s) {unknown}; known: {sorted(VARIANTS)}")
    runs = {}
    for seed in seeds:
        common = [
            *data,
            f"dataloader.percent={percent:g}",
            f"dataloader.seed={seed}",
            f"train.seed={seed}",
            f"train.max_iter={iters}",  # LR steps and warm-up keep their fractions
            f"train.checkpointer.period={iters}",
            *extra,
        ]
        jobs = [("supervised", SUPERVISED_CONFIG, common + num_classes_override(data, False))]
        if full_supervision:
            full = common + num_classes_override(data, False) + ["dataloader.percent=100"]
            jobs.append((FULL, SUPERVISED_CONFIG, full))
        for v in variants:
            semi = common + num_classes_override(data, True) + VARIANTS[v]
            semi.append(f"model.burn_in_iters={int(iters * burn_in_fraction)}")
            jobs.append((v, SEMI_CONFIG, semi))
        runs[seed] = {}
        for name, config, overrides in jobs:
            out = os.path.join(output_dir, f"seed{seed}", name)
            metrics_json = os.path.join(out, "metrics.json")
            try:
                metrics = final_metrics(metrics_json)
                if metrics.get("iteration", -1) + 1 < iters:
                    raise ValueError("unfinished")
            except (OSError, ValueError):
                metrics = train_and_evaluate(config, overrides, out)
            if name not in ("supervised", FULL):
                metrics["curve"] = pseudo_label_curve(metrics_json)
            runs[seed][name] = metrics
    return runs


def write_report_png(summary: dict, runs: Dict[int, Dict[str, dict]], path: str) -> str:
    """AP per seed (supervised, teacher, student per variant) and the pseudo-label curves."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_ap, ax_count, ax_pr) = plt.subplots(1, 3, figsize=(16, 4.5))
    labels, values = [], []
    for r in summary["rows"]:
        if not any(lab == f"s{r['seed']} supervised" for lab in labels):
            labels.append(f"s{r['seed']} supervised")
            values.append(r["supervised_AP"])
        labels += [f"s{r['seed']} {r['variant']} T", f"s{r['seed']} {r['variant']} S"]
        values += [r["teacher_AP"], r["student_AP"]]
    ax_ap.barh(range(len(values)), values)
    ax_ap.set_yticks(range(len(values)), labels, fontsize=7)
    ax_ap.set_xlabel("AP")
    ax_ap.invert_yaxis()
    for seed, by_name in sorted(runs.items()):
        for name, m in by_name.items():
            curve = m.get("curve")
            if not curve:
                continue
            (line,) = ax_count.plot(curve["iteration"], curve[COUNT_KEY], label=f"s{seed} {name}")
            color = line.get_color()  # one colour per run: precision solid, recall dashed
            ax_pr.plot(
                curve["iteration"],
                curve["pseudo_label/precision@0.5"],
                color=color,
                label=f"s{seed} {name} P",
            )
            ax_pr.plot(
                curve["iteration"],
                curve["pseudo_label/recall@0.5"],
                "--",
                color=color,
                label=f"s{seed} {name} R",
            )
    ax_count.set_title("classification pseudo-labels / image")
    ax_pr.set_title("pseudo-label precision / recall @0.5 (hidden labels)")
    for ax in (ax_count, ax_pr):
        ax.set_xlabel("iteration")
        ax.legend(fontsize=6)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
