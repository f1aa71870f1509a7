"""yacs keys for YOLOX (the LazyConfig files under configs/yolox/ pass the same values directly)."""

from detectron2.config import CfgNode as CN

from .box_coding import SCALE_CLAMP


def add_yolox_config(cfg):
    """Add `MODEL.YOLOX.*` with the official YOLOX-s defaults (Megvii yolox/exp/yolox_base.py) and
    set MODEL.PIXEL_MEAN / PIXEL_STD to YOLOX's (0, 1)."""
    cfg.MODEL.YOLOX = CN()
    cfg.MODEL.YOLOX.DEPTH = 0.33  # depth multiplier (s: 0.33, tiny: 0.33, nano: 0.33)
    cfg.MODEL.YOLOX.WIDTH = 0.50  # width multiplier (s: 0.50, tiny: 0.375, nano: 0.25)
    cfg.MODEL.YOLOX.DEPTHWISE = False  # depthwise convs (nano)
    cfg.MODEL.YOLOX.ACT = "silu"
    cfg.MODEL.YOLOX.NUM_CLASSES = 80
    cfg.MODEL.YOLOX.BOX_LOSS = "iou"  # "iou" (1 - IoU^2, official), "giou", "ciou"
    cfg.MODEL.YOLOX.BOX_LOSS_WEIGHT = 5.0
    cfg.MODEL.YOLOX.CENTER_RADIUS = 1.5  # SimOTA centre prior, in strides
    cfg.MODEL.YOLOX.CANDIDATES = "center"  # "center" (current) or "box_or_center" (r=2.5)
    cfg.MODEL.YOLOX.TEST_CONF = 0.01
    cfg.MODEL.YOLOX.NMS_THRESH = 0.65
    cfg.MODEL.YOLOX.TEST_SCALE_CLAMP = SCALE_CLAMP  # test-time max log-size (Detectron2's)
    cfg.MODEL.YOLOX.INPUT_SIZE = 640  # letterbox square (train mosaic and test)
    # Official YOLOX feeds raw 0-255 BGR pixels: no mean subtraction, no scaling.
    cfg.MODEL.PIXEL_MEAN = [0.0, 0.0, 0.0]
    cfg.MODEL.PIXEL_STD = [1.0, 1.0, 1.0]
