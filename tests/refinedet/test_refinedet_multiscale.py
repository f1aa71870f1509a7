"""Box voting / soft box voting on hand-built boxes; the official multi-scale test settings."""

import torch

from labeleff.projects.refinedet.multiscale import (
    bbox_vote,
    official_test_scales,
    scale_image_size,
    size_band_mask,
    soft_bbox_vote,
)

# A, B, C form one group around A (IoU with A, +1 pixel convention: B 81/119, C 100/200 = 0.5);
# D is alone.
BOXES = torch.tensor(
    [[1.0, 1.0, 10.0, 10.0], [0.0, 0.0, 9.0, 19.0], [50.0, 50.0, 59.0, 59.0], [0.0, 0.0, 9.0, 9.0]]
)
SCORES = torch.tensor([0.6, 0.3, 0.8, 0.9])
MERGED = torch.tensor([0.6 / 1.8, 0.6 / 1.8, 16.8 / 1.8, 19.8 / 1.8])


def test_bbox_vote_by_hand():
    boxes, scores = bbox_vote(BOXES, SCORES, 0.45)
    assert torch.allclose(scores, torch.tensor([0.9, 0.8]))
    assert torch.allclose(boxes[0], MERGED, atol=1e-5)
    assert torch.equal(boxes[1], BOXES[2])


def test_soft_bbox_vote_by_hand():
    boxes, scores = soft_bbox_vote(BOXES, SCORES, 0.45, 0.01)
    # Merged box, D, then B and C with score x (1 - IoU with A); A itself gets 0 and is dropped.
    expected = torch.tensor([0.9, 0.8, 0.6 * 38 / 119, 0.3 * 0.5])
    assert torch.allclose(scores, expected, atol=1e-6)
    assert torch.allclose(boxes[0], MERGED, atol=1e-5)
    assert torch.equal(boxes[2], BOXES[0]) and torch.equal(boxes[3], BOXES[1])
    # A higher threshold drops the weak copies.
    _, s = soft_bbox_vote(BOXES, SCORES, 0.45, 0.16)
    assert torch.allclose(s, expected[:3], atol=1e-6)


def test_vote_single_and_empty():
    b, s = bbox_vote(BOXES[:1], SCORES[:1])
    assert torch.equal(b, BOXES[:1]) and torch.equal(s, SCORES[:1])
    b, s = soft_bbox_vote(torch.zeros(0, 4), torch.zeros(0))
    assert b.shape == (0, 4) and s.shape == (0,)


def test_official_scales():
    voc = official_test_scales(320, coco=False)
    assert [s["size"] for s in voc] == [320, 320, 192, 384, 448, 512, 576, 704]
    assert voc[1]["short"] == 192 and voc[2]["max_side_above"] == 32
    assert [s["min_side_below"] for s in voc[3:]] == [160, 128, 96, 64, 32]
    coco = official_test_scales(320, coco=True)
    assert coco[-1] == dict(size=640, short=None, max_side_above=None, min_side_below=48)
    assert [s["size"] for s in official_test_scales(512, coco=True)] == [
        512,
        512,
        256,
        384,
        896,
        768,
        640,
        1024,
        1152,
    ]
    assert scale_image_size(voc[1], 480, 640) == (192, 320)  # landscape: short side 0.6 x 320
    assert scale_image_size(voc[1], 640, 480) == (320, 192)
    assert scale_image_size(voc[3], 480, 640) == (384, 384)


def test_size_band():
    # Official +1: widths 31, 33, 201 -> only the last two are "> 32" on their longer side.
    boxes = torch.tensor([[0.0, 0.0, 30.0, 10.0], [0.0, 0.0, 32.0, 10.0], [0.0, 0.0, 200.0, 200.0]])
    assert size_band_mask(boxes, dict(max_side_above=32)).tolist() == [False, True, True]
    assert size_band_mask(boxes, dict(min_side_below=32)).tolist() == [True, True, False]
