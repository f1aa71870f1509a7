"""Box loss choices: values, and the zero gradient of `iou` for a disjoint tiny box."""

import pytest
import torch

from labeleff.projects.yolox.losses import box_regression_loss, iou_loss, yolox_losses


def test_iou_loss_value():
    pred = torch.tensor([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 4.0, 4.0]])
    target = torch.tensor([[1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 4.0, 4.0]])
    # IoU 1/7 and 1.
    assert torch.allclose(iou_loss(pred, target), torch.tensor([1 - 1 / 49.0, 0.0]))


@pytest.mark.parametrize("loss_type,has_gradient", [("iou", False), ("giou", True), ("ciou", True)])
def test_disjoint_tiny_box_gradient(loss_type, has_gradient):
    pred = torch.tensor([[0.0, 0.0, 2.0, 2.0]], requires_grad=True)
    target = torch.tensor([[10.0, 10.0, 20.0, 20.0]])
    box_regression_loss(pred, target, loss_type).sum().backward()
    assert (pred.grad.abs().sum() > 0) == has_gradient
    if loss_type == "ciou":
        # the distance term pulls the box centre towards the target centre (down-right)
        centre_grad = pred.grad[0, :2] + pred.grad[0, 2:]
        assert (centre_grad < 0).all()


def test_unknown_box_loss():
    with pytest.raises(ValueError, match="diou"):
        box_regression_loss(torch.zeros(1, 4), torch.zeros(1, 4), "diou")


def test_yolox_losses_normalised_by_foreground():
    cls_logits = torch.zeros(4, 2)
    obj_logits = torch.zeros(4)
    boxes = torch.tensor([[0.0, 0, 4, 4], [0, 0, 2, 2], [0, 0, 1, 1], [0, 0, 1, 1]])
    fg = torch.tensor([True, True, False, False])
    cls_targets = torch.tensor([[1.0, 0.0], [0.0, 0.5]])
    box_targets = torch.tensor([[0.0, 0, 4, 4], [0, 0, 4, 4]])
    losses = yolox_losses(cls_logits, obj_logits, boxes, fg, cls_targets, box_targets)
    log2 = torch.log(torch.tensor(2.0))
    assert set(losses) == {"loss_cls", "loss_obj", "loss_box"}
    assert torch.allclose(losses["loss_obj"], 4 * log2 / 2)  # BCE(0.5, .) = log 2 everywhere
    assert torch.allclose(losses["loss_cls"], 4 * log2 / 2)
    assert torch.allclose(
        losses["loss_box"], torch.tensor(5.0 * (1 - 1 / 16.0) / 2)
    )  # IoU 1 and 1/4
    with_l1 = yolox_losses(
        cls_logits,
        obj_logits,
        boxes,
        fg,
        cls_targets,
        box_targets,
        box_deltas=torch.ones(4, 4),
        l1_targets=torch.zeros(2, 4),
    )
    assert torch.allclose(with_l1["loss_l1"], torch.tensor(8.0 / 2))
