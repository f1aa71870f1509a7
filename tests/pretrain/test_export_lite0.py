"""A Lite0 pretraining model's export (its config's export hook) loads into the Lite0 fine-tune
detector's `backbone.bottom_up` tensor for tensor; a key mismatch is an error naming the key."""

import os
from types import SimpleNamespace

import pytest
import torch
from detectron2.config import instantiate

from labeleff.checkpoint import AtomicCheckpointer
from labeleff.config import load_config
from labeleff.projects.pretrain import assert_backbone_keys, export_backbone

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FGBG = "configs/pretrain/fgbg_center_bccd_lite0_cpu.py"
PATCH = "configs/pretrain/patch_pretext_bccd_lite0_cpu.py"
FINETUNE = "configs/pretrain/finetune_faster_rcnn_lite0_bccd_cpu.py"
PREFIX = "backbone.bottom_up."


@pytest.fixture(scope="module")
def detector():
    return instantiate(load_config(os.path.join(REPO, FINETUNE)).model)


def _pretrained(rel, *overrides):
    """The config's pretraining model, every backbone tensor (FrozenBN buffers too) moved off the
    ImageNet values so that a load is visible."""
    model = instantiate(load_config(os.path.join(REPO, rel), list(overrides)).model)
    with torch.no_grad():
        for i, v in enumerate(model.backbone.state_dict().values()):
            if v.is_floating_point():
                v.add_(0.25 + 1e-3 * i)
    return model


def _export_with_config_hook(rel, model, out_dir):
    """Run the config's `train.hooks` export as the trainer would at the end of training."""
    cfg = load_config(os.path.join(REPO, rel), [f"train.output_dir={out_dir}"])
    (hook,) = [instantiate(h) for h in cfg.train.hooks]
    hook.trainer = SimpleNamespace(model=model)
    hook.after_train()
    return os.path.join(out_dir, "backbone_export.pth")


@pytest.mark.parametrize(
    "rel,overrides",
    [(FGBG, ()), (PATCH, ()), (FGBG, ("model.backbone.norm=BN",))],
    ids=["fgbg", "patch", "fgbg-trainable-bn"],
)
def test_export_round_trips_into_lite0_detector(tmp_path, detector, rel, overrides):
    pre = _pretrained(rel, *overrides)
    path = _export_with_config_hook(rel, pre, str(tmp_path))
    sd = torch.load(path, weights_only=False)["model"]
    assert_backbone_keys(detector, sd, PREFIX)

    AtomicCheckpointer(detector).resume_or_load(path, resume=False)  # = train.init_checkpoint
    det_sd = detector.state_dict()
    backbone_keys = [k for k in det_sd if k.startswith(PREFIX)]
    assert sorted(backbone_keys) == sorted(sd) and len(backbone_keys) == 240
    src = pre.backbone.state_dict()
    for k in backbone_keys:
        assert torch.equal(det_sd[k], src[k[len(PREFIX) :]]), k


def test_key_mismatch_is_an_error_naming_the_key(tmp_path, detector):
    # trainable BN exported without dropping num_batches_tracked: keys the FrozenBN detector lacks
    pre = _pretrained(FGBG, "model.backbone.norm=BN")
    sd = export_backbone(pre, str(tmp_path / "bn.pth"), prefix=PREFIX)
    first = r"'backbone\.bottom_up\.body\.blocks\.0\.0\.bn1\.num_batches_tracked'"
    with pytest.raises(ValueError, match="48 unexpected .*" + first):
        assert_backbone_keys(detector, sd, PREFIX)

    sd = export_backbone(_pretrained(FGBG), str(tmp_path / "ok.pth"), prefix=PREFIX)
    renamed = dict(sd)
    renamed["backbone.bottom_up.body.conv_stem.w"] = renamed.pop(
        "backbone.bottom_up.body.conv_stem.weight"
    )
    with pytest.raises(ValueError, match=r"1 missing .*body\.conv_stem\.weight.*1 unexpected"):
        assert_backbone_keys(detector, renamed, PREFIX)

    reshaped = dict(sd, **{"backbone.bottom_up.body.bn1.bias": torch.zeros(7)})
    with pytest.raises(ValueError, match=r"1 shape_mismatch .*body\.bn1\.bias', \(7,\), \(32,\)"):
        assert_backbone_keys(detector, reshaped, PREFIX)

    wrong_prefix = {"backbone." + k[len(PREFIX) :]: v for k, v in sd.items()}
    with pytest.raises(ValueError, match="240 missing .*240 unexpected"):
        assert_backbone_keys(detector, wrong_prefix, PREFIX)
