"""Decoding a known head output (and its test-time size clamp), the L1 encoding round trip, and
post-processing to Instances."""

import math

import torch

from labeleff.projects.yolox.box_coding import (
    SCALE_CLAMP,
    decode_boxes,
    encode_l1_targets,
    make_grid,
)
from labeleff.projects.yolox.inference import yolox_postprocess


def test_make_grid_orders_levels_then_rows():
    grid, strides = make_grid([(2, 3), (1, 1)], [8, 16])
    assert grid.tolist() == [[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1], [0, 0]]
    assert strides.tolist() == [8] * 6 + [16]


def test_decode_known_output():
    grid, strides = make_grid([(2, 2), (1, 1)], [8, 16])
    deltas = torch.zeros(5, 4)
    deltas[3] = torch.tensor([0.5, 0.25, math.log(2.0), 0.0])  # cell (1, 1), stride 8
    deltas[4] = torch.tensor([0.0, 0.0, 0.0, math.log(3.0)])  # cell (0, 0), stride 16
    boxes = decode_boxes(deltas, grid, strides)
    expected = torch.tensor(
        [
            [-4.0, -4.0, 4.0, 4.0],  # centre (0, 0), size 8
            [4.0, -4.0, 12.0, 4.0],  # centre (8, 0)
            [-4.0, 4.0, 4.0, 12.0],  # centre (0, 8)
            [4.0, 6.0, 20.0, 14.0],  # centre (12, 10), size (16, 8)
            [-8.0, -24.0, 8.0, 24.0],  # centre (0, 0), size (16, 48)
        ]
    )
    assert torch.allclose(boxes, expected, atol=1e-5)
    assert torch.allclose(decode_boxes(deltas[None], grid, strides)[0], expected, atol=1e-5)


def test_scale_clamp_bounds_sizes_only():
    grid, strides = make_grid([(1, 2)], [8])
    # cell (0, 0): log-size (log 2, 10) -> h clamped; cell (1, 0): log-size 100 overflows exp.
    deltas = torch.tensor([[0.5, 0.5, math.log(2.0), 10.0], [0.0, 0.0, 100.0, -1.0]])
    assert SCALE_CLAMP == math.log(1000.0 / 16)  # Detectron2's _DEFAULT_SCALE_CLAMP
    assert not torch.isfinite(decode_boxes(deltas, grid, strides)).all()
    boxes = decode_boxes(deltas, grid, strides, scale_clamp=SCALE_CLAMP)
    max_size = 1000.0 / 16 * 8  # 62.5 strides
    expected = torch.tensor(
        [
            [4.0 - 8.0, 4.0 - max_size / 2, 4.0 + 8.0, 4.0 + max_size / 2],  # w 16, h clamped
            [8.0 - max_size / 2, -math.exp(-1) * 4, 8.0 + max_size / 2, math.exp(-1) * 4],
        ]
    )
    assert torch.allclose(boxes, expected, atol=1e-4)
    # Sizes under the clamp decode as without it.
    small = deltas.clamp(max=1.0)
    assert torch.equal(
        decode_boxes(small, grid, strides, SCALE_CLAMP), decode_boxes(small, grid, strides)
    )


def test_l1_targets_invert_decoding():
    grid, strides = make_grid([(4, 4), (2, 2)], [8, 16])
    deltas = torch.randn(20, 4, generator=torch.Generator().manual_seed(0))
    boxes = decode_boxes(deltas, grid, strides)
    assert torch.allclose(encode_l1_targets(boxes, grid, strides), deltas, atol=1e-4)


def test_postprocess_scores_threshold_and_classwise_nms():
    boxes = torch.tensor(
        [[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 10.0, 9.0], [0.0, 0.0, 10.0, 9.0], [50, 50, 60, 60]]
    )
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    cls_logits = torch.tensor(
        [
            [logit(0.9), logit(0.1)],
            [logit(0.8), logit(0.1)],
            [logit(0.1), logit(0.7)],
            [logit(0.02), logit(0.01)],
        ]
    )
    obj_logits = torch.tensor([logit(0.5), logit(0.5), logit(0.5), logit(0.5)])
    result = yolox_postprocess(boxes, cls_logits, obj_logits, (64, 64), 0.02, 0.65)
    # Box 1 (IoU .9 with box 0, same class) is suppressed; box 2 has another class; box 3's
    # score 0.5 * 0.02 = 0.01 is under the threshold.
    assert result.pred_classes.tolist() == [0, 1]
    assert torch.allclose(result.scores, torch.tensor([0.45, 0.35]))
    assert torch.equal(result.pred_boxes.tensor, boxes[[0, 2]])
