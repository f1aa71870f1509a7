"""Exponential moving average of a student into a teacher, and the hook that schedules it."""

from typing import Optional

import torch
import torch.distributed as dist
from detectron2.engine import HookBase
from detectron2.utils import comm
from torch import nn

from .utils import unwrap_model

__all__ = ["ema_update_", "ema_momentum", "sync_buffers_", "EMAHook"]

BUFFER_MODES = ("copy", "ema", "keep")


@torch.no_grad()
def ema_update_(teacher: nn.Module, student: nn.Module, momentum: float, buffers: str = "ema"):
    """
    In place: teacher <- momentum * teacher + (1 - momentum) * student, parameter by parameter.

    Args:
        teacher, student: modules with the same parameter and buffer names and shapes.
        momentum: m in [0, 1]; 0 copies the student.
        buffers: "ema" (default: floating buffers, e.g. BN running statistics, averaged like
            parameters, so the averaged weights run with averaged statistics; integer ones
            copied), "copy" (teacher buffers <- the current student's) or "keep" (untouched).
    """
    if buffers not in BUFFER_MODES:
        raise ValueError(f"ema_update_: buffers must be one of {BUFFER_MODES}, got {buffers!r}")
    t_params = dict(teacher.named_parameters())
    s_params = dict(student.named_parameters())
    if t_params.keys() != s_params.keys():
        diff = sorted(set(t_params) ^ set(s_params))
        raise KeyError(f"ema_update_: teacher and student parameters differ: {diff[:5]} ...")
    names = list(s_params)
    t_list = [t_params[n] for n in names]
    s_list = [s_params[n].detach().to(t_params[n].dtype) for n in names]
    # lerp(t, s, 1 - m) = t + (1 - m)(s - t) = m t + (1 - m) s, one fused kernel for all tensors
    torch._foreach_lerp_(t_list, s_list, 1.0 - momentum)
    if buffers == "keep":
        return
    t_bufs = dict(teacher.named_buffers())
    for name, s_buf in student.named_buffers():
        t_buf = t_bufs[name]
        if buffers == "ema" and t_buf.is_floating_point():
            t_buf.lerp_(s_buf.to(t_buf.dtype), 1.0 - momentum)
        else:
            t_buf.copy_(s_buf)


def ema_momentum(momentum: float, step: int, warmup: Optional[float]) -> float:
    """
    Momentum at EMA step `step` (0-based): `momentum` if warmup is None, else
    min(momentum, 1 - (1 + warmup) / (step + 1 + warmup)) (Soft Teacher's MeanTeacher hook),
    which is 0 at step 0 (the teacher becomes the student) and tends to `momentum`.
    """
    if warmup is None:
        return momentum
    return min(momentum, 1.0 - (1.0 + warmup) / (step + 1.0 + warmup))


@torch.no_grad()
def sync_buffers_(module: nn.Module):
    """
    In place, across processes: floating buffers <- their mean over ranks, other buffers <- rank
    0's. Student BN statistics are per-rank (each rank sees its own images), so teachers that copy
    or average them would otherwise drift apart between ranks. No-op without a process group.
    """
    if comm.get_world_size() == 1:
        return
    buffers = list(module.buffers())
    floats = [b for b in buffers if b.is_floating_point()]
    if floats:
        flat = torch.cat([b.reshape(-1) for b in floats])
        dist.all_reduce(flat)
        flat /= comm.get_world_size()
        for b, v in zip(floats, torch.split(flat, [b.numel() for b in floats])):
            b.copy_(v.view_as(b))
    for b in buffers:
        if not b.is_floating_point():
            dist.broadcast(b, src=0)


class EMAHook(HookBase):
    """
    After each optimizer step (every `interval` EMA steps) calls
    `model.update_teacher(m_t, iteration, buffers)` on the (DDP-unwrapped) `TeacherStudent`.

    Burn-in (`model.burn_in_iters` = N > 0): the student trains supervised only; after the N-th
    iteration the teacher becomes a copy of the student (m = 0), and EMA steps count from there:
    EMA step t = iteration - N, updated when t % interval == 0.

    In distributed runs the teachers' buffers are then averaged over ranks (`sync_buffers_`), so
    every rank holds the same teacher.

    Register it before the checkpointer and the evaluation hook (like Detectron2's PreciseBN), so a
    checkpoint and an evaluation see the teacher of the same iteration as the student (the entry
    point, labeleff.engine.train_net, registers `train.hooks` before both).
    """

    def __init__(
        self,
        momentum: float = 0.999,
        interval: int = 1,
        warmup: Optional[float] = None,
        buffers: str = "ema",
    ):
        """
        Args:
            momentum: EMA momentum m (Soft Teacher / Unbiased Teacher: 0.999 / 0.9996).
            interval: update every `interval` iterations (Soft Teacher: 1).
            warmup: w of the warm-up m_t = min(m, 1 - (1 + w) / (t + 1 + w)); None: constant m.
            buffers: "copy" | "ema" | "keep", see :func:`ema_update_`.
        """
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"EMAHook: momentum must be in [0, 1], got {momentum}")
        if interval < 1:
            raise ValueError(f"EMAHook: interval must be >= 1, got {interval}")
        if buffers not in BUFFER_MODES:
            raise ValueError(f"EMAHook: buffers must be one of {BUFFER_MODES}, got {buffers!r}")
        self.momentum = momentum
        self.interval = interval
        self.warmup = warmup
        self.buffers = buffers
        self.num_updates = 0

    def before_train(self):
        model = unwrap_model(self.trainer.model)
        missing = [m for m in ("update_teacher", "iters_since_burn_in") if not hasattr(model, m)]
        if missing:
            raise TypeError(
                f"EMAHook needs a model with {' and '.join(f'{m}()' for m in missing)} (a "
                f"TeacherStudent), got {type(model).__name__}"
            )

    def after_step(self):
        iteration = self.trainer.iter
        model = unwrap_model(self.trainer.model)
        done = model.iters_since_burn_in(iteration + 1)  # 0: this step was burn-in's last
        if done < 0:
            return
        # a step skipped for a non-finite loss did not move the student: the teacher stays too
        # (the copy at the end of burn-in still happens: the student is the last good one)
        skipped = getattr(self.trainer, "last_step_skipped", False)
        if skipped and done != 0:
            return
        if done == 0:
            momentum = 0.0  # end of burn-in: the teacher starts as the trained student
        else:
            step = done - 1  # EMA steps after burn-in, from 0
            if step % self.interval != 0:
                return
            momentum = ema_momentum(self.momentum, step, self.warmup)
        model.update_teacher(momentum, iteration, self.buffers)
        if self.buffers != "keep":
            for teacher in model.teachers():
                sync_buffers_(teacher)
        self.num_updates += 1
        self.trainer.storage.put_scalar("ema_momentum", momentum, smoothing_hint=False)

    def state_dict(self):
        return {"num_updates": self.num_updates}

    def load_state_dict(self, state_dict):
        self.num_updates = state_dict["num_updates"]
