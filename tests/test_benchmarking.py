"""labeleff.benchmarking: mean +- std of the finite values, the last evaluation record, which runs
count as finished, the one-evaluation schedule overrides."""

import json
import math

import pytest

from labeleff.benchmarking import (
    finished_run,
    last_record_with,
    mean_std,
    one_evaluation_overrides,
    write_summary,
)


def test_mean_std_skips_missing_and_non_finite_values():
    assert mean_std([1.0, 3.0, None, float("nan")]) == {
        "mean": 2.0,
        "std": pytest.approx(math.sqrt(2.0)),
        "n": 2,
    }
    assert mean_std([5.0]) == {"mean": 5.0, "std": 0.0, "n": 1}
    assert mean_std([]) == {"mean": None, "std": None, "n": 0}


def test_last_record_and_finished_runs(tmp_path):
    path = tmp_path / "metrics.json"
    rows = [{"iteration": 4, "bbox/AP": 1.0}, {"iteration": 8, "total_loss": 2.0},
            {"iteration": 9, "student/bbox/AP": 3.0}]  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert last_record_with(str(path), "bbox/AP") == rows[2]
    # the final evaluation is logged at max_iter - 1 (or max_iter)
    assert [finished_run(str(path), "bbox/AP", n) for n in (9, 10, 11, 5)] == [
        True,
        True,
        False,
        False,
    ]
    assert not finished_run(str(path), "sem_seg/mIoU", 10)  # no such evaluation
    assert not finished_run(str(tmp_path / "none.json"), "bbox/AP", 10)
    with pytest.raises(FileNotFoundError, match="none.json"):
        last_record_with(str(tmp_path / "none.json"), "bbox/AP")


def test_one_evaluation_overrides_and_summary(tmp_path):
    assert one_evaluation_overrides(300) == [
        "train.max_iter=300",
        "train.eval_period=300",
        "train.checkpointer.period=300",
    ]
    path = write_summary(str(tmp_path / "out"), {"a": [1, 2]})
    assert json.loads(open(path).read()) == {"a": [1, 2]}


def test_task_metrics_strips_the_task_and_model_prefix():
    from labeleff.benchmarking import task_metrics

    plain = {"iteration": 9, "bbox/AP": 1.0, "bbox/AP-a": 2.0, "total_loss": 3.0}
    assert task_metrics(plain) == {"AP": 1.0, "AP-a": 2.0}
    ema = {"ema/bbox/AP": 4.0, "ema/bbox/APs": 5.0, "lr": 0.1}
    assert task_metrics(ema) == {"AP": 4.0, "APs": 5.0}
    assert task_metrics({"sem_seg/mIoU": 1.0, "segm/AP": 6.0}, "segm") == {"AP": 6.0}
