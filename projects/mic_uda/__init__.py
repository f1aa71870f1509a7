"""MIC (masked image consistency) for unsupervised domain-adaptive detection, with DA-Faster
domain classifiers, photometric target views and domain-shift datasets. Importing registers the
`MIC` meta-architecture."""

from . import meta_arch  # noqa: F401  (registers MIC)
from .domain_classifiers import (
    ImageDomainClassifier,
    InstanceDomainClassifier,
    image_domain_loss,
    instance_domain_loss,
)
from .grl import GradientReversal, grad_reverse
from .masking import block_mask, mask_image
from .meta_arch import MIC
from .photometric import RandomColorJitter, RandomGaussianBlur
from .pseudo_labels import filter_pseudo_labels

__all__ = [
    "MIC",
    "ImageDomainClassifier",
    "InstanceDomainClassifier",
    "image_domain_loss",
    "instance_domain_loss",
    "GradientReversal",
    "grad_reverse",
    "block_mask",
    "mask_image",
    "RandomColorJitter",
    "RandomGaussianBlur",
    "filter_pseudo_labels",
]
