"""The class-aware fg/bg pretraining config (one center per BCCD class + background): its crops
carry category + 1, counted against the dataset's own annotations; a crop label the classifier has
no logit for is an error naming model.num_classes; the benchmark names its variants."""

import collections
import os

import pytest
import torch
from detectron2.config import instantiate
from detectron2.data import DatasetCatalog
from detectron2.structures import BoxMode

from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.modeling import TinyResNet
from labeleff.projects.pretrain import BackboneClassifier
from labeleff.projects.pretrain.benchmark import run_benchmark

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLASSES = "configs/pretrain/fgbg_center_classes_bccd_lite0_cpu.py"


def test_classes_config_labels_crops_by_category():
    cfg = load_config(os.path.join(REPO, CLASSES))
    register_datasets(cfg)
    node = cfg.dataloader.train.dataset
    dataset = instantiate(node)
    got = collections.Counter(item["label"] for item in dataset.items if item["kind"] == "fg")
    # independent count: every non-crowd annotation of at least 4 px a side, by category
    want = collections.Counter()
    for d in DatasetCatalog.get(node.dataset_names):
        for a in d["annotations"]:
            x0, y0, x1, y1 = BoxMode.convert(list(a["bbox"]), a["bbox_mode"], BoxMode.XYXY_ABS)
            if not a.get("iscrowd", 0) and min(x1 - x0, y1 - y0) >= 4:
                want[a["category_id"] + 1] += 1
    assert got == want and set(got) == {1, 2, 3}
    assert cfg.model.num_classes == 1 + len(set(got))
    assert {i["label"] for i in dataset.items if i["kind"] == "bg"} == {0}


def test_label_beyond_num_classes_names_the_key():
    model = BackboneClassifier(
        TinyResNet(channels=(16, 32, 64, 128), blocks_per_stage=1, norm="BN"),
        num_classes=2,
        embed_dim=8,
    ).train()
    batch = [{"image": torch.zeros(3, 64, 64, dtype=torch.uint8), "label": k} for k in (0, 1)]
    assert torch.isfinite(sum(model(batch).values()))
    batch[1]["label"] = 3
    with pytest.raises(ValueError, match="model.num_classes"):
        model(batch)


def test_unknown_variant_lists_the_choices(tmp_path):
    with pytest.raises(ValueError, match="fgbg_classes"):
        run_benchmark("bccd_lite0", str(tmp_path), 1, 1, variants=("scratch", "fgbgg"))
    with pytest.raises(ValueError, match="detector"):  # the fine-tune config is not a variant
        run_benchmark("bccd_lite0", str(tmp_path), 1, 1, variants=("detector",))
    assert not os.listdir(tmp_path)  # nothing ran
