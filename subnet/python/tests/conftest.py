"""Shared fixtures: one small score circuit's keys (insecure, deterministic setup)."""

import pytest

import zkyuma

MINERS, SAMPLES, DEPTH = 3, 4, 3


@pytest.fixture(scope="session")
def keys() -> zkyuma.ScoreKeys:
    return zkyuma.ScoreKeys.setup(
        "mse", MINERS, SAMPLES, DEPTH, mode="public", insecure_seed="zkyuma-python-tests"
    )
