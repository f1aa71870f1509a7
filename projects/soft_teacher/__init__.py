"""Soft Teacher (Xu et al., ICCV 2021): end-to-end semi-supervised Faster R-CNN on the
teacher-student engine. Importing this package registers the `SoftTeacher` meta-architecture."""

from .jitter import box_regression_uncertainty, jitter_boxes
from .losses import soft_background_cls_loss, soft_background_weights
from .pseudo_labels import pseudo_label_mask, select_pseudo_labels
from .soft_teacher import SoftTeacher
