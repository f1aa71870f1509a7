"""Frame extraction on a small video written here with OpenCV."""

import os

import cv2
import numpy as np
import pytest

from labeleff.projects.pretrain import VideoReadError, extract_frames


@pytest.fixture
def video(tmp_path):
    path = str(tmp_path / "clip.avi")
    wr = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    if not wr.isOpened():
        pytest.skip("this OpenCV build cannot write MJPG .avi")
    for i in range(40):
        frame = np.full((48, 64, 3), 6 * i, np.uint8)  # frame index readable from brightness
        wr.write(frame)
    wr.release()
    return path


def test_stride_count_and_order(video, tmp_path):
    out = tmp_path / "frames"
    paths = extract_frames(video, str(out), stride=7)
    assert [os.path.basename(p) for p in paths] == [f"clip_{i:06d}.jpg" for i in range(0, 40, 7)]
    for p in paths:
        idx = int(os.path.basename(p)[5:11])
        img = cv2.imread(p)
        assert img.shape == (48, 64, 3)
        assert abs(float(img.mean()) - 6 * idx) < 4


def test_fraction_is_seeded(video, tmp_path):
    a = extract_frames(video, str(tmp_path / "a"), fraction=0.25, seed=3)
    b = extract_frames(video, str(tmp_path / "b"), fraction=0.25, seed=3)
    expected = int((np.random.default_rng(3).random(40) < 0.25).sum())
    assert [os.path.basename(p) for p in a] == [os.path.basename(p) for p in b]
    assert len(a) == expected
    assert len(extract_frames(video, str(tmp_path / "all"), fraction=1.0)) == 40


def test_unreadable_video(tmp_path):
    with pytest.raises(VideoReadError, match="not found"):
        extract_frames(str(tmp_path / "missing.mp4"), str(tmp_path / "o"))
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"this is not a video" * 10)
    with pytest.raises(VideoReadError):
        extract_frames(str(bad), str(tmp_path / "o"))
    with pytest.raises(ValueError):
        extract_frames(str(bad), str(tmp_path / "o"), stride=0)
