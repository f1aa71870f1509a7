"""Pure-PyTorch stand-in for Detectron2's compiled extension `detectron2._C`.

`labeleff.d2_compat.ensure_c_ops()` (run by `import labeleff`) or the shim written by
`python -m labeleff.d2_compat --install-shim` puts this module at `sys.modules["detectron2._C"]`
when the compiled one does not load. What works: deformable convolution (through torchvision),
`torch.ops.detectron2.box_iou_rotated` and `nms_rotated` (pure torch, see `rotated.py`). Everything
else the compiled extension offers raises NotImplementedError naming the op and the way out.
"""

import torch

from .deform import (  # noqa: F401  (re-exported: the `_C` deformable-conv entry points)
    deform_conv_backward_filter,
    deform_conv_backward_input,
    deform_conv_forward,
    modulated_deform_conv_backward,
    modulated_deform_conv_forward,
)
from .rotated import box_iou_rotated, nms_rotated

IS_FALLBACK = True

OFFICIAL_INSTALL = "pip install 'git+https://github.com/facebookresearch/detectron2.git'"
_COCO_HINT = (
    "Use COCOEvaluator(..., use_fast_impl=False) or labeleff.evaluation.COCOEvaluator "
    "(pycocotools), or build Detectron2 from source with its compiled ops: " + OFFICIAL_INSTALL
)
_BUILD_HINT = "Build Detectron2 from source with its compiled C++/CUDA ops: " + OFFICIAL_INSTALL


def unsupported_message(op, hint=_BUILD_HINT):
    return (
        f"detectron2 op '{op}' is not available: detectron2._C is labeleff's pure-PyTorch "
        f"fallback (the compiled extension did not load). {hint}"
    )


def _unsupported(op, hint):
    def stub(*args, **kwargs):
        raise NotImplementedError(unsupported_message(op, hint))

    stub.__name__ = stub.__qualname__ = op
    stub.__doc__ = "Not available in the pure-PyTorch fallback: raises NotImplementedError."
    return stub


def get_compiler_version():
    return "none: labeleff pure-PyTorch fallback for detectron2._C (no compiled ops)"


def get_cuda_version():
    return "not available: labeleff pure-PyTorch fallback for detectron2._C (ops run in torch)"


def has_cuda():
    # False keeps collect_env from inspecting this .py file for CUDA architectures.
    return False


# COCOeval fast API of detectron2/evaluation/fast_eval_api.py
InstanceAnnotation = _unsupported("InstanceAnnotation", _COCO_HINT)
ImageEvaluation = _unsupported("ImageEvaluation", _COCO_HINT)
COCOevalEvaluateImages = _unsupported("COCOevalEvaluateImages", _COCO_HINT)
COCOevalAccumulate = _unsupported("COCOevalAccumulate", _COCO_HINT)


def __getattr__(name):
    raise AttributeError(
        f"module 'detectron2._C' (labeleff pure-PyTorch fallback) has no attribute '{name}'. "
        + _BUILD_HINT
    )


# --- torch.ops.detectron2.* (the compiled extension's TORCH_LIBRARY block) ----------------------

_SCHEMAS = {
    "box_iou_rotated": "box_iou_rotated(Tensor boxes1, Tensor boxes2) -> Tensor",
    "nms_rotated": "nms_rotated(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "roi_align_rotated_forward": "roi_align_rotated_forward(Tensor input, Tensor rois, "
    "float spatial_scale, int pooled_height, int pooled_width, int sampling_ratio) -> Tensor",
    "roi_align_rotated_backward": "roi_align_rotated_backward(Tensor grad, Tensor rois, "
    "float spatial_scale, int pooled_height, int pooled_width, int batch_size, int channels, "
    "int height, int width, int sampling_ratio) -> Tensor",
}
_KERNELS = {
    "box_iou_rotated": box_iou_rotated,
    "nms_rotated": nms_rotated,
    "roi_align_rotated_forward": _unsupported("roi_align_rotated_forward", _BUILD_HINT),
    "roi_align_rotated_backward": _unsupported("roi_align_rotated_backward", _BUILD_HINT),
}
_library = None  # kept alive: dropping a torch.library.Library removes its registrations


def register_ops():
    """Register the missing `torch.ops.detectron2.*` ops (idempotent; never overrides existing)."""
    global _library
    missing = [name for name in _SCHEMAS if not hasattr(torch.ops.detectron2, name)]
    if not missing:
        return
    if _library is None:
        _library = torch.library.Library("detectron2", "FRAGMENT")
    for name in missing:
        _library.define(_SCHEMAS[name])
        # CompositeImplicitAutograd: one Python kernel for every device; outputs carry no grad.
        _library.impl(name, _KERNELS[name], "CompositeImplicitAutograd")
