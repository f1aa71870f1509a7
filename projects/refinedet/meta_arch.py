"""RefineDet meta-architecture: VGG16-reduced + ARM/TCB/ODM, trained with two multibox losses."""

from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from detectron2.config import configurable
from detectron2.modeling import META_ARCH_REGISTRY, build_backbone
from detectron2.modeling.postprocessing import detector_postprocess
from detectron2.structures import Boxes, ImageList, Instances
from torch import nn

from .anchors import build_box_coder, build_refinedet_anchor_generator
from .head import RefineDetHead
from .inference import decode_two_step, detect_single_image, odm_scores
from .loss import multibox_loss
from .matching import refine_match
from .multiscale import bbox_vote, scale_image_size, size_band_mask, soft_bbox_vote
from .soft_nms import soft_nms_instances

VOTES = {"bbox_vote": bbox_vote, "soft_bbox_vote": soft_bbox_vote}


def valid_gt(
    instances: Instances, image_size: Tuple[int, int]
) -> Tuple[torch.Tensor, torch.Tensor]:
    """GT boxes clipped to the image, without the ones left with no width or height (boxes outside
    the image, zero-area boxes). Returns boxes (G, 4), classes (G,)."""
    boxes = instances.gt_boxes.tensor.clone()
    boxes[:, 0::2] = boxes[:, 0::2].clamp(0, image_size[1])
    boxes[:, 1::2] = boxes[:, 1::2].clamp(0, image_size[0])
    keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return boxes[keep], instances.gt_classes[keep]


@META_ARCH_REGISTRY.register()
class RefineDet(nn.Module):
    """Single-Shot Refinement Neural Network (Zhang et al., CVPR 2018).

    Inputs follow Detectron2: a list of dicts with "image" (C, H, W) uint8 in `input_format`,
    "instances" (training: gt_boxes, gt_classes), optional "height"/"width" (output size).
    Training returns {loss_arm_loc, loss_arm_cls, loss_odm_loc, loss_odm_cls}; inference returns
    [{"instances": Instances}] in the output size. At test time each image is resized (warped, as
    the official test) to `test_size` x `test_size`, or run through the multi-scale + flip test.
    """

    @configurable
    def __init__(
        self,
        *,
        backbone: nn.Module,
        head: RefineDetHead,
        anchor_generator: nn.Module,
        num_classes: int,
        pixel_mean: Sequence[float],
        pixel_std: Sequence[float],
        in_features: Sequence[str] = ("conv4_3", "conv5_3", "fc7", "conv6_2"),
        input_format: str = "BGR",
        box_variances: Tuple[float, float] = (0.1, 0.2),
        iou_threshold: float = 0.5,
        neg_pos_ratio: float = 3.0,
        objectness_threshold: float = 0.01,
        test_size: int = 320,
        score_threshold: float = 0.01,
        nms_threshold: float = 0.45,
        topk_per_class: int = 1000,
        max_detections_per_image: int = 500,
        multiscale_test: bool = False,
        test_scales: Optional[List[Dict]] = None,
        vote: str = "bbox_vote",
        vote_iou_threshold: float = 0.45,
        soft_nms_iou_threshold: Optional[float] = None,
    ):
        """
        Args:
            backbone: returns the `in_features` maps (strides 8, 16, 32, 64).
            head: RefineDetHead for those features.
            anchor_generator: one anchor set per feature map (build_refinedet_anchor_generator).
            num_classes: foreground classes C; the ODM predicts C + 1 (background last).
            box_variances: SSD encoding variances (centre, size), 0.1 / 0.2.
            iou_threshold: matching IoU for ARM and ODM positives (0.5).
            neg_pos_ratio: hard negative mining ratio (3).
            objectness_threshold: negative anchor filtering in training and score filtering at
                test time: anchors whose ARM objectness is below it (background > 0.99) are
                dropped (0.01).
            test_size: square test input (320 or 512).
            score_threshold, nms_threshold, topk_per_class, max_detections_per_image: Caffe
                DetectionOutput (0.01, 0.45, 1000, 500).
            multiscale_test: run the official multi-scale + flip test with `test_scales`
                (see multiscale.official_test_scales) merged by `vote` ("bbox_vote" for VOC,
                "soft_bbox_vote" for COCO) at `vote_iou_threshold` (0.45).
            soft_nms_iou_threshold: single-scale test only: linear Soft-NMS per class at this
                Nt after the detection output, scores below `score_threshold` dropped (the
                official COCO test: 0.3); None: off (the official VOC test).
        """
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.anchor_generator = anchor_generator
        self.box_coder = build_box_coder(tuple(box_variances))
        self.num_classes = num_classes
        self.in_features = list(in_features)
        self.input_format = input_format
        self.iou_threshold = iou_threshold
        self.neg_pos_ratio = neg_pos_ratio
        self.objectness_threshold = objectness_threshold
        self.test_size = test_size
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self.topk_per_class = topk_per_class
        self.max_detections_per_image = max_detections_per_image
        self.multiscale_test = multiscale_test
        self.test_scales = list(test_scales or [])
        if multiscale_test and not self.test_scales:
            raise ValueError("RefineDet: multiscale_test=True needs test_scales")
        if vote not in VOTES:
            raise ValueError(f"RefineDet: vote must be one of {sorted(VOTES)}, got {vote!r}")
        self.vote = vote
        self.vote_iou_threshold = vote_iou_threshold
        self.soft_nms_iou_threshold = soft_nms_iou_threshold
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean).view(-1, 1, 1), False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std).view(-1, 1, 1), False)

    @classmethod
    def from_config(cls, cfg):
        backbone = build_backbone(cfg)
        rd = cfg.MODEL.REFINEDET
        shapes = backbone.output_shape()
        in_features = list(rd.IN_FEATURES)
        anchor_generator = build_refinedet_anchor_generator(
            strides=[shapes[f].stride for f in in_features],
            size_per_stride=rd.ANCHOR_SIZE_PER_STRIDE,
            aspect_ratios=rd.ASPECT_RATIOS,
        )
        head = RefineDetHead(
            [shapes[f].channels for f in in_features],
            anchor_generator.num_anchors[0],
            rd.NUM_CLASSES,
            rd.TCB_CHANNELS,
        )
        return dict(
            backbone=backbone,
            head=head,
            anchor_generator=anchor_generator,
            num_classes=rd.NUM_CLASSES,
            pixel_mean=cfg.MODEL.PIXEL_MEAN,
            pixel_std=cfg.MODEL.PIXEL_STD,
            in_features=in_features,
            input_format=cfg.INPUT.FORMAT,
            box_variances=rd.BOX_VARIANCES,
            iou_threshold=rd.IOU_THRESHOLD,
            neg_pos_ratio=rd.NEG_POS_RATIO,
            objectness_threshold=rd.OBJECTNESS_THRESHOLD,
            test_size=rd.TEST_SIZE,
            score_threshold=rd.SCORE_THRESH_TEST,
            nms_threshold=rd.NMS_THRESH_TEST,
            topk_per_class=rd.TOPK_PER_CLASS_TEST,
            max_detections_per_image=cfg.TEST.DETECTIONS_PER_IMAGE,
        )

    @property
    def device(self) -> torch.device:
        return self.pixel_mean.device

    # ----------------------------------------------------------------------------- shared steps
    def _normalize(self, image: torch.Tensor) -> torch.Tensor:
        return (image.to(self.device).float() - self.pixel_mean) / self.pixel_std

    def _predict(self, images: torch.Tensor):
        """images (N, 3, H, W) normalised -> anchors (R, 4) and the head's four outputs."""
        features = self.backbone(images)
        features = [features[f] for f in self.in_features]
        anchors = Boxes.cat(self.anchor_generator(features)).tensor
        return (anchors,) + self.head(features)

    def forward(self, batched_inputs: List[Dict]):
        if not self.training:
            return self.inference(batched_inputs)
        images = ImageList.from_tensors(
            [self._normalize(x["image"]) for x in batched_inputs], self.backbone.size_divisibility
        )
        anchors, arm_deltas, arm_logits, odm_deltas, odm_logits = self._predict(images.tensor)
        gts = [
            valid_gt(x["instances"].to(self.device), size)
            for x, size in zip(batched_inputs, images.image_sizes)
        ]
        return self.losses(anchors, arm_deltas, arm_logits, odm_deltas, odm_logits, gts)

    def losses(self, anchors, arm_deltas, arm_logits, odm_deltas, odm_logits, gts):
        """anchors (R, 4); arm_deltas (N, R, 4), arm_logits (N, R, 2), odm_deltas (N, R, 4),
        odm_logits (N, R, C+1); gts: per image (boxes (G, 4), classes (G,))."""
        arm_targets, odm_targets = [], []
        for i, (boxes, classes) in enumerate(gts):
            objectness = torch.ones_like(classes)  # ARM: binary, background 0 / object 1
            arm_targets.append(
                refine_match(
                    boxes, objectness, anchors, self.box_coder, None, self.iou_threshold, 0
                )
            )
            odm_targets.append(
                refine_match(
                    boxes,
                    classes,
                    anchors,
                    self.box_coder,
                    arm_deltas[i],
                    self.iou_threshold,
                    self.num_classes,
                )
            )
        arm_labels = torch.stack([t[0] for t in arm_targets])
        arm_target_deltas = torch.stack([t[1] for t in arm_targets])
        odm_labels = torch.stack([t[0] for t in odm_targets])
        odm_target_deltas = torch.stack([t[1] for t in odm_targets])
        with torch.no_grad():
            filtered = F.softmax(arm_logits, dim=-1)[..., 1] < self.objectness_threshold
        loss_arm_loc, loss_arm_cls = multibox_loss(
            arm_deltas, arm_logits, arm_labels, arm_target_deltas, 0, None, self.neg_pos_ratio
        )
        loss_odm_loc, loss_odm_cls = multibox_loss(
            odm_deltas,
            odm_logits,
            odm_labels,
            odm_target_deltas,
            self.num_classes,
            filtered,
            self.neg_pos_ratio,
        )
        return {
            "loss_arm_loc": loss_arm_loc,
            "loss_arm_cls": loss_arm_cls,
            "loss_odm_loc": loss_odm_loc,
            "loss_odm_cls": loss_odm_cls,
        }

    # ----------------------------------------------------------------------------- inference
    def _resize(self, image: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
        """(3, H, W) normalised -> (3, h, w), bilinear (the official test's cv2.INTER_LINEAR)."""
        if tuple(image.shape[-2:]) == tuple(size):
            return image
        return F.interpolate(image[None], size=size, mode="bilinear", align_corners=False)[0]

    def detect(self, images: torch.Tensor) -> List[Instances]:
        """images (N, 3, h, w) normalised -> per image Instances in (h, w) coordinates."""
        anchors, arm_deltas, arm_logits, odm_deltas, odm_logits = self._predict(images)
        scores = odm_scores(arm_logits, odm_logits, self.objectness_threshold)
        results = []
        for i in range(images.shape[0]):
            _, boxes = decode_two_step(anchors, arm_deltas[i], odm_deltas[i], self.box_coder)
            results.append(
                detect_single_image(
                    boxes,
                    scores[i],
                    tuple(images.shape[-2:]),
                    self.score_threshold,
                    self.nms_threshold,
                    self.topk_per_class,
                    self.max_detections_per_image,
                )
            )
        return results

    def inference(self, batched_inputs: List[Dict]) -> List[Dict]:
        if self.multiscale_test:
            return [{"instances": self.inference_multiscale(x)} for x in batched_inputs]
        size = (self.test_size, self.test_size)
        images = torch.stack(
            [self._resize(self._normalize(x["image"]), size) for x in batched_inputs]
        )
        outputs = []
        for x, result in zip(batched_inputs, self.detect(images)):
            if self.soft_nms_iou_threshold is not None:
                result = soft_nms_instances(
                    result, self.soft_nms_iou_threshold, self.score_threshold
                )
            height = x.get("height", x["image"].shape[1])
            width = x.get("width", x["image"].shape[2])
            outputs.append({"instances": detector_postprocess(result, height, width)})
        return outputs

    def inference_multiscale(self, inputs: Dict) -> Instances:
        """The official multi-scale + flip test of one image: every scale of `test_scales` on the
        image and its mirror, boxes mapped to the output size, kept inside the scale's size band,
        then merged per class by box voting."""
        image = self._normalize(inputs["image"])
        height = inputs.get("height", image.shape[1])
        width = inputs.get("width", image.shape[2])
        all_boxes, all_scores, all_classes = [], [], []
        for spec in self.test_scales:
            h, w = scale_image_size(spec, height, width)
            resized = self._resize(image, (h, w))
            for flip in (False, True):
                result = self.detect((resized.flip(-1) if flip else resized)[None])[0]
                boxes = result.pred_boxes.tensor.clone()
                if flip:
                    boxes[:, 0::2] = w - boxes[:, [2, 0]]
                boxes[:, 0::2] *= width / w
                boxes[:, 1::2] *= height / h
                boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
                boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
                keep = size_band_mask(boxes, spec)
                all_boxes.append(boxes[keep])
                all_scores.append(result.scores[keep])
                all_classes.append(result.pred_classes[keep])
        boxes, scores, classes = torch.cat(all_boxes), torch.cat(all_scores), torch.cat(all_classes)
        vote = VOTES[self.vote]
        out_boxes, out_scores, out_classes = [], [], []
        for c in classes.unique().tolist():
            sel = classes == c
            b, s = vote(boxes[sel], scores[sel], self.vote_iou_threshold)
            out_boxes.append(b)
            out_scores.append(s)
            out_classes.append(torch.full_like(s, c, dtype=torch.long))
        result = Instances((height, width))
        result.pred_boxes = Boxes(torch.cat(out_boxes) if out_boxes else boxes[:0])
        result.scores = torch.cat(out_scores) if out_scores else scores[:0]
        result.pred_classes = torch.cat(out_classes) if out_classes else classes[:0]
        result.pred_boxes.clip((height, width))  # the weighted means may round past the border
        return result
