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
