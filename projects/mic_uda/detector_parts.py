"""The RPN side of MIC's masked student pass on a Detectron2 Faster R-CNN (GeneralizedRCNN + RPN):
masked preprocessing, quality-weighted objectness losses against pseudo-labels, and the
instance-level domain classifier's ROIs. The ROI side is the detector's own
`labeleff.modeling.PseudoLabelROIHeads` (`pseudo_label_box_losses`, `box_features`)."""

from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from detectron2.layers import cat
from detectron2.modeling import GeneralizedRCNN
from detectron2.structures import Boxes, ImageList, Instances, pairwise_iou

from .quality import rpn_quality_weights, weighted_objectness_loss

__all__ = [
    "preprocess_images",
    "rpn_predictions",
    "rpn_proposals",
    "rpn_pseudo_label_losses",
    "random_proposal_boxes",
]


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


def rpn_predictions(rpn, features: Dict[str, torch.Tensor]):
    """Anchors and raw RPN outputs, as in `RPN.forward`.

    Returns:
        anchors: L Boxes (Hi*Wi*A, 4); logits: L tensors (N, Hi*Wi*A);
        deltas: L tensors (N, Hi*Wi*A, 4).
    """
    feats = [features[f] for f in rpn.in_features]
    anchors = rpn.anchor_generator(feats)
    logits, deltas = rpn.rpn_head(feats)
    logits = [score.permute(0, 2, 3, 1).flatten(1) for score in logits]
    box_dim = rpn.anchor_generator.box_dim
    deltas = [
        x.view(x.shape[0], -1, box_dim, x.shape[-2], x.shape[-1])
        .permute(0, 3, 4, 1, 2)
        .flatten(1, -2)
        for x in deltas
    ]
    return anchors, logits, deltas


def rpn_proposals(rpn, images: ImageList, features: Dict[str, torch.Tensor]) -> List[Instances]:
    """Proposals of the RPN (its current train/eval top-k) without any loss or ground truth."""
    anchors, logits, deltas = rpn_predictions(rpn, features)
    return rpn.predict_proposals(anchors, logits, deltas, images.image_sizes)


def rpn_pseudo_label_losses(
    rpn,
    images: ImageList,
    features: Dict[str, torch.Tensor],
    targets: List[Instances],
    quality: str,
    box_reg: bool,
) -> Tuple[Dict[str, torch.Tensor], List[Instances]]:
    """RPN losses against pseudo-labels with per-anchor quality weights.

    Args:
        targets: per image, pseudo-labels with `gt_boxes`, `gt_classes`, `gt_scores`.
        quality: "prob" | "teacher" | "none" (see `quality.rpn_quality_weights`).
        box_reg: also return Detectron2's `loss_rpn_loc` on the pseudo boxes.
    Returns:
        ({"loss_rpn_cls": ..., ["loss_rpn_loc": ...]}, proposals for the ROI heads).
    """
    anchors, logits, deltas = rpn_predictions(rpn, features)
    gt_labels, gt_boxes = rpn.label_and_sample_anchors(anchors, targets)
    labels = torch.stack(gt_labels)  # (N, M)
    valid = labels >= 0
    flat_logits = cat(logits, dim=1)  # (N, M)
    gt_scores = None
    if quality == "teacher":
        all_anchors = Boxes.cat(anchors)
        gt_scores = torch.stack(
            [
                (
                    t.gt_scores[rpn.anchor_matcher(pairwise_iou(t.gt_boxes, all_anchors))[0]]
                    if len(t)
                    else torch.ones(len(all_anchors), device=flat_logits.device)
                )
                for t in targets
            ]
        )[valid]
    weights = rpn_quality_weights(quality, flat_logits[valid], labels[valid], gt_scores)
    normalizer = rpn.batch_size_per_image * len(targets)
    losses = {
        "loss_rpn_cls": weighted_objectness_loss(
            flat_logits[valid], labels[valid], weights, normalizer
        )
        * rpn.loss_weight.get("loss_rpn_cls", 1.0)
    }
    if box_reg:
        losses["loss_rpn_loc"] = rpn.losses(anchors, logits, gt_labels, deltas, gt_boxes)[
            "loss_rpn_loc"
        ]
    proposals = rpn.predict_proposals(anchors, logits, deltas, images.image_sizes)
    return losses, proposals


def random_proposal_boxes(proposals: List[Instances], num_per_image: int) -> List[Boxes]:
    """Up to `num_per_image` proposal boxes per image drawn uniformly without replacement (the
    instance-level domain classifier's ROIs; MIC/DA-Faster: 256 per image)."""
    out = []
    for p in proposals:
        idx = torch.randperm(len(p), device=p.proposal_boxes.device)[:num_per_image]
        out.append(p.proposal_boxes[idx])
    return out
