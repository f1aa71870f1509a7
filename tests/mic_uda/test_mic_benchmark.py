"""tools/benchmark_mic.py: configs per variant and data source, option checks, metrics read back and
summarized by hand, the domain-pair config on a VOC pair matched by class name, and the benchmark
end to end on a tiny pair (slow)."""

import json
import math
import os
import subprocess
import sys

import pytest
from detectron2.data import DatasetCatalog, MetadataCatalog

from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.projects.mic_uda.benchmark import (
    data_overrides,
    format_table,
    read_metrics,
    summarize,
    variant_config,
)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BCCD = os.path.join(os.path.dirname(REPO), "shared", "data", "bccd")


def test_variant_configs_for_the_default_and_a_custom_pair():
    names = {(v, c): os.path.basename(variant_config(v, c)) for v in ("source_only", "mic")
             for c in (False, True)}  # fmt: skip
    assert names == {
        ("source_only", False): "coco128_to_dawnfog_source_only.py",
        ("mic", False): "coco128_to_dawnfog.py",
        ("source_only", True): "domain_pair_source_only.py",
        ("mic", True): "domain_pair.py",
    }
    assert os.path.basename(variant_config("base_uda", True)) == "domain_pair.py"


def test_data_overrides_check_each_domain_and_the_classes(tmp_path):
    assert data_overrides() == []  # coco128 -> DAWN fog
    with pytest.raises(ValueError, match="the target domain needs --target-voc-root"):
        data_overrides(["a"], source_voc_root=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="--source-voc-root: folder not found"):
        data_overrides(["a"], source_voc_root=str(tmp_path / "x"), target_voc_root=str(tmp_path))
    with pytest.raises(ValueError, match="--classes"):
        data_overrides(None, source_voc_root=str(tmp_path), target_voc_root=str(tmp_path))
    with pytest.raises(ValueError, match="not both"):
        data_overrides(["a"], source_voc_root=str(tmp_path), source_json="j", target_voc_root="t")
    (tmp_path / "s.json").write_text("{}")
    opts = data_overrides(
        ["car", "bus"], source_json=str(tmp_path / "s.json"), source_images=str(tmp_path),
        target_voc_root=str(tmp_path), target_image_set="test",
    )  # fmt: skip
    cfg = load_config(os.path.join(REPO, "configs", "mic_uda", "domain_pair.py"), opts)
    assert list(cfg.dataloader.classes) == ["car", "bus"]
    assert cfg.dataloader.source_json == str(tmp_path / "s.json")
    assert cfg.dataloader.target_voc_root == str(tmp_path)
    assert cfg.dataloader.target_image_set == "test"


@pytest.mark.skipif(not os.path.isdir(BCCD), reason="needs ../shared/data/bccd")
def test_domain_pair_matches_classes_by_name_in_the_given_order(tmp_path, monkeypatch):
    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path))
    opts = data_overrides(
        ["WBC", "RBC"], source_voc_root=BCCD, source_image_set="train",
        target_voc_root=BCCD, target_image_set="test",
    )  # fmt: skip
    cfg = load_config(os.path.join(REPO, "configs", "mic_uda", "domain_pair.py"), opts)
    source, target = register_datasets(cfg)
    for name in (source, target):
        DatasetCatalog.get(name)  # loading sets the class names
        assert MetadataCatalog.get(name).thing_classes == ["WBC", "RBC"]
    # Platelets boxes are gone; WBC is category 0 (BCCD's sorted ids put it last)
    wbc = sum(a["category_id"] == 0 for d in DatasetCatalog.get(target) for a in d["annotations"])
    xml_wbc = 0
    for i in open(os.path.join(BCCD, "ImageSets", "Main", "test.txt")).read().split():
        xml_wbc += open(os.path.join(BCCD, "Annotations", f"{i}.xml")).read().count(">WBC<")
    assert wbc == xml_wbc and wbc > 0
    assert all(
        a["category_id"] in (0, 1) for d in DatasetCatalog.get(source) for a in d["annotations"]
    )
    # the test images are kept even when they hold no shared class: the raw target domain
    assert len(DatasetCatalog.get(target)) == len(
        open(os.path.join(BCCD, "ImageSets", "Main", "test.txt")).read().split()
    )


def _write(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_read_metrics_and_summary_by_hand(tmp_path):
    per_seed = {}
    for seed, (so, base, mic) in {1: (2.0, 3.0, 4.0), 2: (4.0, 3.0, 5.0)}.items():
        runs = {}
        runs["source_only"] = read_metrics(_write(str(tmp_path / f"{seed}s.json"), [
            {"iteration": 9, "total_loss": 1.0},
            {"iteration": 10, "bbox/AP50": so, "bbox/AP": so / 2},
        ]))  # fmt: skip
        for name, ap in (("base_uda", base), ("mic", mic)):
            rows = [
                {"iteration": 4, "unsup/loss_mic_cls": 0.0, "pseudo_label/boxes_per_image": 0.0,
                 "da/accuracy_image_source": 0.4, "da/accuracy_image_target": 0.6},
                {"iteration": 9, "unsup/loss_mic_cls": 0.3, "pseudo_label/boxes_per_image": 2.0,
                 "pseudo_label/precision@0.5": 0.5,
                 "da/accuracy_image_source": 0.9, "da/accuracy_image_target": 0.7},
                {"iteration": 10, "student/bbox/AP50": ap, "teacher/bbox/AP50": ap + 1,
                 "student/bbox/AP": 1.0},
            ]  # fmt: skip
            runs[name] = read_metrics(_write(str(tmp_path / f"{seed}{name}.json"), rows))
        per_seed[seed] = runs
    r = per_seed[1]["mic"]
    assert r["student_AP50"] == 4.0 and r["teacher_AP50"] == 5.0 and r["student_AP"] == 1.0
    assert r["mic_loss_nonzero"] == 0.5 and r["windows"] == 2
    assert r["pseudo_label/boxes_per_image"] == 1.0 and r["pseudo_label/precision@0.5"] == 0.5
    assert r["da_accuracy"] == pytest.approx(0.8)  # 2 windows: the last one, (0.9 + 0.7) / 2
    assert per_seed[1]["source_only"] == {"student_AP50": 2.0, "student_AP": 1.0}
    s = summarize(per_seed)
    assert s["variants"]["source_only"]["AP50"]["mean"] == 3.0
    assert s["variants"]["mic"]["AP50"]["std"] == pytest.approx(math.sqrt(0.5))
    # ratios per seed: mic 2.0 and 1.25, base UDA 1.5 and 0.75
    assert s["variants"]["mic"]["ratio"]["mean"] == pytest.approx(1.625)
    assert s["variants"]["base_uda"]["ratio"]["mean"] == pytest.approx(1.125)
    assert s["mic_above_base_uda"] == 2
    table = format_table({"summary": s, "per_seed": per_seed})
    assert "| 2 | mic | 5.000 | 6.000 | 1.25 | 50% | 1.00 | 0.50 | 0.80 |" in table
    assert "| 2 | source_only | 4.000 | - | 1.00 | - | - | - | - |" in table
    assert "MIC > base UDA on 2 of 2 seeds" in table


def test_domain_accuracy_is_the_mean_over_the_last_quarter_of_windows(tmp_path):
    rows = [{"iteration": i, "da/accuracy_instance_target": 0.1 * i} for i in range(8)]
    rows.append({"iteration": 8, "bbox/AP50": 1.0})
    r = read_metrics(_write(str(tmp_path / "m.json"), rows))
    assert r["da_accuracy"] == pytest.approx((0.6 + 0.7) / 2)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir(BCCD), reason="needs ../shared/data/bccd")
def test_benchmark_end_to_end_on_a_tiny_voc_pair(tmp_path):
    voc = tmp_path / "voc"
    (voc / "ImageSets" / "Main").mkdir(parents=True)
    ids = open(os.path.join(BCCD, "ImageSets", "Main", "test.txt")).read().split()[:6]
    (voc / "ImageSets" / "Main" / "src.txt").write_text("\n".join(ids[:4]) + "\n")
    (voc / "ImageSets" / "Main" / "tgt.txt").write_text("\n".join(ids[4:]) + "\n")
    for sub in ("Annotations", "JPEGImages"):
        os.symlink(os.path.join(BCCD, sub), voc / sub)
    out = tmp_path / "bench"
    cmd = [
        sys.executable, os.path.join(REPO, "tools", "benchmark_mic.py"),
        "--source-voc-root", str(voc), "--source-image-set", "src",
        "--target-voc-root", str(voc), "--target-image-set", "tgt",
        "--classes", "RBC,WBC", "--seeds", "1", "--iters", "3", "--output-dir", str(out),
        "--uda-opts", "model.score_threshold=0.0",  # an untrained teacher: every detection
        "--", "train.log_period=1",
        "dataloader.test.mapper.augmentations.0.short_edge_length=128",
        "dataloader.test.mapper.augmentations.0.max_size=192",
    ]  # fmt: skip
    env = dict(os.environ, LABELEFF_DATASETS=str(tmp_path / "datasets"))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((out / "summary.json").read_text())
    runs = report["per_seed"]["1"]
    assert set(runs) == {"source_only", "base_uda", "mic"}
    assert "mic_loss_nonzero" in runs["mic"] and "mic_loss_nonzero" not in runs["base_uda"]
    assert runs["mic"]["mic_loss_nonzero"] == 1.0  # every detection is a pseudo-label
    assert runs["mic"]["windows"] == 3  # log period 1, no burn-in: one window per iteration
    ap = report["summary"]["variants"]["mic"]["AP50"]
    assert ap["n"] == 1 and ap["mean"] == pytest.approx(runs["mic"]["student_AP50"])
    assert (out / "summary.png").stat().st_size > 0
    assert "x source-only" in proc.stdout
