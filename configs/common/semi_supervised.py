"""Loader and trainer nodes shared by the teacher-student configs: each method's base
(configs/soft_teacher/common/base.py, configs/mic_uda/common/base.py, configs/ps_mt/common/base.py)
and the mean-teacher example build their loaders and trainer from these, so that a loader has one
shape everywhere and only its dataset, mapper, batch and seed differ.

    dataloader.train = train_loader("${datasets.labeled.name}", mapper, batch_size=8, seed=0)
    dataloader.unlabeled = unlabeled_loader("${datasets.unlabeled.name}", views, 32, seed=1)
    train.trainer = teacher_student_trainer()  # reads ${dataloader.unlabeled}

Loader seeds are fixed integers (labeled 0, unlabeled 1 in the paper configs) so that `--resume`
replays exactly the batches of an uninterrupted run (docs/ENGINE_CONTRACT.md).
"""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L
from detectron2.data import DatasetMapper, build_detection_test_loader, get_detection_dataset_dicts

from labeleff.projects.teacher_student import (
    SemiSupervisedTrainer,
    build_semi_supervised_train_loader,
)


def train_loader(names, mapper, batch_size, seed, num_workers=None, filter_empty=None):
    """Infinite seeded loader of the labeled (or source) images. `num_workers` / `filter_empty`
    None: the builder's defaults (0 workers; images without boxes dropped)."""
    dataset = L(get_detection_dataset_dicts)(names=names)
    if filter_empty is not None:
        dataset.filter_empty = filter_empty
    node = L(build_semi_supervised_train_loader)(
        dataset=dataset, mapper=mapper, total_batch_size=batch_size, seed=seed
    )
    if num_workers is not None:
        node.num_workers = num_workers
    return node


def unlabeled_loader(names, mapper, batch_size, seed, num_workers=None):
    """Infinite seeded loader of the unlabeled (or target) images: none is dropped for having no
    annotation (they have none, or hidden ones kept for pseudo-label quality)."""
    return train_loader(names, mapper, batch_size, seed, num_workers, filter_empty=False)


def detection_train_mapper(augmentations):
    """Detectron2's DatasetMapper for training on BGR images."""
    return L(DatasetMapper)(is_train=True, augmentations=augmentations, image_format="BGR")


def test_loader(names, mapper, num_workers):
    """Detectron2's test loader over every image of `names` (none filtered)."""
    return L(build_detection_test_loader)(
        dataset=L(get_detection_dataset_dicts)(names=names, filter_empty=False),
        mapper=mapper,
        num_workers=num_workers,
    )


def detection_test_loader(names, short_edge, max_size, num_workers):
    """Test loader resizing the shortest edge to `short_edge` (longest <= `max_size`)."""
    resize = L(T.ResizeShortestEdge)(short_edge_length=short_edge, max_size=max_size)
    mapper = L(DatasetMapper)(is_train=False, augmentations=[resize], image_format="BGR")
    return test_loader(names, mapper, num_workers)


def teacher_student_trainer(unlabeled_data_loader="${dataloader.unlabeled}"):
    """The two-loader trainer; the interpolation lets `dataloader.unlabeled.*` overrides reach
    it. AMP comes from `train.amp.enabled` (the entry point passes it: one key for every
    trainer)."""
    return L(SemiSupervisedTrainer)(unlabeled_data_loader=unlabeled_data_loader)
