"""labeleff: label-efficient detection and segmentation on top of Detectron2.

Importing this package makes sure `detectron2._C` resolves (native, or this project's
pure-PyTorch fallback) before any Detectron2 module needs it.
"""

from . import d2_compat as _d2_compat

_d2_compat.ensure_c_ops()

__version__ = "0.1.0"

# registers the `iters_at_max_iter` config resolver (schedules that follow train.max_iter)
from . import schedule as _schedule  # noqa: E402,F401
