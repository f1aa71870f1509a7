"""Detectron2 compatibility: use the native `detectron2._C` when it loads, else a pure-PyTorch
fallback.

`ensure_c_ops()` runs on `import labeleff`. On the fallback path it
1. puts `_C_fallback` at `sys.modules["detectron2._C"]` (and `detectron2._C`),
2. registers `torch.ops.detectron2.{box_iou_rotated, nms_rotated, roi_align_rotated_*}`,
3. imports `detectron2.layers.deform_conv` and rebinds its functions `deform_conv` /
   `modulated_deform_conv` to the torchvision-based ones of `deform.py`. Detectron2's own autograd
   Functions refuse CPU backward and CPU modulated forward whatever `_C` is, so the rebinding is
   what makes `DeformConv` / `ModulatedDeformConv` train on every device.
   If that module was imported earlier without any `_C` (it then binds dummy classes that raise
   ImportError), it is reloaded and every loaded module's reference to a dummy is replaced by the
   real class/function, so import order does not matter.

The shim written by `python -m labeleff.d2_compat --install-shim` makes a fresh interpreter take the
fallback path even without importing labeleff first (see `__main__.py`).
"""

import importlib
import importlib.util
import sys

_DEFORM_MODULE = "detectron2.layers.deform_conv"
_DEFORM_NAMES = ("DeformConv", "ModulatedDeformConv", "deform_conv", "modulated_deform_conv")
_fallback_installed = False


def ensure_c_ops():
    """Make `import detectron2._C` succeed. Returns True if the native extension is used."""
    module = sys.modules.get("detectron2._C")
    if module is None:
        if importlib.util.find_spec("detectron2") is None:
            return False  # Detectron2 itself is missing: nothing to patch
        try:
            module = importlib.import_module("detectron2._C")
        except ImportError:
            module = None
    # a module still importing (the shim, while it imports labeleff) already says IS_FALLBACK
    if module is not None and not getattr(module, "IS_FALLBACK", False):
        return True
    _install_fallback()
    return False


def native_c_available():
    """True if Detectron2's compiled `_C` is in use (installs the fallback otherwise)."""
    return ensure_c_ops()


def _install_fallback():
    global _fallback_installed
    import detectron2

    from . import _C_fallback

    sys.modules["detectron2._C"] = _C_fallback
    detectron2._C = _C_fallback
    if _fallback_installed:
        return
    _fallback_installed = True
    _C_fallback.register_ops()
    _patch_deform_conv()


def _is_dummy(obj):
    # detectron2.utils.develop.create_dummy_class / create_dummy_func products
    return getattr(obj, "__module__", None) == "detectron2.utils.develop"


def _patch_deform_conv():
    from . import deform

    module = importlib.import_module(_DEFORM_MODULE)
    dummies = {n: vars(module)[n] for n in _DEFORM_NAMES if _is_dummy(vars(module).get(n))}
    if dummies:
        importlib.reload(module)  # `from detectron2 import _C` now succeeds: real classes
    module.deform_conv = deform.deform_conv
    module.modulated_deform_conv = deform.modulated_deform_conv
    if dummies:
        _rebind_everywhere({id(d): getattr(module, name) for name, d in dummies.items()})


def _rebind_everywhere(real_by_dummy_id):
    """Replace, in every loaded module, attributes that are one of the dummies."""
    for mod in list(sys.modules.values()):
        namespace = getattr(mod, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for attr, value in list(namespace.items()):
            if id(value) in real_by_dummy_id:
                namespace[attr] = real_by_dummy_id[id(value)]
