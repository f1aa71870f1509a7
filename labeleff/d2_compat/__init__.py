"""Detectron2 compatibility: use the native `detectron2._C` when it loads, else a pure-PyTorch fallback."""
import importlib
import sys


def ensure_c_ops():
    """Make `import detectron2._C` succeed. Returns True if the native extension is used."""
    try:
        importlib.import_module("detectron2._C")
        return not getattr(sys.modules["detectron2._C"], "IS_FALLBACK", False)
    except ImportError:
        from . import _C_fallback

        sys.modules["detectron2._C"] = _C_fallback
        return False


def native_c_available():
    return ensure_c_ops()
