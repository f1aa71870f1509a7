"""Teacher statistics belong to the teacher: unlabeled views leave the student's BN running
statistics alone (unless configured), the paper EMA warm-up, one AMP key, no teacher without EMA."""

import copy
import glob
import os

import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.utils.events import EventStorage
from ts_helpers import ToyDetector, ToyTeacherStudent, make_image_dataset, toy_loaders

from labeleff.config import load_config
from labeleff.engine.train_net import build_trainer, check_teacher_schedule
from labeleff.projects.teacher_student import (
    EMAHook,
    SemiSupervisedTrainer,
    ema_momentum,
    running_stats_frozen,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _batch(tmp_path):
    labeled, unlabeled = toy_loaders(make_image_dataset(tmp_path, 4))
    return {"labeled": next(iter(labeled)), "unlabeled": next(iter(unlabeled))}


@pytest.mark.parametrize("update", [False, True])
def test_unlabeled_forward_updates_student_bn_only_when_configured(tmp_path, update):
    torch.manual_seed(0)
    batch = _batch(tmp_path)
    model = ToyTeacherStudent(student=ToyDetector(), update_student_bn_on_unlabeled=update).train()
    labeled_only = copy.deepcopy(model.student).train()
    with EventStorage(0):
        losses = model(batch)  # labeled + unlabeled (strong views) forward
    labeled_only(batch["labeled"])
    assert "unsup/loss_box" in losses  # the unlabeled branch did run
    bn, ref = model.student.bn, labeled_only.bn
    same = torch.equal(bn.running_mean, ref.running_mean) and torch.equal(
        bn.num_batches_tracked, ref.num_batches_tracked
    )
    assert same is (not update)
    if update:
        assert bn.num_batches_tracked > ref.num_batches_tracked
    assert bn.track_running_stats  # restored after the unlabeled forward


def test_running_stats_frozen_uses_batch_statistics_and_keeps_running_ones():
    bn = torch.nn.BatchNorm2d(3).train()
    x = torch.randn(4, 3, 5, 5) * 3 + 1
    with running_stats_frozen(bn):
        y = bn(x)
    assert torch.equal(bn.running_mean, torch.zeros(3)) and bn.num_batches_tracked.item() == 0
    expected = (x - x.mean((0, 2, 3), keepdim=True)) / torch.sqrt(
        x.var((0, 2, 3), unbiased=False, keepdim=True) + bn.eps
    )
    torch.testing.assert_close(y, expected, rtol=1e-4, atol=1e-4)
    bn(x)
    assert bn.num_batches_tracked.item() == 1  # tracking is back


@pytest.mark.parametrize("split", ["coco_1pct", "coco_5pct", "coco_10pct", "coco_full"])
def test_paper_configs_use_the_official_ema_warm_up(split):
    cfg = load_config(os.path.join(REPO, "configs", "soft_teacher", f"{split}.py"))
    (hook,) = [h for h in cfg.train.hooks if "EMAHook" in str(h._target_)]
    hook = instantiate(hook)
    for t in (0, 1, 9, 999, 5000):
        assert ema_momentum(hook.momentum, t, hook.warmup) == pytest.approx(
            min(0.999, 1 - 1 / (t + 1))
        ), t


def _semi_configs():
    """Every full config (configs/<project>/*.py; pieces live in common/ and models/) whose
    trainer is the two-loader SemiSupervisedTrainer, found by loading it."""
    out = []
    for p in sorted(glob.glob(os.path.join(REPO, "configs", "*", "*.py"))):
        trainer = LazyConfig.load(p).get("train", {}).get("trainer")
        if trainer is not None and trainer.get("_target_") is SemiSupervisedTrainer:
            out.append(os.path.relpath(p, REPO))
    return out


def test_one_amp_key_for_every_trainer(monkeypatch):
    """`train.amp.enabled` alone decides AMP; a trainer node may not carry its own `amp`."""
    import labeleff.engine.train_net as tn

    seen = {}

    class Recorder:
        def __init__(self, model, data_loader, optimizer, unlabeled_data_loader, amp=False):
            seen["amp"] = amp

    paths = _semi_configs()
    assert {"configs/soft_teacher/coco_1pct.py", "configs/ps_mt/camvid_1-8.py"} <= set(paths)
    for path in paths:
        for enabled in (False, True):
            cfg = load_config(os.path.join(REPO, path), [f"train.amp.enabled={enabled}"])
            assert "amp" not in cfg.train.trainer, path
            cfg.train.trainer._target_ = Recorder
            cfg.train.trainer.unlabeled_data_loader = None
            build_trainer(cfg, None, None, None)
            assert seen.pop("amp") is enabled, path
    cfg = load_config(os.path.join(REPO, paths[0]), ["+train.trainer.amp=True"])
    with pytest.raises(ValueError, match="train.amp.enabled"):
        tn.build_trainer(cfg, None, None, None)


def test_teacher_student_without_ema_hook_is_an_error():
    model = ToyTeacherStudent(student=ToyDetector())
    with pytest.raises(ValueError, match="no EMAHook.*teacher never moves"):
        check_teacher_schedule(model, [])
    check_teacher_schedule(model, [EMAHook()])
    check_teacher_schedule(ToyDetector(), [])  # a plain detector needs none


def test_every_teacher_student_run_gets_a_health_monitor(tmp_path):
    from labeleff.engine.train_net import with_health_monitor
    from labeleff.projects.teacher_student import PseudoLabelHealthHook

    model = ToyTeacherStudent(student=ToyDetector())
    hooks = with_health_monitor(model, [EMAHook()], str(tmp_path))
    (monitor,) = [h for h in hooks if isinstance(h, PseudoLabelHealthHook)]
    assert monitor.count_key == "pseudo_label/boxes_per_image"
    assert "model.unsup_weight" in monitor.keys_to_check
    own = PseudoLabelHealthHook(str(tmp_path), count_key="x")
    assert with_health_monitor(model, [own], str(tmp_path)) == [own]  # the config's own one
    assert with_health_monitor(ToyDetector(), [], str(tmp_path)) == []


def test_unsup_weight_ramps_linearly_after_burn_in():
    model = ToyTeacherStudent(
        student=ToyDetector(), unsup_weight=4.0, burn_in_iters=2, unsup_weight_rampup_iters=4
    )
    with EventStorage(0) as storage:
        weights = {}
        for it in range(2, 9):
            storage.iter = it
            weights[it] = model.current_unsup_weight()
        assert model.iters_since_burn_in() == 6
        assert model.iters_since_burn_in(1) == -1 and model.iters_since_burn_in(2) == 0
    assert weights == {2: 1.0, 3: 2.0, 4: 3.0, 5: 4.0, 6: 4.0, 7: 4.0, 8: 4.0}
    flat = ToyTeacherStudent(student=ToyDetector(), unsup_weight=4.0, burn_in_iters=2)
    with EventStorage(2):
        assert flat.current_unsup_weight() == 4.0 and not flat.in_burn_in()
    with EventStorage(1):
        assert flat.in_burn_in()


def test_yacs_config_is_a_clear_error():
    from detectron2.config import get_cfg

    from labeleff.projects.teacher_student import TeacherStudent

    with pytest.raises(TypeError, match="LazyConfig"):
        TeacherStudent(get_cfg())
