"""Pretrained backbones load into detector configs' backbones with zero missing backbone keys,
through the same checkpointer call as train.init_checkpoint."""

import os

import pytest
import torch
from detectron2.config import instantiate

from labeleff.checkpoint import AtomicCheckpointer
from labeleff.config import load_config
from labeleff.projects.pretrain import (
    BackboneClassifier,
    PatchPretextModel,
    check_backbone_keys,
    export_backbone,
)
from labeleff.projects.pretrain.export import main as export_main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _detector(rel, *overrides):
    return instantiate(load_config(os.path.join(REPO, rel), list(overrides)).model)


def _perturb(model):
    with torch.no_grad():
        for p in model.backbone.parameters():
            p.add_(0.5)  # differs from any fresh init, so a load is visible


@pytest.mark.parametrize("model_cls", [BackboneClassifier, PatchPretextModel])
def test_tiny_pretrained_loads_into_faster_rcnn_tiny(tmp_path, model_cls):
    det = _detector("configs/common/models/faster_rcnn_tiny.py")
    node = load_config(os.path.join(REPO, "configs/common/models/faster_rcnn_tiny.py")).model
    pre = model_cls(backbone=instantiate(node.backbone.bottom_up))
    _perturb(pre)
    path = str(tmp_path / "bb.pth")
    sd = export_backbone(pre, path, prefix="backbone.bottom_up.")
    rep = check_backbone_keys(det, sd, "backbone.bottom_up.")
    assert rep == {"missing": [], "unexpected": [], "shape_mismatch": []}

    incompatible = AtomicCheckpointer(det).resume_or_load(path, resume=False)
    del incompatible
    det_sd = det.state_dict()
    for k, v in pre.backbone.state_dict().items():
        assert torch.equal(det_sd["backbone.bottom_up." + k], v), k
    # the rest of the detector is not touched by the file
    assert not any(k.startswith("backbone.fpn") for k in sd)


def test_check_reports_missing_and_unexpected(tmp_path):
    det = _detector("configs/common/models/faster_rcnn_tiny.py")
    node = load_config(os.path.join(REPO, "configs/common/models/faster_rcnn_tiny.py")).model
    pre = BackboneClassifier(backbone=instantiate(node.backbone.bottom_up))
    sd = export_backbone(pre, str(tmp_path / "bb.pth"), prefix="backbone.")  # wrong prefix
    rep = check_backbone_keys(det, sd, "backbone.bottom_up.")
    assert len(rep["missing"]) == sum(
        1 for k in det.state_dict() if k.startswith("backbone.bottom_up.")
    )
    assert len(rep["unexpected"]) == len(sd)


def test_r50_bn_pretraining_loads_into_frozen_bn_detector(tmp_path):
    """ResNet-50 pretrained with BN, exported without num_batches_tracked, into the FrozenBN
    R50-FPN detector config: zero missing / unexpected backbone keys."""
    from detectron2.modeling.backbone import BasicStem, ResNet

    pre = BackboneClassifier(
        backbone=ResNet(
            stem=BasicStem(3, 64, norm="BN"),
            stages=ResNet.make_default_stages(depth=50, stride_in_1x1=True, norm="BN"),
            out_features=["res2", "res3", "res4", "res5"],
            freeze_at=0,
        )
    )
    path = str(tmp_path / "r50.pth")
    sd = export_backbone(pre, path, prefix="backbone.bottom_up.", drop_num_batches_tracked=True)
    det = _detector("configs/common/models/faster_rcnn_fpn.py")
    assert check_backbone_keys(det, sd) == {"missing": [], "unexpected": [], "shape_mismatch": []}


def test_export_cli_from_checkpoint(tmp_path, capsys):
    node = load_config(os.path.join(REPO, "configs/common/models/faster_rcnn_tiny.py")).model
    pre = BackboneClassifier(backbone=instantiate(node.backbone.bottom_up))
    ckpt = str(tmp_path / "model_final.pth")
    torch.save({"model": pre.state_dict(), "iteration": 9}, ckpt)
    rc = export_main(
        [
            "--checkpoint",
            ckpt,
            "--out",
            str(tmp_path / "bb.pth"),
            "--check-config",
            os.path.join(REPO, "configs/common/models/faster_rcnn_tiny.py"),
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0 and "missing: 0" in out and "unexpected: 0" in out
    rc = export_main(
        [
            "--checkpoint",
            ckpt,
            "--out",
            str(tmp_path / "bb2.pth"),
            "--prefix",
            "backbone.",
            "--check-config",
            os.path.join(REPO, "configs/common/models/faster_rcnn_tiny.py"),
        ]
    )
    assert rc == 1


@pytest.mark.parametrize(
    "rel,prefix,kwargs",
    [
        ("configs/refinedet/demo_cpu.py", "backbone.", dict(input_format="RGB")),
        (
            "configs/yolox/demo_cpu.py",
            "backbone.bottom_up.",
            dict(pixel_mean=[0.0] * 3, pixel_std=[1.0] * 3),
        ),
    ],
)
def test_other_detector_backbones(tmp_path, rel, prefix, kwargs):
    """RefineDet's VGG (plain `backbone.`) and YOLOX's CSPDarknet (`backbone.bottom_up.`), where
    those projects are present."""
    if not os.path.isfile(os.path.join(REPO, rel)):
        pytest.skip(f"{rel} not in this checkout")
    try:
        cfg = load_config(os.path.join(REPO, rel))
        det = instantiate(cfg.model)
    except ImportError as e:
        pytest.skip(f"{rel}: {e}")
    node = cfg.model.backbone if prefix == "backbone." else cfg.model.backbone.bottom_up
    pre = BackboneClassifier(backbone=instantiate(node), **kwargs)
    _perturb(pre)
    path = str(tmp_path / "bb.pth")
    sd = export_backbone(pre, path, prefix=prefix)
    assert check_backbone_keys(det, sd, prefix) == {
        "missing": [],
        "unexpected": [],
        "shape_mismatch": [],
    }
    AtomicCheckpointer(det).resume_or_load(path, resume=False)
    det_sd = det.state_dict()
    for k, v in pre.backbone.state_dict().items():
        assert torch.equal(det_sd[prefix + k], v), k
