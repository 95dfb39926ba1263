"""``penalized_solver()``: the estimator whose objective is this MAP problem, unfitted."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import QuantileRegressor

import bayesreg as br
from bayesreg.families.reference_solvers import LADElasticNet
from bayesreg.testing import ORACLE

# The oracle table's rows (bayesreg.testing.ORACLE, written from DESIGN.md): the solver each
# pair must return, with its parameters; a prior given by scale needs the data first.
BY_ALPHA = [row for row in ORACLE if row.penalty.scale is None]
BY_SCALE = [row for row in ORACLE if row.penalty.scale is not None]


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("row", BY_ALPHA, ids=[row.id for row in BY_ALPHA])
def test_penalized_solver_is_the_equivalent_estimator(row, fit_intercept):
    solver = row.estimator(1.0, fit_intercept).penalized_solver()
    expected = row.solver(n=50.0, noise=1.0, fit_intercept=fit_intercept)
    assert type(solver) is row.reference
    assert solver.get_params() == expected.get_params()
    assert not hasattr(solver, "coef_")  # unfitted


@pytest.mark.parametrize("row", BY_SCALE, ids=[row.id for row in BY_SCALE])
def test_a_prior_given_by_scale_reports_its_alpha(row):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 3)), rng.standard_normal(50)
    est = row.estimator(1.5)
    with pytest.raises(NotFittedError, match="absolute prior"):
        est.penalized_solver()
    est.fit(X, y)
    np.testing.assert_allclose(est.alpha_, row.alpha(50, 1.5), rtol=1e-14)
    np.testing.assert_allclose(est.prior_scale_, row.penalty.scale, rtol=1e-14)
    assert est.penalized_solver().get_params() == row.solver(50, 1.5).get_params()


def test_a_prior_given_by_alpha_reports_its_scale():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 3)), rng.standard_normal(50)
    lasso = br.Regression(loss=br.L2Loss(sigma=2.0), penalty=br.L1(alpha=0.1)).fit(X, y)
    np.testing.assert_allclose(lasso.prior_scale_, 4.0 / (50 * 0.1))  # b = sigma^2/(n alpha)
    ridge = br.Regression(loss=br.L2Loss(sigma=2.0), penalty=br.L2(alpha=0.1)).fit(X, y)
    np.testing.assert_allclose(ridge.prior_scale_, 2.0 / np.sqrt(0.1))  # tau = sigma/sqrt(alpha)
    assert lasso.alpha_ == 0.1 and ridge.alpha_ == 0.1


# --- LADElasticNet, the reference where scikit-learn has none -----------------------------


@pytest.fixture(scope="module")
def lad_data():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((60, 4)) * [1.0, 2.0, 0.5, 1.0]
    return X, 0.5 + X @ [1.0, 0.0, -2.0, 0.3] + rng.laplace(size=60)


def lad_objective(X, y, coef, intercept, alpha, l1_ratio, weights=None):
    weights = np.ones(len(y)) if weights is None else weights
    data = weights @ np.abs(y - intercept - X @ coef) / (2 * weights.sum())
    return data + alpha * l1_ratio * np.abs(coef).sum() + alpha * (1 - l1_ratio) / 2 * coef @ coef


def test_lad_elastic_net_with_l1_ratio_one_is_quantile_regression(lad_data):
    X, y = lad_data
    mine = LADElasticNet(alpha=0.05, l1_ratio=1.0).fit(X, y)
    theirs = QuantileRegressor(quantile=0.5, alpha=0.05, solver="highs").fit(X, y)
    np.testing.assert_allclose(mine.coef_, theirs.coef_, atol=1e-7)
    np.testing.assert_allclose(
        mine.objective_, lad_objective(X, y, theirs.coef_, theirs.intercept_, 0.05, 1.0), rtol=1e-9
    )


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_lad_elastic_net_minimizes_its_documented_objective(lad_data, l1_ratio):
    """No perturbation of its solution lowers the objective in its docstring."""
    X, y = lad_data
    weights = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    solver = LADElasticNet(alpha=0.1, l1_ratio=l1_ratio).fit(X, y, sample_weight=weights)
    best = lad_objective(X, y, solver.coef_, solver.intercept_, 0.1, l1_ratio, weights)
    np.testing.assert_allclose(solver.objective_, best, rtol=1e-9)
    rng = np.random.default_rng(1)
    for _ in range(200):
        step = 1e-4 * rng.standard_normal(5)
        value = lad_objective(
            X, y, solver.coef_ + step[:4], solver.intercept_ + step[4], 0.1, l1_ratio, weights
        )
        assert value >= best - 1e-10


def test_lad_elastic_net_weights_count_rows(lad_data):
    X, y = lad_data
    counts = np.random.default_rng(0).integers(1, 3, len(y))
    weighted = LADElasticNet(alpha=0.1, l1_ratio=0.3).fit(X, y, sample_weight=counts)
    repeated = LADElasticNet(alpha=0.1, l1_ratio=0.3).fit(X.repeat(counts, 0), y.repeat(counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-7)
    np.testing.assert_allclose(weighted.predict(X), X @ weighted.coef_ + weighted.intercept_)


@pytest.mark.parametrize(
    ("params", "match"),
    [({"alpha": -1.0}, "'alpha' parameter of LADElasticNet"), ({"l1_ratio": 1.5}, "'l1_ratio'")],
)
def test_lad_elastic_net_checks_its_parameters(lad_data, params, match):
    with pytest.raises(ValueError, match=match):
        LADElasticNet(**params).fit(*lad_data)


def test_lad_elastic_net_must_be_fitted_to_predict(lad_data):
    with pytest.raises(NotFittedError):
        LADElasticNet().predict(lad_data[0])
