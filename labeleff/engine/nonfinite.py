"""Surviving NaN/Inf losses: a step whose loss is not finite is skipped (no optimizer step, no EMA
update), counted in `train/skipped_nonfinite`, and K consecutive skips stop training.

Detectron2's trainers stop the run at the first non-finite loss (`FloatingPointError` raised by
the metrics writer after backward, before the optimizer step; the RPN raises the same error during
the forward when its proposals diverge). `NonFiniteGuard` catches those errors around the step.
In multi-process runs only the main process raises; every rank agrees through one all-reduce of a
flag after backward and drops its gradients, so all ranks skip the same steps.
"""

import logging
from typing import Callable, List

import torch
from detectron2.engine import AMPTrainer, SimpleTrainer

from ..stops import NonFiniteTraining
from ..utils import SharedOnCopy, max_over_ranks

__all__ = ["NonFiniteGuard", "GuardedSimpleTrainer", "GuardedAMPTrainer", "nonfinite_terms"]

logger = logging.getLogger(__name__)


def nonfinite_terms(loss_dict) -> List[str]:
    """Names of the entries of a loss dict (or 'total_loss' of a tensor) holding NaN or Inf."""
    if torch.is_tensor(loss_dict):
        loss_dict = {"total_loss": loss_dict}
    if not isinstance(loss_dict, dict):
        return []
    return [
        k for k, v in loss_dict.items() if torch.is_tensor(v) and not bool(torch.isfinite(v).all())
    ]


class NonFiniteGuard:
    """
    Mixin for a Detectron2 trainer (before `SimpleTrainer`/`AMPTrainer` in the bases): its
    `run_step` skips steps with non-finite losses: no optimizer step, and the buffers
    (BN running statistics) are put back as they were before the forward. Public state for hooks:
    `last_step_skipped` (the EMA hook does not move the teacher after a skipped step) and
    `skipped_nonfinite` (total skips). `max_consecutive_nonfinite` (default 5) skips in a row raise
    :class:`NonFiniteTraining` naming the loss terms that were not finite.
    """

    max_consecutive_nonfinite = 5

    def before_train(self):
        self.last_step_skipped = False
        self.skipped_nonfinite = 0
        self._consecutive_skips = []  # iterations of the current run of skipped steps
        self._step_terms = []
        super().before_train()  # first: hooks that copy the model (EMA) copy it without ours
        # the loss dict is internal to run_step; a forward hook sees it without copying the step
        self._hooks_on_model = [
            self.model.register_forward_pre_hook(SharedOnCopy(self._keep_buffers)),
            self.model.register_forward_hook(SharedOnCopy(self._record_loss_terms)),
        ]

    def after_train(self):
        for h in self._hooks_on_model:
            h.remove()
        super().after_train()

    def _keep_buffers(self, module, inputs):
        # a training forward updates BN running statistics: a skipped step must not keep them
        # (a diverging forward would leave NaN statistics behind)
        if module.training:
            self._buffers_before = [(b, b.detach().clone()) for b in module.buffers()]

    def _record_loss_terms(self, module, inputs, output):
        if module.training:
            self._step_terms = nonfinite_terms(output)

    def after_backward(self):
        # every rank reaches this point once per step: all skip if one saw a non-finite loss
        if max_over_ranks(float(bool(self._step_terms))) > 0:
            self.last_step_skipped = True
            self._drop_gradients()
        super().after_backward()

    def _drop_gradients(self):
        scaler = getattr(self, "grad_scaler", None)
        if scaler is not None and scaler.is_enabled():
            # AMP: GradScaler skips the optimizer step itself when a gradient is not finite
            for group in self.optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.grad.fill_(float("nan"))
        else:
            self.optimizer.zero_grad(set_to_none=True)  # optimizer.step() then changes nothing

    def run_guarded(self, step: Callable[[], None]) -> None:
        """Run one trainer step (`step`), skipping it when its loss is not finite."""
        self.last_step_skipped = False
        self._step_terms = []
        self._buffers_before = []
        error = None
        try:
            step()
        except FloatingPointError as e:  # Detectron2: non-finite loss (metrics) or RPN proposals
            self.last_step_skipped = True
            error = e
        storage = self.storage
        if self.last_step_skipped:
            with torch.no_grad():
                for buffer, before in self._buffers_before:
                    buffer.copy_(before)
            self.skipped_nonfinite += 1
            self._consecutive_skips.append(self.iter)
            terms = self._step_terms or [f"(raised during the forward: {error})"]
            logger.warning(
                f"iteration {self.iter}: non-finite loss in {', '.join(terms)}; step skipped "
                f"({len(self._consecutive_skips)} in a row, {self.skipped_nonfinite} in total)"
            )
            if len(self._consecutive_skips) >= self.max_consecutive_nonfinite:
                first = self._consecutive_skips[0]
                raise NonFiniteTraining(
                    f"{len(self._consecutive_skips)} consecutive steps (iterations {first}-"
                    f"{self.iter}) had non-finite losses: {', '.join(terms)}. Training "
                    f"stopped; the skipped steps kept the weights of iteration {first - 1}, and "
                    "no checkpoint is written for the stop (the periodic ones are kept). Lower "
                    "the learning rate, check the data of these iterations, or lengthen the "
                    "warm-up",
                    completed_iter=first - 1,
                ) from error
        else:
            self._consecutive_skips = []
        storage.put_scalar("train/skipped_nonfinite", self.skipped_nonfinite, smoothing_hint=False)


class GuardedSimpleTrainer(NonFiniteGuard, SimpleTrainer):
    """Detectron2's `SimpleTrainer` that survives non-finite losses (see `NonFiniteGuard`)."""

    def run_step(self):
        self.run_guarded(super().run_step)


class GuardedAMPTrainer(NonFiniteGuard, AMPTrainer):
    """Detectron2's `AMPTrainer` that survives non-finite losses (see `NonFiniteGuard`)."""

    def run_step(self):
        self.run_guarded(super().run_step)
