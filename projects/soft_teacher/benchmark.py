"""Soft Teacher benchmarks (run by tools/benchmark_soft_teacher.py, not by the tests): the step cost
relative to supervised training at the same student batch, and the training / metric helpers of
the accuracy benchmark (accuracy_benchmark.py)."""

import logging
import os
import statistics
import time
from typing import Dict, List, Sequence

from detectron2.config import instantiate
from detectron2.utils.env import seed_all_rng
from detectron2.utils.events import EventStorage

from labeleff.benchmarking import last_record_with, run_train_net
from labeleff.checkpoint import AtomicCheckpointer
from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.engine.nonfinite import GuardedSimpleTrainer
from labeleff.projects.teacher_student import SemiSupervisedTrainer

__all__ = ["measure_step_cost", "train_and_evaluate", "final_metrics"]

logger = logging.getLogger(__name__)
# pseudo-labels for every teacher detection: the most expensive Soft Teacher step (an upper bound)
ALL_DETECTIONS_ARE_PSEUDO_LABELS = [
    "model.pseudo_label_initial_score_thr=0.0",
    "model.rpn_pseudo_threshold=0.0",
    "model.cls_pseudo_threshold=0.0",
]


def _timed_steps(trainer, storage: EventStorage, start_iter: int, n: int) -> List[tuple]:
    """Run `n` steps; returns (step seconds, data seconds) per step."""
    out = []
    for i in range(start_iter, start_iter + n):
        trainer.iter = i
        storage.iter = i
        t0 = time.perf_counter()
        trainer.run_step()
        out.append((time.perf_counter() - t0, storage.latest()["data_time"][0]))
    return out


def measure_step_cost(
    config_file: str,
    overrides: Sequence[str] = (),
    checkpoint: str = "",
    rounds: int = 5,
    block: int = 4,
    warmup: int = 2,
) -> Dict[str, float]:
    """Soft Teacher step time / supervised step time, same detector, same student batch
    (supervised batch = labeled + unlabeled batch of the config), measured in one process with
    interleaved blocks of `block` steps (`rounds` of each) so that load changes hit both alike.

    The learning rate is 0 (weights, hence pseudo-label counts, stay those of `checkpoint`);
    SGD still does all its work. Burn-in is off.

    Returns:
        {"soft_teacher_s", "supervised_s", "ratio"} (median seconds per step, data loading
        included) and the same without data loading ("*_model_s", "ratio_model"), plus
        "pseudo_boxes_per_image".
    """
    cfg = load_config(config_file, list(overrides) + ["model.burn_in_iters=0", "optimizer.lr=0.0"])
    register_datasets(cfg)
    seed_all_rng(cfg.train.seed)  # the same initial weights and data order in every measurement
    student_batch = (
        cfg.dataloader.train.total_batch_size + cfg.dataloader.unlabeled.total_batch_size
    )

    semi = instantiate(cfg.model).train()
    if checkpoint:
        AtomicCheckpointer(semi).load(checkpoint)
    cfg.optimizer.params.model = semi
    semi_trainer = SemiSupervisedTrainer(
        semi,
        instantiate(cfg.dataloader.train),
        instantiate(cfg.optimizer),
        instantiate(cfg.dataloader.unlabeled),
    )

    detector = instantiate(cfg.model.student).train()
    detector.load_state_dict(semi.student.state_dict())
    cfg.optimizer.params.model = detector
    cfg.dataloader.train.total_batch_size = student_batch
    # the entry point's trainers: both skip non-finite steps (the guard's per-step work is in
    # both timings); before_train sets up what run_step needs, as train() would
    sup_trainer = GuardedSimpleTrainer(
        detector, instantiate(cfg.dataloader.train), instantiate(cfg.optimizer)
    )

    semi_times, sup_times, pseudo = [], [], []
    with EventStorage(0) as storage:
        semi_trainer.storage = sup_trainer.storage = storage
        semi_trainer.before_train()
        sup_trainer.before_train()
        _timed_steps(semi_trainer, storage, 0, warmup)
        _timed_steps(sup_trainer, storage, 0, warmup)
        for r in range(rounds):
            semi_times += _timed_steps(semi_trainer, storage, warmup + r * block, block)
            pseudo.append(storage.latest()["pseudo_label/boxes_per_image"][0])
            sup_times += _timed_steps(sup_trainer, storage, warmup + r * block, block)
            logger.info(f"step cost round {r + 1}/{rounds} done")
        semi_trainer.after_train()
        sup_trainer.after_train()

    def med(times, model_only=False):
        return statistics.median(t - d if model_only else t for t, d in times)

    out = {
        "student_batch": student_batch,
        "soft_teacher_s": med(semi_times),
        "supervised_s": med(sup_times),
        "soft_teacher_model_s": med(semi_times, True),
        "supervised_model_s": med(sup_times, True),
        "pseudo_boxes_per_image": statistics.mean(pseudo),
    }
    out["ratio"] = out["soft_teacher_s"] / out["supervised_s"]
    out["ratio_model"] = out["soft_teacher_model_s"] / out["supervised_model_s"]
    return out


def train_and_evaluate(
    config_file: str, overrides: Sequence[str], output_dir: str
) -> Dict[str, float]:
    """Train one config with tools/train_net.py in a subprocess (its log in `output_dir/log.txt`);
    returns the final evaluation's metrics and the wall time."""
    wall = run_train_net(config_file, overrides, output_dir)
    metrics = final_metrics(os.path.join(output_dir, "metrics.json"))
    metrics["wall_s"] = wall
    return metrics


def final_metrics(metrics_json: str) -> Dict[str, float]:
    """The last record with AP metrics ("bbox/AP" or "<model>/bbox/AP") of a metrics.json."""
    last = last_record_with(metrics_json, "bbox/AP")
    return {k: v for k, v in last.items() if "bbox/" in k or k == "iteration"}
