"""Unsupervised-weight ramp-ups of the official PS-MT code (`Utils/ramps.py`; its trainers use
the cosine one)."""

import math

__all__ = ["cosine_rampup", "sigmoid_rampup", "RAMPS"]


def cosine_rampup(current: float, length: float) -> float:
    """`1 - (cos(pi * t / L) + 1) / 2` with t clipped to [0, L]: 0 at t = 0, 1 from t = L on.

    The PS-MT VOC and Cityscapes `main.py` build `ConsistencyWeight(..., ramp_type="cosine_rampup")`
    with L = `ramp_up` (12) epochs of unlabeled iterations."""
    if length <= 0:
        return 1.0
    t = min(max(float(current), 0.0), float(length))
    return 1.0 - 0.5 * (math.cos(math.pi * t / length) + 1.0)


def sigmoid_rampup(current: float, length: float) -> float:
    """`exp(-5 (1 - t / L)^2)` (Laine & Aila), the default of the official `ConsistencyWeight`
    class but not the one its trainers select; kept for ablations."""
    if length <= 0:
        return 1.0
    t = min(max(float(current), 0.0), float(length))
    phase = 1.0 - t / length
    return math.exp(-5.0 * phase * phase)


RAMPS = {"cosine": cosine_rampup, "sigmoid": sigmoid_rampup}
