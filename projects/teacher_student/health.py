"""The pseudo-label health monitor: warns when pseudo-labels collapse after burn-in and draws their
curves next to metrics.json at the end of training."""

import logging
import os
from typing import Dict, List, Optional, Sequence

from detectron2.engine import HookBase
from detectron2.utils import comm

from .utils import unwrap_model

__all__ = ["collapse_warning", "PseudoLabelHealthHook"]

logger = logging.getLogger(__name__)


def collapse_warning(
    counts: Sequence[float],
    reference_iters: int = 20,
    window: int = 20,
    fraction: float = 0.5,
    zero_patience: int = 50,
) -> Optional[str]:
    """Why a series of pseudo-label counts (one per iteration after burn-in) looks collapsed, or
    None when it looks healthy.

    - "zero": the last `zero_patience` counts are all 0;
    - "collapse": the mean of the last `window` counts is below `fraction` x the mean of the first
      `reference_iters` (the post-burn-in level); needs reference_iters + window counts.
    """
    if zero_patience > 0 and len(counts) >= zero_patience and not any(counts[-zero_patience:]):
        return f"zero for the last {zero_patience} iterations"
    if len(counts) < reference_iters + window:
        return None
    reference = sum(counts[:reference_iters]) / reference_iters
    recent = sum(counts[-window:]) / window
    if reference > 0 and recent < fraction * reference:
        return (
            f"fell to {recent:.3g} per image (mean of the last {window} iterations), below "
            f"{fraction:g} x its post-burn-in level {reference:.3g}"
        )
    return None


class PseudoLabelHealthHook(HookBase):
    """After each step past burn-in, reads `count_key` from the EventStorage (the per-iteration
    pseudo-label count the method logs) and warns once, naming the config keys to look at, when
    :func:`collapse_warning` says so; the warning also goes to the storage as
    `pseudo_label/collapsed` = 1. At the end of training (main process) writes
    `<output_dir>/pseudo_labels.png`: every `pseudo_label/*` and method counter curve over
    iterations, read from the storage history.
    """

    def __init__(
        self,
        output_dir: str,
        count_key: str = "pseudo_label/boxes_per_image",
        keys_to_check: Sequence[str] = (),
        reference_iters: int = 20,
        window: int = 20,
        fraction: float = 0.5,
        zero_patience: int = 50,
        plot_prefixes: Sequence[str] = ("pseudo_label/",),
    ):
        """
        Args:
            output_dir: where the PNG goes (the run's `train.output_dir`).
            count_key: the storage scalar holding pseudo-labels (per image) of each iteration.
            keys_to_check: config keys named in the warning (thresholds, weights, EMA).
            reference_iters, window, fraction, zero_patience: see :func:`collapse_warning`.
            plot_prefixes: storage keys starting with these are drawn.
        """
        self.output_dir = output_dir
        self.count_key = count_key
        self.keys_to_check = list(keys_to_check)
        self.reference_iters, self.window = reference_iters, window
        self.fraction, self.zero_patience = fraction, zero_patience
        self.plot_prefixes = tuple(plot_prefixes)
        self.warned = False
        self.counts: List[float] = []  # one per iteration after burn-in

    def after_step(self):
        storage = self.trainer.storage
        history = storage.histories().get(self.count_key)
        if history is None or self.warned:
            return
        value, iteration = history.values()[-1]
        if iteration != self.trainer.iter:
            return  # the method logged nothing this step (burn-in)
        self.counts.append(value)
        reason = collapse_warning(
            self.counts, self.reference_iters, self.window, self.fraction, self.zero_patience
        )
        if reason is None:
            return
        self.warned = True
        storage.put_scalar("pseudo_label/collapsed", 1.0, smoothing_hint=False)
        model = type(unwrap_model(self.trainer.model)).__name__
        keys = ", ".join(self.keys_to_check) or "the pseudo-label thresholds and unsup_weight"
        logger.warning(
            f"{model}: pseudo-labels ({self.count_key}) {reason} at iteration {iteration}. "
            f"The unsupervised losses are probably teaching the student that objects are "
            f"background. Look at: {keys}."
        )

    # saved with the trainer's checkpoint, so a resumed run keeps its post-burn-in reference
    def state_dict(self):
        return {"counts": list(self.counts), "warned": self.warned}

    def load_state_dict(self, state):
        self.counts, self.warned = list(state["counts"]), bool(state["warned"])

    def curves(self) -> Dict[str, list]:
        """{storage key: [(iteration, value), ...]} of the keys to draw."""
        out = {}
        for key, history in self.trainer.storage.histories().items():
            if key.startswith(self.plot_prefixes):
                out[key] = [(it, v) for v, it in history.values()]
        return out

    def after_train(self):
        if not comm.is_main_process():
            return
        curves = self.curves()
        if curves:
            write_curves_png(curves, os.path.join(self.output_dir, "pseudo_labels.png"))


def write_curves_png(curves: Dict[str, list], path: str) -> str:
    """One small panel per curve (iteration on x), saved as a PNG at `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(curves)
    cols = min(3, len(names))
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 2.8 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        its, values = zip(*curves[name]) if curves[name] else ((), ())
        ax.plot(its, values, lw=1)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("iteration", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
