"""Labeled rare-class paste: which classes are rare, the pasted pixels and targets by hand, other
crop sizes, and PSMT's pasted share against a count by hand."""

import pytest
import torch
from detectron2.utils.events import EventStorage
from test_meta_arch import _labeled, _tiny_psmt, _unlabeled

from labeleff.projects.ps_mt.paste import paste_labeled, rare_classes

IGNORE = 9


def test_rare_classes_are_the_seen_classes_below_the_share():
    counts = torch.tensor([50.0, 30.0, 0.0, 20.0])  # shares 0.5, 0.3, 0, 0.2
    assert rare_classes(counts, 0.25).tolist() == [False, False, False, True]
    assert rare_classes(counts, 0.31).tolist() == [False, True, False, True]
    assert not rare_classes(counts, 0.0).any()
    assert not rare_classes(torch.zeros(4), 0.5).any()  # nothing labeled yet


def test_paste_copies_the_rare_pixels_of_labeled_image_i_mod_l():
    g = torch.Generator().manual_seed(0)
    images = torch.randn(3, 3, 2, 2, generator=g)
    logits = torch.randn(3, 4, 2, 2, generator=g)
    src = torch.randn(2, 3, 2, 2, generator=g)
    labels = torch.tensor([[[1, 0], [IGNORE, 1]], [[2, 1], [3, 3]]])
    classes = torch.tensor([False, True, False, True])
    out_images, out_logits, pasted = paste_labeled(images, logits, src, labels, classes, IGNORE)
    expected = torch.tensor(
        [
            [[True, False], [False, True]],
            [[False, True], [True, True]],
            [[True, False], [False, True]],
        ]
    )  # unlabeled 2 takes labeled 0 again
    assert torch.equal(pasted, expected)
    for i, j in enumerate([0, 1, 0]):
        for y in range(2):
            for x in range(2):
                if expected[i, y, x]:
                    assert torch.equal(out_images[i, :, y, x], src[j, :, y, x])
                    prob = out_logits[i, :, y, x].softmax(0)
                    assert prob.argmax().item() == labels[j, y, x].item()
                    assert prob.max().item() == pytest.approx(1.0, abs=1e-6)
                else:
                    assert torch.equal(out_images[i, :, y, x], images[i, :, y, x])
                    assert torch.equal(out_logits[i, :, y, x], logits[i, :, y, x])


def test_a_labeled_crop_of_another_size_is_cropped_or_padded_with_ignore():
    images, logits = torch.zeros(1, 3, 2, 3), torch.zeros(1, 2, 2, 3)
    classes = torch.tensor([True, True])
    # larger (3 x 4): only its top-left 2 x 3 can land
    big = torch.zeros(1, 3, 4), torch.ones(1, 3, 3, 4)
    _, _, pasted = paste_labeled(images, logits, big[1], big[0].long(), classes, IGNORE)
    assert pasted.shape == (1, 2, 3) and bool(pasted.all())
    # smaller (1 x 2): the rest is padding, never pasted
    small_labels = torch.zeros(1, 1, 2, dtype=torch.long)
    out, _, pasted = paste_labeled(
        images, logits, torch.ones(1, 3, 1, 2), small_labels, classes, IGNORE
    )
    assert pasted[0].tolist() == [[True, True, False], [False, False, False]]
    assert out[0, :, 0, :2].eq(1).all() and out[0, :, 1].eq(0).all()


def test_psmt_pastes_the_labeled_share_of_the_rare_classes():
    model = _tiny_psmt(paste_max_share=0.1).train()
    labeled = _labeled(classes=4)
    for x in labeled:  # class 3 made rare: only the first row keeps it
        seg = x["sem_seg"]
        seg[1:][seg[1:] == 3] = 0
    counts = torch.bincount(torch.stack([x["sem_seg"] for x in labeled]).flatten(), minlength=4)
    assert counts[3] / counts.sum() < 0.1 < counts[:3].min() / counts.sum()
    with EventStorage(5) as storage:
        losses = model({"labeled": labeled, "unlabeled": _unlabeled()})
        logged = {k: v[0] for k, v in storage.latest().items()}
    assert model.labeled_pixel_counts.tolist() == counts.float().tolist()
    # two unlabeled images take labeled 0 and 1: the pasted share is class 3's labeled share
    assert logged["unsup/pasted_ratio"] == pytest.approx((counts[3] / counts.sum()).item())
    assert losses["unsup/loss_conf_ce"].item() > 0


def test_paste_is_off_by_default_and_checks_its_range():
    model = _tiny_psmt()
    assert model.paste_max_share == 0.0 and "labeled_pixel_counts" not in model.state_dict()
    with pytest.raises(ValueError, match="paste_max_share"):
        _tiny_psmt(paste_max_share=1.5)
