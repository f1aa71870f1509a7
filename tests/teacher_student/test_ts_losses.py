import pytest
import torch

from labeleff.projects.teacher_student import weight_losses


def test_weight_losses_prefixes_and_scales():
    a, b = torch.tensor(2.0, requires_grad=True), torch.tensor(3.0)
    out = weight_losses(
        {"sup": {"loss_cls": a}, "unsup": {"loss_cls": b}}, {"sup": 1.0, "unsup": 4.0}
    )
    assert set(out) == {"sup/loss_cls", "unsup/loss_cls"}
    assert out["sup/loss_cls"].item() == 2.0 and out["unsup/loss_cls"].item() == 12.0
    sum(out.values()).backward()
    assert a.grad.item() == 1.0  # graph kept


def test_weight_losses_empty_group_contributes_nothing_and_missing_weight_fails():
    out = weight_losses({"sup": {"x": torch.tensor(1.0)}, "unsup": {}}, {"sup": 1.0, "unsup": 2.0})
    assert list(out) == ["sup/x"]
    with pytest.raises(KeyError, match="unsup"):
        weight_losses({"unsup": {"x": torch.tensor(1.0)}}, {"sup": 1.0})
