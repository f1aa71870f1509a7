import os

import torch
from detectron2.config import LazyConfig, instantiate
from ts_helpers import ToyDetector, ToyTeacherStudent, make_image_dataset

from labeleff.projects.teacher_student import (
    EMAHook,
    PseudoLabelVisualizerHook,
    SemiSupervisedTrainer,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_semi_supervised_config_pieces_instantiate(tmp_path):
    """The shared loader / trainer nodes (configs/common/semi_supervised.py) as the Soft Teacher
    base composes them: seeded labeled and multi-view unlabeled loaders, the two-loader trainer
    reading ${dataloader.unlabeled}, the paper's EMA hook."""
    cfg = LazyConfig.load(os.path.join(REPO, "configs/soft_teacher/common/base.py"))
    cfg.train.output_dir = str(tmp_path)
    dicts = make_image_dataset(tmp_path, 4, size=(48, 64))
    for key, batch in (("train", 1), ("unlabeled", 3)):
        assert cfg.dataloader[key].seed == {"train": 0, "unlabeled": 1}[key]
        cfg.dataloader[key].dataset = dicts
        cfg.dataloader[key].total_batch_size = batch
        cfg.dataloader[key].num_workers = 0
    cfg.dataloader.unlabeled.mapper.views.short_edge = (40, 56)
    cfg.dataloader.unlabeled.mapper.views.max_size = 100

    unlabeled = next(iter(instantiate(cfg.dataloader.unlabeled)))
    assert len(unlabeled) == 3 and {"weak", "strong"} <= set(unlabeled[0])
    assert unlabeled[0]["weak"]["image"].shape[-2:] == unlabeled[0]["weak"]["instances"].image_size
    ema, vis = (instantiate(h) for h in cfg.train.hooks)
    assert isinstance(ema, EMAHook) and (ema.momentum, ema.warmup) == (0.999, 0)
    assert isinstance(vis, PseudoLabelVisualizerHook) and vis.output_dir.startswith(str(tmp_path))

    # the entry point instantiates the trainer's own keys and injects model/loader/optimizer; the
    # unlabeled loader reaches the trainer through its interpolation (the override above included)
    model = ToyTeacherStudent(student=ToyDetector())
    node = cfg.train.trainer
    kwargs = {k: instantiate(v) for k, v in node.items() if k != "_target_"}
    trainer = node._target_(
        model=model,
        data_loader=instantiate(cfg.dataloader.train),
        optimizer=torch.optim.SGD(model.student.parameters(), lr=0.1),
        **kwargs
    )
    assert isinstance(trainer, SemiSupervisedTrainer)
    trainer.train(0, 1)
    assert "unsup/loss_box" in trainer.storage.histories()
