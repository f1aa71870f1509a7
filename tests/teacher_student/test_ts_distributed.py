import os
import socket

import pytest
import torch
from detectron2.engine import launch
from detectron2.utils import comm
from torch.nn.parallel import DistributedDataParallel
from ts_helpers import ToyDetector, ToyTeacherStudent, make_image_dataset, toy_loaders

from labeleff.projects.teacher_student import EMAHook, SemiSupervisedTrainer


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(out_dir):
    torch.set_num_threads(1)
    rank = comm.get_rank()
    torch.manual_seed(100 + rank)  # different init per rank: DDP must broadcast rank 0's
    model = ToyTeacherStudent(student=ToyDetector())
    model = DistributedDataParallel(model, device_ids=None)
    dicts = make_image_dataset(os.path.join(out_dir, f"images{rank}"), 6, seed=0)
    labeled, unlabeled = toy_loaders(dicts, labeled_batch=2, unlabeled_batch=4, seed=None)
    trainer = SemiSupervisedTrainer(
        model, labeled, torch.optim.SGD(model.module.student.parameters(), lr=0.5), unlabeled
    )
    trainer.register_hooks([EMAHook(momentum=0.5)])
    first = next(iter(unlabeled))
    seen = [d["image_id"] for d in first]
    trainer.train(0, 3)
    torch.save(
        {"teacher": model.module.teacher.state_dict(), "seen": seen},
        os.path.join(out_dir, f"rank{rank}.pth"),
    )


@pytest.mark.slow
def test_two_gloo_processes_end_with_identical_teachers(tmp_path):
    launch(_worker, 2, dist_url=f"tcp://127.0.0.1:{_free_port()}", args=(str(tmp_path),))
    r0, r1 = (torch.load(os.path.join(tmp_path, f"rank{r}.pth")) for r in (0, 1))
    for k, v in r0["teacher"].items():
        assert torch.equal(v, r1["teacher"][k]), k
    # each rank got its own half of the unlabeled batch (2 of 4 images), no overlap
    assert len(r0["seen"]) == len(r1["seen"]) == 2 and not set(r0["seen"]) & set(r1["seen"])
