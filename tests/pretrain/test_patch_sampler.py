"""Grid patch sampler: positives are the anchor's 4-neighbours, negatives far enough away; the
dataset cuts exactly those cells."""

import cv2
import numpy as np
import pytest
import torch

from labeleff.projects.pretrain import PatchPretextDataset, sample_patch_cells
from labeleff.projects.pretrain.patch_sampler import grid_distance


@pytest.mark.parametrize("rows,cols,dist", [(3, 5, 2), (5, 5, 2), (6, 7, 3), (4, 9, 4)])
def test_positives_adjacent_negatives_far(rows, cols, dist):
    rng = np.random.default_rng(0)
    for _ in range(200):
        anchor, pos, neg = sample_patch_cells(rows, cols, 6, dist, rng)
        assert 1 <= anchor[0] <= rows - 2 and 1 <= anchor[1] <= cols - 2
        assert sorted(pos) == sorted(
            [(anchor[0] + dr, anchor[1] + dc) for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))]
        )
        assert all(abs(p[0] - anchor[0]) + abs(p[1] - anchor[1]) == 1 for p in pos)
        assert len(neg) == 6
        for n in neg:
            assert 0 <= n[0] < rows and 0 <= n[1] < cols
            assert grid_distance(n, anchor) >= dist


def test_impossible_grid_rejected():
    with pytest.raises(ValueError):
        sample_patch_cells(2, 5, 4, 2, np.random.default_rng(0))
    with pytest.raises(ValueError):
        sample_patch_cells(3, 3, 4, 2, np.random.default_rng(0))  # centre anchor: nothing far
    with pytest.raises(ValueError):
        sample_patch_cells(5, 5, 4, 1, np.random.default_rng(0))


def test_dataset_cuts_the_sampled_cells(tmp_path):
    # each cell of a 4x5 grid of 8 px patches has a distinct constant colour (row, col, 0)
    rows, cols, p = 4, 5, 8
    img = np.zeros((rows * p, cols * p, 3), np.uint8)
    for r in range(rows):
        for c in range(cols):
            img[r * p : (r + 1) * p, c * p : (c + 1) * p] = (10 * r, 10 * c, 0)
    cv2.imwrite(str(tmp_path / "a.png"), img)
    ds = PatchPretextDataset(
        str(tmp_path), patch_size=p, grid=(rows, cols), num_negatives=3, min_neg_distance=2
    )
    torch.manual_seed(0)
    for _ in range(10):
        item = ds[0]
        anchor, pos, neg = item["cells"]

        def cell_of(t):
            return int(t[0, 0, 0]) // 10, int(t[1, 0, 0]) // 10

        assert cell_of(item["anchor"]) == anchor
        assert [cell_of(t) for t in item["positives"]] == pos
        assert [cell_of(t) for t in item["negatives"]] == neg
        assert item["positives"].shape == (4, 3, p, p)
