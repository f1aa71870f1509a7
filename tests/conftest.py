"""Shared test set-up: deterministic, light on the 2 CPU cores, paths to the shared datasets."""

import os

import pytest
import torch

torch.set_num_threads(int(os.environ.get("LABELEFF_TEST_THREADS", "1")))

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")


@pytest.fixture
def shared_data():
    """Path to ../shared/data; tests that need it are skipped where it is absent."""
    if not os.path.isdir(SHARED_DATA):
        pytest.skip("../shared/data is not beside the checkout")
    return SHARED_DATA
