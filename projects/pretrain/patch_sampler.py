"""Grid sampling for the patch pretext: an anchor cell, its 4-neighbours (positives) and cells at
least `min_neg_distance` cells away (negatives). Pure index logic, images are cut elsewhere."""

from typing import List, Tuple

import numpy as np

__all__ = ["grid_distance", "sample_patch_cells"]

Cell = Tuple[int, int]  # (row, col)
NEIGHBOURS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def grid_distance(a: Cell, b: Cell) -> int:
    """Chebyshev distance in grid cells (a 4- or 8-neighbour is at distance 1)."""
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]))


def sample_patch_cells(
    rows: int, cols: int, num_negatives: int, min_neg_distance: int, rng: np.random.Generator
) -> Tuple[Cell, List[Cell], List[Cell]]:
    """(anchor, 4 positives, negatives) cells of a rows x cols grid.

    The anchor is drawn among cells whose 4 neighbours all lie inside the grid; negatives are drawn
    (with replacement if there are fewer candidates than `num_negatives`) among the cells whose
    `grid_distance` to the anchor is >= min_neg_distance. Raises ValueError if the grid cannot
    hold such a configuration for every anchor position.
    """
    if rows < 3 or cols < 3:
        raise ValueError(f"patch grid {rows}x{cols}: need at least 3x3 for 4-neighbours")
    if min_neg_distance < 2:
        raise ValueError(f"min_neg_distance={min_neg_distance}: must be >= 2 (1 is a neighbour)")
    # the centre-most anchor has the farthest cell at max(rows // 2, cols // 2)
    if max(rows // 2, cols // 2) < min_neg_distance:
        raise ValueError(
            f"patch grid {rows}x{cols} has no cell {min_neg_distance} cells away from some anchors;"
            " use a larger grid or a smaller min_neg_distance"
        )
    r = int(rng.integers(1, rows - 1))
    c = int(rng.integers(1, cols - 1))
    anchor = (r, c)
    positives = [(r + dr, c + dc) for dr, dc in NEIGHBOURS]
    far = [
        (i, j)
        for i in range(rows)
        for j in range(cols)
        if grid_distance((i, j), anchor) >= min_neg_distance
    ]
    if not far:
        raise ValueError(f"no negative cell for anchor {anchor} in a {rows}x{cols} grid")
    idx = rng.choice(len(far), size=num_negatives, replace=len(far) < num_negatives)
    negatives = [far[int(i)] for i in idx]
    return anchor, positives, negatives
