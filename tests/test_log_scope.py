"""Two trainings in one process (the demo) each log to their own log.txt, once to stdout."""

import logging

from detectron2.utils.logger import setup_logger

from labeleff.engine.log_scope import training_log_scope


def _run(folder, message):
    """What `default_setup` does for one run, then one log line."""
    with training_log_scope():
        setup_logger(str(folder), distributed_rank=0)
        setup_logger(str(folder), distributed_rank=0, name="fvcore")
        logging.getLogger("detectron2.engine").info(message)
        logging.getLogger("fvcore.common.checkpoint").info(message + " (fvcore)")


def test_each_run_logs_only_to_its_own_file_and_once_to_stdout(tmp_path, capsys):
    before = {n: list(logging.getLogger(n).handlers) for n in ("detectron2", "fvcore")}
    _run(tmp_path / "a", "first run")
    _run(tmp_path / "b", "second run")
    a = (tmp_path / "a" / "log.txt").read_text()
    b = (tmp_path / "b" / "log.txt").read_text()
    assert "first run" in a and "first run (fvcore)" in a and "second run" not in a
    assert "second run" in b and "second run (fvcore)" in b and "first run" not in b
    out = capsys.readouterr().out
    assert out.count("second run (fvcore)") == 1 and out.count("second run") == 2
    assert {n: list(logging.getLogger(n).handlers) for n in before} == before


def test_a_later_run_into_the_same_folder_appends_again(tmp_path):
    _run(tmp_path / "a", "first run")
    _run(tmp_path / "b", "other")
    _run(tmp_path / "a", "rerun")  # setup_logger's cache was cleared: handlers are set up again
    lines = (tmp_path / "a" / "log.txt").read_text().splitlines()
    assert [ln.split(": ", 1)[1] for ln in lines if "INFO" in ln] == [
        "first run",
        "first run (fvcore)",
        "rerun",
        "rerun (fvcore)",
    ]
