"""YOLOX as a Detectron2 meta-architecture: backbone (CSPDarknet + PAFPN), decoupled head,
SimOTA targets and losses in training, decoding + NMS to `Instances` in inference."""

from typing import Dict, List, Sequence

import torch
import torch.nn.functional as F
from detectron2.config import configurable
from detectron2.modeling import META_ARCH_REGISTRY, Backbone, build_backbone
from detectron2.modeling.postprocessing import detector_postprocess
from detectron2.structures import ImageList
from detectron2.utils.events import get_event_storage
from torch import nn

from .box_coding import SCALE_CLAMP, decode_boxes, encode_l1_targets, make_grid
from .diagnostics import no_overlap_fractions
from .head import YOLOXHead
from .inference import yolox_postprocess
from .losses import BOX_LOSSES, yolox_losses
from .simota import simota_assign


@META_ARCH_REGISTRY.register()
class YOLOX(nn.Module):
    """YOLOX (Ge et al. 2021). Inputs are Detectron2 batched inputs whose "image" is a (3, H, W)
    tensor of 0-255 pixels in `input_format` (official YOLOX feeds raw BGR pixels, no
    normalisation: pixel_mean 0, pixel_std 1)."""

    @configurable
    def __init__(
        self,
        *,
        backbone: Backbone,
        head: YOLOXHead,
        box_loss: str = "iou",
        box_loss_weight: float = 5.0,
        center_radius: float = 1.5,
        candidate_mode: str = "center",
        use_l1: bool = False,
        test_score_thresh: float = 0.01,
        test_nms_thresh: float = 0.65,
        test_scale_clamp: float = SCALE_CLAMP,
        max_detections_per_image: int = 300,
        pixel_mean: Sequence[float] = (0.0, 0.0, 0.0),
        pixel_std: Sequence[float] = (1.0, 1.0, 1.0),
        input_format: str = "BGR",
        square_size: int = 0,
        pad_value: float = 114.0,
    ):
        """
        Args:
            backbone: returns the head's input levels (e.g. `YOLOPAFPN`: p3/p4/p5).
            head: `YOLOXHead` whose in_channels match the backbone outputs.
            box_loss: "iou" (1 - IoU^2, official), "giou" or "ciou"; box_loss_weight 5.0.
            center_radius, candidate_mode: SimOTA geometric prior (see `candidate_points`).
            use_l1: add the L1 loss on raw deltas (switched on by `NoAugSwitchHook` in the last
                epochs).
            test_score_thresh, test_nms_thresh: official test_conf 0.01, nmsthre 0.65.
            test_scale_clamp: test-time clamp of the log-size deltas (`box_coding.SCALE_CLAMP`,
                Detectron2's value); training decodes unclamped, as official YOLOX.
            square_size: if > 0, pad each batch to a square of this size (letterbox), else to a
                multiple of 32; padding uses `pad_value` (the letterbox grey 114).
        """
        super().__init__()
        if box_loss not in BOX_LOSSES:
            raise ValueError(f"YOLOX box_loss={box_loss!r}: expected one of {BOX_LOSSES}")
        self.backbone = backbone
        self.head = head
        shapes = backbone.output_shape()
        self.in_features = list(shapes)
        self.strides = [shapes[f].stride for f in self.in_features]
        self.box_loss = box_loss
        self.box_loss_weight = box_loss_weight
        self.center_radius = center_radius
        self.candidate_mode = candidate_mode
        self.use_l1 = use_l1
        self.test_score_thresh = test_score_thresh
        self.test_nms_thresh = test_nms_thresh
        self.test_scale_clamp = test_scale_clamp
        self.max_detections_per_image = max_detections_per_image
        self.input_format = input_format
        self.square_size = square_size
        self.pad_value = pad_value
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean).view(-1, 1, 1), False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std).view(-1, 1, 1), False)
        # Plain dict, not a submodule: copies such as the EMA stay out of state_dict/parameters.
        self._evaluation_models: Dict[str, nn.Module] = {}

    @classmethod
    def from_config(cls, cfg):
        y = cfg.MODEL.YOLOX
        backbone = build_backbone(cfg)
        head = YOLOXHead(
            in_channels=[s.channels for s in backbone.output_shape().values()],
            num_classes=y.NUM_CLASSES,
            width=y.WIDTH,
            depthwise=y.DEPTHWISE,
            act=y.ACT,
        )
        return {
            "backbone": backbone,
            "head": head,
            "box_loss": y.BOX_LOSS,
            "box_loss_weight": y.BOX_LOSS_WEIGHT,
            "center_radius": y.CENTER_RADIUS,
            "candidate_mode": y.CANDIDATES,
            "test_score_thresh": y.TEST_CONF,
            "test_nms_thresh": y.NMS_THRESH,
            "test_scale_clamp": y.TEST_SCALE_CLAMP,
            "max_detections_per_image": cfg.TEST.DETECTIONS_PER_IMAGE,
            "pixel_mean": cfg.MODEL.PIXEL_MEAN,
            "pixel_std": cfg.MODEL.PIXEL_STD,
            "input_format": cfg.INPUT.FORMAT,
            "square_size": y.INPUT_SIZE,
        }

    def attach_evaluation_model(self, prefix: str, module: nn.Module) -> None:
        """Evaluate `module` (e.g. the EMA of this model, `ModelEMAHook`) instead of this model."""
        self._evaluation_models[prefix] = module

    def evaluation_models(self) -> Dict[str, nn.Module]:
        """{prefix: model} evaluated by labeleff's train_net: attached copies, else this model."""
        return dict(self._evaluation_models) or {"": self}

    @property
    def device(self):
        return self.pixel_mean.device

    def preprocess_image(self, batched_inputs: List[Dict]) -> ImageList:
        """Pad (with the letterbox grey) then normalise."""
        images = [x["image"].to(self.device).float() for x in batched_inputs]
        # an image larger than the square (not made by the YOLOX mappers) is padded to /32 only
        fits = all(max(im.shape[-2:]) <= self.square_size for im in images)
        images = ImageList.from_tensors(
            images,
            32,
            pad_value=self.pad_value,
            padding_constraints={"square_size": self.square_size if fits else 0},
        )
        images.tensor = (images.tensor - self.pixel_mean) / self.pixel_std
        return images

    def forward(self, batched_inputs: List[Dict]):
        """Training: dict of losses. Inference: list of {"instances": Instances} in the original
        image size (the dict's "height"/"width", else the input size)."""
        images = self.preprocess_image(batched_inputs)
        features = self.backbone(images.tensor)
        features = [features[f] for f in self.in_features]
        cls_logits, obj_logits, box_deltas = self.head(features)
        grid, strides = make_grid([f.shape[-2:] for f in features], self.strides, self.device)

        if self.training:
            # Unclamped as official YOLOX: BN uses the batch statistics here, so sizes stay finite,
            # and a clamp would zero the box-loss gradient of clamped sizes (a fresh nano model
            # already predicts log-sizes ~5, above the clamp's 4.1).
            pred_boxes = decode_boxes(box_deltas, grid, strides)
            gt_instances = [x["instances"].to(self.device) for x in batched_inputs]
            return self.losses(
                cls_logits, obj_logits, box_deltas, pred_boxes, grid, strides, gt_instances
            )

        pred_boxes = decode_boxes(box_deltas, grid, strides, self.test_scale_clamp)
        results = []
        for i, (inputs, image_size) in enumerate(zip(batched_inputs, images.image_sizes)):
            instances = yolox_postprocess(
                pred_boxes[i],
                cls_logits[i],
                obj_logits[i],
                image_size,
                self.test_score_thresh,
                self.test_nms_thresh,
                self.max_detections_per_image,
            )
            height = inputs.get("height", image_size[0])
            width = inputs.get("width", image_size[1])
            results.append({"instances": detector_postprocess(instances, height, width)})
        return results

    @staticmethod
    def _log_positive_overlap(matched_iou: torch.Tensor, target_boxes: torch.Tensor) -> None:
        """`yolox/pos_no_overlap(_small)` in the training metrics (diagnostics.py): the logged
        value is the logging iteration's own fraction, not the window median (a median of mostly
        zero fractions is zero, hiding the batches where it happens)."""
        try:
            storage = get_event_storage()
        except AssertionError:  # no EventStorage: not inside a trainer
            return
        areas = (target_boxes[:, 2:] - target_boxes[:, :2]).clamp(min=0).prod(-1)
        for key, value in no_overlap_fractions(matched_iou, areas).items():
            storage.put_scalar(f"yolox/{key}", value, smoothing_hint=False)

    def losses(self, cls_logits, obj_logits, box_deltas, pred_boxes, grid, strides, gt_instances):
        """SimOTA per image, then `yolox_losses` over the batch. Shapes: (N, A, K), (N, A),
        (N, A, 4), (N, A, 4), (A, 2), (A,), N Instances with gt_boxes / gt_classes."""
        num_classes = cls_logits.shape[-1]
        fg_masks, cls_targets, box_targets, l1_targets = [], [], [], []
        matched_ious = []
        for i, gt in enumerate(gt_instances):
            gt_boxes, gt_classes = gt.gt_boxes.tensor, gt.gt_classes
            assignment = simota_assign(
                pred_boxes[i].detach(),
                cls_logits[i].detach(),
                obj_logits[i].detach(),
                grid,
                strides,
                gt_boxes,
                gt_classes,
                self.center_radius,
                self.candidate_mode,
            )
            fg, matched_gt = assignment.fg_mask, assignment.matched_gt
            fg_masks.append(fg)
            cls_targets.append(
                F.one_hot(gt_classes[matched_gt], num_classes).float()
                * assignment.matched_iou.unsqueeze(-1)
            )
            box_targets.append(gt_boxes[matched_gt])
            l1_targets.append(encode_l1_targets(gt_boxes[matched_gt], grid[fg], strides[fg]))
            matched_ious.append(assignment.matched_iou)
        self._log_positive_overlap(torch.cat(matched_ious), torch.cat(box_targets))
        return yolox_losses(
            cls_logits.flatten(0, 1),
            obj_logits.flatten(0, 1),
            pred_boxes.flatten(0, 1),
            torch.cat(fg_masks),
            torch.cat(cls_targets),
            torch.cat(box_targets),
            self.box_loss,
            self.box_loss_weight,
            box_deltas.flatten(0, 1) if self.use_l1 else None,
            torch.cat(l1_targets) if self.use_l1 else None,
        )
