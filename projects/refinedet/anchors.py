"""RefineDet anchors and box coding, on Detectron2's DefaultAnchorGenerator and Box2BoxTransform."""

from typing import Sequence, Tuple

from detectron2.modeling.anchor_generator import DefaultAnchorGenerator
from detectron2.modeling.box_regression import Box2BoxTransform


def build_refinedet_anchor_generator(
    strides: Sequence[int] = (8, 16, 32, 64),
    size_per_stride: float = 4.0,
    aspect_ratios: Sequence[float] = (1.0, 0.5, 2.0),
    offset: float = 0.5,
) -> DefaultAnchorGenerator:
    """One anchor size per level (`size_per_stride` x stride: 32/64/128/256 for strides 8..64),
    three aspect ratios per location, centres at (i + offset) * stride.

    Caffe's PriorBox(min_size, aspect_ratio=[2], flip=True) gives, per location, the square box,
    then w/h = 2, then w/h = 1/2. Detectron2's ratio is h/w, so (1.0, 0.5, 2.0) reproduces that
    order (and the same boxes). Caffe's priors are normalised by the image size; Detectron2's are
    in pixels, which the centre-size encoding does not see. The official test also uses
    clip=False, so anchors are not clipped here either.
    """
    return DefaultAnchorGenerator(
        sizes=[[size_per_stride * s] for s in strides],
        aspect_ratios=[list(aspect_ratios)] * len(strides),
        strides=list(strides),
        offset=offset,
    )


def variances_to_weights(variances: Tuple[float, float]) -> Tuple[float, float, float, float]:
    """SSD "prior variances" (0.1 for centre, 0.2 for size) as Box2BoxTransform weights: encoding
    dx = (gx - ax) / aw / 0.1 equals Detectron2's 10 * (gx - ax) / aw, and likewise for log sizes.
    """
    center, size = variances
    return (1.0 / center, 1.0 / center, 1.0 / size, 1.0 / size)


def build_box_coder(variances: Tuple[float, float] = (0.1, 0.2)) -> Box2BoxTransform:
    return Box2BoxTransform(weights=variances_to_weights(variances))
