"""The configs under configs/yolox: models match the official sizes, keys interpolate, the demo
config yields batches the model trains on; the warm-cosine schedule."""

import math
import os

import pytest
import torch
from detectron2.config import instantiate

from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.projects.yolox import YOLOXWarmCosine

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _cfg(name, *overrides):
    return load_config(os.path.join(REPO, "configs", "yolox", name + ".py"), list(overrides))


def _millions(model):
    return sum(p.numel() for p in model.parameters()) / 1e6


@pytest.mark.parametrize(
    "name,params", [("yolox_s_coco", 8.97), ("yolox_tiny_coco", 5.06), ("coco128", 0.91)]
)
def test_model_sizes_match_official(name, params):
    # Official YOLOX-s 9.0 M, tiny 5.06 M, nano 0.91 M parameters (80 classes).
    assert _millions(instantiate(_cfg(name).model)) == pytest.approx(params, abs=0.01)


def test_width_override_reaches_head():
    model = instantiate(_cfg("yolox_s_coco", "model.backbone.bottom_up.width=0.375").model)
    assert [c.conv.in_channels for c in model.head.stems] == [96, 192, 384]
    assert model.head.cls_preds[0].in_channels == 96  # int(256 * 0.375)


def test_flow_config_is_one_class_ciou():
    cfg = _cfg("flow_img_ciou")
    assert cfg.model.box_loss == "ciou" and cfg.model.head.num_classes == 1
    assert cfg.datasets.flow_test.class_names == ["bottle"]


def test_recipe_iterations_and_hooks():
    cfg = _cfg("yolox_s_coco")
    assert cfg.train.max_iter == math.ceil(300 * 117266 / 64)
    assert cfg.optimizer.lr == pytest.approx(0.01) and cfg.optimizer.nesterov
    no_aug = cfg.train.hooks[0].no_aug_iters
    assert no_aug == math.ceil(15 * 117266 / 64)
    assert cfg.lr_multiplier.no_aug_fraction == pytest.approx(no_aug / cfg.train.max_iter)


def test_demo_config_batch_trains():
    cfg = _cfg("demo_cpu")
    register_datasets(cfg)
    batch = next(iter(instantiate(cfg.dataloader.train)))
    assert len(batch) == 8 and all(tuple(x["image"].shape) == (3, 160, 160) for x in batch)
    model = instantiate(cfg.model).train()
    losses = model(batch)
    assert set(losses) == {"loss_cls", "loss_obj", "loss_box"}
    assert all(torch.isfinite(v) for v in losses.values())


def test_warm_cosine_schedule():
    s = YOLOXWarmCosine(warmup_fraction=0.1, no_aug_fraction=0.2, min_ratio=0.05)
    assert s(0.0) == 0.0 and s(0.05) == pytest.approx(0.25)  # quadratic warm-up
    assert s(0.1) == pytest.approx(1.0)
    assert s(0.45) == pytest.approx(0.05 + 0.95 * 0.5)  # half-way through the cosine
    assert s(0.8) == pytest.approx(0.05) and s(0.99) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="below 1"):
        YOLOXWarmCosine(0.5, 0.5)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["coco128", "bccd_nano_cpu"])
def test_shared_data_configs_load_a_batch(name, shared_data):
    cfg = _cfg(name)
    register_datasets(cfg)
    batch = next(iter(instantiate(cfg.dataloader.train)))
    size = cfg.dataloader.train.dataset.input_size
    assert all(tuple(x["image"].shape) == (3, size, size) for x in batch)
    test_batch = next(iter(instantiate(cfg.dataloader.test)))
    assert max(test_batch[0]["image"].shape[1:]) == size


@pytest.mark.slow
def test_demo_config_trains_and_loss_decreases(tmp_path):
    """End to end through tools/train_net.py's logic: 80 iterations of configs/yolox/demo_cpu.py
    (mosaic, EMA evaluation); Detectron2 logs total_loss as a 20-iteration median."""
    import json

    from labeleff.engine.train_net import main, parse_args

    args = parse_args(
        [
            "--config-file",
            os.path.join(REPO, "configs/yolox/demo_cpu.py"),
            "train.max_iter=80",
            "train.eval_period=80",
            "train.checkpointer.period=1000",
            f"train.output_dir={tmp_path}",
        ]
    )
    results = main(args)
    assert "ema/bbox" in results
    with open(tmp_path / "metrics.json") as f:
        rows = [r for r in map(json.loads, f) if "total_loss" in r]
    # the no-aug phase (L1 loss on) follows max_iter: 150 of 1500 iterations -> the last 8 of 80,
    # so only the last logged window (iterations 60-79) has an L1 term
    assert [r["iteration"] for r in rows if "loss_l1" in r] == [79]
    losses = [
        r["loss_cls"] + r["loss_obj"] + r["loss_box"] for r in rows
    ]  # the terms of every step
    assert len(losses) >= 3 and losses[-1] < 0.9 * losses[0], losses
