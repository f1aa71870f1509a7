"""SimOTA on a hand-built case: 2 GTs on a 6x6 grid (stride 8), predictions set by hand."""

import torch

from labeleff.projects.yolox.box_coding import make_grid
from labeleff.projects.yolox.simota import candidate_points, dynamic_k_matching, simota_assign

GT_A = [
    8.0,
    8.0,
    24.0,
    24.0,
]  # centre (16, 16): centre prior (r = 1.5 * 8) holds cells x, y in {1, 2}
GT_B = [24.0, 24.0, 36.0, 36.0]  # centre (30, 30): cells x, y in {2, 3, 4}; shares cell (2, 2)
FAR = [40.0, 40.0, 44.0, 44.0]  # overlaps neither GT


def _index(x, y):
    return y * 6 + x


def _case():
    grid, strides = make_grid([(6, 6)], [8])
    # Every point outside both priors predicts GT A exactly: it must still never be assigned.
    boxes = torch.tensor([GT_A] * 36)
    boxes[_index(1, 1)] = torch.tensor(GT_A)  # a1: IoU_A 1
    boxes[_index(2, 1)] = torch.tensor([8.0, 8.0, 16.0, 24.0])  # a2: IoU_A 0.5
    boxes[_index(1, 2)] = torch.tensor(GT_B)  # in A's prior only, IoU_B 1 (counts in B's k)
    boxes[_index(2, 2)] = torch.tensor([8.0, 8.0, 26.0, 26.0])  # shared: IoU_A .790, IoU_B .0086
    boxes[_index(3, 3)] = torch.tensor(GT_B)  # b1: IoU_B 1
    boxes[_index(3, 2)] = torch.tensor(GT_A)  # in B's prior only, IoU_A 1 (counts in A's k)
    for x, y in [(4, 2), (2, 3), (4, 3), (2, 4), (3, 4), (4, 4)]:
        boxes[_index(x, y)] = torch.tensor(FAR)
    cls_logits = torch.zeros(36, 2)  # equal class cost everywhere: only IoU and prior decide
    obj_logits = torch.zeros(36)
    gt_boxes = torch.tensor([GT_A, GT_B])
    return boxes, cls_logits, obj_logits, grid, strides, gt_boxes, torch.tensor([0, 1])


def test_centre_prior_candidates():
    _, _, _, grid, strides, gt_boxes, _ = _case()
    candidates, in_prior = candidate_points(gt_boxes, grid, strides, center_radius=1.5)
    expected = {_index(x, y) for x in (1, 2) for y in (1, 2)}
    expected |= {_index(x, y) for x in (2, 3, 4) for y in (2, 3, 4)}
    assert set(candidates.nonzero().squeeze(1).tolist()) == expected
    assert in_prior.shape == (2, 12)
    assert in_prior.sum(1).tolist() == [4, 9]


def test_simota_hand_built_case():
    """A: top-10 IoU sum = 1 + 1 (the out-of-prior point) + .790 + .5 = 3.29 -> k = 3, takes its
    three cheapest in-prior points (a1, shared, a2). B: 1 + 1 (out of prior) + .0086 -> k = 2,
    takes b1 and the shared point; the shared point goes to A (lower cost: higher IoU)."""
    assignment = simota_assign(*_case())
    fg = assignment.fg_mask.nonzero().squeeze(1).tolist()
    assert fg == [_index(1, 1), _index(2, 1), _index(2, 2), _index(3, 3)]
    assert assignment.matched_gt.tolist() == [0, 0, 0, 1]
    expected_iou = [1.0, 0.5, 256.0 / 324.0, 1.0]
    assert torch.allclose(assignment.matched_iou, torch.tensor(expected_iou), atol=1e-5)


def test_dynamic_k_counts_out_of_prior_ious_and_resolves_conflicts():
    # 2 GTs x 4 points; GT 0 IoUs sum to 2.2 -> k = 2, GT 1 to 1.3 -> k = 1.
    ious = torch.tensor([[0.9, 0.8, 0.5, 0.0], [0.0, 0.9, 0.3, 0.1]])
    cost = -torch.log(ious + 1e-8)
    matching = dynamic_k_matching(cost, ious)
    # GT 0 takes points 0, 1; GT 1 takes point 1, whose cost is lower for GT 1 (0.9 > 0.8).
    assert matching.tolist() == [[True, False, False, False], [False, True, False, False]]
    assert (matching.sum(0) <= 1).all()


def test_k_is_at_least_one():
    ious = torch.tensor([[0.1, 0.05, 0.0]])
    matching = dynamic_k_matching(-torch.log(ious + 1e-8), ious)
    assert matching.tolist() == [[True, False, False]]


def test_legacy_box_or_centre_prior():
    grid, strides = make_grid([(6, 6)], [8])
    gt = torch.tensor([[0.0, 0.0, 48.0, 12.0]])  # wide box, centre (24, 6)
    candidates, in_prior = candidate_points(
        gt, grid, strides, center_radius=2.5, mode="box_or_center"
    )
    # Centre square |dx|, |dy| < 20: x in {1..4} (centres 12..36), y in {0, 1, 2} (4, 12, 20).
    # Box (cell centre strictly inside): y = 0 only, all six x.
    in_box = {_index(x, 0) for x in range(6)}
    in_centre = {_index(x, y) for x in range(1, 5) for y in range(3)}
    assert set(candidates.nonzero().squeeze(1).tolist()) == in_box | in_centre
    kept = candidates.nonzero().squeeze(1)[in_prior[0]].tolist()
    assert set(kept) == in_box & in_centre
    assert len(kept) == 4 and int(candidates.sum()) == 14


def test_no_gt_gives_no_foreground():
    boxes, cls_logits, obj_logits, grid, strides, _, _ = _case()
    assignment = simota_assign(
        boxes,
        cls_logits,
        obj_logits,
        grid,
        strides,
        torch.zeros(0, 4),
        torch.zeros(0, dtype=torch.long),
    )
    assert not assignment.fg_mask.any() and len(assignment.matched_gt) == 0
