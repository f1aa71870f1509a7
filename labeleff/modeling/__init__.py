"""Small building blocks shared by the projects' CPU configs."""

from .efficientnet_lite import (
    LITE0_PIXEL_MEAN,
    LITE0_PIXEL_STD,
    EfficientNetLite,
    build_efficientnet_lite_fpn_backbone,
    build_lite0_classifier,
    lite0_imagenet_state_dict,
)
from .pseudo_label_roi_heads import (
    PseudoLabelBoxBranch,
    PseudoLabelCascadeROIHeads,
    PseudoLabelROIHeads,
    check_pseudo_label_roi_heads,
    weighted_cross_entropy,
)
from .pseudo_label_rpn import PseudoLabelRPN, check_pseudo_label_rpn, weighted_objectness_loss
from .tiny_backbone import TinyResNet, build_tiny_resnet_fpn_backbone
