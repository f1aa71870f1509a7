"""One schedule rule: LR steps, burn-in, ramp-ups and the no-aug switch follow `train.max_iter`;
a burn-in at or past the end of training is an error before anything is built."""

import glob
import os

import pytest
from detectron2.config import LazyConfig, instantiate
from omegaconf import DictConfig, ListConfig

from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.engine.train_net import main, parse_args
from labeleff.projects.teacher_student.data import build_semi_supervised_train_loader
from labeleff.projects.teacher_student.ema import EMAHook
from labeleff.projects.yolox.hooks import NoAugSwitchHook
from labeleff.schedule import check_config_schedule, scale_iters

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ST_DEMO = os.path.join(REPO, "configs/soft_teacher/demo_cpu.py")
TEACHER_STUDENT_CONFIGS = sorted(
    f
    for d in ("soft_teacher", "mic_uda", "ps_mt", "mean_teacher")
    for f in glob.glob(os.path.join(REPO, "configs", d, "*.py"))
    if "supervised" not in os.path.basename(f) and "source_only" not in os.path.basename(f)
)
SCHEDULE_KEYS = ("burn_in_iters", "rampup_iters", "unsup_weight_rampup_iters")


def test_scale_iters_rounds_to_the_nearest_iteration():
    assert scale_iters(1000, 3000, 300) == 100
    assert scale_iters(400, 600, 30) == 20
    assert scale_iters(533, 600, 30) == 27  # 26.65
    assert scale_iters(5, 10, 3) == 2  # 1.5: half up
    assert scale_iters(1, 3, 1) == 0  # 0.33
    assert scale_iters(120000, 180000, 180000) == 120000  # a paper config keeps its iterations
    with pytest.raises(ValueError, match="max_iter=0"):
        scale_iters(1, 0, 10)


def _lr_drop_iterations(cfg):
    """Iterations at which the instantiated LR multiplier drops (by more than half), read as
    Detectron2's LRMultiplier reads it: at iter / train.max_iter."""
    sched, n = instantiate(cfg.lr_multiplier), cfg.train.max_iter
    values = [sched(i / n) for i in range(n)]
    return [i for i in range(1, n) if values[i] < 0.5 * values[i - 1]]


@pytest.mark.parametrize("max_iter", [600, 30])
def test_demo_burn_in_and_lr_steps_keep_their_fractions(max_iter):
    cfg = load_config(ST_DEMO, [f"train.max_iter={max_iter}"])
    register_datasets(cfg)  # as the entry point: the class count comes from the labeled split
    model = instantiate(cfg.model)
    drops = _lr_drop_iterations(cfg)
    # written for 600 iterations: burn-in 200, LR steps 400 and 533
    assert model.burn_in_iters == round(200 * max_iter / 600)
    assert model.burn_in_iters / max_iter == pytest.approx(200 / 600, abs=0.5 / max_iter)
    assert len(drops) == 2
    for got, written in zip(drops, (400, 533)):
        assert got / max_iter == pytest.approx(written / 600, abs=1.0 / max_iter)
    if max_iter == 600:
        assert drops == [400, 533]


def test_yolox_no_aug_switch_follows_max_iter():
    cfg = load_config(os.path.join(REPO, "configs/yolox/demo_cpu.py"))
    full, hooks = cfg.train.max_iter, [instantiate(h) for h in cfg.train.hooks]
    written = next(h for h in hooks if isinstance(h, NoAugSwitchHook)).no_aug_iters
    cfg = load_config(os.path.join(REPO, "configs/yolox/demo_cpu.py"), ["train.max_iter=30"])
    hook = next(h for h in map(instantiate, cfg.train.hooks) if isinstance(h, NoAugSwitchHook))
    assert written > 0 and hook.no_aug_iters == scale_iters(written, full, 30)


def test_saved_config_keeps_the_rule(tmp_path):
    """config.yaml (written into every output folder) resolves the same way when loaded again."""
    cfg = load_config(ST_DEMO)
    LazyConfig.save(cfg, str(tmp_path / "config.yaml"))
    again = load_config(str(tmp_path / "config.yaml"), ["train.max_iter=30"])
    assert again.model.burn_in_iters == 10


def _loader_nodes(node):
    if isinstance(node, DictConfig):
        if node.get("_target_", None) is build_semi_supervised_train_loader:
            yield node
        for k in node.keys():
            yield from _loader_nodes(node.get(k))
    elif isinstance(node, ListConfig):
        for v in node:
            yield from _loader_nodes(v)


@pytest.mark.parametrize("config_file", TEACHER_STUDENT_CONFIGS, ids=os.path.basename)
def test_teacher_student_config_schedule_seeds_and_ema(config_file):
    cfg = load_config(config_file)
    full = cfg.train.max_iter
    half = load_config(config_file, [f"train.max_iter={full // 2}"])
    for key in SCHEDULE_KEYS:
        if key in cfg.model:
            assert half.model[key] == scale_iters(cfg.model[key], full, full // 2), key
    # integer seeds everywhere: the step draws and every loader's order (exact --resume)
    assert isinstance(cfg.train.seed, int) and cfg.train.seed >= 0
    loaders = list(_loader_nodes(cfg))
    trainer = cfg.train.get("trainer", None)
    two_loaders = trainer is not None and "unlabeled_data_loader" in trainer
    # labeled (or source) and, for a two-loader trainer, unlabeled (or target); maybe named twice
    assert len(loaders) >= (2 if two_loaders else 1)
    assert all(isinstance(n.seed, int) for n in loaders), [n.seed for n in loaders]
    assert any(h._target_ is EMAHook for h in cfg.train.hooks)


def test_burn_in_past_max_iter_fails_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match=r"model.burn_in_iters=600 .* train.max_iter=600"):
        check_config_schedule(load_config(ST_DEMO, ["model.burn_in_iters=600"]))
    check_config_schedule(load_config(ST_DEMO, ["train.max_iter=30"]))  # burn-in 10: fine
    out = tmp_path / "out"
    args = parse_args(
        [
            "--config-file",
            ST_DEMO,
            "train.max_iter=50",
            "model.burn_in_iters=50",  # a number on the command line is absolute
            f"train.output_dir={out}",
        ]
    )
    with pytest.raises(ValueError, match="never leave burn-in"):
        main(args)
    assert not out.exists()
