"""ScoreTally (tools/teacher_scores.py): TP / FP scores and precision / recall per threshold by
hand,
and the same per-threshold recall as a fresh matching of the detections above the threshold."""

import pytest
import torch
from detectron2.structures import Boxes

from labeleff.projects.teacher_student.pseudo_labels import greedy_match, matched_ground_truth
from labeleff.projects.teacher_student.score_diagnostics import ScoreTally

GT = torch.tensor([[0.0, 0, 10, 10], [20, 20, 30, 30], [40, 40, 50, 50]])
GT_CLASSES = torch.tensor([0, 0, 1])
# det 0: exact on gt 0 (class 0, 0.9); det 1: duplicate of gt 0 (0.8) -> FP; det 2: on gt 1 but
# class 1 (0.7) -> FP; det 3: on gt 1, class 0 (0.4) -> TP; det 4: on gt 2, class 1 (0.2) -> TP
BOXES = torch.tensor(
    [[0.0, 0, 10, 10], [0, 0, 10, 11], [20, 20, 30, 30], [20, 20, 30, 31], [40, 40, 50, 50]]
)
CLASSES = torch.tensor([0, 0, 1, 0, 1])
SCORES = torch.tensor([0.9, 0.8, 0.7, 0.4, 0.2])


def test_tp_fp_scores_and_thresholds_by_hand():
    tally = ScoreTally(2, thresholds=(0.3, 0.5))
    tally.add(BOXES, CLASSES, SCORES, GT, GT_CLASSES)
    assert tally.tp_scores[0] == pytest.approx([0.9, 0.4]) and tally.fp_scores[0] == [
        pytest.approx(0.8)
    ]
    assert tally.tp_scores[1] == [pytest.approx(0.2)] and tally.fp_scores[1] == [pytest.approx(0.7)]
    s = tally.summary(["a", "b"])
    assert s["a"]["@0.3"] == {"per_image": 3.0, "precision": pytest.approx(2 / 3), "recall": 1.0}
    assert s["a"]["@0.5"] == {"per_image": 2.0, "precision": 0.5, "recall": 0.5}
    assert s["b"]["@0.3"] == {"per_image": 1.0, "precision": 0.0, "recall": 0.0}
    assert s["a"]["histogram"]["tp"][9] == 1 and s["a"]["histogram"]["tp"][4] == 1


def test_per_threshold_recall_equals_a_fresh_matching_above_the_threshold():
    g = torch.Generator().manual_seed(0)
    xy = torch.rand(40, 2, generator=g) * 80
    boxes = torch.cat([xy, xy + 10 + torch.rand(40, 2, generator=g) * 10], 1)
    classes = torch.randint(0, 2, (40,), generator=g)
    scores = torch.rand(40, generator=g)
    gt, gt_classes = boxes[::3] + 1.0, classes[::3]
    tally = ScoreTally(2, thresholds=(0.2, 0.5, 0.8))
    tally.add(boxes, classes, scores, gt, gt_classes)
    s = tally.summary()
    for t in (0.2, 0.5, 0.8):
        keep = scores > t
        found = matched_ground_truth(
            Boxes(boxes[keep]), classes[keep], Boxes(gt), gt_classes, scores[keep]
        )
        for k in range(2):
            assert s[str(k)][f"@{t}"]["recall"] == pytest.approx(
                found[gt_classes == k].float().mean().item()
            )
    matched, taken = greedy_match(Boxes(boxes), classes, Boxes(gt), gt_classes, scores)
    assert int(matched.sum()) == int(taken.sum()) > 0  # one-to-one, and the loop matched some
