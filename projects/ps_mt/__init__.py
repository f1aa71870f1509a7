"""PS-MT (Liu et al., CVPR 2022): two EMA teachers, Conf-CE, T-VAT and CutMix on DeepLabv3+.
Importing registers `DeepLabV3PlusSegmentor` and `PSMT` in Detectron2's META_ARCH_REGISTRY."""

from labeleff.data import register_camvid, register_cityscapes, register_sem_seg, register_voc_aug

from .deeplab import DeepLabV3PlusSegmentor, deeplab_resnet
from .demo import demo_segmentation_dataset, make_demo_segmentation
from .losses import conf_ce_loss, ensemble_logits
from .mapper import SemSegMapper, StrongPhotometric
from .meta_arch import PSMT, TeacherEnsemble
from .perturbations import apply_cutmix, cutmix_boxes, tvat_perturbation
