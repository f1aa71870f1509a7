"""Cascade R-CNN R50-FPN (paper scale), Detectron2's Cascade design (model zoo
`Misc/cascade_mask_rcnn_R_50_FPN_3x.yaml` without the mask branch): faster_rcnn_fpn.py's backbone
and RPN, three box stages at IoU 0.5 / 0.6 / 0.7 with class-agnostic regression and box-delta
weights (10, 10, 5, 5) / (20, 20, 10, 10) / (30, 30, 15, 15). The heads are
`PseudoLabelCascadeROIHeads` (CascadeROIHeads plus the pseudo-label methods)."""

from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.modeling.box_regression import Box2BoxTransform
from detectron2.modeling.matcher import Matcher
from detectron2.modeling.roi_heads import FastRCNNConvFCHead, FastRCNNOutputLayers

from labeleff.modeling import PseudoLabelCascadeROIHeads

from .faster_rcnn_fpn import model

_standard = model.roi_heads
model.roi_heads = L(PseudoLabelCascadeROIHeads)(
    num_classes=_standard.num_classes,
    batch_size_per_image=_standard.batch_size_per_image,
    positive_fraction=_standard.positive_fraction,
    box_in_features=_standard.box_in_features,
    box_pooler=_standard.box_pooler,
    box_heads=[
        L(FastRCNNConvFCHead)(
            input_shape=ShapeSpec(channels=256, height=7, width=7),
            conv_dims=[],
            fc_dims=[1024, 1024],
        )
        for _ in range(3)
    ],
    box_predictors=[
        L(FastRCNNOutputLayers)(
            input_shape=ShapeSpec(channels=1024),
            test_score_thresh=0.05,
            test_topk_per_image=100,
            box2box_transform=L(Box2BoxTransform)(weights=w),
            cls_agnostic_bbox_reg=True,
            num_classes="${...num_classes}",
        )
        for w in [(10, 10, 5, 5), (20, 20, 10, 10), (30, 30, 15, 15)]
    ],
    proposal_matchers=[
        L(Matcher)(thresholds=[th], labels=[0, 1], allow_low_quality_matches=False)
        for th in [0.5, 0.6, 0.7]
    ],
)
