"""RefineDet vs RetinaNet vs Faster R-CNN on one backbone (ImageNet EfficientNet-Lite0, frozen),
one input size (320 x 320), one data recipe and one schedule (tools/benchmark_refinedet.py): each
detector trained for every seed, evaluated (COCO AP / AP50 / AP_small / per-class AP), RefineDet
also through its multi-scale + flip test with box voting, and the CPU throughput of each trained
detector at batch 1 on real test images, measured in the calling process after training.

Training and the multi-scale test run as `tools/train_net.py` subprocesses (a fresh dataset catalog
each); finished runs in the output folder are reused, so an interrupted benchmark continues."""

import json
import os
import statistics
import time
from typing import Callable, Dict, List, Optional, Sequence

import torch
from detectron2.config import instantiate

from labeleff.benchmarking import (
    REPO,
    finished_run,
    last_record_with,
    mean_std,
    one_evaluation_overrides,
    run_train_net,
    task_metrics,
)

__all__ = [
    "DETECTORS",
    "MULTISCALE",
    "data_overrides",
    "run_comparison",
    "summarize",
    "median_images_per_second",
    "interleaved_images_per_second",
    "measure_throughput",
    "format_table",
]

_C = os.path.join(REPO, "configs")
# name -> (config, its num_classes key): the same data node (configs/refinedet/common/bccd_320.py)
DETECTORS = {
    "refinedet": (f"{_C}/refinedet/bccd_lite0_320.py", "model.num_classes"),
    "retinanet": (f"{_C}/baselines/retinanet_lite0_bccd_320.py", "model.num_classes"),
    "faster_rcnn": (f"{_C}/baselines/faster_rcnn_lite0_bccd_320.py", "model.roi_heads.num_classes"),
}
MULTISCALE = "refinedet_multiscale"  # RefineDet's model_final through the multi-scale + flip test


def data_overrides(voc_root: Optional[str] = None, classes: Optional[Sequence[str]] = None):
    """Overrides of the `datasets` node for a VOC folder (ImageSets/Main/{train,test}.txt, checked
    here, before anything trains); None keeps BCCD. Returns (overrides, number of classes)."""
    if not voc_root:
        if classes:
            raise ValueError("--classes needs --voc-root (BCCD's classes are fixed)")
        return [], None
    if not classes:
        raise ValueError("--voc-root needs --classes (the VOC class names, in order)")
    root = os.path.abspath(voc_root)
    for part in ("train", "test"):
        path = os.path.join(root, "ImageSets", "Main", f"{part}.txt")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"--voc-root {voc_root}: image set not found: {path}")
    names = ",".join(json.dumps(c) for c in classes)
    out = [
        f"datasets.train.voc_root={root}",
        f"datasets.train.class_names=[{names}]",
        "datasets.train.name=refinedet_benchmark_train",
        "datasets.test.name=refinedet_benchmark_test",
    ]
    return out, len(classes)


def run_comparison(
    seeds: Sequence[int],
    iters: int,
    output_dir: str,
    data: Sequence[str] = (),
    num_classes: Optional[int] = None,
    detectors: Sequence[str] = tuple(DETECTORS),
    multiscale: bool = True,
    extra: Sequence[str] = (),
    run: Callable = run_train_net,
) -> Dict[int, Dict[str, dict]]:
    """Train every detector for every seed in `<output_dir>/seed<k>/<name>` (then RefineDet's
    multi-scale test in `.../refinedet_multiscale`). Returns {seed: {name: bbox metrics}}, the
    metrics without their "bbox/" prefix (AP, AP50, APs, AP-<class>, ...)."""
    unknown = [d for d in detectors if d not in DETECTORS]
    if unknown:
        raise KeyError(f"unknown detector(s) {unknown}; known: {sorted(DETECTORS)}")
    runs = {}
    for seed in seeds:
        runs[seed] = {}
        for name in detectors:
            config, classes_key = DETECTORS[name]
            out = os.path.join(output_dir, f"seed{seed}", name)
            metrics_json = os.path.join(out, "metrics.json")
            opts = [*data, *one_evaluation_overrides(iters), f"train.seed={seed}", *extra]
            if num_classes is not None:
                opts.append(f"{classes_key}={num_classes}")
            trained = not finished_run(metrics_json, "bbox/AP", iters)
            if trained:
                run(config, opts, out)
            runs[seed][name] = task_metrics(last_record_with(metrics_json, "bbox/AP"))
            if name == "refinedet" and multiscale:
                ms_out = os.path.join(out, MULTISCALE)
                ms_json = os.path.join(ms_out, "eval_results.json")
                checkpoint = os.path.join(out, "model_final.pth")
                if trained or not os.path.isfile(ms_json):  # a new model_final: test it again
                    ms_opts = [*opts, f"train.init_checkpoint={checkpoint}"]
                    run(config, [*ms_opts, "model.multiscale_test=True"], ms_out, ["--eval-only"])
                with open(ms_json) as f:
                    runs[seed][MULTISCALE] = json.load(f)["results"]["bbox"]
    return runs


def summarize(runs: Dict[int, Dict[str, dict]], throughput: Optional[Dict[str, dict]] = None):
    """{name: {metric: {mean, std, n}}} over seeds, the ratios the issue asks about (RefineDet
    AP / RetinaNet AP, multi-scale - single-scale AP) per seed and as mean +- std, and the
    throughput of each detector if measured."""
    names = sorted({n for per in runs.values() for n in per})
    out = {"per_detector": {}, "ratios": {}}
    for name in names:
        rows = [per[name] for per in runs.values() if name in per]
        metrics = sorted({k for r in rows for k in r})
        out["per_detector"][name] = {m: mean_std([r.get(m) for r in rows]) for m in metrics}

    def paired(fn, a, b):
        values = [fn(per[a]["AP"], per[b]["AP"]) for per in runs.values() if a in per and b in per]
        return {"per_seed": values, **mean_std(values)}

    if "refinedet" in names and "retinanet" in names:
        out["ratios"]["refinedet_AP / retinanet_AP"] = paired(
            lambda a, b: a / b, "refinedet", "retinanet"
        )
    if "refinedet" in names and "faster_rcnn" in names:
        out["ratios"]["refinedet_AP / faster_rcnn_AP"] = paired(
            lambda a, b: a / b, "refinedet", "faster_rcnn"
        )
    if MULTISCALE in names:
        out["ratios"]["multiscale_AP - single_AP"] = paired(
            lambda a, b: a - b, MULTISCALE, "refinedet"
        )
    if throughput:
        out["throughput"] = throughput
        if "refinedet" in throughput and "retinanet" in throughput:
            out["ratios"]["refinedet / retinanet images/s"] = (
                throughput["refinedet"]["images_per_s"] / throughput["retinanet"]["images_per_s"]
            )
    return out


def _timed_calls(model: Callable, batches: Sequence[List[Dict]], warmup: int, iters: int):
    """Seconds of each of `iters` calls after `warmup` untimed ones, cycling through `batches`."""
    times = []
    with torch.no_grad():
        for i in range(warmup + iters):
            batch = batches[i % len(batches)]
            t0 = time.perf_counter()
            model(batch)
            if i >= warmup:
                times.append(time.perf_counter() - t0)
    return times


def _rate(times: List[float]) -> Dict[str, float]:
    median = statistics.median(times)
    return {"images_per_s": 1.0 / median, "median_s": median, "timed_calls": len(times)}


def median_images_per_second(
    model: Callable, batches: Sequence[List[Dict]], warmup: int, iters: int
) -> Dict[str, float]:
    """Batch-1 throughput as 1 / median time of `iters` timed calls after `warmup` untimed ones,
    cycling through `batches` (each a one-image list as Detectron2 models take)."""
    if iters < 1 or not batches:
        raise ValueError("need at least one timed call and one input batch")
    return _rate(_timed_calls(model, batches, warmup, iters))


def interleaved_images_per_second(
    models: Dict[str, Callable],
    batches: Dict[str, Sequence[List[Dict]]],
    warmup: int,
    iters: int,
    rounds: int,
) -> Dict[str, Dict[str, float]]:
    """`median_images_per_second` of several models measured in `rounds` alternating blocks of
    `iters` calls (each block after `warmup` untimed calls), the median over all their calls: a
    slow spell of the machine falls on every model, not on whichever was being timed."""
    if iters < 1 or rounds < 1 or not all(batches.get(n) for n in models):
        raise ValueError("need at least one round, one timed call and input batches per model")
    times = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            times[name] += _timed_calls(model, batches[name], warmup, iters)
    return {name: {**_rate(t), "rounds": rounds} for name, t in times.items()}


def measure_throughput(
    checkpoints: Dict[str, str],
    data: Sequence[str] = (),
    num_classes: Optional[int] = None,
    warmup: int = 3,
    iters: int = 20,
    num_images: int = 8,
    rounds: int = 5,
) -> Dict[str, dict]:
    """Full inference (pre-processing, network, decoding, NMS, rescaling) of each trained
    detector {name: model_final.pth} in eval mode on the first `num_images` images of its
    config's test loader (RefineDet warps them itself, the Detectron2 detectors get them warped
    by their mapper: the same 320 x 320 network input), batch 1, in this process and with its
    torch threads; `rounds` interleaved blocks of `iters` timed calls per detector."""
    from labeleff.checkpoint import AtomicCheckpointer
    from labeleff.config import load_config
    from labeleff.data import register_datasets

    models, batches = {}, {}
    for name, checkpoint in checkpoints.items():
        config, classes_key = DETECTORS[name]
        opts = [*data, "train.device=cpu"]
        if num_classes is not None:
            opts.append(f"{classes_key}={num_classes}")
        cfg = load_config(config, opts)
        register_datasets(cfg)
        models[name] = instantiate(cfg.model).eval()
        AtomicCheckpointer(models[name]).load(checkpoint)
        batches[name] = []
        for batch in instantiate(cfg.dataloader.test):
            batches[name].append(batch)
            if len(batches[name]) == num_images:
                break
    out = interleaved_images_per_second(models, batches, warmup, iters, rounds)
    for name in out:
        out[name]["threads"] = torch.get_num_threads()
    return out


def format_table(summary: dict) -> str:
    """The per-detector mean +- std table and the ratios, as printed by the benchmark."""

    def fmt(entry, key):
        m = entry.get(key)
        if not m or m["mean"] is None:
            return "-"
        return f"{m['mean']:.2f} +- {m['std']:.2f}"

    lines = [f"{'detector':22} {'AP':>14} {'AP50':>14} {'AP_small':>14} {'images/s':>9}"]
    throughput = summary.get("throughput", {})
    for name, entry in summary["per_detector"].items():
        ips = throughput.get(name, {}).get("images_per_s")
        lines.append(
            f"{name:22} {fmt(entry, 'AP'):>14} {fmt(entry, 'AP50'):>14} {fmt(entry, 'APs'):>14} "
            f"{'-' if ips is None else format(ips, '.2f'):>9}"
        )
        per_class = {k[3:]: fmt(entry, k) for k in entry if k.startswith("AP-")}
        lines.append(f"{'':22} per-class AP: {per_class}")
    for key, r in summary["ratios"].items():
        if isinstance(r, dict) and r["mean"] is None:
            lines.append(f"{key}: -")
        elif isinstance(r, dict):
            seeds = ", ".join(f"{v:.3f}" for v in r["per_seed"])
            lines.append(f"{key}: {r['mean']:.3f} +- {r['std']:.3f} (per seed: {seeds})")
        else:
            lines.append(f"{key}: {r:.3f}")
    return "\n".join(lines)
