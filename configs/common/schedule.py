"""Learning-rate multipliers: linear warm-up then steps (Detectron2's WarmupParamScheduler).

fvcore's schedulers are functions of the fraction of training done (Detectron2's `LRMultiplier`
calls them at iter / train.max_iter): steps written for `max_iter` stay at the same fractions when
`train.max_iter` is overridden, as burn-in and ramp-ups do (labeleff.schedule.follows_max_iter).
"""

from detectron2.config import LazyCall as L
from detectron2.solver import WarmupParamScheduler
from fvcore.common.param_scheduler import MultiStepParamScheduler


def multistep(max_iter, steps, warmup_iters=1000, gamma=0.1, warmup_factor=0.001):
    """Multiplier node: x1 until steps[0], x gamma after each step; linear warm-up first."""
    values = [gamma**i for i in range(len(steps) + 1)]
    return L(WarmupParamScheduler)(
        scheduler=L(MultiStepParamScheduler)(
            values=values, milestones=list(steps), num_updates=max_iter
        ),
        warmup_length=warmup_iters / max_iter,
        warmup_factor=warmup_factor,
    )
