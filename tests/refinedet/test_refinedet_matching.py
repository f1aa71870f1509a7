"""refine_match: targets against the ARM-refined anchors, encoding round trip, forced matches."""

import torch

from labeleff.projects.refinedet.anchors import build_box_coder
from labeleff.projects.refinedet.matching import bipartite_best_anchors, match_anchors, refine_match

CODER = build_box_coder((0.1, 0.2))


def test_odm_targets_use_refined_anchors():
    gt = torch.tensor([[100.0, 100.0, 140.0, 140.0]])
    classes = torch.tensor([4])
    anchors = torch.tensor(
        [
            [0.0, 0.0, 40.0, 40.0],  # far from the GT; the ARM moves it onto the GT
            [100.0, 100.0, 140.0, 140.0],  # on the GT; the ARM moves it away
            [300.0, 300.0, 340.0, 340.0],  # far, not moved
        ]
    )
    # Centre shift of +110 px on a 40 px anchor: dx = 110 / 40 / 0.1 = 27.5.
    arm = torch.tensor([[27.5, 27.5, 0.0, 0.0], [-27.5, -27.5, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    labels, deltas, refined = refine_match(
        gt, classes, anchors, CODER, arm, 0.5, background_label=9
    )
    assert torch.allclose(refined[0], torch.tensor([110.0, 110.0, 150.0, 150.0]))
    assert torch.allclose(refined[1], torch.tensor([-10.0, -10.0, 30.0, 30.0]))
    assert labels.tolist() == [4, 9, 9]
    # Hand encoding of the GT on refined anchor 0: centre (120,120) vs (130,130), size 40 vs 40.
    assert torch.allclose(deltas[0], torch.tensor([-2.5, -2.5, 0.0, 0.0]))
    assert torch.allclose(CODER.apply_deltas(deltas[:1], refined[:1]), gt, atol=1e-4)
    assert torch.count_nonzero(deltas[1:]) == 0

    # Against the raw anchors (ARM targets) the match is the other way round.
    labels_raw, deltas_raw, _ = refine_match(
        gt, classes, anchors, CODER, None, 0.5, background_label=9
    )
    assert labels_raw.tolist() == [9, 4, 9]
    assert torch.allclose(deltas_raw[1], torch.zeros(4))


def test_refine_match_round_trip_random():
    torch.manual_seed(0)
    anchors = torch.rand(50, 2) * 200
    anchors = torch.cat([anchors, anchors + 20 + torch.rand(50, 2) * 60], dim=1)
    arm = torch.randn(50, 4) * 0.5
    gt = torch.tensor([[10.0, 20.0, 90.0, 70.0], [120.0, 100.0, 200.0, 230.0]])
    labels, deltas, refined = refine_match(gt, torch.tensor([0, 1]), anchors, CODER, arm, 0.5, -1)
    pos = labels >= 0
    assert pos.sum() >= 2  # each GT has at least its forced best anchor
    matched = match_anchors(gt, refined, 0.5)
    assert torch.allclose(
        CODER.apply_deltas(deltas[pos], refined[pos]), gt[matched[pos]], atol=1e-3
    )


def test_each_gt_forced_to_its_best_anchor_below_threshold():
    anchors = torch.tensor(
        [[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 30.0, 30.0], [50.0, 50.0, 60.0, 60.0]]
    )
    gt = torch.tensor([[0.0, 0.0, 20.0, 20.0]])  # IoU 0.25 and 0.444 with anchors 0 and 1
    assert match_anchors(gt, anchors, 0.5).tolist() == [-1, 0, -1]


def test_bipartite_contested_anchor_goes_to_highest_iou():
    iou = torch.tensor([[0.9, 0.5, 0.0], [0.8, 0.1, 0.3]])
    before = iou.clone()
    g, a = bipartite_best_anchors(iou)
    # GT 0 takes anchor 0 (0.9 > 0.8); GT 1 falls back to its best free anchor, 2 (0.3 > 0.1).
    assert dict(zip(g.tolist(), a.tolist())) == {0: 0, 1: 2}
    assert torch.equal(iou, before)


def test_no_gt_all_background():
    labels, deltas, _ = refine_match(
        torch.zeros(0, 4),
        torch.zeros(0, dtype=torch.long),
        torch.rand(5, 4) + torch.tensor([0, 0, 2, 2]),
        CODER,
        None,
        0.5,
        7,
    )
    assert labels.tolist() == [7] * 5 and torch.count_nonzero(deltas) == 0
