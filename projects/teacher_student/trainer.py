"""`SemiSupervisedTrainer`: Detectron2's (AMP) trainer with one labeled and one unlabeled batch per step."""

import contextlib
import time

import torch
from detectron2.engine import AMPTrainer

__all__ = ["SemiSupervisedTrainer"]


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


class SemiSupervisedTrainer(AMPTrainer):
    """
    Each step takes one batch from `data_loader` (labeled) and one from `unlabeled_data_loader`
    (each loader with its own batch size), calls `model({"labeled": ..., "unlabeled": ...})`,
    backpropagates the sum of the returned loss dict and steps the optimizer (with a GradScaler
    and autocast when `amp`). Only `run_step` differs from Detectron2's trainers; metrics go
    through `write_metrics`, everything else is hooks.

    Loaders built by `build_semi_supervised_train_loader` are positioned at the start iteration
    before their first batch, so `--resume` continues with the batches a straight run would see.
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
            grad_scaler = torch.amp.GradScaler("cuda", enabled=False)  # scale/step: pass-through
        super().__init__(
            model,
            data_loader,
            optimizer,
            gather_metric_period=gather_metric_period,
            zero_grad_before_forward=zero_grad_before_forward,
            grad_scaler=grad_scaler,
            precision=precision,
            log_grad_scaler=log_grad_scaler and amp,
        )
        self.async_write_metrics = async_write_metrics
        self.amp = amp
        self.unlabeled_data_loader = unlabeled_data_loader
        self._unlabeled_iter = None

    def run_step(self):
        assert self.model.training, "[SemiSupervisedTrainer] model was changed to eval mode!"
        if self._unlabeled_iter is None:
            assert not self.amp or torch.cuda.is_available(), "AMP training needs CUDA"
            if self._data_loader_iter_obj is None:
                _start_at_iteration(self.data_loader, self.iter)
            _start_at_iteration(self.unlabeled_data_loader, self.iter)
            self._unlabeled_iter = iter(self.unlabeled_data_loader)

        start = time.perf_counter()
        labeled = next(self._data_loader_iter)
        unlabeled = next(self._unlabeled_iter)
        data_time = time.perf_counter() - start

        if self.zero_grad_before_forward:
            self.optimizer.zero_grad()
        autocast = (
            torch.autocast("cuda", dtype=self.precision) if self.amp else contextlib.nullcontext()
        )
        with autocast:
            loss_dict = self.model({"labeled": labeled, "unlabeled": unlabeled})
            losses = sum(loss_dict.values())
        if not self.zero_grad_before_forward:
            self.optimizer.zero_grad()
        self.grad_scaler.scale(losses).backward()
        if self.log_grad_scaler:
            self.storage.put_scalar("[metric]grad_scaler", self.grad_scaler.get_scale())

        self.after_backward()

        if self.async_write_metrics:
            self.concurrent_executor.submit(
                self._write_metrics, loss_dict, data_time, iter=self.iter
            )
        else:
            self._write_metrics(loss_dict, data_time)

        self.grad_scaler.step(self.optimizer)
        self.grad_scaler.update()
