"""The DeepLabv3+ head node of the PS-MT models (Detectron2's DeepLabV3PlusHead on res2 + res5)."""

from detectron2.config import LazyCall as L
from detectron2.layers import ShapeSpec
from detectron2.projects.deeplab import DeepLabV3PlusHead


def deeplab_v3plus_head(res2_channels, res5_channels, project, decoder, dropout, norm, classes):
    """ASPP (dilations 6 / 12 / 18, global pooling over the whole image as PS-MT) on res5 (stride
    16), `project` channels of low-level res2 features (stride 4), `decoder` = [fuse convs at 1/4,
    ASPP] channels; ignore value 255 until a dataset config sets its own."""
    return L(DeepLabV3PlusHead)(
        input_shape={
            "res2": ShapeSpec(channels=res2_channels, stride=4),
            "res5": ShapeSpec(channels=res5_channels, stride=16),
        },
        project_channels=[project],
        aspp_dilations=[6, 12, 18],
        aspp_dropout=dropout,
        decoder_channels=decoder,
        common_stride=4,
        norm=norm,
        train_size=None,
        ignore_value=255,
        num_classes=classes,
    )
