"""COCO evaluation that works with the pure-PyTorch `_C` fallback."""

from detectron2.evaluation import COCOEvaluator as _D2COCOEvaluator

from .d2_compat import native_c_available

__all__ = ["COCOEvaluator"]


class COCOEvaluator(_D2COCOEvaluator):
    """Detectron2's `COCOEvaluator`; `use_fast_impl` defaults to the native `_C` being available
    (the fast COCOeval is C++ code in `_C`; the fallback evaluates with pycocotools)."""

    def __init__(
        self,
        dataset_name,
        tasks=None,
        distributed=True,
        output_dir=None,
        *,
        use_fast_impl=None,
        **kwargs
    ):
        if use_fast_impl is None or (use_fast_impl and not native_c_available()):
            use_fast_impl = native_c_available()
        super().__init__(
            dataset_name, tasks, distributed, output_dir, use_fast_impl=use_fast_impl, **kwargs
        )
