"""The "varied" demo scenes: circles, squares and triangles that each look many ways.

Each class is a family of outlines: ellipses of any elongation and angle (circle), rotated
rectangles of aspect 1-2 (square), triangles of any shape and angle (triangle), filled, outlined or
striped, sometimes in a colour close to the background, beside unlabeled look-alikes (crosses and
stars). A box is the tight box of the drawn outline. Everything is drawn from the `rng` given, so a
seed makes the same scene.
"""

from typing import Callable, List, Tuple

import cv2
import numpy as np

__all__ = ["box_iou", "shape_points", "draw_varied_image"]

NUM_OBJECTS = (1, 5)  # objects per image, inclusive
NUM_DISTRACTORS = (0, 2)  # unlabeled look-alikes per image, inclusive
SIZE = (12.0, 60.0)  # object extent in px, before rotation
MAX_IOU = 0.25  # overlap allowed between two objects' boxes


def _rotate(points: np.ndarray, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return points @ np.array([[c, s], [-s, c]])


def shape_points(kind: str, size: float, rng: np.random.Generator) -> np.ndarray:
    """(N, 2) outline of a `kind` shape ("circle", "square", "triangle", "cross", "star") of extent
    about `size` px, centred on (0, 0), at a random angle and elongation."""
    r = size / 2
    if kind == "circle":
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        pts = np.stack([r * np.cos(t), r * rng.uniform(0.55, 1.0) * np.sin(t)], 1)
    elif kind == "square":
        a = rng.uniform(0.5, 1.0)
        pts = np.array([[-r, -r * a], [r, -r * a], [r, r * a], [-r, r * a]])
    elif kind == "triangle":
        t = np.array([0.0, 2 * np.pi / 3, 4 * np.pi / 3]) + rng.uniform(-0.35, 0.35, 3)
        pts = np.stack([r * np.cos(t), r * np.sin(t)], 1)
    elif kind == "cross":
        w = r * rng.uniform(0.25, 0.4)
        pts = np.array(
            [[-w, -r], [w, -r], [w, -w], [r, -w], [r, w], [w, w], [w, r], [-w, r], [-w, w],
             [-r, w], [-r, -w], [-w, -w]]
        )  # fmt: skip
    elif kind == "star":
        t = np.linspace(0, 2 * np.pi, 10, endpoint=False)
        rad = np.where(np.arange(10) % 2 == 0, r, r * rng.uniform(0.35, 0.5))
        pts = np.stack([rad * np.cos(t), rad * np.sin(t)], 1)
    else:
        raise ValueError(f"unknown shape {kind!r}")
    return _rotate(pts, rng.uniform(0, 2 * np.pi))


def _colour(img: np.ndarray, box, rng: np.random.Generator) -> Tuple[int, int, int]:
    """Random colour; one time in four close to the mean of the background under the box."""
    if rng.random() < 0.25:
        x0, y0, x1, y1 = box
        mean = img[y0:y1, x0:x1].reshape(-1, 3).mean(0)
        return tuple(int(v) for v in np.clip(mean + rng.choice([-1, 1], 3) * 40, 0, 255))
    return tuple(int(v) for v in rng.integers(0, 256, 3))


def _paint(img: np.ndarray, pts: np.ndarray, colour, rng: np.random.Generator) -> None:
    """Filled (55 %), outlined (25 %) or striped (20 %) polygon, in place."""
    poly = [np.round(pts).astype(np.int32)]
    style = rng.random()
    if style < 0.55:
        cv2.fillPoly(img, poly, colour, cv2.LINE_AA)
    elif style < 0.8:
        cv2.polylines(img, poly, True, colour, 2, cv2.LINE_AA)
    else:
        mask = np.zeros(img.shape[:2], np.uint8)
        cv2.fillPoly(mask, poly, 1)
        yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
        period, angle = int(rng.integers(4, 8)), rng.uniform(0, np.pi)
        stripes = ((xx * np.cos(angle) + yy * np.sin(angle)) // (period / 2)) % 2 == 0
        img[(mask > 0) & stripes] = colour


def box_iou(a, b) -> float:
    """IoU of two XYXY boxes (the demo generators' overlap test)."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _place(kind, h, w, taken, rng, tries=20):
    """Outline points and integer XYXY box of a `kind` inside the image, overlapping no box of
    `taken` above MAX_IOU; None after `tries` draws."""
    for _ in range(tries):
        pts = shape_points(kind, float(rng.uniform(*SIZE)), rng)
        lo, hi = pts.min(0), pts.max(0)
        if np.any(hi - lo >= [w - 2, h - 2]):
            continue
        centre = rng.uniform(-lo, [w - 1, h - 1] - hi)
        pts = pts + centre
        x0, y0 = np.floor(pts.min(0)).astype(int)
        x1, y1 = np.ceil(pts.max(0)).astype(int) + 1
        box = [int(max(x0, 0)), int(max(y0, 0)), int(min(x1, w)), int(min(y1, h))]
        if all(box_iou(box, b) < MAX_IOU for b in taken):
            return pts, box
    return None


def draw_varied_image(
    rng: np.random.Generator, h: int, w: int, background: Callable
) -> Tuple[np.ndarray, List[Tuple[int, List[int]]]]:
    """(h, w, 3) uint8 scene on `background(rng, h, w)` and its objects [(class index, XYXY box)]
    with class index 0 circle, 1 square, 2 triangle (labeleff.data.DEMO_CLASSES)."""
    img = background(rng, h, w)
    objects, taken = [], []
    for _ in range(int(rng.integers(NUM_DISTRACTORS[0], NUM_DISTRACTORS[1] + 1))):
        placed = _place(("cross", "star")[int(rng.integers(0, 2))], h, w, taken, rng)
        if placed is not None:
            taken.append(placed[1])
            _paint(img, placed[0], _colour(img, placed[1], rng), rng)
    for _ in range(int(rng.integers(NUM_OBJECTS[0], NUM_OBJECTS[1] + 1))):
        cls = int(rng.integers(0, 3))
        placed = _place(("circle", "square", "triangle")[cls], h, w, taken, rng)
        if placed is not None:
            taken.append(placed[1])
            _paint(img, placed[0], _colour(img, placed[1], rng), rng)
            objects.append((cls, placed[1]))
    return img, objects
