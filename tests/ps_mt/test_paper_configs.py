"""The PS-MT paper configs take the official global batch, learning rate and epochs."""

import math
import os

import pytest

from labeleff.config import load_config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# official VOC runs: 4 GPUs x (8 labeled + 8 unlabeled), lr 2.5e-3 x 4 GPUs; epochs per split
VOC = {"1-16": 80, "1-8": 80, "1-4": 200, "1-2": 300}


@pytest.mark.parametrize("fraction", sorted(VOC))
@pytest.mark.parametrize("depth", ["r50", "r101"])
def test_voc_global_batch_lr_and_epochs_are_the_official_ones(fraction, depth):
    cfg = load_config(os.path.join(REPO, "configs", "ps_mt", f"voc_{fraction}_{depth}.py"))
    labeled = cfg.dataloader.train.total_batch_size
    unlabeled = cfg.train.trainer.unlabeled_data_loader.total_batch_size
    assert (labeled, unlabeled) == (32, 32)
    assert cfg.optimizer.lr == pytest.approx(2.5e-3 * 4)
    # one epoch = one pass over the unlabeled images at the global unlabeled batch, after the
    # 5 warm-up epochs over the labeled images (--warm_up=5)
    num, den = map(int, fraction.split("-"))
    num_labeled = math.ceil(10582 * num / den)  # 662 / 1323 / 2646 / 5291, the official splits
    per_epoch = math.ceil((10582 - num_labeled) / 32)
    warm_up = 5 * math.ceil(num_labeled / 32)
    assert cfg.model.burn_in_iters == warm_up
    assert cfg.train.max_iter == warm_up + VOC[fraction] * per_epoch


def test_aspp_has_no_dropout_in_the_paper_model():
    cfg = load_config(os.path.join(REPO, "configs", "ps_mt", "voc_1-8_r50.py"))
    assert cfg.model.student.sem_seg_head.aspp_dropout == 0.0


CITYSCAPES = {"1-8": 320, "1-4": 450, "1-2": 550}


@pytest.mark.parametrize("fraction", sorted(CITYSCAPES))
def test_cityscapes_batch_matches_the_epoch_arithmetic(fraction):
    """8 + 8 images per step (the official global batch): the loaders and the epoch length agree."""
    cfg = load_config(os.path.join(REPO, "configs", "ps_mt", f"cityscapes_{fraction}_r50.py"))
    labeled = cfg.dataloader.train.total_batch_size
    unlabeled = cfg.train.trainer.unlabeled_data_loader.total_batch_size
    assert (labeled, unlabeled) == (8, 8)
    num, den = map(int, fraction.split("-"))
    num_labeled = math.ceil(2975 * num / den)
    per_epoch = math.ceil((2975 - num_labeled) / 8)
    assert cfg.model.teacher_period == per_epoch
    assert cfg.train.max_iter == 5 * math.ceil(num_labeled / 8) + CITYSCAPES[fraction] * per_epoch


@pytest.mark.parametrize("depth", [50, 101])
def test_paper_backbone_weights_are_model_zoo_names(depth, monkeypatch):
    """The paper configs name Detectron2's DeepLab ImageNet weights; such a name goes to the
    checkpointer (which fetches it) instead of failing the local-file check."""
    from detectron2.config import instantiate

    import labeleff.projects.ps_mt.deeplab as deeplab

    cfg = load_config(os.path.join(REPO, "configs", "ps_mt", f"voc_1-8_r{depth}.py"))
    name = cfg.model.student.backbone.weights
    assert name == f"detectron2://DeepLab/R-{depth + 2}.pkl"
    loaded = []
    monkeypatch.setattr(
        deeplab.DetectionCheckpointer, "load", lambda self, path: loaded.append(path)
    )
    backbone = dict(cfg.model.student.backbone, depth=50, norm="BN")  # small enough to build here
    instantiate(backbone)
    assert loaded == [name]
    with pytest.raises(FileNotFoundError, match="missing.pkl"):
        instantiate(dict(backbone, weights="missing.pkl"))


def test_the_cpu_recipe_s_ema_rate_and_paste_do_not_reach_the_paper_configs():
    """common/camvid.py sets the EMA keep rate on the `train` node it imports from base.py and
    the rare-class paste on the model node; the paper configs, loaded after it in the same
    process, keep the official 0.996 and no paste."""
    cpu = load_config(os.path.join(REPO, "configs", "ps_mt", "camvid_1-8.py"))
    paper = [
        load_config(os.path.join(REPO, "configs", "ps_mt", f"{name}.py"))
        for name in ("voc_1-8_r50", "voc_1-16_r101", "cityscapes_1-8_r50")
    ]
    assert cpu.train.hooks[0].momentum == 0.99
    assert [c.train.hooks[0].momentum for c in paper] == [0.996] * 3
    assert all(c.train.hooks[0].buffers == "ema" for c in [cpu, *paper])
    # the labeled rare-class paste is the CPU recipe's, not the paper's
    assert cpu.model.paste_max_share == 0.02
    assert [c.model.paste_max_share for c in paper] == [0.0] * 3
