"""tools/train_net.py's logic: LazyConfig in, Detectron2 trainer + hooks, launch on N processes.

Config contract (docs/CONTRIBUTING.md): `model`, `dataloader.{train,test,evaluator}`, `optimizer`,
`lr_multiplier`, `train` (configs/common/train.py) and optionally `datasets` (registration nodes).
"""

import argparse
import inspect
import json
import logging
import os
import sys

import torch
from detectron2.config import instantiate
from detectron2.engine import (
    default_setup,
    default_writers,
    hooks,
    launch,
)
from detectron2.engine.defaults import create_ddp_model
from detectron2.evaluation import inference_on_dataset, print_csv_format
from detectron2.utils import comm

from ..checkpoint import AtomicCheckpointer
from ..config import load_config
from ..data import register_datasets
from ..data.bad_images import BadImageMonitor, wrap_config_mappers
from ..data.validation import check_config_datasets
from ..schedule import check_config_schedule
from ..stops import TrainingInterrupted, TrainingStopped
from ..utils import unwrap_model
from .class_check import check_num_classes
from .nonfinite import GuardedAMPTrainer, GuardedSimpleTrainer
from .preemption import PreemptionHook, forward_signals_to_children
from .rng import IterationSeedHook

logger = logging.getLogger("labeleff")

__all__ = ["parse_args", "main", "do_train", "do_test", "build_trainer"]


def parse_args(argv=None):
    """Detectron2's usual flags; trailing `key=value` pairs are config overrides."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config-file", required=True, metavar="FILE", help="a Python LazyConfig file")
    p.add_argument(
        "--resume", action="store_true", help="resume from the output dir's last checkpoint"
    )
    p.add_argument("--eval-only", action="store_true", help="evaluate train.init_checkpoint")
    p.add_argument(
        "--num-gpus",
        type=int,
        default=1,
        help="processes per machine (GPUs; on a CPU-only machine: GLOO processes)",
    )
    p.add_argument("--num-machines", type=int, default=1)
    p.add_argument("--machine-rank", type=int, default=0)
    port = 2**15 + 2**14 + hash(os.getuid() if sys.platform != "win32" else 1) % 2**14
    p.add_argument("--dist-url", default=f"tcp://127.0.0.1:{port}")
    p.add_argument("opts", nargs=argparse.REMAINDER, default=[], help="config overrides key=value")
    args = p.parse_args(argv)
    args.opts = [o for o in args.opts if o != "--"]
    return args


def _eval_models(model):
    """{prefix: module} to evaluate: the model's own `evaluation_models()` if it has one."""
    m = unwrap_model(model)
    if hasattr(m, "evaluation_models"):
        return m.evaluation_models()
    return {"": model}


def do_test(cfg, model):
    """Evaluate on `cfg.dataloader.test` with `cfg.dataloader.evaluator`; returns flat results.

    Models with `evaluation_models()` (teacher/student) are evaluated one by one and their
    metrics prefixed with `teacher/`, `student/`.
    """
    if "evaluator" not in cfg.dataloader or cfg.dataloader.evaluator is None:
        return {}
    results = {}
    for prefix, m in _eval_models(model).items():
        res = inference_on_dataset(
            m, instantiate(cfg.dataloader.test), instantiate(cfg.dataloader.evaluator)
        )
        if comm.is_main_process():
            logger.info(f"Evaluation results{' of ' + prefix if prefix else ''}:")
            print_csv_format(res)
        for task, metrics in res.items():
            key = f"{prefix}/{task}" if prefix else task
            results[key] = metrics
    if cfg.train.get("vis_period", 0) and comm.is_main_process():
        from ..visualize import visualize_predictions

        out = os.path.join(cfg.train.output_dir, "predictions")
        for prefix, m in _eval_models(model).items():
            visualize_predictions(
                unwrap_model(m), cfg, os.path.join(out, prefix) if prefix else out, max_images=4
            )
    return results


def build_trainer(cfg, model, data_loader, optimizer):
    """`cfg.train.trainer` (LazyCall with model/data_loader/optimizer injected) or the default:
    Detectron2's `AMPTrainer` / `SimpleTrainer` that skip non-finite steps."""
    node = cfg.train.get("trainer", None)
    if node is None:
        cls = GuardedAMPTrainer if cfg.train.amp.enabled else GuardedSimpleTrainer
        return cls(model, data_loader, optimizer)
    target = node._target_
    if "amp" in node:
        raise ValueError(
            "train.trainer.amp: mixed precision has one key, train.amp.enabled (the entry point "
            "passes it to the trainer); remove train.trainer.amp"
        )
    kwargs = {k: v for k, v in node.items() if k != "_target_"}
    kwargs = {k: instantiate(v) for k, v in kwargs.items()}
    if isinstance(target, str):
        from detectron2.utils.registry import locate

        target = locate(target)
    if "amp" in inspect.signature(target).parameters:
        kwargs["amp"] = bool(cfg.train.amp.enabled)
    return target(model=model, data_loader=data_loader, optimizer=optimizer, **kwargs)


def check_teacher_schedule(model, hook_list):
    """A teacher-student model (one with `update_teacher`) whose teacher nothing moves would train
    a student beside a frozen copy of its initial weights: fail before training instead."""
    from labeleff.projects.teacher_student.ema import EMAHook

    if hasattr(unwrap_model(model), "update_teacher") and not any(
        isinstance(h, EMAHook) for h in hook_list
    ):
        raise ValueError(
            f"{type(unwrap_model(model)).__name__} is a teacher-student model but train.hooks has "
            "no EMAHook: add L(EMAHook)(momentum=...) to train.hooks (labeleff.projects."
            "teacher_student.EMAHook), or the teacher never moves"
        )


def with_health_monitor(model, hook_list, output_dir):
    """`hook_list` plus a default `PseudoLabelHealthHook` for a teacher-student model whose
    config names none (the monitor is on for every teacher-student run), built from the model's
    `pseudo_label_count_key` and `health_keys_to_check`."""
    from labeleff.projects.teacher_student.health import PseudoLabelHealthHook

    inner = unwrap_model(model)
    if not hasattr(inner, "update_teacher") or any(
        isinstance(h, PseudoLabelHealthHook) for h in hook_list
    ):
        return hook_list
    monitor = PseudoLabelHealthHook(
        output_dir,
        count_key=inner.pseudo_label_count_key,
        keys_to_check=inner.health_keys_to_check,
    )
    return [*hook_list, monitor]


def _train_dataset_names(cfg):
    """Names of the labeled training datasets (`dataloader.train.dataset.names`), if any."""
    dataset = cfg.dataloader.train.get("dataset", None)
    return dataset.get("names", None) if hasattr(dataset, "get") else None


def _ddp(cfg, model):
    kwargs = dict(cfg.train.ddp)
    if comm.get_world_size() > 1 and not str(cfg.train.device).startswith("cuda"):
        kwargs["device_ids"] = None  # CPU processes (GLOO)
    return create_ddp_model(model, **kwargs)


def do_train(args, cfg):
    model = instantiate(cfg.model)
    logger.info(f"Model:\n{model}")
    model.to(cfg.train.device)
    cfg.optimizer.params.model = model
    optimizer = instantiate(cfg.optimizer)
    train_loader = instantiate(cfg.dataloader.train)
    # the training dataset is read now: its class list is known before iteration 0
    check_num_classes(cfg.model, _train_dataset_names(cfg))
    model = _ddp(cfg, model)

    trainer = build_trainer(cfg, model, train_loader, optimizer)
    # images the mappers skipped (wrap_config_mappers) are counted on the trainer's batches
    trainer.data_loader = BadImageMonitor(trainer.data_loader, cfg.train.get("max_bad_images", 100))
    checkpointer = AtomicCheckpointer(model, cfg.train.output_dir, trainer=trainer)
    extra = [instantiate(h) for h in cfg.train.get("hooks", None) or []]
    check_teacher_schedule(model, extra)
    extra = with_health_monitor(model, extra, cfg.train.output_dir)
    writers = default_writers(cfg.train.output_dir, cfg.train.max_iter)
    last_results = {}

    def evaluate():
        last_results.clear()
        last_results.update(do_test(cfg, model))
        return last_results

    seed = cfg.train.get("seed", -1)
    trainer.register_hooks(
        [
            # fixed seed: the step's random draws follow the iteration (exact --resume)
            IterationSeedHook(seed) if seed is not None and seed >= 0 else None,
            hooks.IterationTimer(),
            hooks.LRScheduler(scheduler=instantiate(cfg.lr_multiplier)),
            *extra,
            PreemptionHook(checkpointer),  # after the EMA teacher moved, before the checkpointer
            (
                hooks.PeriodicCheckpointer(checkpointer, **cfg.train.checkpointer)
                if comm.is_main_process()
                else None
            ),
            hooks.EvalHook(cfg.train.eval_period, evaluate),
            (
                hooks.PeriodicWriter(writers, period=cfg.train.log_period)
                if comm.is_main_process()
                else None
            ),
        ]
    )
    checkpointer.resume_or_load(cfg.train.init_checkpoint, resume=args.resume)
    start_iter = trainer.iter + 1 if args.resume and checkpointer.has_checkpoint() else 0
    try:
        trainer.train(start_iter, cfg.train.max_iter)
    except TrainingStopped as e:
        if e.checkpoint_state_good:
            save_stopped_run(checkpointer, trainer, e)
        raise
    return last_results


def save_stopped_run(checkpointer, trainer, error: TrainingStopped) -> None:
    """A run stopped inside iteration i (before its optimizer step): checkpoint the state after
    iteration i - 1, as that iteration, so `--resume` starts with iteration i."""
    completed = trainer.iter - 1
    if completed < 0:
        return
    trainer.iter = completed  # the trainer's state_dict records it
    if comm.is_main_process():
        name = f"model_{completed:07d}"
        checkpointer.save(name, iteration=completed)
        error.args = (
            f"{error.args[0]}\ncheckpoint of iteration {completed}: "
            f"{checkpointer.save_dir}/{name}.pth (continue with --resume)",
        )


def main(args):
    """Train (or `--eval-only` evaluate) one config; returns the last evaluation's results."""
    cfg = load_config(args.config_file, args.opts)
    if not args.eval_only:
        check_config_schedule(cfg)
    if not torch.cuda.is_available() and str(cfg.train.device).startswith("cuda"):
        logger.warning("No CUDA device: running on the CPU (train.device=cpu)")
        cfg.train.device = "cpu"
    default_setup(cfg, args)
    register_datasets(cfg)
    # every image of every dataset the config uses exists, jsons parse, boxes are sane: before
    # the model is built; unreadable images met later are skipped (training) or named (test)
    check_config_datasets(cfg)
    wrap_config_mappers(cfg)
    if args.eval_only:
        model = instantiate(cfg.model)
        model.to(cfg.train.device)
        model = _ddp(cfg, model)
        AtomicCheckpointer(model).load(cfg.train.init_checkpoint)
        results = do_test(cfg, model)
        if comm.is_main_process():
            write_eval_results(cfg.train.output_dir, cfg.train.init_checkpoint, results)
        return results
    return do_train(args, cfg)


EVAL_RESULTS = "eval_results.json"


def write_eval_results(output_dir: str, checkpoint: str, results: dict) -> str:
    """`--eval-only`: the results (with the checkpoint they come from) as
    `<output_dir>/eval_results.json`, written atomically; training runs log theirs to
    metrics.json instead. Returns the path."""
    os.makedirs(output_dir, exist_ok=True)
    path = os.path.join(output_dir, EVAL_RESULTS)
    with open(path + ".tmp", "w") as f:
        json.dump({"checkpoint": checkpoint, "results": results}, f, indent=1, default=float)
    os.replace(path + ".tmp", path)
    return path


def _main_process(args):
    """`main` in one (launched) process; a SIGTERM/SIGINT stop exits with 128 + signal."""
    try:
        return main(args)
    except TrainingInterrupted as e:
        logger.warning(str(e))
        sys.exit(e.exit_code)


def launch_main(argv=None):
    args = parse_args(argv)
    # Fail on a bad config, override or schedule before starting any process.
    cfg = load_config(args.config_file, args.opts)
    if not args.eval_only:
        check_config_schedule(cfg)
    if args.num_gpus * args.num_machines > 1:
        forward_signals_to_children()
    try:
        launch(
            _main_process,
            args.num_gpus,
            num_machines=args.num_machines,
            machine_rank=args.machine_rank,
            dist_url=args.dist_url,
            args=(args,),
        )
    except torch.multiprocessing.ProcessExitedException as e:
        if e.exit_code in (128 + 2, 128 + 15):  # the workers stopped on SIGINT / SIGTERM
            logger.warning("training stopped by a signal; continue with --resume")
            sys.exit(e.exit_code)
        raise
