"""Epoch-based PS-MT schedules in iterations, and the per-partition keys of a config (configs
call `configure_partition` at load time so the derivation lives in one place)."""

import math
import os

from detectron2.data import DatasetCatalog

from labeleff.data.segmentation_splits import num_labeled, split_file_name
from labeleff.schedule import follows_max_iter

__all__ = ["iters_per_epoch", "epoch_iters_of", "configure_partition"]


def iters_per_epoch(num_train_images: int, fraction: str, unlabeled_batch_size: int) -> int:
    """Iterations of one PS-MT epoch: one pass over the unlabeled part (`len(unsupervised_loader)`
    in the official trainer), i.e. ceil((N - ceil(fraction * N)) / batch)."""
    unlabeled = num_train_images - num_labeled(num_train_images, fraction)
    return max(1, math.ceil(unlabeled / unlabeled_batch_size))


def epoch_iters_of(dataset_name: str, batch_size: int) -> int:
    """One pass over a registered dataset in iterations, ceil(len / batch): the teacher period of
    configs whose unlabeled part is known only once the data is read (config node:
    `L(epoch_iters_of)(name, batch)`, instantiated after the datasets are registered)."""
    return max(1, math.ceil(len(DatasetCatalog.get(dataset_name)) / batch_size))


def configure_partition(
    *,
    datasets,
    model,
    train,
    dataset: str,
    num_train_images: int,
    fraction: str,
    epochs: int,
    labeled_batch_size: int,
    unlabeled_batch_size: int,
    split_dir: str,
    split_seed: int = 0,
    warm_up_epochs: int = 5,
    ramp_up_epochs: int = 12,
):
    """Set the keys that depend on the labeled fraction, in place on config nodes:
    the split of `datasets.labeled` / `datasets.unlabeled`, `model.burn_in_iters` (PS-MT
    `--warm_up=5` epochs of the labeled loader), `model.teacher_period` (one epoch),
    `model.rampup_iters` (`ramp_up` = 12 epochs) and `train.max_iter` (warm-up + `epochs` epochs).
    Burn-in and ramp-up follow a `train.max_iter` override (labeleff.schedule); the teacher period
    stays one epoch of the data, whatever the run's length.
    """
    epoch = iters_per_epoch(num_train_images, fraction, unlabeled_batch_size)
    burn_in = warm_up_epochs * math.ceil(
        num_labeled(num_train_images, fraction) / labeled_batch_size
    )
    split_file = os.path.join(split_dir, split_file_name(dataset, fraction, split_seed))
    for part in ("labeled", "unlabeled"):
        datasets[part].split_file = split_file
        datasets[part].split_fraction = fraction
        datasets[part].split_seed = split_seed
    train.max_iter = burn_in + epochs * epoch
    model.burn_in_iters = follows_max_iter(burn_in, of=train.max_iter)
    model.teacher_period = epoch
    model.rampup_iters = follows_max_iter(ramp_up_epochs * epoch, of=train.max_iter)
