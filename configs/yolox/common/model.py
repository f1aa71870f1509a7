"""YOLOX model nodes: CSPDarknet + PAFPN + decoupled head (keys are constructor arguments).

Sizes (Megvii YOLOX exps): s depth 0.33 / width 0.50; tiny 0.33 / 0.375; nano 0.33 / 0.25
with depthwise convs.
"""

from detectron2.config import LazyCall as L

from labeleff.projects.yolox import YOLOPAFPN, YOLOX, CSPDarknet, YOLOXHead, cspdarknet_channels
from labeleff.projects.yolox.box_coding import SCALE_CLAMP


def yolox_model(
    depth=0.33, width=0.50, depthwise=False, num_classes=80, box_loss="iou", input_size=640
):
    """A YOLOX node; head width and channels follow `backbone.bottom_up.width` by interpolation."""
    return L(YOLOX)(
        backbone=L(YOLOPAFPN)(
            bottom_up=L(CSPDarknet)(depth=depth, width=width, depthwise=depthwise, act="silu"),
            depth="${.bottom_up.depth}",
            depthwise="${.bottom_up.depthwise}",
            act="${.bottom_up.act}",
        ),
        head=L(YOLOXHead)(
            in_channels=L(cspdarknet_channels)(width="${...backbone.bottom_up.width}"),
            num_classes=num_classes,
            width="${..backbone.bottom_up.width}",
            depthwise="${..backbone.bottom_up.depthwise}",
            act="${..backbone.bottom_up.act}",
            prior_prob=0.01,  # initial cls/obj probability (official initialize_biases(1e-2))
        ),
        box_loss=box_loss,  # "iou" (1 - IoU^2, official), "giou", "ciou"
        box_loss_weight=5.0,  # official reg_weight
        center_radius=1.5,  # SimOTA centre prior in strides (current official; paper: 2.5)
        candidate_mode="center",  # "box_or_center" with center_radius=2.5: first release
        use_l1=False,  # switched on for the last epochs by NoAugSwitchHook
        test_score_thresh=0.01,  # official test_conf
        test_nms_thresh=0.65,  # official nmsthre
        test_scale_clamp=SCALE_CLAMP,  # Detectron2's log(1000 / 16); official YOLOX: none
        max_detections_per_image=300,
        pixel_mean=[0.0, 0.0, 0.0],  # official YOLOX feeds raw 0-255 BGR pixels
        pixel_std=[1.0, 1.0, 1.0],
        input_format="BGR",
        square_size=input_size,  # test images are letterboxed onto this square
    )
