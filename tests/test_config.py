"""Overrides reach nested keys and unknown keys are rejected with the key's name."""

import pytest

from labeleff.config import ConfigKeyError, apply_overrides, load_config

CFG = "configs/baselines/faster_rcnn_demo_cpu.py"


def test_nested_overrides_reach_constructor_args():
    cfg = load_config(
        CFG,
        [
            "model.roi_heads.num_classes=7",
            "train.max_iter=12",
            "model.proposal_generator.anchor_generator.sizes=[[8],[16],[32],[64],[128]]",
            "dataloader.train.total_batch_size=2",
        ],
    )
    assert cfg.model.roi_heads.num_classes == 7
    assert cfg.train.max_iter == 12
    assert list(cfg.model.proposal_generator.anchor_generator.sizes[0]) == [8]
    assert cfg.dataloader.train.total_batch_size == 2
    # the interpolated predictor class count follows the override
    assert cfg.model.roi_heads.box_predictor.num_classes == 7


def test_unknown_key_is_an_error_naming_it():
    with pytest.raises(ConfigKeyError) as e:
        load_config(CFG, ["model.roi_heads.num_clases=7"])
    msg = str(e.value)
    assert "model.roi_heads.num_clases" in msg and CFG in msg
    assert "model.roi_heads.num_classes" in msg  # suggestion


@pytest.mark.parametrize("bad", ["no.such.key=1", "train.max_iter.x=3", "trainx=1"])
def test_other_unknown_keys(bad):
    with pytest.raises(ConfigKeyError):
        load_config(CFG, [bad])


def test_plus_prefix_creates_key_on_purpose():
    cfg = load_config(CFG, ["+train.note=hello"])
    assert cfg.train.note == "hello"


def test_malformed_override():
    cfg = load_config(CFG)
    with pytest.raises(ValueError, match="key=value"):
        apply_overrides(cfg, ["train.max_iter"])
