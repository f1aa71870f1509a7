"""The teacher-student configs are diffs over one base per method: the class count follows the
registered data, the shared loader nodes have one shape, and a variant keeps its base's values
unless it names them."""

import os

import pytest
from detectron2.config import instantiate

from labeleff.config import load_config
from labeleff.data import register_datasets
from labeleff.engine.class_check import check_num_classes

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.path.dirname(REPO), "shared", "data")

# (config, key of the class count, its training dataset, the classes of that data)
REAL_DATA = [
    ("soft_teacher/bccd_10pct.py", "model.student.roi_heads.num_classes", "labeled", 3),
    ("mic_uda/coco128_to_dawnfog.py", "model.student.roi_heads.num_classes", "source", 6),
    ("ps_mt/camvid_1-8.py", "model.student.sem_seg_head.num_classes", "labeled", 11),
]


def _node(cfg, key):
    parent, leaf = key.rsplit(".", 1)
    node = cfg
    for part in parent.split("."):
        node = node[part]
    return node, leaf


@pytest.mark.skipif(not os.path.isdir(DATA), reason="../shared/data is not beside the checkout")
@pytest.mark.parametrize("config, key, dataset, classes", REAL_DATA)
def test_class_count_follows_the_registered_data(config, key, dataset, classes):
    cfg = load_config(os.path.join(REPO, "configs", config))
    register_datasets(cfg)
    node, leaf = _node(cfg, key)
    assert instantiate(node[leaf]) == classes  # from the dataset's metadata, not a literal
    # an explicit number that disagrees with the data is an error naming both and the dataset
    name = cfg.datasets[dataset].name
    wrong = load_config(os.path.join(REPO, "configs", config), [f"{key}={classes + 2}"])
    with pytest.raises(ValueError, match=f"= {classes + 2} .*'{name}' has {classes} classes"):
        check_num_classes(wrong.model, [name])
    check_num_classes(
        load_config(os.path.join(REPO, "configs", config), [f"{key}={classes}"]).model, [name]
    )


@pytest.mark.parametrize(
    "config, dataset",
    [
        ("soft_teacher/coco_1pct.py", "labeled"),
        ("soft_teacher/coco_full.py", "labeled"),
        ("mic_uda/cityscapes_to_foggy.py", "source"),
        ("ps_mt/voc_1-4_r101.py", "labeled"),
        ("ps_mt/cityscapes_1-2_r50.py", "labeled"),
    ],
)
def test_paper_configs_read_the_class_count_of_their_training_set(config, dataset):
    """COCO 80, Cityscapes 8 (detection) / 19 (semantic), VOC 21 come from the registered sets."""
    cfg = load_config(os.path.join(REPO, "configs", config))
    student = cfg.model.student
    head = student.roi_heads if "roi_heads" in student else student.sem_seg_head
    assert head.num_classes.name == cfg.datasets[dataset].name
    assert head.num_classes.get("key", "thing_classes") == (
        "stuff_classes" if "sem_seg_head" in student else "thing_classes"
    )


def test_a_variant_is_its_base_plus_the_keys_it_names():
    """bccd_10pct.py changes the data, scale, detector and CPU recipe; the paper's optimizer and
    the loader seeds of the labeled branch come from common/base.py unchanged."""
    base = load_config(os.path.join(REPO, "configs/soft_teacher/common/base.py"))
    bccd = load_config(os.path.join(REPO, "configs/soft_teacher/bccd_10pct.py"))
    assert bccd.optimizer == base.optimizer  # SGD 0.01, momentum 0.9, wd 1e-4 (paper)
    assert bccd.dataloader.train.seed == base.dataloader.train.seed == 0
    assert bccd.train.trainer._target_ is base.train.trainer._target_
    assert (base.dataloader.train.total_batch_size, bccd.dataloader.train.total_batch_size) == (
        8,
        2,
    )
    views = bccd.dataloader.unlabeled.mapper.views
    assert (views.short_edge, views.max_size) == ((288, 352), 480)
    mic_base = load_config(os.path.join(REPO, "configs/mic_uda/common/base.py"))
    mic = load_config(os.path.join(REPO, "configs/mic_uda/coco128_to_dawnfog.py"))
    for key in ("mic_weight", "score_threshold", "mask_block_size", "mask_ratio", "image_da"):
        assert mic.model[key] == mic_base.model[key], key
    assert (mic_base.model.instance_da_rois_per_image, mic.model.instance_da_rois_per_image) == (
        256,
        128,
    )
    assert (
        mic.dataloader.unlabeled.mapper.photometric
        == mic_base.dataloader.unlabeled.mapper.photometric
    )
