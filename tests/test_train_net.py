"""The shared entry point: trains, checkpoints, evaluates, visualizes; 2 GLOO processes work."""

import json
import os
import subprocess
import sys

import pytest
import torch

from labeleff.data.demo import DEMO_CLASSES
from labeleff.engine.train_net import main, parse_args

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CFG = os.path.join(REPO, "configs/baselines/faster_rcnn_demo_cpu.py")
SMALL = [
    "train.device=cpu",
    "dataloader.train.total_batch_size=2",
    "train.log_period=1",
    "train.vis_period=0",
]


def test_train_then_eval_only(tmp_path):
    out = str(tmp_path / "run")
    main(
        parse_args(
            [
                "--config-file",
                CFG,
                *SMALL,
                f"train.output_dir={out}",
                "train.max_iter=3",
                "train.checkpointer.period=2",
                "dataloader.evaluator=null",
            ]
        )
    )
    files = set(os.listdir(out))
    assert {"model_0000001.pth", "model_final.pth", "last_checkpoint", "metrics.json"} <= files
    rows = [json.loads(line) for line in open(os.path.join(out, "metrics.json"))]
    assert [r["iteration"] for r in rows if "total_loss" in r] == [0, 1, 2]
    assert all(torch.isfinite(torch.tensor(r["total_loss"])) for r in rows if "total_loss" in r)

    res = main(
        parse_args(
            [
                "--config-file",
                CFG,
                "--eval-only",
                *SMALL,
                f"train.output_dir={out}",
                f"train.init_checkpoint={out}/model_final.pth",
                "model.roi_heads.box_predictor.test_score_thresh=0.0",
                "model.roi_heads.box_predictor.test_topk_per_image=5",
            ]
        )
    )
    # the evaluator was built for the config's test set: one AP per demo class, by name
    assert set(res["bbox"]) >= {"AP", "AP50", "AP75"} | {f"AP-{c}" for c in DEMO_CLASSES}
    # --eval-only leaves its results beside the run's files, which it does not touch
    saved = json.load(open(os.path.join(out, "eval_results.json")))
    assert saved["checkpoint"] == f"{out}/model_final.pth"
    assert saved["results"]["bbox"]["AP-" + DEMO_CLASSES[0]] == pytest.approx(
        res["bbox"]["AP-" + DEMO_CLASSES[0]], nan_ok=True
    )
    assert files <= set(os.listdir(out))


def test_unknown_override_fails_before_training(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            os.path.join(REPO, "tools/train_net.py"),
            "--config-file",
            CFG,
            "train.max_itre=3",
            f"train.output_dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert r.returncode != 0
    assert "unknown config key 'train.max_itre'" in r.stderr
    assert not os.listdir(tmp_path)


def test_two_process_gloo_launch(tmp_path):
    """`--num-gpus 2` on a CPU machine starts 2 GLOO processes; DDP steps finish on both."""
    out = str(tmp_path / "ddp")
    r = subprocess.run(
        [
            sys.executable,
            os.path.join(REPO, "tools/train_net.py"),
            "--config-file",
            CFG,
            "--num-gpus",
            "2",
            "--dist-url",
            "tcp://127.0.0.1:29517",
            *SMALL,
            f"train.output_dir={out}",
            "train.max_iter=2",
            "train.checkpointer.period=100",
            "dataloader.evaluator=null",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "World size: 2" in r.stderr + r.stdout
    assert os.path.isfile(os.path.join(out, "model_final.pth"))


def test_visualize_tool_draws_gt_and_predictions(tmp_path):
    """tools/visualize.py logic: GT-only PNGs are image-sized; prediction PNGs put prediction and
    ground truth side by side (width doubles)."""
    import argparse

    import cv2

    from labeleff.tools_vis import run

    out = str(tmp_path / "run")
    main(
        parse_args(
            [
                "--config-file",
                CFG,
                *SMALL,
                f"train.output_dir={out}",
                "train.max_iter=1",
                "dataloader.evaluator=null",
            ]
        )
    )
    base = dict(config_file=CFG, input=None, max_images=2, score_thresh=0.0, opts=[])
    gt = run(argparse.Namespace(**base, weights="", output=str(tmp_path / "gt"), gt_only=True))
    pred = run(
        argparse.Namespace(
            **base, weights=f"{out}/model_final.pth", output=str(tmp_path / "pred"), gt_only=False
        )
    )
    assert len(gt) == 2 and len(pred) == 2
    h, w = cv2.imread(gt[0]).shape[:2]
    assert (h, w) == (160, 160)
    assert cv2.imread(pred[0]).shape[:2] == (h, 2 * w)
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        run(
            argparse.Namespace(
                **base, weights="nope.pth", output=str(tmp_path / "x"), gt_only=False
            )
        )


def test_class_count_mismatch_fails_before_iteration_0(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError) as e:
        main(
            parse_args(
                [
                    "--config-file",
                    CFG,
                    *SMALL,
                    f"train.output_dir={out}",
                    "train.max_iter=3",
                    "model.roi_heads.num_classes=5",
                ]
            )
        )
    msg = str(e.value)
    assert "model.roi_heads.num_classes = 5" in msg and "has 3 classes" in msg
    assert ", ".join(DEMO_CLASSES) in msg
    assert not list(out.glob("*.pth"))  # nothing trained, nothing written
