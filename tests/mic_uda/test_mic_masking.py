"""Block masks: grid structure, kept fraction, exact zeros, per-call independence."""

import pytest
import torch

from labeleff.projects.mic_uda.masking import block_mask, mask_image


def test_mask_is_constant_on_each_block_and_covers_partial_blocks():
    g = torch.Generator().manual_seed(0)
    h, w, b = 70, 100, 32  # 3 x 4 grid, last row/column partial
    mask = block_mask((h, w), b, 0.5, generator=g)
    assert mask.shape == (1, h, w)
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    for i in range(3):
        for j in range(4):
            block = mask[0, i * b : (i + 1) * b, j * b : (j + 1) * b]
            assert block.numel() > 0 and (block == block[0, 0]).all()


def test_mask_matches_its_block_decisions():
    g = torch.Generator().manual_seed(3)
    grid = (torch.rand((2, 3), generator=torch.Generator().manual_seed(3)) > 0.4).float()
    mask = block_mask((16, 24), 8, 0.4, generator=g)
    assert torch.equal(mask[0, ::8, ::8], grid)


def test_kept_fraction_converges_to_one_minus_ratio():
    g = torch.Generator().manual_seed(1)
    for ratio in (0.3, 0.5, 0.7):
        kept = torch.stack([block_mask((64, 64), 8, ratio, generator=g) for _ in range(200)])
        # 200 x 64 blocks: std of the fraction ~ 0.004
        assert kept.mean().item() == pytest.approx(1 - ratio, abs=0.02)


def test_masked_pixels_are_exactly_zero_and_kept_pixels_unchanged():
    torch.manual_seed(0)
    img = torch.randn(3, 40, 56) + 5.0
    g = torch.Generator().manual_seed(2)
    out = mask_image(img, 8, 0.5, generator=g)
    mask = block_mask((40, 56), 8, 0.5, generator=torch.Generator().manual_seed(2))
    assert (out[:, mask[0] == 0] == 0).all()
    assert torch.equal(out[:, mask[0] == 1], img[:, mask[0] == 1])
    assert 0 < (mask == 0).sum() < mask.numel()


def test_each_call_draws_a_new_mask():
    g = torch.Generator().manual_seed(0)
    masks = [block_mask((64, 64), 8, 0.5, generator=g) for _ in range(2)]
    assert not torch.equal(masks[0], masks[1])


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError, match="ratio"):
        block_mask((8, 8), 4, 1.0)
    with pytest.raises(ValueError, match="block_size"):
        block_mask((8, 8), 0, 0.5)
