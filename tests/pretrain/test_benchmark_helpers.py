"""The benchmark reads AP from the last metrics.json row that holds it."""

import json

from labeleff.projects.pretrain.benchmark import format_table, last_metrics


def test_last_metrics_picks_last_row_with_key(tmp_path):
    rows = [
        {"total_loss": 3.0, "iteration": 1},
        {"bbox/AP": 1.5, "iteration": 5},
        {"total_loss": 2.0, "iteration": 9},
        {"bbox/AP": 7.25, "bbox/AP50": 20.0, "iteration": 9},
    ]
    (tmp_path / "metrics.json").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert last_metrics(str(tmp_path), "bbox/AP")["bbox/AP"] == 7.25
    assert last_metrics(str(tmp_path), "total_loss")["total_loss"] == 2.0
    assert last_metrics(str(tmp_path), "missing") is None
    assert last_metrics(str(tmp_path / "nope"), "bbox/AP") is None


def test_format_table():
    table = format_table({"scratch": {"AP": 1.234, "AP50": None, "AP75": 0.5, "finetune_s": 9}})
    assert "| scratch | 1.23 | - | 0.50 | - | 9 |" in table
