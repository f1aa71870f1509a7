"""End to end: a few MIC iterations of configs/mic_uda/demo_cpu.py through train_net's main."""

import json
import math
import os

import pytest
import torch
from mic_uda_helpers import REPO


@pytest.mark.slow
def test_demo_config_trains_and_evaluates(tmp_path, monkeypatch):
    from labeleff.engine.train_net import main, parse_args

    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path / "datasets"))
    out = tmp_path / "out"
    results = main(
        parse_args(
            [
                "--config-file",
                os.path.join(REPO, "configs/mic_uda/demo_cpu.py"),
                "train.max_iter=3",
                f"train.output_dir={out}",
                "train.eval_period=100000",
                "train.checkpointer.period=100000",
                "model.score_threshold=0.0",  # untrained teacher: accept all its detections
            ]
        )
    )
    assert set(results) == {"student/bbox", "teacher/bbox"}
    assert all(math.isfinite(r["AP50"]) for r in results.values())
    with open(out / "metrics.json") as f:
        last = [json.loads(line) for line in f if "total_loss" in line][-1]
    for key in (
        "sup/loss_cls",
        "da/loss_da_image_source",
        "da/loss_da_instance_source",
        "unsup/loss_mic_cls",
        "unsup/loss_mic_rpn_cls",
        "da/loss_da_image_target",
        "da/loss_da_instance_target",
    ):
        assert math.isfinite(last[key]), key
    assert last["unsup/loss_mic_cls"] > 0
    state = torch.load(out / "model_final.pth", map_location="cpu", weights_only=False)["model"]
    assert any(k.startswith("image_domain_head.") for k in state)
    assert any(k.startswith("teacher.") for k in state)
