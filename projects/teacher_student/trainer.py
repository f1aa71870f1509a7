"""`SemiSupervisedTrainer`: Detectron2's (AMP) trainer with one labeled and one unlabeled batch per
step."""

import torch
from detectron2.engine import AMPTrainer, SimpleTrainer

from labeleff.engine.nonfinite import NonFiniteGuard

__all__ = ["SemiSupervisedTrainer", "PairedBatches"]


def _dataset_size(loader):
    """Length of the first sized object along loader.dataset.dataset..., or None if unknown."""
    obj = getattr(loader, "dataset", None)
    while obj is not None:
        try:
            return len(obj)
        except TypeError:  # iterable wrappers (Detectron2's ToIterableDataset, ...) have no length
            obj = getattr(obj, "dataset", None)
    return None


def _start_at_iteration(loader, iteration: int):
    """Position a resumable loader (see `build_semi_supervised_train_loader`) at `iteration`."""
    dataset = getattr(loader, "dataset", None)
    if hasattr(dataset, "start_at_iteration"):
        dataset.start_at_iteration(iteration)


class PairedBatches:
    """The two training streams as one: yields {"labeled": batch, "unlabeled": batch} (a batch from
    each loader per step, each with its own batch size). `start_at_iteration` positions both
    loaders (those built by `build_semi_supervised_train_loader`) so that a resumed run sees the
    batches a straight run would."""

    def __init__(self, labeled, unlabeled):
        self.labeled, self.unlabeled = labeled, unlabeled

    def start_at_iteration(self, iteration: int) -> None:
        _start_at_iteration(self.labeled, iteration)
        _start_at_iteration(self.unlabeled, iteration)

    def __iter__(self):
        labeled, unlabeled = iter(self.labeled), iter(self.unlabeled)
        while True:
            try:
                yield {"labeled": next(labeled), "unlabeled": next(unlabeled)}
            except StopIteration:
                return


class SemiSupervisedTrainer(NonFiniteGuard, AMPTrainer):
    """
    Detectron2's trainer fed by :class:`PairedBatches`: each step calls
    `model({"labeled": ..., "unlabeled": ...})` and optimizes the sum of the returned loss dict,
    with Detectron2's own steps: `AMPTrainer.run_step` (autocast + GradScaler) when `amp`, else
    `SimpleTrainer.run_step` (fp32). Metrics, hooks and checkpoints are Detectron2's.

    Before the first step both loaders are positioned at the start iteration, so `--resume`
    continues with the batches a straight run would see. A step with a non-finite loss is
    skipped (`NonFiniteGuard`).
    """

    def __init__(
        self,
        model,
        data_loader,
        optimizer,
        unlabeled_data_loader,
        amp: bool = False,
        gather_metric_period: int = 1,
        zero_grad_before_forward: bool = False,
        grad_scaler=None,
        precision: torch.dtype = torch.float16,
        log_grad_scaler: bool = False,
        async_write_metrics: bool = False,
    ):
        """
        Args:
            model, data_loader, optimizer, gather_metric_period, zero_grad_before_forward,
                async_write_metrics: as in Detectron2's `SimpleTrainer` (`data_loader`: labeled).
            unlabeled_data_loader: iterable of lists of unlabeled (multi-view) dicts.
            amp: mixed precision (CUDA) with `grad_scaler`, `precision`, `log_grad_scaler` as in
                `AMPTrainer`; False: plain fp32 steps like `SimpleTrainer`.
        """
        if _dataset_size(unlabeled_data_loader) == 0:
            raise ValueError(
                "SemiSupervisedTrainer: unlabeled_data_loader has an empty dataset; check the "
                "dataset names / split file of the unlabeled (or target-domain) loader"
            )
        if _dataset_size(data_loader) == 0:
            raise ValueError("SemiSupervisedTrainer: the labeled data_loader has an empty dataset")
        if grad_scaler is None and not amp:
            grad_scaler = torch.amp.GradScaler("cuda", enabled=False)  # unused without AMP
        super().__init__(
            model,
            PairedBatches(data_loader, unlabeled_data_loader),
            optimizer,
            gather_metric_period=gather_metric_period,
            zero_grad_before_forward=zero_grad_before_forward,
            grad_scaler=grad_scaler,
            precision=precision,
            log_grad_scaler=log_grad_scaler and amp,
        )
        self.async_write_metrics = async_write_metrics
        self.amp = amp
        self.labeled_data_loader = data_loader
        self.unlabeled_data_loader = unlabeled_data_loader

    def before_train(self):
        if self.amp and not torch.cuda.is_available():
            raise RuntimeError("SemiSupervisedTrainer: AMP training (train.amp.enabled) needs CUDA")
        self.data_loader.start_at_iteration(self.start_iter)
        super().before_train()

    def run_step(self):
        if self.amp:
            self.run_guarded(super().run_step)
        else:
            self.run_guarded(lambda: SimpleTrainer.run_step(self))
