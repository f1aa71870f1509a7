"""configs/soft_teacher/demo_cpu.py end to end through the entry point: burn-in, then Soft Teacher
steps with non-zero unsupervised losses, checkpoints, teacher and student evaluation."""

import json
import os

import pytest
import torch

from labeleff.engine.train_net import main, parse_args

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CFG = os.path.join(REPO, "configs", "soft_teacher", "demo_cpu.py")
UNSUP = ("unsup/loss_rpn_cls", "unsup/loss_rpn_loc", "unsup/loss_cls", "unsup/loss_box_reg")


@pytest.mark.slow
def test_demo_trains_with_unsupervised_losses(tmp_path):
    out = str(tmp_path / "run")
    main(
        parse_args(
            [
                "--config-file",
                CFG,
                f"train.output_dir={out}",
                "train.max_iter=6",
                "model.burn_in_iters=2",
                "train.log_period=1",
                "train.checkpointer.period=3",
                "train.vis_period=0",
                "train.hooks.1.period=3",
                # A 2-iteration burn-in leaves an untrained teacher whose scores sit near chance:
                # the
                # paper's thresholds (0.5 / 0.9) would select nothing. 0.0 turns every teacher
                # detection
                # (score >= the detector's 0.05 test threshold) into a pseudo-label, and every
                # jittered
                # box (reg_min_score 0) into a reliable one, so all four unsupervised losses are
                # exercised.
                "model.pseudo_label_initial_score_thr=0.0",
                "model.rpn_pseudo_threshold=0.0",
                "model.cls_pseudo_threshold=0.0",
                "model.reg_pseudo_threshold=100.0",
                "model.reg_min_score=0.0",
                "+model.student.roi_heads.box_predictor.test_topk_per_image=10",
            ]
        )
    )
    rows = [json.loads(line) for line in open(os.path.join(out, "metrics.json"))]
    steps = {r["iteration"]: r for r in rows if "total_loss" in r}
    assert sorted(steps) == list(range(6))
    for it in (0, 1):  # burn-in: supervised only
        assert not any(k in steps[it] for k in UNSUP)
    for it in range(2, 6):
        assert all(k in steps[it] for k in UNSUP)
        assert all(torch.isfinite(torch.tensor(steps[it][k])) for k in UNSUP)
        assert steps[it]["pseudo_label/boxes_per_image"] > 0
        assert steps[it]["unsup/loss_cls"] > 0 and steps[it]["unsup/loss_rpn_cls"] > 0
        assert steps[it]["unsup/loss_box_reg"] > 0
    evaluation = [r for r in rows if "teacher/bbox/AP" in r]
    assert evaluation and "student/bbox/AP" in evaluation[-1]
    assert {"model_0000002.pth", "model_final.pth"} <= set(os.listdir(out))
    assert os.listdir(os.path.join(out, "pseudo_labels"))  # visualizer PNGs of pseudo-labels
