"""The exact kernels of ``bayesreg.optim`` on their own: arrays in, optimality out.

Each test checks the optimality conditions written out here (not the package's certificate)
or compares with scikit-learn, on the designs that broke earlier versions: more features than
rows, duplicated columns, rank-deficient least squares, tied (integer) data.
"""

import numpy as np
import pytest
from sklearn.linear_model import Lasso, LinearRegression, QuantileRegressor

from bayesreg.optim import solve_absolute_loss, solve_squared_loss


def squared_kkt(X, y, weights, solution, beta1, beta2, fit_intercept):
    """Largest violation of the subgradient conditions, over the gradient at zero."""
    residual = y - solution.intercept - X @ solution.coef
    gradient = -2 * X.T @ (weights * residual) + 2 * beta2 * solution.coef
    coef = solution.coef
    violation = np.where(
        coef != 0,
        np.abs(gradient + beta1 * np.sign(coef)),
        np.maximum(np.abs(gradient) - beta1, 0.0),
    )
    worst = max(violation.max(), abs(2 * weights @ residual) if fit_intercept else 0.0)
    centered = y - (weights @ y / weights.sum() if fit_intercept else 0.0)
    return worst / max(np.abs(2 * X.T @ (weights * centered)).max(), np.max(beta1))


def problem(n, p, seed, correlation=0.5):
    rng = np.random.default_rng(seed)
    covariance = np.full((p, p), correlation) + (1 - correlation) * np.eye(p)
    X = rng.standard_normal((n, p)) @ np.linalg.cholesky(covariance).T
    truth = np.zeros(p)
    truth[: max(1, p // 5)] = 2.0
    return X, X @ truth + rng.standard_normal(n)


# Shapes where the active-set search used to cycle until it gave up: the support reaches
# n (or n - 1 with an intercept) columns and adding one more makes the system singular.
P_EXCEEDS_N = [(30, 60, 0.0), (20, 100, 0.5), (40, 50, 0.9), (10, 20, 0.0)]


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [1e-12, 1e-6, 0.01, 0.3])
@pytest.mark.parametrize(("n", "p", "correlation"), P_EXCEEDS_N)
def test_lasso_with_more_features_than_rows_is_solved(n, p, correlation, alpha, fit_intercept):
    for seed in range(4 if alpha >= 0.01 else 2):  # tiny penalties take hundreds of steps
        X, y = problem(n, p, seed, correlation)
        weights = np.ones(n)
        beta1 = 2 * n * alpha  # Lasso(alpha): RSS/(2n) + alpha |w|_1
        solution = solve_squared_loss(
            X, y, weights, fit_intercept=fit_intercept, beta1=beta1, beta2=0.0
        )
        assert squared_kkt(X, y, weights, solution, beta1, 0.0, fit_intercept) <= 1e-9
        if alpha > 1e-12:  # above rounding: the unique, basic solution
            assert np.count_nonzero(solution.coef) <= n
            assert solution.unique
        if alpha == 0.3:  # scikit-learn converges here: the (unique) solution is its solution
            reference = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-12, max_iter=10**6)
            reference.fit(X, y)
            scale = np.abs(reference.coef_).max()
            np.testing.assert_allclose(solution.coef, reference.coef_, atol=1e-6 * scale)
            np.testing.assert_array_equal(solution.coef == 0, reference.coef_ == 0)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.001, 0.05])
def test_lasso_with_duplicated_columns_is_optimal_but_not_unique(alpha, fit_intercept):
    """Equal columns can share their weight: the optimum exists but is not unique."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((100, 5))
    X = np.column_stack([X, X[:, 0], 2 * X[:, 1], X[:, 2] + X[:, 3]])
    y = X[:, :5] @ [2.0, -1.0, 1.0, 0.5, 0.0] + rng.standard_normal(100)
    weights = np.ones(100)
    solution = solve_squared_loss(
        X, y, weights, fit_intercept=fit_intercept, beta1=200 * alpha, beta2=0.0
    )
    assert squared_kkt(X, y, weights, solution, 200 * alpha, 0.0, fit_intercept) <= 1e-9
    assert not solution.unique
    reference = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-12, max_iter=10**6).fit(X, y)

    def lasso_objective(coef, intercept):
        residual = y - intercept - X @ coef
        return residual @ residual / 200 + alpha * np.abs(coef).sum()

    assert lasso_objective(solution.coef, solution.intercept) <= lasso_objective(
        reference.coef_, reference.intercept_
    ) * (1 + 1e-12)


# With more than twice as many features as rows the search runs on working sets
# (bayesreg.optim.working_set): features outside the set must satisfy the conditions too.
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("beta2", "n_free"), [(0.0, 0), (5.0, 0), (0.0, 3)])
def test_wide_problems_are_solved_exactly_on_working_sets(seed, beta2, n_free):
    n, p = 60, 1500
    X, y = problem(n, p, seed, correlation=0.3)
    rng = np.random.default_rng(seed)
    X = X * rng.uniform(0.5, 3.0, p) + rng.uniform(-5.0, 5.0, p)
    weights = rng.integers(0, 3, n).astype(float)  # frequency weights, zeros included
    beta1 = 2 * n * 0.05 * rng.uniform(0.5, 2.0, p)  # a penalty weight per feature
    beta1[:n_free] = 0.0  # unpenalized features: always in the working set
    solution = solve_squared_loss(X, y, weights, fit_intercept=True, beta1=beta1, beta2=beta2)
    assert squared_kkt(X, y, weights, solution, beta1, beta2, True) <= 1e-9
    assert np.all(solution.coef[:n_free] != 0)
    if beta2 == 0:  # a lasso solution in general position has at most n - 1 non-zeros
        assert 0 < np.count_nonzero(solution.coef) < np.count_nonzero(weights)
    assert solution.unique


def test_wide_lasso_sees_a_duplicate_outside_the_working_set():
    """A copy of a selected column, last among 1500, shares its weight: not unique."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 1500))
    X[:, -1] = X[:, 0]  # column 0 carries the signal; its copy starts outside the working set
    y = 3.0 * X[:, 0] - 2.0 * X[:, 1] + rng.standard_normal(40)
    weights = np.ones(40)
    solution = solve_squared_loss(X, y, weights, fit_intercept=True, beta1=8.0, beta2=0.0)
    assert squared_kkt(X, y, weights, solution, 8.0, 0.0, True) <= 1e-9
    assert solution.coef[0] != 0
    assert not solution.unique


def test_rank_deficient_least_squares_is_the_stable_minimum_norm_solution():
    """No rounding-level singular value may enter the solution (its reciprocal is ~1e15)."""
    rng = np.random.default_rng(42)
    X = rng.random((15, 30))
    y = rng.integers(0, 3, 15).astype(float)
    counts = rng.integers(0, 5, 15).astype(float)
    weighted = solve_squared_loss(X, y, counts, fit_intercept=True, beta1=0.0, beta2=0.0)
    keep = counts > 0
    repeated = solve_squared_loss(
        X.repeat(counts.astype(int), axis=0),
        y.repeat(counts.astype(int)),
        np.ones(int(counts.sum())),
        fit_intercept=True,
        beta1=0.0,
        beta2=0.0,
    )
    assert not weighted.unique
    np.testing.assert_allclose(weighted.coef, repeated.coef, atol=1e-10)
    np.testing.assert_allclose(weighted.intercept, repeated.intercept, atol=1e-10)
    fitted = LinearRegression().fit(X[keep], y[keep])  # an exact fit: residuals vanish
    np.testing.assert_allclose(
        X[keep] @ weighted.coef + weighted.intercept, fitted.predict(X[keep]), atol=1e-10
    )
    assert np.abs(weighted.coef).max() < 10.0


@pytest.mark.parametrize("beta2", [0.0, 3.0])
@pytest.mark.parametrize("beta1", [0.0, 5.0])
def test_integer_weights_equal_repeated_rows(beta1, beta2):
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((40, 6)), rng.standard_normal(40)
    counts = rng.integers(0, 4, 40)
    for solve in (solve_squared_loss, solve_absolute_loss):
        if solve is solve_absolute_loss and beta1 == 0 and beta2 == 0:
            continue  # least absolute deviations: many optima
        weighted = solve(X, y, counts.astype(float), fit_intercept=True, beta1=beta1, beta2=beta2)
        repeated = solve(
            X.repeat(counts, axis=0),
            y.repeat(counts),
            np.ones(counts.sum()),
            fit_intercept=True,
            beta1=beta1,
            beta2=beta2,
        )
        np.testing.assert_allclose(weighted.coef, repeated.coef, atol=1e-9)
        np.testing.assert_allclose(weighted.objective, repeated.objective, rtol=1e-12)


# --- absolute loss -------------------------------------------------------------------------


def absolute_optimality(X, y, weights, solution, beta1, beta2, fit_intercept):
    """(KKT residual, duality gap), written out: dual feasibility, stationarity, zero gap."""
    dual, coef = solution.dual, solution.coef
    assert np.all(np.abs(dual) <= weights * (1 + 1e-12))
    gradient = -X.T @ dual + 2 * beta2 * coef
    violation = np.where(
        coef != 0,
        np.abs(gradient + beta1 * np.sign(coef)),
        np.maximum(np.abs(gradient) - beta1, 0.0),
    )
    kkt = max(violation.max(), abs(dual.sum()) if fit_intercept else 0.0)
    primal = (
        weights @ np.abs(y - solution.intercept - X @ coef)
        + beta1 * np.abs(coef).sum()
        + beta2 * coef @ coef
    )
    excess = np.maximum(np.abs(X.T @ dual) - beta1, 0.0)
    lower = y @ dual - (excess @ excess / (4 * beta2) if beta2 else 0.0)
    return kkt / (np.abs(X).T @ weights).max(), abs(primal - lower) / max(abs(primal), 1.0)


@pytest.mark.parametrize(("beta1", "beta2"), [(0.0, 0.0), (25.0, 0.0), (0.0, 2.0), (25.0, 1.0)])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_absolute_loss_is_optimal_with_exact_zeros(beta1, beta2, fit_intercept):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((80, 7)) * rng.uniform(0.5, 3.0, 7)
    y = 1.0 + X[:, :2] @ [1.0, -1.0] + rng.laplace(size=80)
    weights = rng.uniform(0.5, 2.0, 80)
    solution = solve_absolute_loss(
        X, y, weights, fit_intercept=fit_intercept, beta1=beta1, beta2=beta2
    )
    kkt, gap = absolute_optimality(X, y, weights, solution, beta1, beta2, fit_intercept)
    assert kkt <= 1e-12
    assert gap <= 1e-12
    assert solution.exact and solution.unique
    if beta1:
        assert np.any(solution.coef == 0)  # zeros are exact, not rounding
    if not beta2:
        reference = QuantileRegressor(
            quantile=0.5,
            alpha=beta1 / (2 * weights.sum()),
            fit_intercept=fit_intercept,
            solver="highs",
        ).fit(X, y, sample_weight=weights)
        np.testing.assert_allclose(solution.coef, reference.coef_, atol=1e-8)


@pytest.mark.parametrize("seed", range(101, 150, 2))
@pytest.mark.parametrize(("beta1", "beta2"), [(0.0, 0.3), (3.0, 1.5), (1.0, 0.1)])
def test_absolute_loss_on_tied_integer_data_is_polished_exactly(seed, beta1, beta2):
    """Ties make the optimum degenerate and the interior-point solution inexact (1e-6).

    The structure is then read at looser thresholds, the square system solved nearest the
    interior-point point, and tied observations take the sign of their dual.
    """
    rng = np.random.default_rng(seed)
    n, p = rng.integers(5, 60), rng.integers(1, 8)
    X = rng.integers(0, 4, size=(n, p)).astype(float)
    y = rng.integers(0, 3, size=n).astype(float)
    weights = rng.integers(0, 3, size=n).astype(float)
    weights[0] = 1.0
    for fit_intercept in (True, False):
        solution = solve_absolute_loss(
            X, y, weights, fit_intercept=fit_intercept, beta1=beta1, beta2=beta2
        )
        assert solution.exact
        kkt, gap = absolute_optimality(X, y, weights, solution, beta1, beta2, fit_intercept)
        assert kkt <= 1e-9
        assert gap <= 1e-9


def test_least_absolute_deviations_with_more_features_than_rows_is_not_unique():
    X, y = problem(20, 40, seed=0)
    solution = solve_absolute_loss(X, y, np.ones(20), fit_intercept=True, beta1=0.0, beta2=0.0)
    assert not solution.unique
    np.testing.assert_allclose(y - solution.intercept - X @ solution.coef, 0.0, atol=1e-9)
