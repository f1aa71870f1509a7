"""PS-MT's loader nodes (Liu et al., CVPR 2022): the strongly augmented labeled view for the
student, two views of each unlabeled image, and the evaluation loader."""

from detectron2.config import LazyCall as L
from detectron2.evaluation import SemSegEvaluator

from labeleff.projects.ps_mt import SemSegMapper, StrongPhotometric

from ...common.semi_supervised import (
    teacher_student_trainer,
    test_loader,
    train_loader,
    unlabeled_loader,
)


def psmt_loaders(geometry, batch_size, num_workers, test_augmentations):
    """(dataloader = {train, test, evaluator}, trainer with the unlabeled loader) on
    `datasets.labeled / unlabeled / val`: `geometry` (transform nodes) then PS-MT's strong
    photometric ops for both train loaders (PS-MT feeds the strongly augmented labeled images to
    the student), `batch_size` labeled + `batch_size` unlabeled images per step, seeds 0 / 1
    (exact --resume)."""
    strong = L(StrongPhotometric)()
    labeled = L(SemSegMapper)(augmentations=geometry, photometric=strong)
    unlabeled = L(SemSegMapper)(augmentations=geometry, photometric=strong, two_views=True)
    train = train_loader(
        "${datasets.labeled.name}", labeled, batch_size, 0, num_workers, filter_empty=False
    )
    trainer = teacher_student_trainer(
        unlabeled_loader("${datasets.unlabeled.name}", unlabeled, batch_size, 1, num_workers)
    )
    test = test_loader(
        "${datasets.val.name}", L(SemSegMapper)(augmentations=test_augmentations), num_workers
    )
    evaluator = L(SemSegEvaluator)(dataset_name="${datasets.val.name}")
    return dict(train=train, test=test, evaluator=evaluator), trainer
