"""Deformable convolution for the `detectron2._C` fallback, computed with
`torchvision.ops.deform_conv2d`.

Two layers of API:
- `deform_conv` / `modulated_deform_conv`: autograd-capable drop-ins for the functions of the same
  name in `detectron2.layers.deform_conv` (any device; `ensure_c_ops` rebinds them there, since
  Detectron2's own autograd Functions refuse CPU backward and CPU modulated forward).
- `deform_conv_forward`, ... : the five `_C` entry points with the native argument order. They write
  into the tensors they are given, as the compiled kernels do; backward recomputes the forward under
  autograd.

Offsets are laid out as in Detectron2 and torchvision: (N, 2 * deformable_groups * kh * kw, Ho, Wo),
(dy, dx) pairs per kernel tap; masks (N, deformable_groups * kh * kw, Ho, Wo). torchvision reads the
number of deformable groups from the offset's channel count and the conv groups from the weight.
"""

import torch
from torch.nn.modules.utils import _pair
from torchvision.ops import deform_conv2d


def _check_shapes(input, offset, weight, groups, deformable_groups, mask=None):
    if input.dim() != 4:
        raise ValueError(f"Expected 4D tensor as input, got {input.dim()}D tensor instead.")
    taps = weight.shape[2] * weight.shape[3]
    if input.shape[1] != weight.shape[1] * groups:
        raise ValueError(
            f"deform_conv: input has {input.shape[1]} channels, weight {tuple(weight.shape)} "
            f"with groups={groups} expects {weight.shape[1] * groups}"
        )
    if offset.shape[1] != 2 * deformable_groups * taps:
        raise ValueError(
            f"deform_conv: offset has {offset.shape[1]} channels, expected "
            f"2 * deformable_groups({deformable_groups}) * kh * kw({taps}) = "
            f"{2 * deformable_groups * taps}"
        )
    if mask is not None and mask.shape[1] != deformable_groups * taps:
        raise ValueError(
            f"modulated_deform_conv: mask has {mask.shape[1]} channels, expected "
            f"deformable_groups * kh * kw = {deformable_groups * taps}"
        )


def deform_conv(
    input,
    offset,
    weight,
    stride=1,
    padding=0,
    dilation=1,
    groups=1,
    deformable_groups=1,
    im2col_step=64,
):
    """
    Deformable convolution (DCNv1), differentiable in input, offset and weight.

    Args:
        input (Tensor[N, C, H, W]), offset (Tensor[N, 2*dg*kh*kw, Ho, Wo]),
        weight (Tensor[Cout, C // groups, kh, kw]); the rest as in Detectron2's `deform_conv`
        (`im2col_step` is a CUDA batching knob and is ignored).
    Returns:
        Tensor[N, Cout, Ho, Wo]
    """
    _check_shapes(input, offset, weight, groups, deformable_groups)
    return deform_conv2d(
        input,
        offset,
        weight,
        stride=_pair(stride),
        padding=_pair(padding),
        dilation=_pair(dilation),
    )


def modulated_deform_conv(
    input,
    offset,
    mask,
    weight,
    bias=None,
    stride=1,
    padding=0,
    dilation=1,
    groups=1,
    deformable_groups=1,
):
    """
    Modulated deformable convolution (DCNv2), differentiable in input, offset, mask, weight, bias.

    Args:
        input (Tensor[N, C, H, W]), offset (Tensor[N, 2*dg*kh*kw, Ho, Wo]),
        mask (Tensor[N, dg*kh*kw, Ho, Wo], already passed through a sigmoid by the caller),
        weight (Tensor[Cout, C // groups, kh, kw]), bias (Tensor[Cout] or None).
    Returns:
        Tensor[N, Cout, Ho, Wo]
    """
    _check_shapes(input, offset, weight, groups, deformable_groups, mask)
    return deform_conv2d(
        input,
        offset,
        weight,
        bias,
        stride=_pair(stride),
        padding=_pair(padding),
        dilation=_pair(dilation),
        mask=mask,
    )


def _grads(fn, inputs, wanted, grad_output):
    """Gradients of `fn(*inputs)` w.r.t. `inputs[i]` for i in `wanted`, by recomputation."""
    with torch.enable_grad():
        leaves = [t.detach().requires_grad_(i in wanted) for i, t in enumerate(inputs)]
        out = fn(*leaves)
        return torch.autograd.grad(out, [leaves[i] for i in wanted], grad_output)


def _check_kernel(weight, kh, kw):
    if tuple(weight.shape[2:]) != (kh, kw):
        raise ValueError(f"weight {tuple(weight.shape)} does not match kernel size ({kh}, {kw})")


# --- the `_C` entry points (argument order of detectron2/layers/csrc/vision.cpp) ---------------
# fmt: off


def deform_conv_forward(
    input, weight, offset, output, columns, ones, kW, kH, dW, dH, padW, padH,
    dilationW, dilationH, group, deformable_group, im2col_step,
):
    """Writes deform_conv(input, offset, weight) into `output`; `columns`/`ones` are unused
    buffers."""
    _check_kernel(weight, kH, kW)
    with torch.no_grad():
        out = deform_conv(
            input, offset, weight, (dH, dW), (padH, padW), (dilationH, dilationW), group,
            deformable_group,
        )
    output.copy_(out)


def deform_conv_backward_input(
    input, offset, gradOutput, gradInput, gradOffset, weight, columns, kW, kH, dW, dH,
    padW, padH, dilationW, dilationH, group, deformable_group, im2col_step,
):
    """Adds d(out)/d(input) and d(out)/d(offset) into `gradInput`, `gradOffset` (given as zeros)."""
    _check_kernel(weight, kH, kW)

    def fn(x, off, w):
        return deform_conv(
            x, off, w, (dH, dW), (padH, padW), (dilationH, dilationW), group, deformable_group
        )

    grad_x, grad_off = _grads(fn, (input, offset, weight), (0, 1), gradOutput)
    gradInput.add_(grad_x)
    gradOffset.add_(grad_off)


def deform_conv_backward_filter(
    input, offset, gradOutput, gradWeight, columns, ones, kW, kH, dW, dH, padW, padH,
    dilationW, dilationH, group, deformable_group, scale, im2col_step,
):
    """Adds `scale` * d(out)/d(weight) into `gradWeight`, as the native kernel does."""
    _check_kernel(gradWeight, kH, kW)

    def fn(x, off, w):
        return deform_conv(
            x, off, w, (dH, dW), (padH, padW), (dilationH, dilationW), group, deformable_group
        )

    # the conv is linear in its weight: the gradient does not depend on the weight's values, so a
    # zero tensor of its shape serves for the recomputation (the native op gets no weight either)
    (grad_w,) = _grads(fn, (input, offset, torch.zeros_like(gradWeight)), (2,), gradOutput)
    gradWeight.add_(grad_w, alpha=scale)


def modulated_deform_conv_forward(
    input, weight, bias, ones, offset, mask, output, columns, kernel_h, kernel_w,
    stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, group, deformable_group, with_bias,
):
    """Writes modulated_deform_conv(...) into `output`; `bias` is ignored unless `with_bias`."""
    _check_kernel(weight, kernel_h, kernel_w)
    with torch.no_grad():
        out = modulated_deform_conv(
            input, offset, mask, weight, bias if with_bias else None, (stride_h, stride_w),
            (pad_h, pad_w), (dilation_h, dilation_w), group, deformable_group,
        )
    output.copy_(out)


def modulated_deform_conv_backward(
    input, weight, bias, ones, offset, mask, columns, grad_input, grad_weight, grad_bias,
    grad_offset, grad_mask, grad_output, kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w,
    dilation_h, dilation_w, group, deformable_group, with_bias,
):
    """Adds the gradients w.r.t. input, weight, (bias,) offset and mask into the given tensors."""
    _check_kernel(weight, kernel_h, kernel_w)

    def fn(x, off, m, w, b):
        return modulated_deform_conv(
            x, off, m, w, b if with_bias else None, (stride_h, stride_w), (pad_h, pad_w),
            (dilation_h, dilation_w), group, deformable_group,
        )

    wanted = (0, 1, 2, 3, 4) if with_bias else (0, 1, 2, 3)
    grads = _grads(fn, (input, offset, mask, weight, bias), wanted, grad_output)
    for dst, g in zip((grad_input, grad_offset, grad_mask, grad_weight, grad_bias), grads):
        dst.add_(g)
# fmt: on
