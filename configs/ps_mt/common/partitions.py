"""The PS-MT labeled-fraction variants as functions of the two full configs (voc_1-8_r50.py,
cityscapes_1-8_r50.py): a variant file names its fraction, epochs and backbone depth only.

    datasets, dataloader, model, optimizer, lr_multiplier, train = voc_partition("1/2", 300)
"""

import os

from detectron2.config import LazyConfig

from labeleff.data.catalog import datasets_root
from labeleff.projects.ps_mt.schedule import configure_partition

_HERE = os.path.dirname(os.path.abspath(__file__))
# (base config, registered dataset, training images, global labeled = unlabeled batch)
_BASES = {
    "voc": ("voc_1-8_r50.py", "voc_aug_train", 10582, 32),  # 4 GPUs x 8 (official)
    "cityscapes": ("cityscapes_1-8_r50.py", "cityscapes_train", 2975, 8),
}


def split_schedule(datasets, model, train, dataset, num_images, fraction, epochs, batch):
    """configure_partition (labeleff.projects.ps_mt.schedule) with the split files under
    `<datasets_root>/splits` and `batch` labeled = unlabeled images per step: the split of
    `datasets`, burn-in, teacher period, ramp-up and `train.max_iter` of `epochs` epochs."""
    configure_partition(
        datasets=datasets,
        model=model,
        train=train,
        dataset=dataset,
        num_train_images=num_images,
        fraction=fraction,
        epochs=epochs,
        labeled_batch_size=batch,
        unlabeled_batch_size=batch,
        split_dir=os.path.join(datasets_root(), "splits"),
    )


def _partition(base: str, fraction: str, epochs: int, depth: int, output_dir: str):
    config, dataset, num_images, batch = _BASES[base]
    cfg = LazyConfig.load(os.path.normpath(os.path.join(_HERE, "..", config)))
    split_schedule(cfg.datasets, cfg.model, cfg.train, dataset, num_images, fraction, epochs, batch)
    if depth != 50:  # Detectron2's DeepLab ImageNet weights: R-52 (deep stem) / R-103
        cfg.model.student.backbone.depth = depth
        weights = cfg.model.student.backbone.weights
        cfg.model.student.backbone.weights = weights.replace("R-52.pkl", f"R-{depth + 2}.pkl")
    cfg.train.output_dir = output_dir
    return cfg.datasets, cfg.dataloader, cfg.model, cfg.optimizer, cfg.lr_multiplier, cfg.train


def voc_partition(fraction: str, epochs: int, depth: int = 50):
    """PS-MT on VOC 2012 aug with `fraction` of the 10582 images labeled, `epochs` epochs,
    DeepLabv3+ R-`depth`: (datasets, dataloader, model, optimizer, lr_multiplier, train)."""
    tag = f"{fraction.replace('/', '-')}_r{depth}"
    return _partition("voc", fraction, epochs, depth, f"./output/ps_mt_voc_{tag}")


def cityscapes_partition(fraction: str, epochs: int, depth: int = 50):
    """PS-MT on Cityscapes with `fraction` of the 2975 images labeled (see voc_partition)."""
    tag = f"{fraction.replace('/', '-')}_r{depth}"
    return _partition("cityscapes", fraction, epochs, depth, f"./output/ps_mt_cityscapes_{tag}")
