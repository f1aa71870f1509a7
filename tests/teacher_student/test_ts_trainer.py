import os

import pytest
import torch
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.config import LazyConfig, instantiate
from detectron2.structures import Boxes, Instances
from ts_helpers import ToyDetector, ToyTeacherStudent, make_image_dataset, state_of, toy_loaders

from labeleff.projects.teacher_student import EMAHook, SemiSupervisedTrainer, TeacherStudent

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class _CountingToy(ToyTeacherStudent):
    def forward(self, batched_inputs):
        if self.training:
            self.sizes.append((len(batched_inputs["labeled"]), len(batched_inputs["unlabeled"])))
        return super().forward(batched_inputs)


def test_toy_detector_trains_with_two_loaders_teacher_frozen(tmp_path):
    torch.manual_seed(0)
    model = _CountingToy(student=ToyDetector(), unsup_weight=2.0)
    model.sizes = []
    labeled, unlabeled = toy_loaders(
        make_image_dataset(tmp_path, 5), labeled_batch=1, unlabeled_batch=3
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)  # teacher params included on purpose
    trainer = SemiSupervisedTrainer(model, labeled, optimizer, unlabeled)
    trainer.register_hooks([EMAHook(momentum=0.5)])
    student0, teacher0 = state_of(model.student), state_of(model.teacher)
    trainer.train(0, 3)
    assert model.sizes == [(1, 3)] * 3
    assert not torch.equal(student0["head.weight"], model.student.head.weight)
    assert not torch.equal(teacher0["head.weight"], model.teacher.head.weight)  # moved by EMA only
    assert all(p.grad is None and not p.requires_grad for p in model.teacher.parameters())
    assert model.training and not model.teacher.training
    model.train()
    assert not model.teacher.training
    for key in (
        "sup/loss_box",
        "unsup/loss_box",
        "pseudo_label/boxes_per_image",
        "pseudo_label/precision@0.5",
        "pseudo_label/recall@0.5",
    ):
        assert key in trainer.storage.histories(), key


def _tiny_rcnn():
    cfg = LazyConfig.load(os.path.join(REPO, "configs/common/models/faster_rcnn_tiny.py"))
    return instantiate(cfg.model)


class _ThresholdedRCNN(TeacherStudent):
    """Teacher boxes above a score threshold (here: none) as the student's strong-view targets."""

    def unsupervised_losses(self, unlabeled):
        with torch.no_grad():
            outs = self.teacher([{"image": u["weak"]["image"]} for u in unlabeled])
        pseudo = [o["instances"][o["instances"].scores > 1.5] for o in outs]
        self.log_pseudo_labels(pseudo, unlabeled)
        inputs = []
        for inst, u in zip(pseudo, unlabeled):
            target = Instances(tuple(u["strong"]["image"].shape[-2:]))
            target.gt_boxes = Boxes(inst.pred_boxes.tensor)
            target.gt_classes = inst.pred_classes
            inputs.append({"image": u["strong"]["image"], "instances": target})
        return self.student(inputs)


def test_zero_pseudo_labels_give_finite_losses(tmp_path):
    torch.manual_seed(0)
    model = _ThresholdedRCNN(student=_tiny_rcnn(), unsup_weight=4.0)
    labeled, unlabeled = toy_loaders(make_image_dataset(tmp_path, 2), 1, 2)
    trainer = SemiSupervisedTrainer(
        model, labeled, torch.optim.SGD(model.student.parameters(), lr=1e-3), unlabeled
    )
    trainer.train(0, 1)
    latest = trainer.storage.latest()
    assert latest["pseudo_label/boxes_per_image"][0] == 0.0
    unsup = {k: v for k, (v, _) in latest.items() if k.startswith("unsup/")}
    assert {"unsup/loss_cls", "unsup/loss_box_reg", "unsup/loss_rpn_cls"} <= set(unsup)
    assert all(torch.isfinite(torch.tensor(v)) for v in unsup.values())
    assert unsup["unsup/loss_box_reg"] == 0.0 and unsup["unsup/loss_rpn_loc"] == 0.0
    assert all(torch.isfinite(p).all() for p in model.student.parameters())


def test_plain_detector_checkpoint_loads_into_student_and_teacher(tmp_path):
    torch.manual_seed(0)
    model = ToyTeacherStudent(student=ToyDetector())
    torch.manual_seed(1)
    plain = ToyDetector()
    path = os.path.join(tmp_path, "plain.pth")
    torch.save({"model": plain.state_dict()}, path)
    DetectionCheckpointer(model).load(path)
    for k, v in plain.state_dict().items():
        assert torch.equal(model.student.state_dict()[k], v)
        assert torch.equal(model.teacher.state_dict()[k], v)
    # a TeacherStudent checkpoint keeps its own teacher and student
    model.teacher.head.weight.data.add_(1.0)
    state = model.state_dict()
    other = ToyTeacherStudent(student=ToyDetector())
    other.load_state_dict(state)
    assert torch.equal(other.teacher.head.weight, model.teacher.head.weight)
    assert not torch.equal(other.teacher.head.weight, other.student.head.weight)


def test_inference_uses_the_configured_model_and_training_input_is_checked(tmp_path):
    torch.manual_seed(0)
    model = ToyTeacherStudent(student=ToyDetector(), eval_model="student")
    model.teacher.head.bias.data.add_(3.0)
    x = [{"image": torch.randint(0, 255, (3, 16, 16), dtype=torch.uint8)}]
    model.eval()
    out = model(x)[0]["instances"].pred_boxes.tensor
    assert torch.equal(out, model.student(x)[0]["instances"].pred_boxes.tensor)
    assert not torch.equal(out, model.teacher(x)[0]["instances"].pred_boxes.tensor)
    assert set(model.evaluation_models()) == {"teacher", "student"}
    model.train()
    with pytest.raises(TypeError, match="expects"):
        model(x)
    with pytest.raises(ValueError, match="eval_model"):
        ToyTeacherStudent(student=ToyDetector(), eval_model="ema")
    with pytest.raises(NotImplementedError, match="TeacherStudent must implement pseudo_label"):
        TeacherStudent(student=ToyDetector()).unsupervised_losses([])
    with pytest.raises(NotImplementedError, match="must implement pseudo_label_losses"):
        TeacherStudent(student=ToyDetector()).pseudo_label_losses([], [])
