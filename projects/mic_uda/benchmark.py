"""Source-only vs base UDA (domain classifiers) vs base UDA + MIC on a labeled domain pair
(tools/benchmark_mic.py): the same detector, source loader, iterations and target evaluation per
variant, over several seeds. Each run is one `tools/train_net.py` process; the numbers come from
its metrics.json. coco128 -> DAWN fog (configs/mic_uda/coco128_to_dawnfog*.py) by default, any
pair through configs/mic_uda/domain_pair*.py."""

import json
import logging
import os
from typing import Dict, List, Optional, Sequence

import numpy as np

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
    "VARIANTS",
    "variant_config",
    "data_overrides",
    "read_metrics",
    "summarize",
    "run_benchmark",
    "format_table",
]

logger = logging.getLogger("labeleff")
_CONFIGS = os.path.join(REPO, "configs", "mic_uda")
# variant -> (semi-supervised config?, extra overrides)
VARIANTS = {
    "source_only": (False, []),
    "base_uda": (True, ["model.mic=False"]),
    "mic": (True, []),
}
MIC_LOSS = "unsup/loss_mic_cls"
PSEUDO_KEYS = (
    "pseudo_label/boxes_per_image",
    "pseudo_label/precision@0.5",
    "pseudo_label/recall@0.5",
)


def variant_config(variant: str, custom_data: bool) -> str:
    """The config file of a variant: coco128_to_dawnfog(_source_only).py, or
    domain_pair(_source_only).py for a pair given on the command line."""
    semi, _ = VARIANTS[variant]
    stem = "domain_pair" if custom_data else "coco128_to_dawnfog"
    return os.path.join(_CONFIGS, stem + ("" if semi else "_source_only") + ".py")


def data_overrides(
    classes: Optional[Sequence[str]] = None,
    source_json: Optional[str] = None,
    source_images: Optional[str] = None,
    source_voc_root: Optional[str] = None,
    source_image_set: Optional[str] = None,
    target_json: Optional[str] = None,
    target_images: Optional[str] = None,
    target_voc_root: Optional[str] = None,
    target_image_set: Optional[str] = None,
) -> List[str]:
    """`dataloader.*` overrides of domain_pair.py; [] for the default pair (coco128 -> DAWN fog).
    Each domain is a COCO json + image folder or a VOC folder; the shared class names are
    required. Errors name the option."""
    given = {
        "source": (source_json, source_images, source_voc_root, source_image_set),
        "target": (target_json, target_images, target_voc_root, target_image_set),
    }
    if not any(v for vals in given.values() for v in vals) and not classes:
        return []
    out = []
    for domain, (json_file, images, voc_root, image_set) in given.items():
        flag = f"--{domain}"
        if voc_root and (json_file or images):
            raise ValueError(f"{flag}: give {flag}-voc-root or {flag}-json/{flag}-images, not both")
        if voc_root:
            if not os.path.isdir(voc_root):
                raise FileNotFoundError(f"{flag}-voc-root: folder not found: {voc_root}")
            out.append(f"dataloader.{domain}_voc_root={os.path.abspath(voc_root)}")
            if image_set:
                out.append(f"dataloader.{domain}_image_set={image_set}")
        elif json_file and images:
            for opt, path, check in ((f"{flag}-json", json_file, os.path.isfile),
                                     (f"{flag}-images", images, os.path.isdir)):  # fmt: skip
                if not check(path):
                    raise FileNotFoundError(f"{opt}: not found: {path}")
            out += [
                f"dataloader.{domain}_json={os.path.abspath(json_file)}",
                f"dataloader.{domain}_images={os.path.abspath(images)}",
            ]
        else:
            raise ValueError(
                f"the {domain} domain needs {flag}-voc-root or {flag}-json and -images"
            )
    if not classes:
        raise ValueError("--classes: the class names both domains share are required")
    out.append(f"dataloader.classes=[{','.join(repr(c) for c in classes)}]")
    return out


def read_metrics(metrics_json: str) -> Dict[str, float]:
    """The last evaluation's target AP50 / AP (student; teacher where there is one), and over the
    logged windows that have them (after burn-in: the engine computes no unsupervised term
    before): the fraction with a non-zero MIC loss, the means of the pseudo-boxes per image and
    of their precision / recall against the hidden target labels."""
    with open(metrics_json) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    final = last_record_with(metrics_json, "bbox/AP50")
    out = {}
    for key, value in final.items():
        if key in ("bbox/AP50", "bbox/AP"):  # a plain detector: the student
            out[f"student_{key[5:]}"] = value
        elif key.endswith("/bbox/AP50") or key.endswith("/bbox/AP"):
            model, _, metric = key.split("/")
            out[f"{model}_{metric}"] = value
    windows = [r for r in rows if MIC_LOSS in r]
    if windows:
        out["mic_loss_nonzero"] = sum(r[MIC_LOSS] > 0 for r in windows) / len(windows)
        out["windows"] = len(windows)
    for key in PSEUDO_KEYS:
        values = [r[key] for r in rows if key in r]
        if values:
            out[key] = mean_std(values)["mean"]
    per_window = [[v for k, v in r.items() if k.startswith("da/accuracy_")] for r in rows]
    accuracy = [float(np.mean(values)) for values in per_window if values]
    if accuracy:  # the last quarter of the run: has the classifier learned the domains?
        out["da_accuracy"] = float(np.mean(accuracy[-max(1, len(accuracy) // 4) :]))
    return out


def summarize(per_seed: Dict[int, Dict[str, dict]], model: str = "student") -> dict:
    """Mean +- std over seeds of each variant's target AP50 (of `model`, what the configs
    evaluate: MIC's official choice is the student) and of the per-seed ratios to source-only;
    how many seeds have MIC above base UDA."""
    seeds = sorted(per_seed)
    variants = [v for v in VARIANTS if all(v in per_seed[s] for s in seeds)]
    key = f"{model}_AP50"
    out = {"seeds": seeds, "model": model, "variants": {}}
    for v in variants:
        aps = [per_seed[s][v].get(key) for s in seeds]
        entry = {"AP50": mean_std(aps)}
        if "source_only" in variants and v != "source_only":
            entry["ratio"] = mean_std(
                [per_seed[s][v][key] / per_seed[s]["source_only"][key] for s in seeds
                 if per_seed[s]["source_only"][key]]  # fmt: skip
            )
        if "mic_loss_nonzero" in per_seed[seeds[0]][v]:
            entry["mic_loss_nonzero"] = mean_std(
                [per_seed[s][v].get("mic_loss_nonzero") for s in seeds]
            )
        out["variants"][v] = entry
    if {"mic", "base_uda"} <= set(variants):
        out["mic_above_base_uda"] = sum(
            per_seed[s]["mic"][key] > per_seed[s]["base_uda"][key] for s in seeds
        )
    return out


def run_benchmark(
    seeds: Sequence[int],
    iters: int,
    output_dir: str,
    data: Sequence[str] = (),
    extra: Sequence[str] = (),
    variants: Sequence[str] = tuple(VARIANTS),
    uda_extra: Sequence[str] = (),
) -> dict:
    """Every variant for every seed (`<output_dir>/seed<k>/<variant>`; a run whose metrics.json
    has the final evaluation is reused); `extra` overrides go to every run, `uda_extra` to the
    base UDA and MIC runs only (keys of the MIC model, e.g. `model.score_threshold`). Writes
    `<output_dir>/summary.json`."""
    per_seed = {}
    for seed in seeds:
        per_seed[seed] = {}
        for variant in variants:
            out = os.path.join(output_dir, f"seed{seed}", variant)
            metrics_json = os.path.join(out, "metrics.json")
            if not finished_run(metrics_json, "bbox/AP50", iters):
                overrides = [
                    *one_evaluation_overrides(iters),
                    f"train.seed={seed}",
                    *VARIANTS[variant][1],
                    *data,
                    *extra,
                    *(uda_extra if VARIANTS[variant][0] else ()),
                ]
                wall = run_train_net(variant_config(variant, bool(data)), overrides, out)
                logger.info(f"seed {seed} {variant}: {wall / 60:.1f} min")
            per_seed[seed][variant] = read_metrics(metrics_json)
    result = {
        "iters": iters,
        "overrides": [*data, *extra],
        "uda_overrides": list(uda_extra),
        "per_seed": per_seed,
        "summary": summarize(per_seed),
    }
    write_summary(output_dir, result)
    return result


def format_table(result: dict) -> str:
    """Per seed: target AP50 of each variant (student / teacher) and x source-only, the fraction
    of post-burn-in windows with a MIC loss, pseudo-boxes per image; then mean +- std."""
    s = result["summary"]
    key = f"{s['model']}_AP50"
    lines = [
        "| seed | variant | target AP50 (student) | AP50 (teacher) | x source-only "
        "| MIC loss > 0 | pseudo-boxes / image | precision@0.5 | domain accuracy (last 25 %) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def f(v, fmt="{:.3f}"):
        return "-" if v is None else fmt.format(v)

    for seed in s["seeds"]:
        runs = result["per_seed"][seed]
        base = runs.get("source_only", {}).get(key)
        for v, r in runs.items():
            ratio = r[key] / base if base else None
            lines.append(
                f"| {seed} | {v} | {f(r.get('student_AP50'))} | {f(r.get('teacher_AP50'))} | "
                f"{f(ratio, '{:.2f}')} | {f(r.get('mic_loss_nonzero'), '{:.0%}')} | "
                f"{f(r.get(PSEUDO_KEYS[0]), '{:.2f}')} | {f(r.get(PSEUDO_KEYS[1]), '{:.2f}')} | "
                f"{f(r.get('da_accuracy'), '{:.2f}')} |"
            )
    for v, e in s["variants"].items():
        ap, ratio = e["AP50"], e.get("ratio")
        lines.append(
            f"| mean | {v} | {f(ap['mean'])} +- {f(ap['std'])} | | "
            + (f"{ratio['mean']:.2f} +- {ratio['std']:.2f}" if ratio and ratio["n"] else "-")
            + " | | | | |"
        )
    if "mic_above_base_uda" in s:
        lines.append(f"\nMIC > base UDA on {s['mic_above_base_uda']} of {len(s['seeds'])} seeds")
    return "\n".join(lines)
