"""RefineDet (Zhang et al., CVPR 2018) as a Detectron2 meta-architecture; importing this package
registers the backbones (VGG16-reduced, EfficientNet-Lite0) and the meta-architecture."""

from labeleff.data import register_voc

from .anchors import build_box_coder, build_refinedet_anchor_generator
from .config import add_refinedet_config
from .head import RefineDetHead
from .lite0 import Lite0RefineDetBackbone, build_lite0_refinedet_backbone, lite0_refinedet_channels
from .mapper import RefineDetDatasetMapper
from .matching import match_anchors, refine_match
from .meta_arch import RefineDet
from .multiscale import bbox_vote, official_test_scales, soft_bbox_vote
from .transforms import ssd_train_augmentations
from .vgg import (
    VGG16Reduced,
    build_vgg16_reduced,
    convert_torchvision_vgg16,
    vgg16_reduced_channels,
)
