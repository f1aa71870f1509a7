"""FloW line, part 1: frames / crops dataset tools and backbone pretraining (fg/bg classifier with
center loss, self-supervised patch pretext), exported to load into the detectors' backbones."""

from .classifier import BackboneClassifier, CenterLoss
from .crops import plan_crops, write_crops
from .data import FgBgCropDataset, PatchPretextDataset, build_pretrain_loader
from .datasets import register_bccd
from .export import ExportBackboneHook, assert_backbone_keys, check_backbone_keys, export_backbone
from .frames import VideoReadError, extract_frames
from .losses import center_loss, cosine_patch_loss, info_nce_patch_loss, update_centers
from .patch_sampler import sample_patch_cells
from .pretext import PatchPretextModel
