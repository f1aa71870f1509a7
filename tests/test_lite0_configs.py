"""Every CPU config on the ImageNet EfficientNet-Lite0 backbone trains 3 iterations through the
shared entry point (tools/train_net.py's `main`): finite losses, a final checkpoint. A config is
found by its loaded node tree holding an `EfficientNetLite` call."""

import glob
import json
import math
import os

import pytest
from omegaconf import DictConfig, ListConfig

from labeleff.config import load_config
from labeleff.engine.train_net import main, parse_args
from labeleff.modeling import EfficientNetLite

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PIECES = {"common", "models", "data", "base"}


def _calls_lite0(node) -> bool:
    if isinstance(node, DictConfig):
        target = node.get("_target_") if "_target_" in node else None
        if target is EfficientNetLite or str(target).endswith("EfficientNetLite"):
            return True
        return any(_calls_lite0(node.get(k)) for k in node.keys())
    if isinstance(node, ListConfig):
        return any(_calls_lite0(v) for v in node)
    return False


def lite0_configs():
    out = []
    for p in sorted(glob.glob(os.path.join(REPO, "configs", "**", "*.py"), recursive=True)):
        rel = os.path.relpath(p, REPO)
        if PIECES & set(rel.split(os.sep)[:-1]) or p.endswith("__init__.py"):
            continue
        if os.path.basename(p) == "custom.py":  # the user's data: tests/*/test_*_custom_data.py
            continue
        if os.path.basename(p).startswith("domain_pair"):  # a pair named on the command line:
            continue  # tests/mic_uda/test_mic_benchmark.py trains it on a BCCD VOC pair
        if _calls_lite0(load_config(p).get("model")):
            out.append(rel)
    return out


CONFIGS = lite0_configs()


def test_lite0_configs_found():
    assert "configs/soft_teacher/demo_cpu.py" in CONFIGS
    assert "configs/baselines/faster_rcnn_demo_cpu.py" in CONFIGS
    assert "configs/baselines/faster_rcnn_tiny_demo_cpu.py" not in CONFIGS


@pytest.mark.slow
@pytest.mark.parametrize("path", CONFIGS)
def test_lite0_config_trains_three_iterations(path, tmp_path, shared_data):
    out = str(tmp_path / "run")
    overrides = [
        "train.max_iter=3",
        f"train.output_dir={out}",
        "train.log_period=1",
        "train.eval_period=0",
        "train.vis_period=0",
        "train.checkpointer.period=1000",
        "dataloader.evaluator=null",
    ]
    main(parse_args(["--config-file", os.path.join(REPO, path), *overrides]))
    assert os.path.isfile(os.path.join(out, "model_final.pth"))
    rows = [json.loads(line) for line in open(os.path.join(out, "metrics.json"))]
    losses = [r["total_loss"] for r in rows if "total_loss" in r]
    assert [r["iteration"] for r in rows if "total_loss" in r] == [0, 1, 2], path
    assert all(math.isfinite(v) for v in losses), (path, losses)
