"""3x3 matrices of Detectron2 transforms, and box projection between views of one image.

Coordinates are Detectron2's continuous pixel coordinates (pixel (i, j) covers [j, j+1) x [i, i+1)).
"""

from typing import Optional, Sequence

import numpy as np
import torch
from detectron2.structures import Boxes, Instances
from fvcore.transforms.transform import Transform, TransformList

__all__ = [
    "transform_to_matrix",
    "view_to_view",
    "project_boxes",
    "boxes_between_views",
    "instances_between_views",
]

# points used to identify the affine map of a transform that has no `matrix`; the last two check it
_PROBE = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [37.0, 11.0], [-5.0, 23.0]])


def transform_to_matrix(transform: Transform) -> np.ndarray:
    """
    The (3, 3) float64 matrix M with [x', y', 1] = M @ [x, y, 1] for a Transform or TransformList.

    Transforms of this package expose `.matrix`; others (Detectron2's Resize, HFlip, Crop, NoOp,
    colour transforms, ...) are identified from `apply_coords` and must be affine.
    """
    if isinstance(transform, TransformList):
        matrix = np.eye(3)
        for t in transform.transforms:
            matrix = transform_to_matrix(t) @ matrix
        return matrix
    if hasattr(transform, "matrix"):
        return np.asarray(transform.matrix, dtype=np.float64)
    mapped = np.asarray(transform.apply_coords(_PROBE.copy()), dtype=np.float64)
    origin, ex, ey = mapped[0], mapped[1] - mapped[0], mapped[2] - mapped[0]
    matrix = np.array([[ex[0], ey[0], origin[0]], [ex[1], ey[1], origin[1]], [0.0, 0.0, 1.0]])
    check = np.c_[_PROBE, np.ones(len(_PROBE))] @ matrix.T
    if not np.allclose(check[:, :2], mapped, atol=1e-6):
        raise ValueError(
            f"transform_to_matrix: {type(transform).__name__} is not affine; box projection "
            "between views needs affine transforms"
        )
    return matrix


def view_to_view(src_transform: np.ndarray, dst_transform: np.ndarray) -> np.ndarray:
    """(3, 3) matrix from view `src` to view `dst`, given both original->view matrices:
    T_dst @ inv(T_src)."""
    return np.asarray(dst_transform, dtype=np.float64) @ np.linalg.inv(src_transform)


def project_boxes(
    boxes: torch.Tensor, matrix: np.ndarray, image_size: Optional[Sequence[int]] = None
) -> torch.Tensor:
    """
    Map XYXY boxes through an affine matrix: the 4 corners are mapped, the result is their
    axis-aligned hull, clipped to `image_size` when given.

    Args:
        boxes: (N, 4) float tensor, XYXY.
        matrix: (3, 3) array or tensor.
        image_size: (h, w) of the destination view, or None for no clipping.

    Returns:
        (N, 4) tensor, same dtype and device as `boxes`.
    """
    m = torch.as_tensor(np.asarray(matrix), dtype=torch.float64, device=boxes.device)
    b = boxes.to(torch.float64)
    x0, y0, x1, y1 = b.unbind(-1)
    corners = torch.stack(
        [
            torch.stack([x0, y0], -1),
            torch.stack([x1, y0], -1),
            torch.stack([x0, y1], -1),
            torch.stack([x1, y1], -1),
        ],
        dim=1,
    )  # (N, 4, 2)
    mapped = corners @ m[:2, :2].T + m[:2, 2]
    out = torch.cat([mapped.min(dim=1).values, mapped.max(dim=1).values], dim=-1)  # (N, 4)
    if image_size is not None:
        h, w = image_size
        out[:, 0::2] = out[:, 0::2].clamp(0, w)
        out[:, 1::2] = out[:, 1::2].clamp(0, h)
    return out.to(boxes.dtype)


def boxes_between_views(boxes: torch.Tensor, src_view: dict, dst_view: dict) -> torch.Tensor:
    """
    Boxes (N, 4) XYXY in the coordinates of `src_view` -> `dst_view`, clipped to the destination
    image. Views are the dicts of `MultiViewDatasetMapper` ("image" (C, H, W), "transform" (3, 3)),
    e.g. teacher pseudo-labels weak -> strong, or student boxes strong -> weak.
    """
    matrix = view_to_view(src_view["transform"], dst_view["transform"])
    return project_boxes(boxes, matrix, tuple(dst_view["image"].shape[-2:]))


def instances_between_views(instances: Instances, src_view: dict, dst_view: dict) -> Instances:
    """The one projection of per-box targets between views (teacher pseudo-labels weak -> strong
    in every method): Instances in `src_view` coordinates, with `gt_boxes` and any per-box fields
    -> Instances of the destination view's image size, the same fields, `gt_boxes` projected
    (4 corners, min/max) and clipped. Views as in :func:`boxes_between_views`."""
    size = tuple(dst_view["image"].shape[-2:])
    moved = Instances(size, **instances.get_fields())
    moved.gt_boxes = Boxes(boxes_between_views(instances.gt_boxes.tensor, src_view, dst_view))
    return moved
