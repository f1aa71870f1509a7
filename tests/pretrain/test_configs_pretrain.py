"""The CPU pretraining configs: one batch from the loader through the model gives finite losses
that backpropagate into the backbone; a short run through the entry point writes an export that
loads into the tiny detector."""

import os

import pytest
import torch
from detectron2.config import instantiate

from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.projects.pretrain import check_backbone_keys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = ["configs/pretrain/fgbg_center_demo_cpu.py", "configs/pretrain/patch_pretext_demo_cpu.py"]


@pytest.mark.parametrize("rel", DEMO)
def test_demo_config_one_step(rel):
    cfg = load_config(os.path.join(REPO, rel))
    register_datasets(cfg)
    cfg.dataloader.train.total_batch_size = 4
    torch.manual_seed(0)
    model = instantiate(cfg.model).train()
    batch = next(iter(instantiate(cfg.dataloader.train)))
    assert len(batch) == 4
    losses = model(batch)
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()
    grads = [p.grad for p in model.backbone.parameters() if p.requires_grad]
    assert grads and all(g is not None for g in grads)
    assert any(float(g.abs().sum()) > 0 for g in grads)


def test_entry_point_pretrain_then_load(tmp_path):
    from labeleff.engine.train_net import main, parse_args

    out = str(tmp_path / "pre")
    main(
        parse_args(
            [
                "--config-file",
                os.path.join(REPO, DEMO[0]),
                "train.max_iter=3",
                f"train.output_dir={out}",
                "dataloader.train.total_batch_size=4",
            ]
        )
    )
    path = os.path.join(out, "backbone_export.pth")
    sd = torch.load(path, weights_only=False)["model"]
    det = instantiate(
        load_config(os.path.join(REPO, "configs/common/models/faster_rcnn_tiny.py")).model
    )
    assert check_backbone_keys(det, sd) == {"missing": [], "unexpected": [], "shape_mismatch": []}
