"""Paper configs name their ImageNet backbone the way Detectron2 users expect (a model-zoo name the
checkpointer fetches where a network exists); nothing here loads them."""

import os

import pytest

from labeleff.config import load_config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
R50 = "detectron2://ImageNetPretrained/MSRA/R-50.pkl"
PAPER_CONFIGS = [
    "soft_teacher/coco_1pct.py",
    "soft_teacher/coco_5pct.py",
    "soft_teacher/coco_10pct.py",
    "soft_teacher/coco_full.py",
    "soft_teacher/supervised_coco_1pct.py",
    "soft_teacher/supervised_coco_full.py",
    "baselines/faster_rcnn_R50_FPN_coco.py",
    "mic_uda/cityscapes_to_foggy.py",
    "mic_uda/cityscapes_source_only.py",
]


@pytest.mark.parametrize("name", PAPER_CONFIGS)
def test_paper_configs_default_to_the_model_zoo_r50(name):
    cfg = load_config(os.path.join(REPO, "configs", name))
    assert cfg.train.init_checkpoint == R50


def test_a_local_path_still_overrides():
    cfg = load_config(
        os.path.join(REPO, "configs", "soft_teacher", "coco_1pct.py"),
        ["train.init_checkpoint=/data/R-50.pkl"],
    )
    assert cfg.train.init_checkpoint == "/data/R-50.pkl"
