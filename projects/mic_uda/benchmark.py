"""Source-only vs base UDA vs MIC on coco128 -> DAWN fog: same tiny detector, same iterations.
Each variant is one `tools/train_net.py` run (own process); numbers come from its metrics.json."""

import json
import os
import subprocess
import sys
import time
from typing import Dict, List, Sequence

__all__ = ["VARIANTS", "variant_command", "read_metrics", "run_benchmark", "format_table"]

# name -> (config file under configs/mic_uda, extra overrides)
VARIANTS = {
    "source_only": ("coco128_to_dawnfog_source_only.py", []),
    "base_uda": ("coco128_to_dawnfog.py", ["model.mic=False"]),
    "mic": ("coco128_to_dawnfog.py", []),
}


def variant_command(
    repo: str, variant: str, iters: int, output_dir: str, seed: int, overrides: Sequence[str] = ()
) -> List[str]:
    """The `tools/train_net.py` command line of one variant (evaluation once, at the end)."""
    config, extra = VARIANTS[variant]
    return [
        sys.executable,
        os.path.join(repo, "tools", "train_net.py"),
        "--config-file",
        os.path.join(repo, "configs", "mic_uda", config),
        f"train.max_iter={iters}",
        f"train.eval_period={iters}",
        f"train.checkpointer.period={iters}",
        f"train.output_dir={output_dir}",
        f"train.seed={seed}",
        *extra,
        *overrides,
    ]


def read_metrics(metrics_json: str) -> Dict[str, float]:
    """Target AP50 (student, and teacher when there is one) and mean seconds per iteration
    (Detectron2's IterationTimer "time", data loading included) from a run's metrics.json."""
    with open(metrics_json) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    times = [r["time"] for r in rows if "time" in r]
    out = {"sec_per_iter": sum(times) / len(times) if times else float("nan")}
    for row in rows:  # the last evaluation wins
        for key, value in row.items():
            if key == "bbox/AP50":  # a plain detector: no model prefix
                out["student_AP50"] = value
            elif key.endswith("/bbox/AP50"):  # "student/bbox/AP50", "teacher/bbox/AP50"
                out[key.split("/")[0] + "_AP50"] = value
    return out


def run_benchmark(
    repo: str,
    iters: int,
    output_dir: str,
    variants: Sequence[str] = tuple(VARIANTS),
    seed: int = 0,
    overrides: Sequence[str] = (),
) -> Dict[str, Dict[str, float]]:
    """Run the variants one after another; returns {variant: metrics} and writes results.json."""
    results = {}
    for variant in variants:
        out = os.path.join(output_dir, variant)
        cmd = variant_command(repo, variant, iters, out, seed, overrides)
        start = time.time()
        with open(os.path.join(output_dir, f"{variant}.log"), "w") as log:
            subprocess.run(cmd, cwd=repo, stdout=log, stderr=subprocess.STDOUT, check=True)
        results[variant] = dict(
            read_metrics(os.path.join(out, "metrics.json")), wall_s=time.time() - start
        )
        with open(os.path.join(output_dir, "results.json"), "w") as f:
            json.dump({"iters": iters, "seed": seed, "results": results}, f, indent=2)
    return results


def format_table(results: Dict[str, Dict[str, float]]) -> str:
    """Markdown table: variant, student and teacher AP50 (COCO %), s / iter, x source-only."""
    base = results.get("source_only", {}).get("student_AP50")
    lines = [
        "| variant | target AP50 (student) | target AP50 (teacher) | s / iter | x source-only |",
        "|---|---|---|---|---|",
    ]
    for name, r in results.items():
        ap = r.get("student_AP50", float("nan"))
        ratio = f"{ap / base:.2f}" if base else "n/a"
        teacher = r.get("teacher_AP50")
        lines.append(
            f"| {name} | {ap:.3f} | {'-' if teacher is None else f'{teacher:.3f}'} | "
            f"{r['sec_per_iter']:.2f} | {ratio} |"
        )
    return "\n".join(lines)
