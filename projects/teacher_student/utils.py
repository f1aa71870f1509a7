"""The engine's unwrap helper is the project's one copy (labeleff.utils)."""

from labeleff.utils import unwrap_model

__all__ = ["unwrap_model"]
