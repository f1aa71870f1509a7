"""Gradient reversal: identity forward, gradient multiplied by -weight (checked numerically)."""

import torch

from labeleff.projects.mic_uda.grl import GradientReversal, grad_reverse


def test_forward_is_identity():
    x = torch.randn(4, 3)
    assert torch.equal(GradientReversal(0.1)(x), x)


def test_gradient_is_negated_and_scaled_against_finite_differences():
    torch.manual_seed(0)
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    w = torch.randn(5, dtype=torch.float64)

    def f(v):
        return (torch.sin(v) * w).sum()

    f(grad_reverse(x, 0.025)).backward()
    eps = 1e-6
    numeric = torch.stack(
        [
            (f(x.detach() + eps * e) - f(x.detach() - eps * e)) / (2 * eps)
            for e in torch.eye(5, dtype=torch.float64)
        ]
    )
    assert torch.allclose(x.grad, -0.025 * numeric, atol=1e-8)


def test_parameters_before_the_layer_get_reversed_and_after_it_plain_gradients():
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)
    (grad_reverse(a * 1.0, 0.5) * b).backward()
    assert a.grad.item() == -0.5 * 3.0
    assert b.grad.item() == 2.0
