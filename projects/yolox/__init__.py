"""YOLOX (Ge et al. 2021) on Detectron2: CSPDarknet + PAFPN, decoupled head, SimOTA, IoU/GIoU/CIoU
box losses, the mosaic/mixup recipe and its hooks. Importing registers the backbones and model."""

from . import backbone, data, hooks, meta_arch, pafpn  # noqa: F401  (registration)
from .backbone import CSPDarknet, cspdarknet_channels
from .config import add_yolox_config
from .data import MosaicMixupDataset, YOLOXDatasetMapper
from .head import YOLOXHead
from .hooks import ModelEMAHook, NoAugSwitchHook
from .meta_arch import YOLOX
from .pafpn import YOLOPAFPN
from .schedule import YOLOXWarmCosine
