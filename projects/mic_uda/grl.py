"""Gradient reversal layer (Ganin & Lempitsky, 2015): identity forward, -weight x gradient back."""

import torch
from torch import nn

__all__ = ["GradientScale", "grad_reverse", "GradientReversal"]


class GradientScale(torch.autograd.Function):
    """y = x in the forward pass; dL/dx = scale * dL/dy in the backward pass."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float) -> torch.Tensor:
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        return grad_output * ctx.scale, None


def grad_reverse(x: torch.Tensor, weight: float) -> torch.Tensor:
    """Identity whose gradient is multiplied by -`weight` (a positive weight reverses)."""
    return GradientScale.apply(x, -weight)


class GradientReversal(nn.Module):
    """Module form of `grad_reverse` (DA-Faster's GradientScalarLayer with a negative weight)."""

    def __init__(self, weight: float):
        super().__init__()
        self.weight = weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return grad_reverse(x, self.weight)

    def extra_repr(self) -> str:
        return f"weight={self.weight}"
