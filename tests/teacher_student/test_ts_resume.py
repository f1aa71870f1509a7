import os

import pytest
import torch
from detectron2.engine import hooks
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import MultiStepParamScheduler
from ts_helpers import ToyDetector, ToyTeacherStudent, make_image_dataset, state_of, toy_loaders

from labeleff.checkpoint import AtomicCheckpointer
from labeleff.projects.teacher_student import EMAHook, SemiSupervisedTrainer

N = 3


class _Killed(Exception):
    pass


class _KillAfter(hooks.HookBase):
    """Simulates a job killed right after iteration `iteration` (its checkpoint written)."""

    def __init__(self, iteration):
        self.iteration = iteration

    def after_step(self):
        if self.trainer.iter == self.iteration:
            raise _Killed()


def _run(dicts, output_dir, resume=False, kill_after=None):
    """Build everything from scratch (same seeds), optionally resume; train to iteration 2N."""
    torch.manual_seed(0)
    model = ToyTeacherStudent(student=ToyDetector(), unsup_weight=2.0)
    optimizer = torch.optim.SGD(model.student.parameters(), lr=0.2, momentum=0.9)
    labeled, unlabeled = toy_loaders(dicts, 1, 2, seed=5)
    trainer = SemiSupervisedTrainer(model, labeled, optimizer, unlabeled)
    checkpointer = AtomicCheckpointer(model, output_dir, trainer=trainer)
    scheduler = WarmupParamScheduler(
        MultiStepParamScheduler([1.0, 0.1], milestones=[4], num_updates=2 * N), 0.1, 0.5
    )
    trainer.register_hooks(
        [
            hooks.LRScheduler(optimizer=optimizer, scheduler=scheduler),
            EMAHook(momentum=0.8, warmup=1.0),
            hooks.PeriodicCheckpointer(checkpointer, period=N),
            _KillAfter(kill_after) if kill_after is not None else None,
        ]
    )
    checkpointer.resume_or_load("", resume=resume)
    start = trainer.iter + 1 if resume else 0
    trainer.train(start, 2 * N)
    return model, trainer


def test_resume_continues_exactly(tmp_path):
    dicts = make_image_dataset(tmp_path, 5)
    straight, _ = _run(dicts, os.path.join(tmp_path, "a"))
    with pytest.raises(_Killed):
        _run(dicts, os.path.join(tmp_path, "b"), kill_after=N - 1)
    resumed, trainer = _run(dicts, os.path.join(tmp_path, "b"), resume=True)
    assert trainer.start_iter == N
    assert trainer._hooks[1].num_updates == 2 * N  # EMA state restored from the checkpoint
    a, b = state_of(straight), state_of(resumed)
    assert a.keys() == b.keys() and any(k.startswith("teacher.") for k in a)
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert not torch.equal(a["teacher.head.weight"], a["student.head.weight"])
