"""Soft Teacher with a Cascade R-CNN student (PseudoLabelCascadeROIHeads) trains through the entry
point's training loop: 3 iterations on the demo data after a 0-iteration burn-in, all four
unsupervised losses > 0 at every step (thresholds lowered and fixed: an untrained teacher
scores near chance), every stage's head and predictor reached by them; the COCO config builds
the Cascade student."""

import json
import os

import numpy as np
import pytest
import torch
from detectron2.config import LazyConfig, instantiate
from detectron2.engine import default_setup
from detectron2.utils.events import EventStorage

from labeleff.checkpoint import AtomicCheckpointer
from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.engine import train_net
from labeleff.modeling import PseudoLabelCascadeROIHeads

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(REPO, "configs", "soft_teacher", "demo_cpu.py")
TINY_CASCADE = os.path.join(REPO, "configs", "common", "models", "cascade_rcnn_tiny.py")
UNSUP = ("unsup/loss_rpn_cls", "unsup/loss_rpn_loc", "unsup/loss_cls", "unsup/loss_box_reg")
LOWERED = [
    "model.burn_in_iters=0",
    "model.pseudo_label_initial_score_thr=0.0",
    "model.rpn_pseudo_threshold=0.0",
    "model.cls_pseudo_threshold=0.0",
    "model.reg_pseudo_threshold=100.0",
    "model.reg_min_score=0.0",
    "model.score_threshold_policy=fixed",  # the demo's per-class thresholds need labeled batches
]


def test_cascade_soft_teacher_trains_three_iterations_with_all_unsupervised_losses(tmp_path):
    out = str(tmp_path / "run")
    args = train_net.parse_args(["--config-file", DEMO])
    cfg = load_config(
        DEMO, [*LOWERED, "train.max_iter=3", "train.log_period=1", f"train.output_dir={out}"]
    )
    cascade = LazyConfig.load(TINY_CASCADE).model
    cascade.roi_heads.num_classes = cfg.model.student.roi_heads.num_classes  # from the data
    cascade.roi_heads.box_predictors[-1].test_topk_per_image = 10
    cfg.model.student = cascade
    cfg.dataloader.evaluator = None  # training is under test, not evaluation
    cfg.train.device = "cpu"
    default_setup(cfg, args)
    register_datasets(cfg)
    train_net.do_train(args, cfg)

    rows = [json.loads(line) for line in open(os.path.join(out, "metrics.json"))]
    steps = {r["iteration"]: r for r in rows if "total_loss" in r}
    assert sorted(steps) == [0, 1, 2]
    for it in range(3):
        assert all(steps[it][k] > 0 and torch.isfinite(torch.tensor(steps[it][k])) for k in UNSUP)
    # the trained model's unsupervised losses reach every stage's head and predictor
    model = instantiate(cfg.model).train()
    AtomicCheckpointer(model).load(os.path.join(out, "model_final.pth"))
    image = torch.randint(0, 256, (3, 96, 128), dtype=torch.uint8)
    views = {"image": image, "transform": np.eye(3)}
    item = {"file_name": "x.jpg", "image_id": 0, "height": 96, "width": 128}
    with EventStorage():
        losses = model.unsupervised_losses([dict(item, weak=views, strong=dict(views))])
    sum(losses.values()).backward()
    heads = model.student.roi_heads
    for stage in range(3):
        for module in (heads.box_head[stage], heads.box_predictor[stage]):
            assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters())


@pytest.mark.parametrize("config", ["coco_10pct_cascade.py"])
def test_the_cascade_coco_config_builds_a_cascade_student(config):
    cfg = load_config(os.path.join(REPO, "configs", "soft_teacher", config), [])
    heads = cfg.model.student.roi_heads
    assert heads._target_ is PseudoLabelCascadeROIHeads
    assert [m.thresholds for m in heads.proposal_matchers] == [[0.5], [0.6], [0.7]]
    assert [tuple(p.box2box_transform.weights) for p in heads.box_predictors] == [
        (10, 10, 5, 5),
        (20, 20, 10, 10),
        (30, 30, 15, 15),
    ]
    assert all(p.cls_agnostic_bbox_reg for p in heads.box_predictors)
    assert cfg.dataloader.percent == 10 and cfg.model.cls_pseudo_threshold == 0.9
