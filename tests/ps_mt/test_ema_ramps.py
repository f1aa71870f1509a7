"""The alternating-teacher schedule and the ramp-up (model-level EMA: test_meta_arch.py)."""

import math

import pytest

from labeleff.projects.ps_mt.ema import active_teacher_index
from labeleff.projects.ps_mt.ramps import cosine_rampup, sigmoid_rampup


def test_active_teacher_alternates_per_period():
    assert [active_teacher_index(s, period=3) for s in range(9)] == [0, 0, 0, 1, 1, 1, 0, 0, 0]
    with pytest.raises(ValueError):
        active_teacher_index(0, period=0)


def test_cosine_rampup_official_values():
    assert cosine_rampup(0, 100) == 0.0
    assert cosine_rampup(50, 100) == pytest.approx(0.5)
    assert cosine_rampup(25, 100) == pytest.approx(1 - 0.5 * (math.cos(math.pi / 4) + 1))
    assert cosine_rampup(100, 100) == 1.0 and cosine_rampup(500, 100) == 1.0
    assert cosine_rampup(3, 0) == 1.0
    assert sigmoid_rampup(0, 10) == pytest.approx(math.exp(-5))
