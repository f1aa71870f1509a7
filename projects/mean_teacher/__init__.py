"""mean_teacher: the engine contract's worked example (docs/ENGINE_CONTRACT.md)."""

from .mean_teacher import MeanTeacher

__all__ = ["MeanTeacher"]
