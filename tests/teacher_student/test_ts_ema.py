import pytest
import torch
from detectron2.engine import HookBase
from ts_helpers import ToyDetector, ToyTeacherStudent, make_image_dataset, state_of, toy_loaders

from labeleff.projects.teacher_student import (
    EMAHook,
    SemiSupervisedTrainer,
    ema_momentum,
    ema_update_,
)


def test_ema_update_formula_and_buffer_modes():
    torch.manual_seed(0)
    teacher, student = ToyDetector(), ToyDetector()
    student.bn.running_mean.fill_(2.0)
    teacher.bn.running_mean.fill_(1.0)
    student.bn.num_batches_tracked.fill_(7)
    t0, s0 = state_of(teacher), state_of(student)
    ema_update_(teacher, student, 0.75, buffers="ema")
    w = "conv.weight"
    assert torch.allclose(teacher.state_dict()[w], 0.75 * t0[w] + 0.25 * s0[w], atol=1e-7)
    assert torch.allclose(teacher.bn.running_mean, torch.full((4,), 1.25))
    assert teacher.bn.num_batches_tracked.item() == 7  # integer buffer: copied
    ema_update_(teacher, student, 0.75, buffers="copy")
    assert torch.equal(teacher.bn.running_mean, student.bn.running_mean)
    teacher.bn.running_mean.fill_(5.0)
    ema_update_(teacher, student, 0.75, buffers="keep")
    assert torch.equal(teacher.bn.running_mean, torch.full((4,), 5.0))
    with pytest.raises(ValueError, match="buffers"):
        ema_update_(teacher, student, 0.5, buffers="average")


def test_ema_momentum_warmup():
    assert ema_momentum(0.999, 5, None) == 0.999
    assert ema_momentum(0.999, 0, 0) == 0.0
    assert ema_momentum(0.999, 1, 0) == pytest.approx(0.5)
    assert ema_momentum(0.999, 3, 1) == pytest.approx(1 - 2 / 5)
    assert ema_momentum(0.9, 10_000, 0) == 0.9


class _RecordStudent(HookBase):
    """Registered before EMAHook: the student after each optimizer step."""

    def __init__(self):
        self.states = []

    def after_step(self):
        self.states.append(state_of(self.trainer.model.student))


def _train(tmp_path, hook, steps, burn_in=0):
    torch.manual_seed(0)
    model = ToyTeacherStudent(student=ToyDetector(), burn_in_iters=burn_in)
    labeled, unlabeled = toy_loaders(make_image_dataset(tmp_path, 4))
    trainer = SemiSupervisedTrainer(
        model, labeled, torch.optim.SGD(model.student.parameters(), lr=0.5), unlabeled
    )
    record = _RecordStudent()
    trainer.register_hooks([record, hook])
    initial_teacher = state_of(model.teacher)
    trainer.train(0, steps)
    return model, trainer, initial_teacher, record.states


def test_ema_after_three_steps_equals_hand_formula(tmp_path):
    model, trainer, teacher, students = _train(tmp_path, EMAHook(momentum=0.9, warmup=0), 3)
    # warm-up w=0: m_t = min(0.9, 1 - 1/(t+1)) = 0, 1/2, 2/3; parameters and floating buffers (BN
    # running statistics) averaged alike (the default), the integer batch counter copied
    for m, student in zip([0.0, 0.5, 2.0 / 3.0], students):
        for k in teacher:
            floating = teacher[k].is_floating_point()
            teacher[k] = m * teacher[k] + (1 - m) * student[k] if floating else student[k]
    for k, v in model.teacher.state_dict().items():
        assert torch.allclose(v.float(), teacher[k].float(), atol=1e-6), k
    # the statistics really were averaged, not copied: the student's moved between steps
    assert not torch.allclose(students[1]["bn.running_mean"], students[2]["bn.running_mean"])
    assert not torch.allclose(model.teacher.bn.running_mean, students[2]["bn.running_mean"])
    assert not torch.equal(students[0]["conv.weight"], students[2]["conv.weight"])  # it trained
    assert trainer.storage.history("ema_momentum").latest() == pytest.approx(2.0 / 3.0)


def test_burn_in_copies_then_ema_with_interval(tmp_path):
    hook = EMAHook(momentum=0.9, interval=2)
    torch.manual_seed(0)
    model, trainer, _, students = _train(tmp_path, hook, 5, burn_in=2)
    # iterations 0, 1: supervised only; after iteration 1 the teacher is the student;
    # EMA steps t = iter - 2: t=0 (iter 2) updated, t=1 (iter 3) skipped, t=2 (iter 4) updated
    expected = {k: v.clone() for k, v in students[1].items()}
    for it in (2, 4):
        for k, p in model.teacher.named_parameters():
            expected[k] = 0.9 * expected[k] + 0.1 * students[it][k]
        for k, buf in model.teacher.named_buffers():
            floating = buf.is_floating_point()
            expected[k] = 0.9 * expected[k] + 0.1 * students[it][k] if floating else students[it][k]
    for k, v in model.teacher.state_dict().items():
        assert torch.allclose(v.float(), expected[k].float(), atol=1e-6), k
    assert hook.num_updates == 3
    # unsupervised losses only from iteration 2 on
    assert [it for _, it in trainer.storage.history("unsup/loss_box").values()] == [2, 3, 4]
    assert len(trainer.storage.history("total_loss").values()) == 5
