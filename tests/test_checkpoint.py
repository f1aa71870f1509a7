"""Checkpoints are written atomically: a failing save leaves the previous file intact."""

import os

import pytest
import torch
from torch import nn

from labeleff.checkpoint import AtomicCheckpointer


def test_save_load_round_trip(tmp_path):
    m = nn.Linear(3, 2)
    ck = AtomicCheckpointer(m, str(tmp_path))
    ck.save("model_0000001", iteration=1)
    assert (tmp_path / "last_checkpoint").read_text() == "model_0000001.pth"
    m2 = nn.Linear(3, 2)
    extra = AtomicCheckpointer(m2, str(tmp_path)).resume_or_load("", resume=True)
    assert extra["iteration"] == 1
    assert torch.equal(m.weight, m2.weight)
    assert [f for f in os.listdir(tmp_path) if f.endswith(".tmp")] == []


def test_failed_save_keeps_previous(tmp_path, monkeypatch):
    m = nn.Linear(3, 2)
    ck = AtomicCheckpointer(m, str(tmp_path))
    ck.save("model_final")
    before = (tmp_path / "model_final.pth").read_bytes()

    def boom(obj, f, *a, **k):
        f.write(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with torch.no_grad():
        m.weight.add_(1)
    with pytest.raises(RuntimeError, match="disk full"):
        ck.save("model_final")
    assert (tmp_path / "model_final.pth").read_bytes() == before
    assert [f for f in os.listdir(tmp_path) if f.endswith(".tmp")] == []


def test_imagenet_style_pkl_loads_into_teacher_student(tmp_path):
    """A backbone `.pkl` (name-matching heuristics, as Detectron2's ImageNet R-50 files) loads into
    a teacher-student wrapper: into the student and, through the wrapper, into the teacher."""
    import pickle

    from detectron2.config import instantiate

    from labeleff.config import load_config
    from labeleff.projects.teacher_student import TeacherStudent

    cfg = load_config("configs/baselines/faster_rcnn_demo_cpu.py")
    donor = instantiate(cfg.model).backbone.bottom_up
    blob = {k: v.numpy() for k, v in donor.state_dict().items() if "num_batches" not in k}
    path = tmp_path / "imagenet_tiny.pkl"
    with open(path, "wb") as f:
        pickle.dump({"model": blob, "__author__": "test", "matching_heuristics": True}, f)

    model = TeacherStudent(student=instantiate(cfg.model))
    AtomicCheckpointer(model).load(str(path))
    for m in (model.student, model.teacher):
        for k, v in donor.state_dict().items():
            if "num_batches" not in k:
                assert torch.equal(m.backbone.bottom_up.state_dict()[k], v), k
