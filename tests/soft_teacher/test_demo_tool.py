"""tools/demo.py reads the pseudo-label windows of the latest run only (metrics.json is
appended)."""

import importlib.util
import json
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _demo_module():
    spec = importlib.util.spec_from_file_location(
        "demo_tool", os.path.join(REPO, "tools", "demo.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_windows_of_the_latest_run_only(tmp_path):
    old = [{"iteration": i, "pseudo_label/boxes_per_image": 9.0} for i in (10, 30, 50)]
    new = [{"iteration": i, "pseudo_label/boxes_per_image": float(i)} for i in (10, 30, 29, 50)]
    rows = old + new  # the new run has a record a step out of order (hooks), which is kept
    rows.append({"iteration": 50, "teacher/bbox/AP": 1.0})  # the evaluation record
    path = tmp_path / "metrics.json"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out = _demo_module().pseudo_label_windows(str(path), burn_in=20)
    assert out["pseudo_label/boxes_per_image"] == [(30, 30.0), (29, 29.0), (50, 50.0)]
    assert out["soft_teacher/num_cls_pseudo"] == []
