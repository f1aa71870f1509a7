"""The fraction of SimOTA positives whose predicted box misses its target: by hand, and as logged
by a YOLOX training step (recomputed from the assignments the step made)."""

import pytest
import torch
from detectron2.utils.events import EventStorage
from test_training import _batch, nano

import labeleff.projects.yolox.meta_arch as meta_arch
from labeleff.projects.yolox.diagnostics import no_overlap_fractions


def test_fractions_by_hand():
    iou = torch.tensor([0.0, 0.5, 0.0, 0.2])
    areas = torch.tensor([100.0, 2000.0, 500.0, 5000.0])  # small (< 32^2): the two misses
    assert no_overlap_fractions(iou, areas) == {"pos_no_overlap": 0.5, "pos_no_overlap_small": 1.0}
    big = no_overlap_fractions(iou[[1, 3]], areas[[1, 3]])
    assert big == {"pos_no_overlap": 0.0}  # no small target: no small key
    assert no_overlap_fractions(torch.zeros(0), torch.zeros(0)) == {}


def test_training_step_logs_the_fraction_of_its_assignments(monkeypatch):
    seen = []

    def spy(*args):
        out = original(*args)
        seen.append((out, args[5]))  # the assignment and the image's gt boxes
        return out

    original = meta_arch.simota_assign
    monkeypatch.setattr(meta_arch, "simota_assign", spy)
    torch.manual_seed(0)
    model = nano().train()
    with EventStorage() as storage:
        model(_batch())
        logged = {k: v.latest() for k, v in storage.histories().items()}
    iou = torch.cat([a.matched_iou for a, _ in seen])
    assert len(seen) == 2 and iou.numel() > 0
    want = float((iou <= 0).float().mean())
    assert logged["yolox/pos_no_overlap"] == pytest.approx(want)
    # every target of the batch is below 32^2 px: the small fraction is the same
    assert logged["yolox/pos_no_overlap_small"] == pytest.approx(want)
