"""Soft Teacher's data nodes (Xu et al., ICCV 2021): the labeled view (resize, flip, one colour op)
and the weak / strong views of the unlabeled images at a given image scale; a labeled split of a
VOC folder or COCO json (bccd_10pct.py and the accuracy benchmark)."""

import detectron2.data.transforms as T
from detectron2.config import LazyCall as L

from labeleff.projects.soft_teacher.data import (
    register_source,
    register_source_partial,
    soft_teacher_views,
)
from labeleff.projects.teacher_student import MultiViewDatasetMapper, RandomColorOp

from ...common.semi_supervised import detection_train_mapper


def labeled_mapper(short_edge, max_size):
    """Shortest edge uniform in `short_edge` = (lo, hi), longest <= `max_size`, horizontal flip,
    one colour op (paper: (400, 1200), 1333)."""
    resize = L(T.ResizeShortestEdge)(
        short_edge_length=short_edge, max_size=max_size, sample_style="range"
    )
    return detection_train_mapper([resize, L(T.RandomFlip)(horizontal=True), L(RandomColorOp)()])


def unlabeled_mapper(short_edge, max_size):
    """Weak view (teacher) = resize + flip; strong view (student) = resize + flip, a colour op and
    a geometric op in random order, 1-5 erased squares. The geometric ranges are named here (the
    paper's: translate 0.1 of the side, rotate and shear 30 degrees) so that overrides such as
    `dataloader.unlabeled.mapper.views.rotate=0` are checked."""
    views = L(soft_teacher_views)(
        short_edge=short_edge, max_size=max_size, translate=0.1, rotate=30.0, shear=30.0
    )
    return L(MultiViewDatasetMapper)(views=views, image_format="BGR")


def voc_or_coco_split():
    """labeled / unlabeled = a `dataloader.percent` % split (seed `dataloader.seed`) of a VOC
    folder's `train` set or of `dataloader.coco_train_json`; test = `test` or the test json."""
    train = dict(
        voc_root="${dataloader.voc_root}",
        class_names="${dataloader.class_names}",
        coco_json="${dataloader.coco_train_json}",
        image_root="${dataloader.coco_train_images}",
    )
    split = dict(percent="${dataloader.percent}", seed="${dataloader.seed}", image_set="train")
    name = "${dataloader.dataset_name}_train.${dataloader.seed}@${dataloader.percent}"
    return dict(
        labeled=L(register_source_partial)(name=name, unlabeled=False, **split, **train),
        unlabeled=L(register_source_partial)(
            name=name + "-unlabeled", unlabeled=True, **split, **train
        ),
        test=L(register_source)(
            name="${dataloader.dataset_name}_test",
            voc_root="${dataloader.voc_root}",
            image_set="test",
            class_names="${dataloader.class_names}",
            coco_json="${dataloader.coco_test_json}",
            image_root="${dataloader.coco_test_images}",
        ),
    )
