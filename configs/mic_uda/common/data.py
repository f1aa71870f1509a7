"""MIC's train mappers (Hoyer et al., CVPR 2023; detection code on maskrcnn-benchmark): the
source view (resize, flip) and the target views sharing one geometry, the masked view with the
official MASKING_AUGMENTATION photometric ops."""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L

from labeleff.projects.mic_uda import RandomColorJitter, RandomGaussianBlur
from labeleff.projects.mic_uda.mapper import SharedGeometryViewMapper

from ...common.semi_supervised import detection_train_mapper


def source_mapper(resize):
    """`resize` (a transform node), then horizontal flip (p 0.5)."""
    return detection_train_mapper([resize, L(T.RandomFlip)(horizontal=True)])


def target_mapper(resize):
    """Teacher and masked view share `resize` + flip; the masked view also gets colour jitter
    (strength 0.2, applied iff U > 0.2) and Gaussian blur (iff U > 0.5), per sample."""
    return L(SharedGeometryViewMapper)(
        geometric=[resize, L(T.RandomFlip)(horizontal=True)],
        photometric=[L(RandomColorJitter)(strength=0.2, prob=0.8), L(RandomGaussianBlur)(prob=0.5)],
        image_format="BGR",
    )
