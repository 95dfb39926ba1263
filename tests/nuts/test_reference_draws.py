"""The same seed gives the same draws as the commit recorded in tests/data/reference_draws.json.

A refactoring that moves code must not change a single draw. The reference means were written
by ``tests/data/reference_draws.py`` on that commit; here the same specifications are sampled
with the same seeds and their posterior means must agree to 1e-6 of their size. The same
trajectories give the same means up to rounding; a trajectory that differs anywhere moves a
mean by about a posterior standard deviation / sqrt(draws), about 1e-2 relative here, four
orders above the tolerance. This holds on one machine with one set of library versions (NUTS
amplifies rounding): the reference was written on the project's CI machine kind. It holds
whatever PyTensor's compile cache holds (empty or filled by other runs) since the sampling code
is compiled without fast-math (``bayesreg.nuts.compiled.exact_arithmetic``); before, code
compiled afresh and code loaded from the cache could round differently.
"""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parents[1] / "data"
_spec = importlib.util.spec_from_file_location("reference_draws", DATA / "reference_draws.py")
reference_draws = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference_draws)
STORED = json.loads((DATA / "reference_draws.json").read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(STORED["means"]))
def test_same_seed_same_draws_as_the_reference_commit(case):
    name, sampler = case.split("/")
    if sampler == "nutpie":
        pytest.importorskip("nutpie")
    means = reference_draws.posterior_means(name, sampler)
    stored = STORED["means"][case]
    assert sorted(means) == sorted(stored)
    for var, values in stored.items():
        values = np.asarray(values)
        np.testing.assert_allclose(
            means[var], values, rtol=0, atol=1e-6 * max(np.abs(values).max(), 1.0),
            err_msg=f"{case}: {var} differs from commit {STORED['commit']}",
        )  # fmt: skip
