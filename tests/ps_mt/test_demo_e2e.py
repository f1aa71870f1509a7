"""End to end: the demo config trains a few PS-MT iterations (burn-in, then semi-supervised steps)
through the entry point, and SemSegEvaluator returns mIoU for the teacher ensemble and student."""

import json
import math
import os

import pytest
import torch

from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.engine import train_net

CONFIG = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "ps_mt", "demo_cpu.py")


def test_demo_config_trains_and_evaluates(tmp_path, monkeypatch):
    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path / "datasets"))
    out = tmp_path / "out"
    opts = [
        "train.max_iter=24",
        "train.eval_period=0",
        "train.checkpointer.period=1000",
        f"train.output_dir={out}",
        "model.burn_in_iters=20",
        "model.rampup_iters=2",
        "train.log_period=1",
    ]
    args = train_net.parse_args(["--config-file", CONFIG, *opts])
    cfg = load_config(args.config_file, args.opts)
    register_datasets(cfg)
    torch.manual_seed(0)
    results = train_net.do_train(args, cfg)  # evaluates once after the last iteration
    for prefix in ("teacher", "student"):
        # mIoU agrees with the per-class IoUs (Detectron2: their sum over the classes with
        # ground truth, divided by the classes with ground truth or predictions)
        res = results[f"{prefix}/sem_seg"]
        ious = [v for k, v in res.items() if k.startswith("IoU-") and not math.isnan(v)]
        n_classes = sum(1 for k in res if k.startswith("IoU-"))
        assert ious and n_classes >= len(ious)
        assert sum(ious) / n_classes - 1e-6 <= res["mIoU"] <= sum(ious) / len(ious) + 1e-6
    with open(out / "metrics.json") as f:
        records = [json.loads(line) for line in f if line.strip()]
    semi = [r for r in records if "unsup/loss_conf_ce" in r]
    assert semi and all(r["iteration"] >= 20 for r in semi)  # unsup loss only after burn-in
    # the unsupervised weight ramps up monotonically and is full after rampup_iters
    ramp = [
        r["unsup/rampup"]
        for r in sorted(records, key=lambda r: r["iteration"])
        if "unsup/rampup" in r
    ]
    assert ramp and ramp == sorted(ramp) and ramp[-1] == pytest.approx(1.0)
