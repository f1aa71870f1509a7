"""Benchmark helpers: command lines per variant, metrics parsing, the table's ratio."""

import json

import pytest

from labeleff.projects.mic_uda.benchmark import format_table, read_metrics, variant_command


def test_variants_share_iterations_and_differ_only_in_method():
    cmds = {
        v: variant_command("/r", v, 300, f"/o/{v}", 0) for v in ("source_only", "base_uda", "mic")
    }
    for cmd in cmds.values():
        assert "train.max_iter=300" in cmd and "train.eval_period=300" in cmd
    assert cmds["source_only"][3].endswith("coco128_to_dawnfog_source_only.py")
    assert "model.mic=False" in cmds["base_uda"] and "model.mic=False" not in cmds["mic"]


def test_read_metrics_takes_the_last_evaluation_and_mean_time(tmp_path):
    rows = [
        {"iteration": 0, "time": 1.0},
        {"iteration": 1, "time": 3.0},
        {"iteration": 1, "student/bbox/AP50": 2.0, "teacher/bbox/AP50": 2.5},
        {"iteration": 2, "student/bbox/AP50": 4.0, "teacher/bbox/AP50": 5.0},
    ]
    path = tmp_path / "metrics.json"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert read_metrics(str(path)) == {
        "sec_per_iter": 2.0,
        "student_AP50": 4.0,
        "teacher_AP50": 5.0,
    }
    path.write_text(json.dumps({"iteration": 3, "time": 0.5, "bbox/AP50": 1.5}))
    assert read_metrics(str(path)) == {"sec_per_iter": 0.5, "student_AP50": 1.5}


def test_table_reports_ratio_to_source_only():
    table = format_table(
        {
            "source_only": {"student_AP50": 2.0, "sec_per_iter": 1.0},
            "mic": {"student_AP50": 3.0, "teacher_AP50": 2.5, "sec_per_iter": 3.0},
        }
    )
    assert "| mic | 3.000 | 2.500 | 3.00 | 1.50 |" in table
    assert "| source_only | 2.000 | - | 1.00 | 1.00 |" in table
    with pytest.raises(KeyError):
        format_table({"mic": {}})
