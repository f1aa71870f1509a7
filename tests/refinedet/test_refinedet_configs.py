"""Every RefineDet config builds its model; the demo and coco128 configs load a batch that the
model trains on and evaluates (VOC/COCO datasets are not on the test machine)."""

import os

import pytest
import torch
from detectron2.config import instantiate

from labeleff.config import load_config
from labeleff.data import register_datasets

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAPER = {"voc_320": (20, 320), "voc_512": (20, 512), "coco_320": (80, 320), "coco_512": (80, 512)}


@pytest.mark.parametrize("name", sorted(PAPER))
def test_paper_configs(name):
    cfg = load_config(os.path.join(REPO, f"configs/refinedet/{name}.py"))
    num_classes, size = PAPER[name]
    assert cfg.model.num_classes == num_classes and cfg.model.test_size == size
    assert cfg.dataloader.train.total_batch_size == 32
    assert cfg.dataloader.train.mapper.augmentations.size == size
    assert (cfg.optimizer.lr, cfg.optimizer.momentum, cfg.optimizer.weight_decay) == (
        1e-3,
        0.9,
        5e-4,
    )
    assert cfg.train.max_iter == (120000 if "voc" in name else 400000)
    # torchvision's ImageNet VGG16 by its URL (not fetched here: the structure is checked)
    assert cfg.model.backbone.imagenet_weights.endswith("/models/vgg16-397923af.pth")
    cfg.model.backbone.imagenet_weights = ""
    model = instantiate(cfg.model)
    assert model.head.odm_cls[0].out_channels == 3 * (num_classes + 1)
    cfg.optimizer.params.model = model
    optimizer = instantiate(cfg.optimizer)
    bias = model.head.odm_cls[0].bias
    bias_groups = [g for g in optimizer.param_groups if any(p is bias for p in g["params"])]
    assert bias_groups[0]["lr"] == 2e-3 and bias_groups[0]["weight_decay"] == 0.0  # Caffe biases
    assert (
        len(model.test_scales) == {320: 8, 512: 6}[size] + ("coco" in name) * {320: 1, 512: 3}[size]
    )


def _one_step(cfg):
    register_datasets(cfg)
    model = instantiate(cfg.model)
    batch = next(iter(instantiate(cfg.dataloader.train)))
    assert batch[0]["image"].shape[-2:] == (cfg.model.test_size,) * 2
    losses = model(batch)
    assert all(torch.isfinite(v) for v in losses.values())
    model.eval()
    test_batch = next(iter(instantiate(cfg.dataloader.test)))
    with torch.no_grad():
        out = model(test_batch[:1])
    assert out[0]["instances"].image_size == (test_batch[0]["height"], test_batch[0]["width"])


def test_demo_config_one_batch(tmp_path, monkeypatch):
    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path))
    cfg = load_config(
        os.path.join(REPO, "configs/refinedet/demo_cpu.py"), ["dataloader.train.total_batch_size=2"]
    )
    _one_step(cfg)


def test_coco128_config_one_batch(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path))
    cfg = load_config(
        os.path.join(REPO, "configs/refinedet/coco128_320.py"),
        ["dataloader.train.total_batch_size=2", "model.backbone.width_mult=0.0625"],
    )
    _one_step(cfg)


def test_yacs_build_model():
    from detectron2.config import get_cfg
    from detectron2.modeling import build_model

    from labeleff.projects.refinedet import RefineDet, add_refinedet_config

    cfg = get_cfg()
    add_refinedet_config(cfg)
    cfg.MODEL.META_ARCHITECTURE = "RefineDet"
    cfg.MODEL.DEVICE = "cpu"
    cfg.MODEL.VGG.WIDTH_MULT = 0.0625
    cfg.MODEL.REFINEDET.NUM_CLASSES = 5
    model = build_model(cfg)
    assert isinstance(model, RefineDet) and model.num_classes == 5
    assert model.head.odm_cls[0].out_channels == 3 * 6 and model.test_size == 320


BCCD_320 = {
    "configs/refinedet/bccd_lite0_320.py": "RefineDet",
    "configs/refinedet/bccd_vgg_scratch_320.py": "RefineDet",
    "configs/baselines/retinanet_lite0_bccd_320.py": "RetinaNet",
    "configs/baselines/faster_rcnn_lite0_bccd_320.py": "GeneralizedRCNN",
}


def test_bccd_320_comparison_shares_data_and_schedule():
    """The BCCD-320 configs differ in the model (and its optimizer) only."""
    cfgs = {p: load_config(os.path.join(REPO, p)) for p in BCCD_320}
    shared = {
        p: (
            cfg.dataloader.train.dataset.names,
            cfg.dataloader.train.mapper,
            cfg.dataloader.train.total_batch_size,
            cfg.dataloader.test.dataset.names,
            cfg.datasets,
            cfg.train.max_iter,
            cfg.lr_multiplier,
        )
        for p, cfg in cfgs.items()
    }
    assert len({repr(v) for v in shared.values()}) == 1, shared
    assert (
        cfgs["configs/refinedet/bccd_lite0_320.py"].dataloader.train.mapper.augmentations.size
        == 320
    )
    for p, cfg in cfgs.items():
        if BCCD_320[p] != "RefineDet":  # the Detectron2 detectors get the test images warped
            assert [a.shape for a in cfg.dataloader.test.mapper.augmentations] == [(320, 320)]
        model = instantiate(cfg.model)
        assert type(model).__name__ == BCCD_320[p] and model.input_format == "RGB", p
    # Relative schedule: warm-up and steps follow train.max_iter.
    sched = instantiate(cfgs["configs/refinedet/bccd_lite0_320.py"].lr_multiplier)
    assert sched(0.5) == 1.0 and abs(sched(0.8) - 0.1) < 1e-9 and abs(sched(0.95) - 0.01) < 1e-9


@pytest.mark.parametrize("name", ["bccd_lite0_320", "bccd_vgg_scratch_320"])
def test_bccd_config_one_batch(name, shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path))
    cfg = load_config(
        os.path.join(REPO, f"configs/refinedet/{name}.py"), ["dataloader.train.total_batch_size=2"]
    )
    _one_step(cfg)
