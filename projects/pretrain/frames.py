"""Frames from a video (OpenCV): every `stride`-th frame, or a seeded random fraction (the FloW
write-up keeps about 5 % of the frames), written as JPEGs."""

import os
from typing import List, Optional

import cv2
import numpy as np

__all__ = ["VideoReadError", "extract_frames"]


class VideoReadError(IOError):
    """The video file is missing or OpenCV cannot decode a single frame of it."""


def extract_frames(
    video: str,
    out_dir: str,
    stride: Optional[int] = None,
    fraction: float = 0.05,
    seed: int = 0,
    prefix: Optional[str] = None,
    jpeg_quality: int = 95,
) -> List[str]:
    """Write the selected frames of `video` as `<out_dir>/<prefix>_<frame index:06d>.jpg`.

    stride: keep frames 0, stride, 2*stride, ...; None: keep each frame independently with
    probability `fraction`, drawn from numpy's generator seeded with `seed` (one draw per decoded
    frame, so the selection only depends on the seed and the frame count). prefix defaults to the
    video's base name. Returns the written paths in frame order.
    Raises VideoReadError if the file is missing or yields no frame, ValueError on bad arguments.
    """
    if stride is not None and stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    if stride is None and not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    if not os.path.isfile(video):
        raise VideoReadError(f"video not found: {video}")
    cap = cv2.VideoCapture(video)
    if not cap.isOpened():
        raise VideoReadError(f"OpenCV cannot open video: {video}")
    prefix = prefix or os.path.splitext(os.path.basename(video))[0]
    rng = np.random.default_rng(seed)
    os.makedirs(out_dir, exist_ok=True)
    written, index = [], 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            keep = (index % stride == 0) if stride is not None else rng.random() < fraction
            if keep:
                path = os.path.join(out_dir, f"{prefix}_{index:06d}.jpg")
                if not cv2.imwrite(path, frame, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]):
                    raise IOError(f"cannot write {path}")
                written.append(path)
            index += 1
    finally:
        cap.release()
    if index == 0:
        raise VideoReadError(
            f"no frame could be decoded from {video} (corrupt or unsupported codec)"
        )
    return written
