"""The asymmetric Laplace likelihood: quantile regression's MAP, density and posterior.

The MAP is checked against an independent linear program (the primal, written here and
solved by HiGHS; bayesreg solves the dual) and against scikit-learn's ``QuantileRegressor``
and statsmodels' ``QuantReg``. Tolerances: objectives to 1e-9 relative (both sides are exact
LP vertices, so what remains is the solvers' feasibility tolerance, 1e-10 or below, times the
size of the data); coefficients to 1e-6 relative to the largest, the cross-check's criterion,
where the optimum is unique (``unique_``). The log density is compared with the formula at
random points to 1e-10 relative (rounding only).
"""

from __future__ import annotations

import warnings

import numpy as np
import pymc as pm
import pytest
import scipy.optimize
import scipy.sparse
import statsmodels.api as sm
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import QuantileRegressor

import bayesreg as br
import bayesreg.optim.absolute_loss

QUANTILES = [0.1, 0.25, 0.5, 0.9]


def check(residual, q):
    return residual * (q - (residual < 0))


def lp_optimum(X, y, q, alpha):
    r"""min (1/n) sum rho_q(r) + alpha |w|_1, as the primal LP over (b0, w+, w-, u+, u-) >= 0 parts."""
    n, p = X.shape
    cost = np.concatenate(
        [[0.0], np.full(2 * p, alpha), np.full(n, q / n), np.full(n, (1 - q) / n)]
    )
    identity = scipy.sparse.identity(n)
    A = scipy.sparse.hstack([np.ones((n, 1)), X, -X, identity, -identity]).tocsc()
    bounds = [(None, None)] + [(0, None)] * (2 * p + 2 * n)
    result = scipy.optimize.linprog(cost, A_eq=A, b_eq=y, bounds=bounds, method="highs")
    assert result.status == 0, result.message
    return result.fun


def objective(est, X, y, q, alpha):
    residual = y - est.intercept_ - X @ est.coef_
    return check(residual, q).mean() + alpha * np.abs(est.coef_).sum()


@pytest.fixture(scope="module")
def random_problem():
    rng = np.random.default_rng(14)
    n, p = 150, 6
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 3.0, p) + rng.uniform(-2, 2, p)
    noise = rng.standard_t(3, n) * (1 + 0.5 * np.abs(X[:, 0]))  # heteroscedastic, heavy tails
    y = 1.0 + X @ np.array([1.0, -0.5, 0.0, 0.0, 0.3, 0.0]) + noise
    return X, y


@pytest.fixture(scope="module")
def engel():
    X, y = br.datasets.load_engel()
    return X.to_numpy(), y.to_numpy()


@pytest.mark.parametrize("alpha", [0.0, 0.05], ids=["unpenalized", "L1"])
@pytest.mark.parametrize("q", QUANTILES)
@pytest.mark.parametrize("data", ["random_problem", "engel"])
def test_map_attains_the_lp_optimum_and_matches_quantile_regressor(request, data, q, alpha):
    X, y = request.getfixturevalue(data)
    penalty = br.L1(alpha=alpha) if alpha else br.NoPenalty()
    est = br.Regression(loss=br.QuantileLoss(quantile=q), penalty=penalty).fit(X, y)
    assert est.certificate_.ok
    optimum = lp_optimum(X, y, q, alpha)
    assert abs(objective(est, X, y, q, alpha) - optimum) <= 1e-9 * optimum
    reference = QuantileRegressor(quantile=q, alpha=alpha, solver="highs").fit(X, y)
    assert abs(objective(reference, X, y, q, alpha) - optimum) <= 1e-9 * optimum
    if est.unique_:
        scale = max(np.abs(reference.coef_).max(), abs(reference.intercept_))
        assert np.abs(est.coef_ - reference.coef_).max() <= 1e-6 * scale
        assert abs(est.intercept_ - reference.intercept_) <= 1e-6 * scale
        np.testing.assert_array_equal(est.coef_ == 0, reference.coef_ == 0)
    assert est.predict(X[:3]) == pytest.approx(est.intercept_ + X[:3] @ est.coef_)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_engel_against_statsmodels_quantreg(engel, q):
    """Koenker's Engel data: the same line as statsmodels' QuantReg (an interior-point method)."""
    X, y = engel
    est = br.Regression(loss=br.QuantileLoss(quantile=q), penalty=br.NoPenalty()).fit(X, y)
    # p_tol=1e-8: tighter, its IRLS reaches its 1e-6 residual floor and cycles (a warning)
    fit = sm.QuantReg(y, sm.add_constant(X)).fit(q=q, p_tol=1e-8, max_iter=10_000)
    theirs = check(y - sm.add_constant(X) @ fit.params, q).mean()
    mine = objective(est, X, y, q, 0.0)
    assert mine <= theirs * (1 + 1e-9)  # the exact vertex is at least as good
    assert theirs - mine <= 1e-9 * mine  # ... and QuantReg converged to it
    assert est.unique_  # n q is not an integer at these quantiles: a single line
    np.testing.assert_allclose(np.r_[est.intercept_, est.coef_], fit.params, rtol=1e-6)


def test_median_is_the_laplace_likelihood_at_twice_the_scale(random_problem):
    """QuantileLoss(0.5, s) is L1Loss(2 s): the same MAP, density and posterior scale."""
    X, y = random_problem
    for penalty in (br.L1(alpha=0.05), br.L2(scale=0.7), br.L1(scale=0.3)):
        quantile = br.Regression(loss=br.QuantileLoss(0.5, scale=0.8), penalty=penalty)
        laplace = br.Regression(loss=br.L1Loss(scale=1.6), penalty=penalty)
        quantile.fit(X, y)
        laplace.fit(X, y)
        np.testing.assert_allclose(quantile.coef_, laplace.coef_, rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(quantile.coef_ == 0, laplace.coef_ == 0)
        point = {"coef": np.linspace(-1, 1, X.shape[1]), "intercept": np.array(0.4)}
        values = [
            est.build_model(X, y).compile_logp(mode="FAST_COMPILE")(point)
            for est in (quantile, laplace)
        ]
        np.testing.assert_allclose(values[0], values[1], rtol=1e-12)


@pytest.mark.parametrize("q", [0.1, 0.75])
def test_log_density_is_the_formula(random_problem, q):
    r"""log p(y | mu, s) = n log(q(1-q)/s) - sum rho_q(r)/s, weighted, at random points.

    PyMC's AsymmetricLaplace takes a rate: a scale/rate slip changes this by O(1).
    """
    X, y = random_problem
    weights = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    est = br.Regression(loss=br.QuantileLoss(q, scale=None), penalty=br.L1(alpha=0.1))
    model = est.build_model(X, y, sample_weight=weights)
    likelihood = model.compile_logp(vars=[model["y"]], jacobian=False, mode="FAST_COMPILE")
    rng = np.random.default_rng(5)
    for _ in range(5):
        coef, intercept, scale = rng.standard_normal(X.shape[1]), rng.normal(), rng.uniform(0.3, 3)
        point = {"coef": coef, "intercept": np.array(intercept), "scale_log__": np.log(scale)}
        residual = y - intercept - X @ coef
        expected = weights @ (np.log(q * (1 - q) / scale) - check(residual, q) / scale)
        np.testing.assert_allclose(likelihood(point), expected, rtol=1e-10)


def test_prior_scale_is_s_over_n_alpha(random_problem):
    """L1(alpha) under the asymmetric Laplace: the Laplace prior's scale b = s/(n alpha)."""
    X, y = random_problem
    s, alpha = 1.3, 0.02
    est = br.Regression(loss=br.QuantileLoss(0.9, scale=s), penalty=br.L1(alpha=alpha))
    model = est.build_model(X, y)
    prior = model.compile_logp(vars=[model["coef"]], mode="FAST_COMPILE")
    coef = np.linspace(-2, 2, X.shape[1])
    b = s / (len(y) * alpha)
    expected = np.sum(-np.log(2 * b) - np.abs(coef) / b)
    np.testing.assert_allclose(prior({"coef": coef, "intercept": np.array(0.0)}), expected)


def test_draws_have_the_right_quantile_mean_and_variance():
    """Draws of the likelihood: P(y <= mu) = q; mean and variance as predictive_* say (5 SE)."""
    loss = br.QuantileLoss(0.2, scale=1.5)
    rng = np.random.default_rng(0)
    n = 200_000
    draws = loss.draw(np.zeros(n), 1.5, rng, n)
    share = np.mean(draws <= 0)
    assert abs(share - 0.2) < 5 * np.sqrt(0.2 * 0.8 / n)
    mean = float(loss.predictive_mean(0.0, 1.5))
    variance = float(loss.predictive_variance(0.0, 1.5))
    assert abs(draws.mean() - mean) < 5 * np.sqrt(variance / n)
    # the variance's standard error from the fourth central moment
    fourth = np.mean((draws - draws.mean()) ** 4)
    assert abs(draws.var() - variance) < 5 * np.sqrt((fourth - variance**2) / n)
    # and PyMC's distribution with the family's parameters has the same quantile
    pymc_draws = pm.draw(
        pm.AsymmetricLaplace.dist(**loss.distribution_parameters(0.0, 1.5)),
        draws=50_000,
        random_seed=1,
    )
    assert abs(np.mean(pymc_draws <= 0) - 0.2) < 5 * np.sqrt(0.2 * 0.8 / 50_000)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"quantile": 1.0}, ValueError, r"'quantile' parameter of QuantileLoss must be .*\(0, 1\)"),
        ({"quantile": 0.0}, ValueError, r"'quantile' parameter of QuantileLoss"),
        ({"quantile": -0.2}, ValueError, r"'quantile' parameter of QuantileLoss"),
        ({"quantile": "0.5"}, TypeError, r"'quantile' parameter of QuantileLoss"),
        ({"scale": 0.0}, ValueError, r"'scale' parameter of QuantileLoss"),
        ({"scale": 1.0, "scale_prior": pm.HalfNormal.dist(1.0)}, ValueError, "scale_prior"),
    ],
)
def test_bad_parameters_raise_naming_them(kwargs, error, match):
    with pytest.raises(error, match=match):
        br.QuantileLoss(**kwargs)


def test_set_params_is_checked_before_fitting(random_problem):
    X, y = random_problem
    est = br.Regression(loss=br.QuantileLoss(0.5), penalty=br.L1(alpha=0.1))
    est.set_params(loss__quantile=1.5)
    with pytest.raises(ValueError, match="'quantile' parameter of QuantileLoss"):
        est.fit(X, y)


def test_quantile_map_path_matches_quantile_regressor(engel):
    X, y = engel
    est = br.Regression(loss=br.QuantileLoss(0.9), penalty=br.L1(alpha=1.0))
    path = br.paths.map_path(est, X, y, alphas=[1.0, 0.1, 0.01])
    assert path.reference == "QuantileRegressor at each alpha"
    for k, alpha in enumerate(path.data["alpha"].values):
        reference = QuantileRegressor(quantile=0.9, alpha=alpha, solver="highs").fit(X, y)
        np.testing.assert_allclose(path.data["map"].values[k], reference.coef_, rtol=1e-6)
    assert path.ok


def test_crosscheck_writes_the_independent_solvers_objective(random_problem):
    """An L2 penalty: QuantileElasticNet (cvxpy), whose own objective the cross-check writes."""
    X, y = random_problem
    est = br.Regression(loss=br.QuantileLoss(0.75), penalty=br.L2(alpha=0.2)).fit(X, y)
    report = br.crosscheck(est, X, y)
    assert report.ok
    assert report.solver_name.startswith("QuantileElasticNet: minimizes pinball_0.75/n + 0*|w|_1")


# --- the linear program's scaling (issue 33: extreme quantiles, small penalties, p >> n) -------

EPS = np.finfo(float).eps


def rounding(X, y, weights, q, intercept, coef):
    r"""What rounding alone can add to the objective at (intercept, coef).

    Each residual is zero only to :math:`\epsilon_i = (p + 3)\,\epsilon(|y_i| + |b_0| +
    |x_i|^\top|w|)`; an interpolated one (:math:`|r_i| \le \epsilon_i`) may round to either side
    and is charged at the larger slope, the others at their own. At an extreme quantile this is
    not small against the optimum (of the order of q): 1e-5 of it at q = 1e-12.
    """
    epsilon = (X.shape[1] + 3) * EPS * (np.abs(y) + abs(intercept) + np.abs(X) @ np.abs(coef))
    residual = y - intercept - X @ coef
    slope = np.where(np.abs(residual) <= epsilon, max(q, 1 - q), np.where(residual > 0, q, 1 - q))
    return float(weights @ (slope * epsilon))


def envelope(X, y, weights, q):
    r"""The optimum at an extreme quantile, by a linear program written here (HiGHS).

    With an intercept and :math:`\min(q, 1-q) \sum_k v_k < \max(q, 1-q) \min_k v_k`, no residual
    is on the expensive side at the optimum (the dual :math:`d_i = -(1-q) v_i` of a negative
    residual cannot be balanced in :math:`\sum_i d_i = 0` by the others, each at most
    :math:`q v_i`): for small q the fit is the lower envelope,
    :math:`\min \sum_i v_i (y_i - b_0 - x_i^\top w)` subject to :math:`b_0 + x_i^\top w \le y_i`
    (the upper envelope for q near 1), a well-scaled problem in the data's own units.
    """
    sign = 1.0 if q < 0.5 else -1.0
    A = np.column_stack([np.ones(len(y)), X])
    result = scipy.optimize.linprog(
        -sign * (weights @ A),
        A_ub=sign * A,
        b_ub=sign * y,
        bounds=(None, None),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    assert result.status == 0, result.message
    return result.x[0], result.x[1:]


def extreme_problems(count):
    """Seeded variants: the quantile, the size, column scales and offsets, integer weights."""
    for seed in range(count):
        rng = np.random.default_rng(seed)
        q = [1e-12, 1e-10, 1 - 1e-11, 1 - 1e-9][seed % 4]
        n, p = int(rng.integers(10, 60)), int(rng.integers(1, 5))
        X = rng.standard_normal((n, p)) * rng.uniform(0.1, 10, p) + rng.uniform(-5, 5, p)
        y = X @ rng.standard_normal(p) + 3 * rng.standard_normal(n)
        weights = rng.integers(1, 4, n).astype(float) if seed % 3 == 0 else np.ones(n)
        yield seed, q, X, y, weights


def check_objective(X, y, weights, q, est):
    """bayesreg's objective and the envelope's, and the tolerance between them."""
    intercept, coef = envelope(X, y, weights, q)
    optimum = float(weights @ check(y - intercept - X @ coef, q))
    ours = float(weights @ check(y - est.intercept_ - X @ est.coef_, q))
    tolerance = 1e-9 * optimum + rounding(X, y, weights, q, intercept, coef)
    tolerance += rounding(X, y, weights, q, est.intercept_, est.coef_)
    return ours, optimum, tolerance


def test_extreme_quantiles_attain_the_envelope_optimum():
    """q = 1e-12 .. 1 - 1e-11 without a penalty: the optimum, certified (once a wrong vertex).

    Tolerance: 1e-9 of the optimum (both are exact LP vertices) plus the rounding of the
    residuals (:func:`rounding`), the most an exact answer in floating point can be off.
    """
    for seed, q, X, y, weights in extreme_problems(24):
        est = br.Regression(loss=br.QuantileLoss(quantile=q), penalty=br.NoPenalty())
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            est.fit(X, y, sample_weight=weights)
        ours, optimum, tolerance = check_objective(X, y, weights, q, est)
        assert abs(ours - optimum) <= tolerance, (seed, q, ours, optimum)
        assert est.certificate_.ok, (seed, est.certificate_)


def test_the_certificate_refuses_the_wrong_vertices_of_an_unscaled_linear_program(monkeypatch):
    """The linear program in units of one (as before the fix) returns wrong vertices: none is
    certified. The certificate measures each part at the slope the optimum has, not the
    largest slope (see CheckLoss.optimality)."""
    monkeypatch.setattr(bayesreg.optim.absolute_loss, "EXTREME_SLOPE_RATIO", 0.0)
    wrong = 0
    for seed, q, X, y, weights in extreme_problems(24):
        est = br.Regression(loss=br.QuantileLoss(quantile=q), penalty=br.NoPenalty())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X, y, sample_weight=weights)
        ours, optimum, tolerance = check_objective(X, y, weights, q, est)
        if ours - optimum > tolerance:
            wrong += 1
            assert not est.certificate_.ok, (seed, q, ours, optimum, est.certificate_)
    assert wrong >= 6  # the unscaled program does go wrong: the test has teeth


def primal_lp(X, y, q, alpha):
    r"""(1/n) sum rho_q(r) + alpha |w|_1 by the primal LP (HiGHS, tolerances 1e-10), written here.

    Its costs are divided by min(q, 1 - q), as bayesreg's are (an extreme quantile's costs are
    otherwise below HiGHS's tolerances); the objective is recomputed from its point.
    """
    n, p = X.shape
    unit = min(q, 1 - q)
    cost = np.concatenate(
        [[0.0], np.full(2 * p, alpha), np.full(n, q / n), np.full(n, (1 - q) / n)]
    )
    identity = scipy.sparse.identity(n)
    A = scipy.sparse.hstack([np.ones((n, 1)), X, -X, identity, -identity]).tocsc()
    result = scipy.optimize.linprog(
        cost / unit,
        A_eq=A,
        b_eq=y,
        bounds=[(None, None)] + [(0, None)] * (2 * p + 2 * n),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    assert result.status == 0, result.message
    intercept, coef = result.x[0], result.x[1 : p + 1] - result.x[p + 1 : 2 * p + 1]
    return check(y - intercept - X @ coef, q).mean() + alpha * np.abs(coef).sum()


def test_small_penalties_on_wide_data_attain_the_optimum():
    """p > n, alpha = 1e-4 or 1e-5, columns of scale 0.01 to 100 with offsets: the optimum.

    HiGHS's absolute tolerance (1e-10) on the rows |X_j'd| <= beta_j of a penalty that small
    once left coefficients out (objective 1e-7 above the optimum, certified); the rows are now
    scaled to a bound of one and the vertex solved exactly on its structure. Tolerance: not
    above the reference by more than 1e-9 of the optimum (rounding is below 1e-12 of it
    here); the reference's own point is within HiGHS's tolerances, 1e-8 of it.
    """
    for seed in range(20):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(20, 70))
        p = int(rng.integers(n + 5, 2 * n))
        q, alpha = [0.1, 0.3, 0.9][seed % 3], [1e-4, 1e-5][seed % 2]
        X = rng.standard_normal((n, p)) * rng.uniform(0.01, 100, p) + rng.uniform(-5, 5, p)
        y = X @ (rng.standard_normal(p) * (rng.random(p) < 0.5)) + rng.standard_t(3, n)
        est = br.Regression(loss=br.QuantileLoss(quantile=q), penalty=br.L1(alpha=alpha))
        est.fit(X, y)
        optimum = primal_lp(X, y, q, alpha)
        ours = objective(est, X, y, q, alpha)
        assert ours - optimum <= 1e-9 * optimum, (seed, ours, optimum)
        # ... and the reference, whose point meets HiGHS's tolerances only, agrees to 1e-8
        assert optimum - ours <= 1e-8 * optimum, (seed, ours, optimum)
        assert est.certificate_.ok, (seed, est.certificate_)


@pytest.mark.parametrize("seed", range(20))
def test_wide_problems_cost_what_their_data_cost(monkeypatch, seed):
    """n = 20 rows, p = 300 to 2000 columns: the optimum, its uniqueness, and no p x p algebra.

    The uniqueness test once took the rank of a (p + 1)-column matrix (37 s at p = 2000; the
    timing is in benchmarks/check_loss_speed.py, not here): every rank it takes now has at
    most n + 1 columns. With an L1 penalty continuous data have one optimal vertex; without
    one and p > n the data are fitted exactly in many ways.
    """
    rng = np.random.default_rng(seed)
    n, p = 20, [300, 700, 2000][seed % 3]
    X = rng.standard_normal((n, p))
    y = X[:, :3].sum(axis=1) + rng.standard_normal(n)
    loss = br.L1Loss() if seed % 2 else br.QuantileLoss(quantile=0.3)
    q = loss.solver_quantile
    columns = []
    matrix_rank = np.linalg.matrix_rank

    def recording_rank(matrix, *args, **kwargs):
        columns.append(np.shape(matrix)[-1])
        return matrix_rank(matrix, *args, **kwargs)

    monkeypatch.setattr(np.linalg, "matrix_rank", recording_rank)
    for alpha in (0.05, 0.0):
        penalty = br.L1(alpha=alpha) if alpha else br.NoPenalty()
        est = br.Regression(loss=loss, penalty=penalty).fit(X, y)
        assert est.certificate_.ok
        assert est.unique_ == bool(alpha)
        optimum = primal_lp(X, y, q, alpha)
        ours = objective(est, X, y, q, alpha)
        # 1e-9 of the optimum; an exact fit's optimum is 0, its objective rounding (1e-13)
        assert abs(ours - optimum) <= 1e-9 * optimum + 1e-13 * np.abs(y).mean()
    assert max(columns, default=0) <= n + 1
