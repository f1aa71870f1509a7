"""teacher_student: the shared semi-supervised engine (teacher-student meta-architecture, trainer
with two loaders, EMA hook, multi-view mapper with tracked transforms, box projection)."""

from .adaptive_thresholds import (
    ClassFrequencyThresholds,
    ClassScoreThresholds,
    gmm_score_threshold,
)
from .augmentations import (
    OneOf,
    RandomColorOp,
    RandomErase,
    RandomRotate,
    RandomShear,
    RandomTranslate,
    ShuffledList,
    strong_view_augmentations,
    views,
    weak_view_augmentations,
)
from .bn_statistics import running_stats_frozen
from .box_projection import (
    boxes_between_views,
    instances_between_views,
    project_boxes,
    transform_to_matrix,
    view_to_view,
)
from .data import SeededBatchStream, build_semi_supervised_train_loader
from .ema import EMAHook, ema_momentum, ema_update_
from .health import PseudoLabelHealthHook, collapse_warning, write_curves_png
from .hooks import PseudoLabelVisualizerHook
from .losses import weight_losses
from .mapper import MultiViewDatasetMapper
from .meta_arch import TeacherStudent
from .pseudo_labels import match_pseudo_labels
from .trainer import SemiSupervisedTrainer
from .transforms import AffineTransform, ColorOpTransform, EraseTransform
from .utils import unwrap_model
