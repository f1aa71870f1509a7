"""Rotated-box IoU and NMS in pure PyTorch, registered as `torch.ops.detectron2.*` for the fallback.

Boxes are (x_center, y_center, width, height, angle_degrees) as in Detectron2's `RotatedBoxes`
(angle counter-clockwise). The intersection of two rectangles is the convex polygon whose vertices
are the corners of each box lying inside the other plus the crossings of their edges (at most 24
candidates, 8 real ones); its area comes from the shoelace formula after sorting the valid vertices
by angle around their mean. Everything is batched over box pairs; only pairs whose circumscribed
circles overlap are evaluated, in chunks, so memory stays bounded for anchor-vs-gt matching.
"""

import math

import numpy as np
import torch

_ROWS_PER_CHUNK_ELEMS = 1 << 22  # (rows x M) distance entries screened at once
_PAIRS_PER_CHUNK = 1 << 15  # box pairs whose polygon intersection is computed at once
_EPS = 1e-6


def _corners(boxes):
    """(..., 5) rotated boxes -> (..., 4, 2) corners in polygon order (Detectron2's convention)."""
    cx, cy, w, h, a = boxes.unbind(-1)
    theta = a * (math.pi / 180.0)
    cos, sin = torch.cos(theta)[..., None], torch.sin(theta)[..., None]
    half_w = (w * 0.5)[..., None] * w.new_tensor([1.0, -1.0, -1.0, 1.0])
    half_h = (h * 0.5)[..., None] * h.new_tensor([1.0, 1.0, -1.0, -1.0])
    x = cx[..., None] + cos * half_w + sin * half_h
    y = cy[..., None] - sin * half_w + cos * half_h
    return torch.stack([x, y], dim=-1)


def _inside(points, boxes):
    """points (P, K, 2), boxes (P, 5) -> (P, K) bool: point lies in (or on the border of) its
    box."""
    theta = boxes[:, 4, None] * (math.pi / 180.0)
    cos, sin = torch.cos(theta), torch.sin(theta)
    dx = points[..., 0] - boxes[:, 0, None]
    dy = points[..., 1] - boxes[:, 1, None]
    # inverse of the rotation used in _corners: local = R^T (p - c)
    local_x = cos * dx - sin * dy
    local_y = sin * dx + cos * dy
    tol_w = boxes[:, 2, None] * (0.5 + _EPS) + _EPS
    tol_h = boxes[:, 3, None] * (0.5 + _EPS) + _EPS
    return (local_x.abs() <= tol_w) & (local_y.abs() <= tol_h)


def _cross(a, b):
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def _intersection_area(boxes1, boxes2):
    """Area of the intersection of aligned pairs: boxes1, boxes2 (P, 5) -> (P,)."""
    c1, c2 = _corners(boxes1), _corners(boxes2)
    e1, e2 = c1.roll(-1, dims=1) - c1, c2.roll(-1, dims=1) - c2  # (P, 4, 2) edge vectors
    # edge i of box1 (c1_i + t e1_i) against edge j of box2 (c2_j + u e2_j): (P, 4, 4)
    r, s = e1[:, :, None], e2[:, None]
    qp = c2[:, None] - c1[:, :, None]
    denom = _cross(r, s)
    parallel = denom.abs() <= 1e-12
    denom = torch.where(parallel, torch.ones_like(denom), denom)
    t, u = _cross(qp, s) / denom, _cross(qp, r) / denom
    crossing = ~parallel & (t >= -_EPS) & (t <= 1 + _EPS) & (u >= -_EPS) & (u <= 1 + _EPS)
    crossing_pts = c1[:, :, None] + t[..., None] * r

    pts = torch.cat([c1, c2, crossing_pts.flatten(1, 2)], dim=1)  # (P, 24, 2)
    valid = torch.cat([_inside(c1, boxes2), _inside(c2, boxes1), crossing.flatten(1)], dim=1)
    count = valid.sum(1)
    weights = valid.to(pts.dtype)[..., None]
    center = (pts * weights).sum(1) / count.clamp(min=1)[:, None].to(pts.dtype)
    rel = pts - center[:, None]
    # invalid candidates sort last; they are then replaced by the first vertex so the closing
    # shoelace terms they produce are zero
    angle = torch.atan2(rel[..., 1], rel[..., 0]).masked_fill(~valid, 4 * math.pi)
    order = angle.argsort(dim=1)
    rel = rel.gather(1, order[..., None].expand_as(rel))
    valid = valid.gather(1, order)
    rel = torch.where(valid[..., None], rel, rel[:, :1])
    area = 0.5 * _cross(rel, rel.roll(-1, dims=1)).sum(1).abs()
    return torch.where(count >= 3, area, torch.zeros_like(area))


def _pair_iou(boxes1, boxes2):
    """IoU of aligned pairs (P, 5), (P, 5) -> (P,), both shifted to their common midpoint first."""
    shift = (boxes1[:, :2] + boxes2[:, :2]) * 0.5
    b1, b2 = boxes1.clone(), boxes2.clone()
    b1[:, :2] -= shift
    b2[:, :2] -= shift
    area1, area2 = b1[:, 2] * b1[:, 3], b2[:, 2] * b2[:, 3]
    inter = _intersection_area(b1, b2)
    iou = inter / (area1 + area2 - inter).clamp(min=1e-14)
    degenerate = (area1 < 1e-14) | (area2 < 1e-14)
    return torch.where(degenerate, torch.zeros_like(iou), iou)


def _overlapping_pairs(boxes1, boxes2, upper_triangle=False):
    """Yield (i, j) index chunks of pairs whose circumscribed circles intersect."""
    radius1 = 0.5 * torch.hypot(boxes1[:, 2], boxes1[:, 3])
    radius2 = 0.5 * torch.hypot(boxes2[:, 2], boxes2[:, 3])
    rows = max(1, _ROWS_PER_CHUNK_ELEMS // max(1, len(boxes2)))
    for start in range(0, len(boxes1), rows):
        stop = min(start + rows, len(boxes1))
        dist = torch.cdist(boxes1[start:stop, :2], boxes2[:, :2])
        near = dist < radius1[start:stop, None] + radius2[None]
        if upper_triangle:
            near = near.triu(diagonal=1 + start)
        i, j = near.nonzero(as_tuple=True)
        for k in range(0, len(i), _PAIRS_PER_CHUNK):
            yield i[k : k + _PAIRS_PER_CHUNK] + start, j[k : k + _PAIRS_PER_CHUNK]


def _compute_dtype(boxes):
    return torch.float64 if boxes.dtype == torch.float64 else torch.float32


def box_iou_rotated(boxes1, boxes2):
    """
    Pairwise IoU of rotated boxes, like Detectron2's compiled op.

    Args:
        boxes1 (Tensor[N, 5]), boxes2 (Tensor[M, 5]): (cx, cy, w, h, angle_degrees)
    Returns:
        Tensor[N, M] float32 (as the native op); 0 where either box has zero area.
    """
    with torch.no_grad():
        dtype = _compute_dtype(boxes1)
        b1, b2 = boxes1.to(dtype), boxes2.to(dtype)
        ious = torch.zeros(len(b1), len(b2), dtype=dtype, device=boxes1.device)
        for i, j in _overlapping_pairs(b1, b2):
            ious[i, j] = _pair_iou(b1[i], b2[j])
        return ious.float()


def nms_rotated(boxes, scores, iou_threshold):
    """
    Greedy NMS on rotated boxes, like Detectron2's compiled op (suppresses IoU >= threshold).

    Args:
        boxes (Tensor[N, 5]), scores (Tensor[N]), iou_threshold (float)
    Returns:
        Tensor[K] int64: kept indices, by decreasing score.
    """
    if boxes.numel() == 0:
        return torch.empty(0, dtype=torch.int64, device=boxes.device)
    with torch.no_grad():
        order = scores.sort(descending=True, stable=True).indices
        sorted_boxes = boxes[order].to(_compute_dtype(boxes))
        firsts, seconds = [], []
        for i, j in _overlapping_pairs(sorted_boxes, sorted_boxes, upper_triangle=True):
            over = _pair_iou(sorted_boxes[i], sorted_boxes[j]) >= iou_threshold
            firsts.append(i[over].cpu())
            seconds.append(j[over].cpu())
        keep = _greedy_keep(len(boxes), firsts, seconds)
        return order[torch.as_tensor(keep, dtype=torch.int64, device=boxes.device)]


def _greedy_keep(n, firsts, seconds):
    """Sorted positions kept by greedy NMS, given the pairs (i < j) whose overlap suppresses j."""
    first = torch.cat(firsts).numpy() if firsts else np.zeros(0, np.int64)
    second = torch.cat(seconds).numpy() if seconds else np.zeros(0, np.int64)
    by_first = np.argsort(first, kind="stable")
    first, second = first[by_first], second[by_first]
    bounds = np.searchsorted(first, np.arange(n + 1))
    removed = np.zeros(n, dtype=bool)
    keep = []
    for i in range(n):
        if not removed[i]:
            keep.append(i)
            removed[second[bounds[i] : bounds[i + 1]]] = True
    return keep
