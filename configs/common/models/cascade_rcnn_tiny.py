"""faster_rcnn_tiny.py (from-scratch TinyResNet-FPN-64, CPU tests) with cascade_rcnn_fpn.py's three
box stages, sized like the tiny box head (FC 256 x 2 on 64-channel 7 x 7 features)."""

from detectron2.layers import ShapeSpec

from .cascade_rcnn_fpn import model as _cascade
from .faster_rcnn_tiny import model

_heads = _cascade.roi_heads
_heads.num_classes = model.roi_heads.num_classes
_heads.batch_size_per_image = model.roi_heads.batch_size_per_image
for head in _heads.box_heads:
    head.input_shape = ShapeSpec(channels=64, height=7, width=7)
    head.fc_dims = [256, 256]
for predictor in _heads.box_predictors:
    predictor.input_shape = ShapeSpec(channels=256)
model.roi_heads = _heads
