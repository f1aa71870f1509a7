"""A model whose class count differs from its training data's is an error before iteration 0."""

import pytest
from detectron2.data import MetadataCatalog
from omegaconf import OmegaConf

from labeleff.engine.class_check import check_num_classes, model_num_classes


@pytest.fixture()
def dataset():
    name = "class_check_three"
    MetadataCatalog.get(name).set(thing_classes=["a", "b", "c"], stuff_classes=["x", "y"])
    yield name
    MetadataCatalog.remove(name)


def test_finds_every_num_classes_key():
    cfg = OmegaConf.create(
        {
            "student": {"roi_heads": {"num_classes": 3, "box_predictor": {"num_classes": 3}}},
            "backbone": {"depth": 50},
        }
    )
    assert model_num_classes(cfg) == [
        ("model.student.roi_heads.num_classes", 3),
        ("model.student.roi_heads.box_predictor.num_classes", 3),
    ]


def test_mismatch_names_the_key_both_numbers_and_the_dataset(dataset):
    ok = OmegaConf.create({"roi_heads": {"num_classes": 3}})
    check_num_classes(ok, dataset)  # equal: no error
    bad = OmegaConf.create({"student": {"roi_heads": {"num_classes": 80}}})
    with pytest.raises(ValueError) as e:
        check_num_classes(bad, [dataset])
    msg = str(e.value)
    assert "model.student.roi_heads.num_classes = 80" in msg
    assert f"'{dataset}' has 3 classes (a, b, c)" in msg
    assert "set model.student.roi_heads.num_classes=3" in msg


def test_segmentation_heads_compare_with_stuff_classes(dataset):
    check_num_classes(OmegaConf.create({"sem_seg_head": {"num_classes": 2}}), dataset)
    with pytest.raises(ValueError, match="has 2 classes"):
        check_num_classes(OmegaConf.create({"sem_seg_head": {"num_classes": 3}}), dataset)


def test_datasets_without_class_lists_are_skipped():
    check_num_classes(OmegaConf.create({"num_classes": 7}), "class_check_unregistered")
