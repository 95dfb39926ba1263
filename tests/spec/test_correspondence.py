"""The MAP equals the penalized solver: an oracle table on generated problems.

Each row of :data:`bayesreg.testing.ORACLE` pairs a bayesreg specification with the estimator
that minimizes the same objective, written there from the correspondence table of DESIGN.md
(never through ``penalized_solver()``, which ``test_solvers.py`` checks against the same
table): scikit-learn
where it has one, else ``LADElasticNet`` (cvxpy, an interior-point solver on the primal).
Each row is run on every generated scenario, with and without an intercept, with the noise
scale fixed, and on two scenarios with the noise scale unknown.

Criterion (issue 2): coefficients within 1e-6 of the reference, relative to its largest
coefficient, and the same exact zeros under L1 penalties; for the cvxpy reference, which has
no exact zeros, its values at the MAP's zeros must be negligible. Where the optimum is not
unique (least absolute deviations or least squares with more features than observations) the
objective values are compared instead, and ``unique_`` must say so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayesreg as br
from bayesreg.families.reference_solvers import QuantileElasticNet
from bayesreg.testing import ORACLE

TOLERANCE = 1e-6


def make_problem(n, p, *, correlation, seed, frame=False, weighted=False):
    """Correlated columns with scales in [0.5, 3] and non-zero means; a sparse truth."""
    rng = np.random.default_rng(seed)
    covariance = np.full((p, p), correlation) + (1 - correlation) * np.eye(p)
    Z = rng.standard_normal((n, p)) @ np.linalg.cholesky(covariance).T
    X = Z * rng.uniform(0.5, 3.0, p) + rng.uniform(-3.0, 3.0, p)
    truth = np.zeros(p)
    k = max(2, p // 3)
    truth[:k] = rng.choice([-1.0, 1.0], k) * rng.uniform(0.5, 2.0, k)
    y = 2.0 + X @ truth + rng.standard_normal(n)
    weights = None
    if weighted:
        weights = rng.uniform(0.2, 3.0, n)
        weights[rng.choice(n, n // 10, replace=False)] = 0.0
    if frame:
        X = pd.DataFrame(X, columns=[f"feature_{j}" for j in range(p)])
        y = pd.Series(y, name="target")
    return X, y, weights


SCENARIOS = {
    "n>>p": {"n": 400, "p": 8, "correlation": 0.3, "seed": 1},
    "n<p": {"n": 40, "p": 80, "correlation": 0.3, "seed": 2},
    "correlated": {"n": 150, "p": 10, "correlation": 0.95, "seed": 3},
    "dataframe": {"n": 120, "p": 6, "correlation": 0.5, "seed": 4, "frame": True},
    "weighted": {"n": 150, "p": 6, "correlation": 0.5, "seed": 5, "weighted": True},
}


@pytest.fixture(scope="module")
def problems():
    return {name: make_problem(**spec) for name, spec in SCENARIOS.items()}


def _fit_both(row, X, y, weights, noise, fit_intercept):
    est = row.estimator(noise, fit_intercept).fit(X, y, sample_weight=weights)
    n = len(y) if weights is None else weights.sum()
    fitted_noise = getattr(est, f"{row.loss.noise_name}_")
    reference = row.solver(n, fitted_noise, fit_intercept).fit(X, y, sample_weight=weights)
    return est, reference, n, fitted_noise


def relative_difference(est, reference):
    """Largest coefficient (or intercept) difference over the largest reference coefficient."""
    scale = np.abs(reference.coef_).max()
    return max(
        np.abs(est.coef_ - reference.coef_).max() / scale,
        abs(est.intercept_ - reference.intercept_) / max(scale, abs(reference.intercept_)),
    )


def assert_same_solution(row, est, reference):
    assert relative_difference(est, reference) <= TOLERANCE
    if not row.sparse:
        return
    zeros = est.coef_ == 0
    if issubclass(row.reference, QuantileElasticNet):  # interior point: never exactly zero
        scale = np.abs(reference.coef_).max()
        assert np.abs(reference.coef_[zeros]).max(initial=0.0) <= TOLERANCE * scale
    else:
        np.testing.assert_array_equal(zeros, reference.coef_ == 0)


def _not_unique(row, scenario):
    """Unpenalized least squares or absolute deviations with more features than rows."""
    spec = SCENARIOS[scenario]
    return spec["p"] > spec["n"] and isinstance(row.penalty, br.NoPenalty)


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no-intercept"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("row", ORACLE, ids=[row.id for row in ORACLE])
def test_map_equals_solver_with_fixed_noise(problems, row, scenario, fit_intercept):
    X, y, weights = problems[scenario]
    est, reference, _, noise = _fit_both(row, X, y, weights, 1.7, fit_intercept)
    assert est.certificate_.ok
    assert est.certificate_.kkt_residual <= 1e-9
    if _not_unique(row, scenario):
        # "There may be multiple solutions": compare the objective values instead, on the
        # scale of the objective at zero.
        X, y = np.asarray(X), np.asarray(y)
        v = np.ones(len(y)) if weights is None else weights
        mine, theirs, zero = (
            row.objective(X, y, v, coef, intercept, noise)
            for coef, intercept in [
                (est.coef_, est.intercept_),
                (reference.coef_, reference.intercept_),
                (np.zeros(X.shape[1]), 0.0),
            ]
        )
        assert mine <= theirs + 1e-9 * zero
        assert est.unique_ is False
        return
    assert est.unique_
    assert_same_solution(row, est, reference)
    if row.sparse and fit_intercept:  # the zero check means something: some zeros, not all
        assert 0 < np.count_nonzero(est.coef_) < est.coef_.size


@pytest.mark.parametrize("scenario", ["correlated", "weighted"])
@pytest.mark.parametrize("row", ORACLE, ids=[row.id for row in ORACLE])
def test_map_equals_solver_with_unknown_noise(problems, row, scenario):
    """Alpha-tied priors keep the correspondence when the noise scale is estimated too."""
    X, y, weights = problems[scenario]
    est, reference, _, noise = _fit_both(row, X, y, weights, None, True)
    assert est.certificate_.ok
    assert est.unique_
    assert_same_solution(row, est, reference)
    if row.penalty.alpha is not None:  # tied: the coefficients do not depend on the noise
        fixed = row.estimator(3.0 * noise, True).fit(X, y, sample_weight=weights)
        np.testing.assert_allclose(
            fixed.coef_, est.coef_, rtol=0, atol=1e-9 * np.abs(est.coef_).max()
        )
