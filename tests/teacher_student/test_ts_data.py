import cv2
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader
from ts_helpers import ToyDetector, ToyTeacherStudent, make_image_dataset

from labeleff.projects.teacher_student import (
    MultiViewDatasetMapper,
    SeededBatchStream,
    SemiSupervisedTrainer,
    boxes_between_views,
    build_semi_supervised_train_loader,
    strong_view_augmentations,
    weak_view_augmentations,
)


def _index(d):
    return d["idx"]


def _random_draw(d):
    return (d["idx"], float(np.random.rand()), int(torch.randint(0, 10**6, ())))


def test_two_ranks_share_each_epoch_without_dropping():
    dataset = [{"idx": i} for i in range(7)]
    ranks = [SeededBatchStream(dataset, _index, 2, seed=3, rank=r, world_size=2) for r in (0, 1)]
    # 7 batches x 2 items x 2 ranks = stream positions 0..27 = exactly 4 epochs
    seen = [i for b in range(7) for r in ranks for i in r.batch(b)]
    assert np.bincount(seen).tolist() == [4] * 7
    assert ranks[0].batch(0) != ranks[1].batch(0)


def test_batches_depend_only_on_iteration_not_on_workers_or_start():
    dataset = [{"idx": i} for i in range(5)]
    loader = build_semi_supervised_train_loader(dataset, _random_draw, 3, seed=0)
    it = iter(loader)
    straight = [next(it) for _ in range(6)]
    loader.dataset.start_at_iteration(4)
    it = iter(loader)
    assert [next(it), next(it)] == straight[4:6]
    with_workers = build_semi_supervised_train_loader(
        dataset, _random_draw, 3, seed=0, num_workers=2
    )
    it = iter(with_workers)
    assert [next(it) for _ in range(6)] == straight
    state = np.random.get_state()[1].copy()
    loader.dataset.batch(0)
    assert np.array_equal(np.random.get_state()[1], state)  # global RNG restored


def test_empty_unlabeled_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="dataset is empty"):
        build_semi_supervised_train_loader([], _index, 2)
    labeled = build_semi_supervised_train_loader(make_image_dataset(tmp_path, 2), _index, 1)
    empty = DataLoader(SeededBatchStream([], _index, 2, seed=0), batch_size=None)
    model = ToyTeacherStudent(student=ToyDetector())
    with pytest.raises(ValueError, match="unlabeled_data_loader has an empty dataset"):
        SemiSupervisedTrainer(model, labeled, torch.optim.SGD(model.parameters(), lr=0.1), empty)


def test_multi_view_mapper_views_and_hidden_ground_truth(tmp_path):
    dicts = make_image_dataset(tmp_path, 3, size=(48, 64))
    plain = MultiViewDatasetMapper({"plain": []})(dicts[0])
    assert plain["plain"]["image"].dtype == torch.uint8
    bgr = cv2.imread(dicts[0]["file_name"])
    assert torch.equal(plain["plain"]["image"], torch.as_tensor(bgr.transpose(2, 0, 1)))
    assert np.array_equal(plain["plain"]["transform"], np.eye(3))
    assert torch.allclose(
        plain["plain"]["instances"].gt_boxes.tensor,
        torch.tensor([dicts[0]["annotations"][0]["bbox"]]),
    )
    np.random.seed(0)
    mapper = MultiViewDatasetMapper(
        {
            "weak": weak_view_augmentations((40, 56), 100),
            "strong": strong_view_augmentations((40, 56), 100),
        }
    )
    for d in dicts:
        out = mapper(d)
        assert (out["height"], out["width"]) == (48, 64) and out["image_id"] == d["image_id"]
        weak, strong = out["weak"], out["strong"]
        assert weak["image"].shape[0] == 3 and weak["transform"].shape == (3, 3)
        # weak is resize + flip (box-exact), so weak GT carried to strong = strong GT
        moved = boxes_between_views(weak["instances"].gt_boxes.tensor, weak, strong)
        if len(strong["instances"]) == len(moved):
            assert torch.allclose(moved, strong["instances"].gt_boxes.tensor, atol=1e-3)
