"""yacs keys of RefineDet (for `MODEL.META_ARCHITECTURE: RefineDet`); LazyConfigs set the same
values as constructor arguments."""

from detectron2.config import CfgNode as CN


def add_refinedet_config(cfg):
    """Add MODEL.REFINEDET, MODEL.VGG and MODEL.REFINEDET_LITE0 with the paper's defaults
    (RefineDet320, VOC) and the Lite0 backbone's (build_lite0_refinedet_backbone)."""
    cfg.MODEL.VGG = CN()
    cfg.MODEL.VGG.WIDTH_MULT = 1.0
    cfg.MODEL.VGG.WEIGHTS = ""  # local torchvision VGG16 ImageNet state_dict
    lite = cfg.MODEL.REFINEDET_LITE0 = CN()
    lite.EXTRA_CHANNELS = [128, 256]  # extra 1x1 and 3x3 stride-2 convolutions (res6)
    lite.RES3_SCALE = 10.0  # initial L2Norm scales, as VGG's conv4_3 / conv5_3
    lite.RES4_SCALE = 8.0
    rd = cfg.MODEL.REFINEDET = CN()
    rd.NUM_CLASSES = 20
    rd.IN_FEATURES = ["conv4_3", "conv5_3", "fc7", "conv6_2"]
    rd.TCB_CHANNELS = 256
    rd.ANCHOR_SIZE_PER_STRIDE = 4.0  # anchor sizes 32/64/128/256
    rd.ASPECT_RATIOS = [1.0, 0.5, 2.0]
    rd.BOX_VARIANCES = [0.1, 0.2]
    rd.IOU_THRESHOLD = 0.5
    rd.NEG_POS_RATIO = 3.0
    rd.OBJECTNESS_THRESHOLD = 0.01
    rd.TEST_SIZE = 320
    rd.SCORE_THRESH_TEST = 0.01
    rd.NMS_THRESH_TEST = 0.45
    rd.TOPK_PER_CLASS_TEST = 1000
    cfg.TEST.DETECTIONS_PER_IMAGE = 500
    cfg.MODEL.BACKBONE.NAME = "build_vgg16_reduced_backbone"
    cfg.MODEL.PIXEL_MEAN = [123.675, 116.28, 103.53]  # torchvision ImageNet statistics (RGB)
    cfg.MODEL.PIXEL_STD = [58.395, 57.12, 57.375]
    cfg.INPUT.FORMAT = "RGB"
