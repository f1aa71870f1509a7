"""Splits, dataset registration, the two-view mapper and the demo set."""

import os

import numpy as np
import pytest
import torch
from detectron2.data import DatasetCatalog, MetadataCatalog
from detectron2.data import transforms as T
from omegaconf import OmegaConf

from labeleff.data.segmentation_splits import (
    choose_labeled,
    make_split_files,
    num_labeled,
    read_split_file,
)
from labeleff.projects.ps_mt import SemSegMapper, StrongPhotometric, register_camvid
from labeleff.projects.ps_mt.demo import (
    DEMO_SEG_CLASSES,
    demo_segmentation_dataset,
    make_demo_segmentation,
)
from labeleff.projects.ps_mt.schedule import configure_partition


@pytest.mark.parametrize(
    "total, fraction, expected",
    [
        (10582, "1/16", 662),
        (10582, "1/8", 1323),
        (10582, "1/4", 2646),
        (10582, "1/2", 5291),
        (2975, "1/8", 372),
        (2975, "1/4", 744),
        (2975, "1/2", 1488),
        (367, "1/8", 46),
    ],
)
def test_num_labeled_reproduces_the_paper_partitions(total, fraction, expected):
    assert num_labeled(total, fraction) == expected


def test_choose_labeled_is_deterministic_per_seed(tmp_path):
    stems = [f"img{i:03d}" for i in range(100)]
    a = choose_labeled(stems, "1/8", seed=0)
    assert a == choose_labeled(list(reversed(stems)), "1/8", seed=0) and len(a) == 13
    assert a != choose_labeled(stems, "1/8", seed=1) and set(a) <= set(stems)
    paths = make_split_files(stems, "toy", ["1/16", "1/2"], 0, str(tmp_path))
    assert [os.path.basename(p) for p in paths] == ["toy_1-16_seed0.txt", "toy_1-2_seed0.txt"]
    assert len(read_split_file(paths[1])) == 50


def test_configure_partition_voc_1_8():
    nodes = OmegaConf.create(
        {"datasets": {"labeled": {}, "unlabeled": {}}, "model": {}, "train": {}}
    )
    configure_partition(
        datasets=nodes.datasets,
        model=nodes.model,
        train=nodes.train,
        dataset="voc_aug_train",
        num_train_images=10582,
        fraction="1/8",
        epochs=80,
        labeled_batch_size=8,
        unlabeled_batch_size=8,
        split_dir="s",
    )
    assert nodes.model.burn_in_iters == 5 * 166  # 5 warm-up epochs of ceil(1323 / 8) iterations
    assert nodes.model.teacher_period == 1158  # ceil(9259 / 8)
    assert nodes.model.rampup_iters == 12 * 1158
    assert nodes.train.max_iter == 830 + 80 * 1158
    assert nodes.datasets.unlabeled.split_file == os.path.join("s", "voc_aug_train_1-8_seed0.txt")


def test_camvid_split_registration(shared_data, tmp_path):
    root = os.path.join(shared_data, "camvid")
    split = dict(split_file=str(tmp_path / "camvid_1-8.txt"), split_fraction="1/8", split_seed=0)
    labeled = register_camvid("test_camvid_l", root, split_part="labeled", **split)
    unlabeled = register_camvid("test_camvid_u", root, split_part="unlabeled", **split)
    try:
        l_dicts, u_dicts = DatasetCatalog.get(labeled), DatasetCatalog.get(unlabeled)
        assert (len(l_dicts), len(u_dicts)) == (46, 321)
        assert not {d["image_id"] for d in l_dicts} & {d["image_id"] for d in u_dicts}
        assert MetadataCatalog.get(labeled).ignore_label == 11
        assert len(MetadataCatalog.get(labeled).stuff_classes) == 11
    finally:
        for name in (labeled, unlabeled):
            DatasetCatalog.remove(name)
            MetadataCatalog.remove(name)


def test_demo_set_is_deterministic(tmp_path):
    a = make_demo_segmentation("val", root=str(tmp_path / "a"))
    b = make_demo_segmentation("val", root=str(tmp_path / "b"))
    for sub in ("images", "labels"):
        for f in sorted(os.listdir(os.path.join(a, sub))):
            with open(os.path.join(a, sub, f), "rb") as fa, open(
                os.path.join(b, sub, f), "rb"
            ) as fb:
                assert fa.read() == fb.read()
    name = demo_segmentation_dataset("val", name="test_demo_val", root=str(tmp_path / "a"))
    try:
        dicts = DatasetCatalog.get(name)
        assert len(dicts) == 16
        mapped = SemSegMapper([])(dicts[0])
        assert mapped["image"].shape == (3, 64, 64) and mapped["image"].dtype == torch.uint8
        assert set(mapped["sem_seg"].unique().tolist()) <= set(range(len(DEMO_SEG_CLASSES)))
        assert len(set(mapped["sem_seg"].unique().tolist())) > 1
    finally:
        DatasetCatalog.remove(name)
        MetadataCatalog.remove(name)


def test_two_view_mapper_shares_geometry(tmp_path):
    folder = make_demo_segmentation("val", root=str(tmp_path))
    item = {
        "file_name": os.path.join(folder, "images", "0000.png"),
        "sem_seg_file_name": os.path.join(folder, "labels", "0000.png"),
        "height": 64,
        "width": 64,
    }
    plain = SemSegMapper([])(item)
    gray = StrongPhotometric(jitter_prob=0.0, grayscale_prob=1.0, blur_prob=0.0)
    out = SemSegMapper([T.RandomFlip(prob=1.0)], photometric=gray, two_views=True)(item)
    assert torch.equal(out["weak"]["image"], plain["image"].flip(-1))
    assert torch.equal(out["sem_seg"], plain["sem_seg"].flip(-1))  # hidden GT, weak geometry
    strong = out["strong"]["image"]
    assert strong.shape == out["weak"]["image"].shape
    assert torch.equal(strong[0], strong[1]) and torch.equal(strong[1], strong[2])  # grayscale
    np.testing.assert_allclose(out["weak"]["transform"], out["strong"]["transform"])
    np.testing.assert_allclose(out["weak"]["transform"] @ [10.0, 5.0, 1.0], [54.0, 5.0, 1.0])
