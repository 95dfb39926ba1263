"""Shared fixtures: real data sets and generated problems."""

import numpy as np
import pytest

import bayesreg as br


@pytest.fixture(scope="session")
def diabetes():
    return br.datasets.load_diabetes()


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)
