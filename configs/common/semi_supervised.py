"""Shared LazyConfig pieces of semi-supervised (teacher-student) training.

A method config composes them:

    from ..common.semi_supervised import dataloader, ema_hook, pseudo_label_vis_hook, trainer
    train.trainer = trainer
    train.hooks = [ema_hook, pseudo_label_vis_hook]     # before checkpointer/eval (entry point)
    dataloader.train.dataset.names = "<labeled split>"
    dataloader.unlabeled.dataset.names = "<unlabeled split>"

`dataloader.train` is the labeled loader (weak view: resize + flip), `dataloader.unlabeled` the
multi-view loader (weak view for the teacher, strong view for the student); the trainer reads the
latter through an interpolation, so `dataloader.unlabeled.*` overrides reach it. Defaults are Soft
Teacher's (Xu et al., ICCV 2021, COCO partial-label protocol); dataset names default to the
project's demo set and are set by each method config. Evaluation (`dataloader.test/evaluator`)
comes from the dataset's own config.
"""

from detectron2.config import LazyCall as L
from detectron2.data import DatasetMapper, get_detection_dataset_dicts
from omegaconf import OmegaConf

from labeleff.projects.teacher_student import (
    EMAHook,
    MultiViewDatasetMapper,
    PseudoLabelVisualizerHook,
    SemiSupervisedTrainer,
    build_semi_supervised_train_loader,
    strong_view_augmentations,
    views,
    weak_view_augmentations,
)

dataloader = OmegaConf.create()
dataloader.train = L(build_semi_supervised_train_loader)(
    dataset=L(get_detection_dataset_dicts)(names="demo_train"),
    mapper=L(DatasetMapper)(
        is_train=True,
        # Soft Teacher: shortest edge uniform in [400, 1200], longest <= 1333, horizontal flip
        augmentations=L(weak_view_augmentations)(short_edge=(400, 1200), max_size=1333),
        image_format="BGR",
    ),
    total_batch_size=8,  # Soft Teacher: 1 labeled image per GPU x 8 GPUs (ratio 1:4)
    # data-order seed: fixed so that --resume replays exactly the batches of a straight run
    # (None: a fresh random seed per launch, shared by all ranks)
    seed=0,
    num_workers=4,
)
dataloader.unlabeled = L(build_semi_supervised_train_loader)(
    # filter_empty=False: unlabeled images have no (or hidden) annotations and must all be used
    dataset=L(get_detection_dataset_dicts)(names="demo_train", filter_empty=False),
    mapper=L(MultiViewDatasetMapper)(
        views=L(views)(
            weak=L(weak_view_augmentations)(short_edge=(400, 1200), max_size=1333),
            # Soft Teacher's strong view: one colour op, one of translate +-0.1 / rotate +-30 deg /
            # shear +-30 deg, 1-5 erased squares of side <= 0.2 of the image, fill 125
            strong=L(strong_view_augmentations)(
                short_edge=(400, 1200),
                max_size=1333,
                translate=0.1,
                rotate=30.0,
                shear=30.0,
                erase_patches=(1, 5),
                erase_size=(0.0, 0.2),
                fill=125,
            ),
        ),
        image_format="${...train.mapper.image_format}",
        # hidden GT of a labeled set split as unlabeled: pseudo-label quality
        keep_annotations=True,
    ),
    total_batch_size=32,  # Soft Teacher: 4 unlabeled images per GPU x 8 GPUs
    seed=1,  # differs from the labeled loader's: same images must not come in the same order
    num_workers=4,
)

# AMP: train.amp.enabled (the entry point passes it to the trainer: one key for every trainer)
trainer = L(SemiSupervisedTrainer)(unlabeled_data_loader="${dataloader.unlabeled}")

ema_hook = L(EMAHook)(
    momentum=0.999,  # Soft Teacher: teacher = 0.999 teacher + 0.001 student
    interval=1,  # Soft Teacher: every iteration
    warmup=0,  # Soft Teacher's MeanTeacher hook: m_t = min(m, 1 - (1 + 0) / (t + 1))
    buffers="ema",  # BN statistics averaged with the weights they belong to
)

pseudo_label_vis_hook = L(PseudoLabelVisualizerHook)(
    period=2000,  # iterations between PNGs of pseudo-labels (weak) and their projection (strong)
    output_dir="${train.output_dir}",
)
