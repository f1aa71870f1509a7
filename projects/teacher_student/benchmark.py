"""Engine overhead benchmark (tools/benchmark_engine.py): per-step time of `SemiSupervisedTrainer`
with a no-op method vs Detectron2's `SimpleTrainer` on the same labeled batches and detector, and
the cost of one EMA update as a fraction of an engine step."""

import statistics
import time
from typing import Dict

import torch
from detectron2.data import DatasetMapper, get_detection_dataset_dicts
from detectron2.engine import HookBase, SimpleTrainer

from .augmentations import strong_view_augmentations, views, weak_view_augmentations
from .data import build_semi_supervised_train_loader
from .ema import EMAHook
from .mapper import MultiViewDatasetMapper
from .meta_arch import TeacherStudent
from .trainer import SemiSupervisedTrainer

__all__ = ["NoOpTeacherStudent", "benchmark_engine", "time_ema_update"]


class NoOpTeacherStudent(TeacherStudent):
    """A method without unsupervised losses: measures the engine alone (two loaders, multi-view
    mapping, wrapper, EMA)."""

    def unsupervised_losses(self, unlabeled):
        return {}


class _StepTimer(HookBase):
    def __init__(self):
        self.times = []

    def before_step(self):
        self._start = time.perf_counter()

    def after_step(self):
        self.times.append(time.perf_counter() - self._start)


def _median_step(trainer, warmup: int, steps: int) -> float:
    timer = _StepTimer()
    trainer.register_hooks([timer])
    trainer.train(0, warmup + steps)
    return statistics.median(timer.times[warmup:])


def time_ema_update(model: TeacherStudent, repeats: int = 50) -> float:
    """Median seconds of one `model.update_teacher` (EMA of every parameter, buffers copied)."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        model.update_teacher(0.999, i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def benchmark_engine(
    build_student,
    dataset_name: str,
    labeled_batch: int = 2,
    unlabeled_batch: int = 2,
    short_edge=(128, 192),
    max_size: int = 320,
    warmup: int = 3,
    steps: int = 15,
    ema_repeats: int = 50,
) -> Dict[str, float]:
    """
    Args:
        build_student: () -> detector (called with the same torch seed for each trainer).
        dataset_name: a registered detection dataset (labeled, and reused as unlabeled).
    Returns:
        seconds: "supervised_step", "engine_step", "ema_update"; ratios "engine_overhead"
        (engine / supervised - 1) and "ema_fraction" (ema_update / engine_step).
    """
    dicts = get_detection_dataset_dicts(dataset_name, filter_empty=False)
    labeled_mapper = DatasetMapper(
        is_train=True,
        augmentations=weak_view_augmentations(short_edge, max_size),
        image_format="BGR",
    )

    def labeled_loader():
        return build_semi_supervised_train_loader(dicts, labeled_mapper, labeled_batch, seed=0)

    torch.manual_seed(0)
    student = build_student()
    optimizer = torch.optim.SGD(student.parameters(), lr=1e-3, momentum=0.9)
    supervised = _median_step(SimpleTrainer(student, labeled_loader(), optimizer), warmup, steps)

    torch.manual_seed(0)
    model = NoOpTeacherStudent(student=build_student())
    unlabeled = build_semi_supervised_train_loader(
        dicts,
        MultiViewDatasetMapper(
            views(
                weak=weak_view_augmentations(short_edge, max_size),
                strong=strong_view_augmentations(short_edge, max_size),
            )
        ),
        unlabeled_batch,
        seed=1,
    )
    optimizer = torch.optim.SGD(model.student.parameters(), lr=1e-3, momentum=0.9)
    trainer = SemiSupervisedTrainer(model, labeled_loader(), optimizer, unlabeled)
    trainer.register_hooks([EMAHook(momentum=0.999)])
    engine = _median_step(trainer, warmup, steps)

    ema = time_ema_update(model, ema_repeats)
    return {
        "supervised_step": supervised,
        "engine_step": engine,
        "engine_overhead": engine / supervised - 1.0,
        "ema_update": ema,
        "ema_fraction": ema / engine,
        "num_parameters": sum(p.numel() for p in model.student.parameters()),
    }
