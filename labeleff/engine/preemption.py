"""Preemption-safe training: SIGTERM (cluster preemption, `kill`) or SIGINT (Ctrl-C) lets the
current
step finish, writes a checkpoint (atomically: model, teacher, optimizer, scheduler, hook states,
iteration; the loaders resume from the iteration) and stops with a message saying how to resume."""

import logging
import signal
import threading

from detectron2.engine import HookBase
from detectron2.utils import comm

from ..stops import TrainingInterrupted
from ..utils import max_over_ranks

__all__ = ["PreemptionHook", "forward_signals_to_children"]

logger = logging.getLogger(__name__)

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class PreemptionHook(HookBase):
    """
    Installs SIGTERM/SIGINT handlers for the duration of training (the previous handlers come
    back after). A signal only sets a flag; after the step in progress (and the hooks registered
    before this one: LR scheduler, EMA teacher) the hook writes `model_<iteration>.pth` through
    `checkpointer` on the main process and raises :class:`TrainingInterrupted`. In multi-process
    runs the flag is all-reduced every step, so all ranks stop after the same iteration even when
    only one got the signal. A second SIGINT stops at once (no checkpoint).
    """

    def __init__(self, checkpointer, signals=SIGNALS):
        self.checkpointer = checkpointer
        self.signals = tuple(signals)
        self.received = 0
        self._previous = {}

    def before_train(self):
        self.received = 0
        if threading.current_thread() is threading.main_thread():  # handlers: main thread only
            self._previous = {s: signal.signal(s, self._on_signal) for s in self.signals}

    def after_train(self):
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous = {}

    def _on_signal(self, signum, frame):
        if self.received == signal.SIGINT and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now
        self.received = signum
        logger.warning(
            f"received {signal.Signals(signum).name}: stopping after the current iteration "
            "(writing a checkpoint first)"
        )

    def after_step(self):
        signum = int(max_over_ranks(self.received))  # all ranks stop after the same iteration
        if not signum:
            return
        iteration = self.trainer.iter
        name = f"model_{iteration:07d}"
        if comm.is_main_process():
            self.checkpointer.save(name, iteration=iteration)
        comm.synchronize()
        path = f"{self.checkpointer.save_dir}/{name}.pth"
        raise TrainingInterrupted(
            f"stopped by {signal.Signals(signum).name} after iteration {iteration}; checkpoint "
            f"{path}; continue with the same command plus --resume",
            completed_iter=iteration,
            signum=signum,
        )


def forward_signals_to_children():
    """In a launcher process (`launch` with several local processes): pass SIGTERM on to the
    worker processes, which stop together after a checkpoint, instead of dying and leaving them
    running; ignore SIGINT, which a terminal's Ctrl-C already sends to the workers (forwarding it
    would be their second, "stop now" one). Returns the previous handlers."""
    import multiprocessing
    import os

    def forward(signum, frame):
        for child in multiprocessing.active_children():
            try:
                os.kill(child.pid, signum)
            except ProcessLookupError:
                pass

    return {
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
        signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN),
    }
