"""YOLOX training recipe: transforms, mosaic/mixup dataset wrapper, dataset mapper."""

from .mapper import YOLOXDatasetMapper, yolox_test_augmentations, yolox_train_augmentations
from .mosaic import MosaicMixupDataset, build_mosaic, mixup, mosaic_tile
from .transforms import (
    AffineTransform,
    HSVTransform,
    Letterbox,
    LetterboxTransform,
    RandomAffine,
    RandomHSV,
    box_candidates,
)
