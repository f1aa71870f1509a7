"""The pure-PyTorch `detectron2._C` fallback: deformable conv, rotated IoU / NMS, stubs, the
shim."""

import math
import os
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from torchvision.ops import box_iou, deform_conv2d, nms

# installs the fallback when the compiled _C does not load
import labeleff  # noqa: F401  # isort: skip
from labeleff.d2_compat import __main__ as d2_main
from labeleff.d2_compat import _C_fallback as C
from labeleff.d2_compat.rotated import box_iou_rotated, nms_rotated

import detectron2  # isort: skip
from detectron2.layers import DeformConv, ModulatedDeformConv  # isort: skip

D2_DIR = os.path.dirname(detectron2.__file__)
NATIVE = not getattr(sys.modules["detectron2._C"], "IS_FALLBACK", False)
fallback_only = pytest.mark.skipif(NATIVE, reason="the compiled detectron2._C is in use")


def _xyxy_to_rotated(xyxy, angle=0.0):
    center = (xyxy[:, :2] + xyxy[:, 2:]) / 2
    size = xyxy[:, 2:] - xyxy[:, :2]
    return torch.cat([center, size, torch.full_like(size[:, :1], angle)], dim=1)


def _random_xyxy(n, generator, scale=20.0):
    corner = torch.rand(n, 2, generator=generator) * scale
    size = torch.rand(n, 2, generator=generator) * scale / 2 + 0.5
    return torch.cat([corner, corner + size], dim=1)


# --- module wiring ---------------------------------------------------------------------------


@fallback_only
def test_fallback_is_detectron2_C():
    import detectron2._C as c

    assert c is C and c.IS_FALLBACK
    assert "fallback" in c.get_compiler_version() and "fallback" in c.get_cuda_version()
    assert not c.has_cuda()
    from detectron2.layers import deform_conv as d2_deform
    from detectron2.modeling.backbone import resnet

    # real classes everywhere (not detectron2.utils.develop dummies)
    assert DeformConv.__module__ == d2_deform.__name__ == "detectron2.layers.deform_conv"
    assert resnet.DeformConv is d2_deform.DeformConv
    assert resnet.ModulatedDeformConv is d2_deform.ModulatedDeformConv


@fallback_only
def test_unsupported_ops_name_the_op_and_the_way_out():
    import detectron2._C as c

    for name in ("InstanceAnnotation", "COCOevalEvaluateImages", "COCOevalAccumulate"):
        with pytest.raises(NotImplementedError, match=name) as err:
            getattr(c, name)(1, 2.0, 3.0, False, False)
        assert "use_fast_impl=False" in str(err.value)
        assert "facebookresearch/detectron2" in str(err.value)
    with pytest.raises(AttributeError, match="no_such_op.*facebookresearch/detectron2"):
        c.no_such_op
    assert getattr(c, "no_such_op", None) is None  # getattr with default still works

    from detectron2.layers import ROIAlignRotated

    pooler = ROIAlignRotated((2, 2), spatial_scale=1.0, sampling_ratio=0)
    rois = torch.tensor([[0.0, 4.0, 4.0, 2.0, 2.0, 30.0]])
    with pytest.raises(NotImplementedError, match="roi_align_rotated_forward.*pip install"):
        pooler(torch.zeros(1, 1, 8, 8), rois)
    with pytest.raises(NotImplementedError, match="roi_align_rotated_backward"):
        torch.ops.detectron2.roi_align_rotated_backward(
            torch.zeros(1, 1, 2, 2), rois, 1.0, 2, 2, 1, 1, 8, 8, 0
        )


# --- deformable convolution ------------------------------------------------------------------


def _deform_inputs(seed, batch=2, channels=4, size=7, kernel=3, dg=1, stride=1, pad=1, dil=1):
    g = torch.Generator().manual_seed(seed)
    out = (size + 2 * pad - dil * (kernel - 1) - 1) // stride + 1
    x = torch.randn(batch, channels, size, size, generator=g, dtype=torch.float64)
    offset = 1.5 * torch.randn(batch, 2 * dg * kernel * kernel, out, out, generator=g)
    mask = torch.rand(batch, dg * kernel * kernel, out, out, generator=g)
    return x, offset.double(), mask.double()


def _leaf(t):
    return t.detach().clone().requires_grad_(True)


@pytest.mark.parametrize("groups,dg,stride,dil", [(1, 1, 1, 1), (2, 2, 2, 1), (1, 2, 1, 2)])
def test_deform_conv_module_matches_torchvision_forward_and_backward(groups, dg, stride, dil):
    layer = DeformConv(
        4, 6, 3, stride=stride, padding=1, dilation=dil, groups=groups, deformable_groups=dg
    ).double()
    x, offset, _ = _deform_inputs(0, dg=dg, stride=stride, dil=dil)
    x1, off1, x2, off2 = _leaf(x), _leaf(offset), _leaf(x), _leaf(offset)
    w2 = _leaf(layer.weight)
    y1 = layer(x1, off1)
    y2 = deform_conv2d(x2, off2, w2, stride=stride, padding=1, dilation=dil)
    torch.testing.assert_close(y1, y2)
    grad_out = torch.randn_like(y1)
    y1.backward(grad_out)
    y2.backward(grad_out)
    for a, b in ((x1, x2), (off1, off2), (layer.weight, w2)):
        assert a.grad.abs().sum() > 0
        torch.testing.assert_close(a.grad, b.grad)


def test_modulated_deform_conv_module_matches_torchvision_forward_and_backward():
    layer = ModulatedDeformConv(4, 6, 3, padding=1, deformable_groups=2, bias=True).double()
    torch.nn.init.normal_(layer.bias)
    x, offset, mask = _deform_inputs(1, dg=2)
    leaves1 = [_leaf(t) for t in (x, offset, mask)]
    leaves2 = [_leaf(t) for t in (x, offset, mask, layer.weight, layer.bias)]
    y1 = layer(*leaves1)
    x2, off2, m2, w2, b2 = leaves2
    y2 = deform_conv2d(x2, off2, w2, b2, padding=1, mask=m2)
    torch.testing.assert_close(y1, y2)
    grad_out = torch.randn_like(y1)
    y1.backward(grad_out)
    y2.backward(grad_out)
    for a, b in zip(leaves1 + [layer.weight, layer.bias], leaves2):
        assert a.grad.abs().sum() > 0
        torch.testing.assert_close(a.grad, b.grad)


def test_zero_offsets_and_unit_mask_equal_plain_conv():
    x, offset, mask = _deform_inputs(2, dg=2, stride=2)
    layer = DeformConv(4, 6, 3, stride=2, padding=1, groups=2, deformable_groups=2).double()
    expected = F.conv2d(x, layer.weight, stride=2, padding=1, groups=2)
    torch.testing.assert_close(layer(x, torch.zeros_like(offset)), expected)
    mlayer = ModulatedDeformConv(4, 6, 3, stride=2, padding=1, deformable_groups=2).double()
    expected = F.conv2d(x, mlayer.weight, mlayer.bias, stride=2, padding=1)
    torch.testing.assert_close(mlayer(x, torch.zeros_like(offset), torch.ones_like(mask)), expected)


def test_deformable_groups_offset_their_own_channels():
    """Offset group g moves only input channels [g*C/dg, (g+1)*C/dg): with group 0's channels
    zeroed, group 0's offsets must not matter and group 1 with zero offsets is a plain conv."""
    x, offset, _ = _deform_inputs(5, dg=2)
    x[:, :2] = 0
    offset[:, offset.shape[1] // 2 :] = 0  # group 1 (channels 2, 3) not deformed
    layer = DeformConv(4, 6, 3, padding=1, deformable_groups=2).double()
    torch.testing.assert_close(layer(x, offset), F.conv2d(x, layer.weight, padding=1))
    shifted = offset.clone()
    shifted[:, : offset.shape[1] // 2] = 0  # now group 0 is undeformed, group 1 deformed
    shifted[:, offset.shape[1] // 2 :] = offset[:, : offset.shape[1] // 2]
    assert not torch.allclose(layer(x, shifted), F.conv2d(x, layer.weight, padding=1))


def test_C_deform_entry_points_write_what_autograd_gives():
    """The `_C` functions, called exactly as Detectron2's CUDA path calls them."""
    x, offset, mask = _deform_inputs(3, dg=2)
    weight = torch.randn(6, 2, 3, 3, dtype=torch.float64)  # groups=2
    leaves = [_leaf(t) for t in (x, offset, weight)]
    ref = deform_conv2d(*leaves, padding=1)
    grad_out = torch.randn_like(ref)
    ref.backward(grad_out)
    output, buf0, buf1 = torch.empty_like(ref), x.new_empty(0), x.new_empty(0)
    args = (3, 3, 1, 1, 1, 1, 1, 1, 2, 2)  # kW kH dW dH padW padH dilW dilH group dg
    C.deform_conv_forward(x, weight, offset, output, buf0, buf1, *args, 64)
    torch.testing.assert_close(output, ref.detach())
    grad_x, grad_off = torch.zeros_like(x), torch.zeros_like(offset)
    C.deform_conv_backward_input(x, offset, grad_out, grad_x, grad_off, weight, buf0, *args, 64)
    torch.testing.assert_close(grad_x, leaves[0].grad)
    torch.testing.assert_close(grad_off, leaves[1].grad)
    grad_w = torch.ones_like(weight)  # the native kernel accumulates scale * grad
    C.deform_conv_backward_filter(x, offset, grad_out, grad_w, buf0, buf1, *args, 0.5, 64)
    torch.testing.assert_close(grad_w, 1 + 0.5 * leaves[2].grad)

    bias = torch.randn(6, dtype=torch.float64)
    leaves = [_leaf(t) for t in (x, offset, mask, weight, bias)]
    ref = deform_conv2d(leaves[0], leaves[1], leaves[3], leaves[4], padding=1, mask=leaves[2])
    ref.backward(grad_out)
    margs = (3, 3, 1, 1, 1, 1, 1, 1, 2, 2, True)  # kh kw sh sw ph pw dh dw group dg with_bias
    C.modulated_deform_conv_forward(x, weight, bias, buf0, offset, mask, output, buf1, *margs)
    torch.testing.assert_close(output, ref.detach())
    grads = [torch.zeros_like(t) for t in (x, weight, bias, offset, mask)]
    C.modulated_deform_conv_backward(
        x, weight, bias, buf0, offset, mask, buf1, *grads, grad_out, *margs
    )
    for got, leaf in zip(grads, [leaves[i] for i in (0, 3, 4, 1, 2)]):
        torch.testing.assert_close(got, leaf.grad)


class PretendCuda(torch.Tensor):
    """A CPU tensor that answers `is_cuda=True`: sends Detectron2's autograd Functions down their
    CUDA branch, the one that calls the `_C` entry points, on a machine without a GPU."""

    @property
    def is_cuda(self):
        return True


def _as_device(t, device):
    if device == "cuda":
        return t.cuda()
    return t.as_subclass(PretendCuda)


@pytest.mark.parametrize(
    "device",
    [
        pytest.param("pretend_cuda", marks=fallback_only),
        pytest.param(
            "cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")
        ),
    ],
)
def test_detectron2_cuda_branch_through_C(device):
    """Detectron2's own `_DeformConv` / `_ModulatedDeformConv`, forward and backward."""
    from detectron2.layers.deform_conv import _DeformConv, _ModulatedDeformConv

    x, offset, mask = _deform_inputs(4, dg=2)
    weight = torch.randn(6, 2, 3, 3, dtype=torch.float64)  # groups=2
    bias = torch.randn(6, dtype=torch.float64)
    grad_out = torch.randn(2, 6, 7, 7, dtype=torch.float64)
    for modulated in (False, True):
        tensors = (x, offset, mask, weight, bias) if modulated else (x, offset, weight)
        ours = [_leaf(_as_device(t, device)) for t in tensors]
        refs = [_leaf(t) for t in tensors]
        if modulated:
            y = _ModulatedDeformConv.apply(*ours, 1, 1, 1, 2, 2)
            ref = deform_conv2d(refs[0], refs[1], refs[3], refs[4], padding=1, mask=refs[2])
        else:
            y = _DeformConv.apply(*ours, 1, 1, 1, 2, 2)
            ref = deform_conv2d(*refs, padding=1)
        y.backward(_as_device(grad_out, device))
        ref.backward(grad_out)
        torch.testing.assert_close(y.detach().cpu().as_subclass(torch.Tensor), ref.detach())
        for a, b in zip(ours, refs):
            torch.testing.assert_close(a.grad.cpu().as_subclass(torch.Tensor), b.grad)


# --- rotated boxes ---------------------------------------------------------------------------


def test_box_iou_rotated_axis_aligned_equals_torchvision():
    g = torch.Generator().manual_seed(0)
    a, b = _random_xyxy(30, g), _random_xyxy(40, g)
    expected = box_iou(a, b)
    assert (expected > 0).sum() > 20  # the comparison covers overlapping pairs
    torch.testing.assert_close(box_iou_rotated(_xyxy_to_rotated(a), _xyxy_to_rotated(b)), expected)
    # angle 180 is the same rectangle; via the registered op too
    got = torch.ops.detectron2.box_iou_rotated(_xyxy_to_rotated(a, 180.0), _xyxy_to_rotated(b))
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_box_iou_rotated_90_degrees():
    g = torch.Generator().manual_seed(1)
    a, b = _random_xyxy(20, g), _random_xyxy(20, g)
    ra, rb = _xyxy_to_rotated(a), _xyxy_to_rotated(b)
    # a w x h box turned by 90 degrees covers the h x w axis-aligned box around the same center
    ra90 = torch.cat([ra[:, :2], ra[:, [3, 2]], torch.full_like(ra[:, :1], 90.0)], dim=1)
    rb90 = torch.cat([rb[:, :2], rb[:, [3, 2]], torch.full_like(rb[:, :1], -90.0)], dim=1)
    torch.testing.assert_close(box_iou_rotated(ra90, rb90), box_iou(a, b), atol=1e-5, rtol=1e-5)
    squares = torch.cat([ra[:, :2], ra[:, 2:3].expand(-1, 2), ra[:, 4:]], dim=1)
    squares90 = squares.clone()
    squares90[:, 4] = 90.0
    torch.testing.assert_close(
        box_iou_rotated(squares90, squares), box_iou_rotated(squares, squares), atol=1e-5, rtol=0
    )


def test_box_iou_rotated_hand_computed():
    boxes = torch.tensor(
        [
            [0.0, 0.0, 1.0, 1.0, 0.0],  # unit square
            [0.0, 0.0, 1.0, 1.0, 45.0],  # the same, turned 45 degrees: overlap is an octagon
            [0.0, 0.0, 2.0, 1.0, 0.0],
            [0.0, 0.0, 2.0, 1.0, 90.0],  # a cross with the one above: overlap 1 x 1
            [3.0, 0.0, 1.0, 1.0, 30.0],  # far from all others
            [0.0, 0.0, 0.0, 1.0, 0.0],  # zero area
        ]
    )
    iou = box_iou_rotated(boxes, boxes)
    # octagon = square minus 4 corner triangles with legs 1 - sqrt(2)/2: 2 (sqrt(2) - 1);
    # IoU = 2 (sqrt(2) - 1) / (2 - 2 (sqrt(2) - 1)) = 1 / sqrt(2)
    assert iou[0, 1].item() == pytest.approx(1 / math.sqrt(2), abs=1e-6)
    assert iou[2, 3].item() == pytest.approx(1 / 3, abs=1e-6)  # 1 / (2 + 2 - 1)
    assert iou[0, 2].item() == pytest.approx(1 / 2, abs=1e-6)  # square inside 2 x 1
    assert torch.diagonal(iou)[:5].tolist() == pytest.approx([1.0] * 5, abs=1e-6)
    assert iou[4, :4].abs().max() == 0 and iou[5].abs().max() == 0 and iou[:, 5].abs().max() == 0
    torch.testing.assert_close(iou, iou.T)
    assert iou.dtype == torch.float32


def test_box_iou_rotated_invariant_to_rigid_motion():
    g = torch.Generator().manual_seed(2)
    boxes = torch.cat(
        [
            torch.rand(25, 2, generator=g) * 10,
            torch.rand(25, 2, generator=g) * 6 + 1,
            torch.rand(25, 1, generator=g) * 360 - 180,
        ],
        dim=1,
    )
    iou = box_iou_rotated(boxes, boxes)
    assert ((iou > 0.05) & (iou < 0.95)).sum() > 10
    phi = 0.7  # rotate every center by phi about a far point, and every box by phi (in degrees)
    c, s = math.cos(phi), math.sin(phi)
    moved = boxes.clone()
    x, y = boxes[:, 0] - 100.0, boxes[:, 1] + 50.0
    moved[:, 0], moved[:, 1] = c * x + s * y, -s * x + c * y  # Detectron2's CCW in image coords
    moved[:, 4] += math.degrees(phi)
    torch.testing.assert_close(box_iou_rotated(moved, moved), iou, atol=1e-4, rtol=0)


def test_box_iou_rotated_matches_opencv():
    """An independent implementation: OpenCV's angle turns the other way (clockwise in images)."""
    cv2 = pytest.importorskip("cv2")
    g = torch.Generator().manual_seed(4)
    n = 50
    boxes = torch.cat(
        [
            torch.rand(n, 2, generator=g) * 8,
            torch.rand(n, 2, generator=g) * 5 + 0.3,
            torch.rand(n, 1, generator=g) * 360 - 180,
        ],
        dim=1,
    )
    iou = box_iou_rotated(boxes, boxes)
    expected = torch.zeros(n, n)
    rects = [((x, y), (w, h), -a) for x, y, w, h, a in boxes.tolist()]
    for i, (r1, b1) in enumerate(zip(rects, boxes.tolist())):
        for j, (r2, b2) in enumerate(zip(rects, boxes.tolist())):
            status, points = cv2.rotatedRectangleIntersection(r1, r2)
            if status != cv2.INTERSECT_NONE:
                inter = cv2.contourArea(cv2.convexHull(points))
                expected[i, j] = inter / (b1[2] * b1[3] + b2[2] * b2[3] - inter)
    assert ((expected > 0.05) & (expected < 0.95)).sum() > 100
    torch.testing.assert_close(iou, expected, atol=1e-3, rtol=0)  # OpenCV computes in float32


def test_nms_rotated_matches_torchvision_on_axis_aligned_boxes():
    from detectron2.layers import batched_nms_rotated
    from detectron2.layers import nms_rotated as d2_nms_rotated

    g = torch.Generator().manual_seed(3)
    xyxy = _random_xyxy(200, g)
    scores = torch.rand(200, generator=g)
    rotated = _xyxy_to_rotated(xyxy)
    for threshold in (0.1, 0.3, 0.5, 0.7):
        expected = nms(xyxy, scores, threshold)
        assert 10 < len(expected) < 200
        assert torch.equal(nms_rotated(rotated, scores, threshold), expected)
        assert torch.equal(d2_nms_rotated(rotated, scores, threshold), expected)
    labels = torch.randint(0, 3, (200,), generator=g)
    from torchvision.ops import batched_nms

    expected = batched_nms(xyxy, scores, labels, 0.5)
    assert torch.equal(batched_nms_rotated(rotated, scores, labels, 0.5), expected)
    assert nms_rotated(rotated[:0], scores[:0], 0.5).shape == (0,)


def test_nms_rotated_suppresses_at_threshold_like_native():
    boxes = torch.tensor([[0.0, 0, 1, 1, 0], [0.0, 0, 1, 1, 45], [5.0, 5, 1, 1, 10]])
    scores = torch.tensor([0.9, 0.95, 0.1])
    assert nms_rotated(boxes, scores, 0.7).tolist() == [1, 2]  # IoU 0.707 >= 0.7
    assert nms_rotated(boxes, scores, 0.75).tolist() == [1, 0, 2]


# --- the shim ----------------------------------------------------------------------------------


def _detectron2_copy(tmp_path):
    """A detectron2 package whose entries are symlinks to the installed one, minus any `_C`."""
    package = tmp_path / "detectron2"
    package.mkdir()
    for entry in os.listdir(D2_DIR):
        if not entry.startswith("_C") and entry != "__pycache__":
            os.symlink(os.path.join(D2_DIR, entry), package / entry)
    return package


def _run(code, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(tmp_path), OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_install_shim_makes_fresh_interpreter_use_fallback(tmp_path):
    package = _detectron2_copy(tmp_path)
    assert d2_main.install_shim(str(package)).startswith("shim installed")
    source = (package / "_C.py").read_text()
    assert d2_main.install_shim(str(package)).startswith("shim already installed")
    assert (package / "_C.py").read_text() == source
    code = (
        "import sys, torch, detectron2.layers, detectron2._C as c\n"
        f"assert detectron2.__file__.startswith({str(tmp_path)!r}), detectron2.__file__\n"
        "assert c.IS_FALLBACK and sys.modules['detectron2._C'] is c\n"
        "from detectron2.layers import DeformConv, nms_rotated\n"
        "x = torch.randn(1, 2, 5, 5, requires_grad=True)\n"
        "DeformConv(2, 3, 3, padding=1)(x, torch.zeros(1, 18, 5, 5)).sum().backward()\n"
        "assert x.grad is not None\n"
        "b = torch.tensor([[0., 0, 1, 1, 0], [0., 0, 1, 1, 5]])\n"
        "assert nms_rotated(b, torch.tensor([1., 0.5]), 0.5).tolist() == [0]\n"
    )
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr


def test_install_shim_leaves_native_and_foreign_files_alone(tmp_path):
    native = tmp_path / "native"
    native.mkdir()
    from importlib.machinery import EXTENSION_SUFFIXES

    (native / ("_C" + EXTENSION_SUFFIXES[0])).write_bytes(b"")
    assert d2_main.install_shim(str(native)).startswith("compiled extension present")
    assert not (native / "_C.py").exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "_C.py").write_text("X = 1\n")
    assert "left alone" in d2_main.install_shim(str(foreign))
    assert (foreign / "_C.py").read_text() == "X = 1\n"


def test_labeleff_rebinds_dummies_bound_before_it(tmp_path):
    """detectron2.layers imported first without any _C binds dummies; `import labeleff` fixes
    them."""
    _detectron2_copy(tmp_path)
    code = (
        "import torch, detectron2.layers as L\n"
        "from detectron2.modeling.backbone import resnet\n"
        "assert L.DeformConv.__module__ == 'detectron2.utils.develop'\n"
        "import labeleff\n"
        "from detectron2.layers import DeformConv, ModulatedDeformConv\n"
        "from detectron2.layers.deform_conv import modulated_deform_conv\n"
        "for cls in (L.DeformConv, resnet.ModulatedDeformConv, ModulatedDeformConv):\n"
        "    assert cls.__module__ == 'detectron2.layers.deform_conv', cls\n"
        "m = ModulatedDeformConv(2, 3, 3, padding=1)\n"
        "y = m(torch.randn(1, 2, 5, 5), torch.zeros(1, 18, 5, 5), torch.ones(1, 9, 5, 5))\n"
        "assert y.shape == (1, 3, 5, 5)\n"
    )
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr


def test_report_names_version_path_and_kind(capsys):
    d2_main.main([])
    out = capsys.readouterr().out
    assert f"detectron2 {detectron2.__version__} @ {D2_DIR}" in out
    assert ("native" if NATIVE else "pure-PyTorch fallback") in out


def test_detectron2_model_zoo_imports_and_resolves_a_lazy_config():
    """model_zoo imports pkg_resources: the set-up keeps a setuptools that still has it (torch's
    own requirement would pull one without), and the RefineDet throughput benchmark builds
    RetinaNet R50-FPN from the zoo's LazyConfig."""
    from detectron2 import model_zoo

    cfg = model_zoo.get_config("COCO-Detection/retinanet_R_50_FPN_1x.py")
    assert cfg.model.num_classes == 80
    assert cfg.model.head_in_features == ["p3", "p4", "p5", "p6", "p7"]
