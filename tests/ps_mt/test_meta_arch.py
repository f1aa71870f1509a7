"""PSMT on a tiny DeepLabv3+: encoder/decoder split, alternating EMA, losses, teacher ensemble."""

import os
import pickle

import numpy as np
import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.utils.events import EventStorage

from labeleff.projects.ps_mt import PSMT
from labeleff.projects.ps_mt.losses import ensemble_logits

CONFIG_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "ps_mt")


def _tiny_psmt(backbone_weights: str = "", **overrides) -> PSMT:
    cfg = LazyConfig.load(os.path.join(CONFIG_DIR, "models", "psmt_deeplab_tiny.py"))
    cfg.model.student.backbone.weights = backbone_weights
    for key, value in overrides.items():
        cfg.model[key] = value
    torch.manual_seed(0)
    return instantiate(cfg.model)


def _labeled(n=2, size=32, classes=4):
    g = torch.Generator().manual_seed(1)
    return [
        {
            "image": torch.randint(0, 256, (3, size, size), dtype=torch.uint8, generator=g),
            "sem_seg": torch.randint(0, classes, (size, size), generator=g),
            "height": size,
            "width": size,
        }
        for _ in range(n)
    ]


def _unlabeled(n=2, size=32):
    items = []
    for x in _labeled(n, size):
        weak = x["image"]
        items.append(
            {
                "weak": {"image": weak},
                "strong": {"image": 255 - weak},
                "height": size,
                "width": size,
            }
        )
    return items


def _perturb_student(model):
    with torch.no_grad():
        for p in model.student.parameters():
            p.add_(1.0)


def _differs(a, b):
    return any(
        not torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values())
    )


def test_encode_decode_equals_deeplab_head():
    model = _tiny_psmt().student.eval()
    images = torch.randn(2, 3, 32, 48)
    features = model.backbone(images)
    expected = model.sem_seg_head.layers(features)
    assert torch.allclose(model.decode(model.encode(images)), expected, atol=1e-6)
    assert model.encode(images).shape == (2, 16 + 64, 8, 12)  # low-level 16 + ASPP 64 channels


def test_alternating_ema_updates_exactly_one_teacher_per_period():
    model = _tiny_psmt(teacher_period=3)
    _perturb_student(model)
    history = []
    for step in range(9):
        before = [{k: v.clone() for k, v in t.state_dict().items()} for t in model.teachers()]
        model.update_teacher(0.9, step)
        changed = [
            any(not torch.equal(v, before[i][k]) for k, v in t.state_dict().items())
            for i, t in enumerate(model.teachers())
        ]
        history.append(changed.index(True) if sum(changed) == 1 else None)
    assert history == [0, 0, 0, 1, 1, 1, 0, 0, 0]


def test_ema_end_of_burn_in_copies_student_into_both_teachers():
    model = _tiny_psmt(burn_in_iters=5)
    _perturb_student(model)
    model.update_teacher(0.0, 4)
    for teacher in model.teachers():
        assert not _differs(teacher, model.student)


def test_training_losses_reach_only_the_student():
    model = _tiny_psmt(rampup_iters=10).train()
    assert not any(t.training for t in model.teachers())
    with EventStorage(5) as storage:
        losses = model({"labeled": _labeled(), "unlabeled": _unlabeled()})
        ratio = storage.latest()["unsup/confident_ratio"][0]
    assert set(losses) == {"sup/loss_sem_seg", "unsup/loss_conf_ce"}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.student.parameters())
    assert all(p.grad is None for t in model.teachers() for p in t.parameters())
    assert 0.0 <= ratio <= 1.0


def test_unsup_loss_skipped_at_rampup_start_and_scaled_by_cosine_ramp():
    model = _tiny_psmt(rampup_iters=10, conf_threshold=0.0).train()
    with EventStorage(0):
        assert model.unsupervised_losses(_unlabeled()) == {}
    torch.manual_seed(0)
    with EventStorage(5):  # cosine ramp at half length: 0.5
        half = model.unsupervised_losses(_unlabeled())["loss_conf_ce"]
    torch.manual_seed(0)
    with EventStorage(10):
        full = model.unsupervised_losses(_unlabeled())["loss_conf_ce"]
    assert half.item() == pytest.approx(0.5 * full.item(), rel=1e-5)


def test_teacher_evaluation_is_the_gamma_ensemble():
    model = _tiny_psmt(gamma=0.25).eval()
    _perturb_student(model)
    model.update_teacher(0.5, 0)  # teachers now differ
    inputs = [{"image": x["image"], "height": 40, "width": 30} for x in _labeled(1)]
    out = model.evaluation_models()["teacher"](inputs)[0]["sem_seg"]
    assert out.shape == (4, 40, 30)
    images = model.student.preprocess_images(inputs).tensor
    first, second = (t.logits(images) for t in model.teachers())
    expected = torch.nn.functional.interpolate(
        ensemble_logits(first, second, 0.25), size=(40, 30), mode="bilinear", align_corners=False
    )[0]
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.allclose(model(inputs)[0]["sem_seg"], out)  # eval_model="teacher"


def test_plain_segmentor_checkpoint_loads_into_student_and_both_teachers():
    model = _tiny_psmt()
    plain = {
        k: torch.full_like(v, 0.5) if v.is_floating_point() else v
        for k, v in model.student.state_dict().items()
    }
    model.load_state_dict(plain)
    for module in [model.student, *model.teachers()]:
        assert torch.all(next(iter(module.parameters())) == 0.5)
    assert any(k.startswith("teacher2.") for k in model.state_dict())


def test_backbone_imagenet_weights_reach_student_and_both_teachers(tmp_path):
    model = _tiny_psmt()
    weights = {
        k[len("backbone.") :]: np.full(v.shape, 0.25, dtype=np.float32)
        for k, v in model.student.state_dict().items()
        if k.startswith("backbone.") and v.is_floating_point()
    }
    path = tmp_path / "R-tiny.pkl"
    with open(path, "wb") as f:  # a Detectron2-style pkl loaded with matching heuristics
        pickle.dump({"model": weights, "__author__": "test", "matching_heuristics": True}, f)
    model = _tiny_psmt(backbone_weights=str(path))
    for module in [model.student, *model.teachers()]:
        assert torch.all(module.backbone.stem.conv1.weight == 0.25)
        assert torch.all(module.backbone.res5[0].conv1.weight == 0.25)
    with pytest.raises(FileNotFoundError, match="missing.pkl"):
        _tiny_psmt(backbone_weights="missing.pkl")
