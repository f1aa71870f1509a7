"""What MIC's student passes need around a Detectron2 Faster R-CNN besides the detector's own
pseudo-label methods (`labeleff.modeling.PseudoLabelRPN` / `PseudoLabelROIHeads`): masked
preprocessing and the instance-level domain classifier's random ROIs."""

from typing import Callable, List, Optional, Sequence

import torch
from detectron2.modeling import GeneralizedRCNN
from detectron2.structures import Boxes, ImageList, Instances

__all__ = ["preprocess_images", "random_proposal_boxes"]


def preprocess_images(
    detector: GeneralizedRCNN,
    images: Sequence[torch.Tensor],
    per_image: Optional[Callable[[torch.Tensor], torch.Tensor]] = None,
) -> ImageList:
    """Normalise (C, H, W) images like `GeneralizedRCNN.preprocess_image`, apply `per_image` to
    each normalised image (e.g. MIC's block mask) and pad them into an ImageList."""
    out = []
    for image in images:
        x = (image.to(detector.device) - detector.pixel_mean) / detector.pixel_std
        out.append(per_image(x) if per_image is not None else x)
    return ImageList.from_tensors(
        out,
        detector.backbone.size_divisibility,
        padding_constraints=detector.backbone.padding_constraints,
    )


def random_proposal_boxes(proposals: List[Instances], num_per_image: int) -> List[Boxes]:
    """Up to `num_per_image` proposal boxes per image drawn uniformly without replacement (the
    instance-level domain classifier's ROIs; MIC/DA-Faster: 256 per image)."""
    out = []
    for p in proposals:
        idx = torch.randperm(len(p), device=p.proposal_boxes.device)[:num_per_image]
        out.append(p.proposal_boxes[idx])
    return out
