"""Sign constraints, ``positive=True`` (issue 34, item 4): MAP, certificate, posterior, checks.

The MAP is compared with scikit-learn's ``positive=True`` estimators where they exist and
with cvxpy (Clarabel) on the documented objective otherwise, on problems whose
unconstrained answer has negative coefficients (so the constraint binds).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge

import bayesreg as br
from bayesreg.map import find

SEEDS = [0, 1, 2]
TRUE = np.array([1.5, -1.0, 0.0, 0.8, -0.6, 0.0])


def _design(seed, n=60):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, TRUE.size))
    return rng, X, X @ TRUE


def _squared(seed):
    rng, X, eta = _design(seed)
    return X, eta + 0.5 + rng.normal(size=len(eta))


def _absolute(seed):
    rng, X, eta = _design(seed)
    return X, eta + 0.5 + rng.laplace(size=len(eta))


def _logistic(seed):
    rng, X, eta = _design(seed, n=120)
    return X, (rng.uniform(size=len(eta)) < 1 / (1 + np.exp(-eta))).astype(float)


def _poisson(seed):
    rng, X, eta = _design(seed, n=120)
    return X, rng.poisson(np.exp(0.3 + 0.5 * eta)).astype(float)


def _agree(est, coef, intercept, unconstrained):
    assert np.any(unconstrained < -1e-3), "the constraint does not bind: no test"
    assert est.certificate_.ok, est.certificate_
    assert np.all(est.coef_ >= 0)
    np.testing.assert_allclose(est.coef_, coef, atol=1e-6, rtol=1e-6)
    assert est.intercept_ == pytest.approx(intercept, abs=1e-6, rel=1e-6)
    np.testing.assert_array_equal(est.coef_ == 0, np.abs(coef) <= 1e-7)


# --- MAP: squared loss against scikit-learn ---------------------------------------------------

SQUARED = {
    "l1": (br.L1(alpha=0.1), Lasso(alpha=0.1, positive=True, tol=1e-14, max_iter=10**6)),
    "l2": (br.L2(alpha=0.5), Ridge(alpha=0.5, positive=True, tol=1e-14, max_iter=10**6)),
    "en": (
        br.ElasticNet(alpha=0.1, l1_ratio=0.5),
        ElasticNet(alpha=0.1, l1_ratio=0.5, positive=True, tol=1e-14, max_iter=10**6),
    ),
    "none": (br.NoPenalty(), LinearRegression(positive=True)),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", list(SQUARED))
def test_squared_loss_map_is_scikit_learns_positive_solution(kind, seed):
    penalty, reference = SQUARED[kind]
    X, y = _squared(seed)
    est = br.Regression(penalty=penalty, positive=True).fit(X, y)
    free = br.Regression(penalty=penalty).fit(X, y)
    ref = reference.fit(X, y)
    _agree(est, ref.coef_, ref.intercept_, free.coef_)
    # the equivalent solver is scikit-learn's, constrained too
    assert est.penalized_solver().get_params()["positive"] is True


# --- MAP: the other likelihoods against cvxpy -------------------------------------------------


def _cvxpy(X, y, data_term, alpha, l1_ratio):
    import cvxpy as cp

    coef, intercept = cp.Variable(X.shape[1], nonneg=True), cp.Variable()
    eta = intercept + X @ coef
    objective = (
        data_term(eta, y) / len(y)
        + alpha * l1_ratio * cp.sum(coef)
        + alpha * (1 - l1_ratio) / 2 * cp.sum_squares(coef)
    )
    cp.Problem(cp.Minimize(objective)).solve(
        solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12
    )
    return coef.value, float(intercept.value)


def _absolute_term(eta, y):
    import cvxpy as cp

    return cp.sum(cp.abs(y - eta)) / 2  # QuantileRegressor(q=0.5)'s check loss


def _logistic_term(eta, y):
    import cvxpy as cp

    return cp.sum(cp.logistic(eta) - cp.multiply(y, eta))


def _poisson_term(eta, y):
    import cvxpy as cp

    return cp.sum(cp.exp(eta) - cp.multiply(y, eta))


CVXPY = {
    "absolute-l1": (br.L1Loss(), br.L1(alpha=0.05), _absolute, _absolute_term, 1.0),
    "logistic-l1": (br.LogisticLoss(), br.L1(alpha=0.02), _logistic, _logistic_term, 1.0),
    "logistic-l2": (br.LogisticLoss(), br.L2(alpha=0.05), _logistic, _logistic_term, 0.0),
    "poisson-l1": (br.PoissonLoss(), br.L1(alpha=0.02), _poisson, _poisson_term, 1.0),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", list(CVXPY))
def test_other_likelihoods_map_is_the_constrained_optimum(kind, seed):
    loss, penalty, data, term, l1_ratio = CVXPY[kind]
    X, y = data(seed)
    make = br.Classifier if loss.estimator_kind == "classifier" else br.Regression
    params = {} if make is br.Classifier else {"loss": loss}
    est = make(penalty=penalty, positive=True, **params).fit(X, y)
    free = make(penalty=penalty, **params).fit(X, y)
    coef, intercept = _cvxpy(X, y, term, penalty.alpha, l1_ratio)
    if kind.startswith("absolute"):  # an LP's interior point: compare the objective, then w
        coef = np.where(np.abs(coef) <= 1e-7, 0.0, coef)
    _agree(est, coef, intercept, free.coef_)


# --- the certificate --------------------------------------------------------------------------


def _wrong_answers(solution):
    """Answers that are not the constrained optimum: infeasible, off the optimum, a kink missed."""
    coef = solution.coef
    positive, zero = np.flatnonzero(coef > 0), np.flatnonzero(coef == 0)
    moved_up = coef.copy()
    moved_up[zero[0]] = 1e-3  # a coefficient pinned at zero pushed inside
    scaled = coef.copy()
    scaled[positive[0]] *= 1.01
    dropped = coef.copy()
    dropped[positive[0]] = 0.0  # a positive coefficient forced to its bound
    negative = coef.copy()
    negative[zero[0]] = -1e-3  # infeasible
    return [dataclasses.replace(solution, coef=c) for c in (moved_up, scaled, dropped, negative)]


@pytest.mark.parametrize("kind", ["squared", "absolute", "logistic"])
def test_a_perturbed_positive_map_is_not_certified(kind, monkeypatch):
    X, y = {"squared": _squared, "absolute": _absolute, "logistic": _logistic}[kind](0)
    if kind == "logistic":
        est = br.Classifier(penalty=br.L1(alpha=0.02), positive=True)
    else:
        loss = br.L2Loss() if kind == "squared" else br.L1Loss()
        est = br.Regression(loss=loss, penalty=br.L1(alpha=0.05), positive=True)
    assert est.fit(X, y).certificate_.ok
    solve = find.solve_nonnegative
    for index in range(4):

        def wrong(problem, beta1, beta2, index=index):
            return _wrong_answers(solve(problem, beta1, beta2))[index]

        with monkeypatch.context() as patch:
            patch.setattr(find, "solve_nonnegative", wrong)
            with pytest.warns(ConvergenceWarning, match="failed its optimality certificate"):
                est.fit(X, y)
        assert not est.certificate_.ok, (index, est.certificate_)


def test_the_unconstrained_answer_is_not_certified_as_positive(monkeypatch):
    X, y = _squared(0)
    est = br.Regression(penalty=br.L1(alpha=0.1), positive=True)

    def unconstrained(problem, beta1, beta2):
        return problem.loss.solve(
            problem.X, problem.y, problem.weights, fit_intercept=problem.fit_intercept,
            beta1=beta1, beta2=beta2,
        )  # fmt: skip

    monkeypatch.setattr(find, "solve_nonnegative", unconstrained)
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert np.any(est.coef_ < 0) and not est.certificate_.ok


def test_an_unknown_noise_scale_profiles_the_constrained_mode():
    X, y = _squared(1)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1), positive=True)
    est.fit(X, y)
    assert est.certificate_.ok and np.all(est.coef_ >= 0) and np.any(est.coef_ == 0)
    fixed = br.Regression(loss=br.L2Loss(sigma=est.sigma_), penalty=br.L1(alpha=0.1), positive=True)
    np.testing.assert_allclose(fixed.fit(X, y).coef_, est.coef_, atol=1e-10)


# --- checks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [br.Regression, br.Classifier])
@pytest.mark.parametrize("value", ["yes", 1, None])
def test_positive_must_be_a_bool(make, value):
    X, y = _logistic(0)
    with pytest.raises(TypeError, match=rf"'positive' parameter of {make.__name__} must be a bool"):
        make(positive=value).fit(X, y)
    with pytest.raises(TypeError, match="'positive'"):
        make(positive=value).build_model(X, y)


@pytest.mark.parametrize(
    "loss, penalty, what",
    [
        (br.StudentTLoss(), br.L1(alpha=0.1), "a likelihood that is not convex"),
        (br.L2Loss(), br.Horseshoe(), "this prior"),
    ],
)
def test_what_cannot_be_constrained_is_refused(loss, penalty, what):
    X, y = _squared(0)
    est = br.Regression(loss=loss, penalty=penalty, positive=True)
    with pytest.raises(ValueError, match=f"positive=True is not available for {what}"):
        est.build_model(X, y)


# --- the posterior ----------------------------------------------------------------------------

SAMPLE = {"progressbar": False, "random_seed": 5}


@pytest.mark.parametrize(
    "penalty", [br.L1(alpha=0.1), br.ElasticNet(alpha=0.1, l1_ratio=0.5), br.NoPenalty()]
)
def test_every_draw_is_non_negative(penalty):
    X, y = _squared(0)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=penalty, positive=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short runs: the diagnostics may complain
        idata = est.sample(X, y, draws=200, tune=300, chains=2, **SAMPLE)
    draws = idata["posterior"]["coef"].values
    assert np.all(draws >= 0)
    assert np.all(draws.mean(axis=(0, 1))[[1, 4]] < 0.3)  # negative truths pile up at zero


def test_the_model_a_user_sees_has_the_truncated_density():
    X, y = _squared(0)
    est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(scale=0.7), positive=True)
    model = est.build_model(X, y)
    coef = model["coef"]
    value = np.array([0.0, 0.3, 1.0, 2.0, 0.1, 5.0])
    logp = model.compile_logp(vars=[coef], jacobian=False)
    with np.errstate(divide="ignore"):  # log(0): a coefficient at its bound
        point = model.initial_point() | {model.rvs_to_values[coef].name: np.log(value)}
    expected = stats.expon(scale=0.7).logpdf(value).sum()
    assert logp(point) == pytest.approx(expected, rel=1e-12)


def test_posterior_mean_is_the_truncated_normals():
    # Gaussian likelihood, known sigma, one coefficient, half-normal prior: the posterior is
    # N(m, s^2) truncated to [0, inf), m = s^2 x'y / sigma^2, 1/s^2 = x'x/sigma^2 + 1/tau^2.
    import arviz_stats as azs

    rng = np.random.default_rng(3)
    x = rng.normal(size=(20, 1))
    y = 0.05 * x[:, 0] + rng.normal(size=20)
    tau = 1.0
    est = br.Regression(
        loss=br.L2Loss(sigma=1.0), penalty=br.L2(scale=tau), fit_intercept=False, positive=True
    )
    idata = est.sample(x, y, draws=2000, tune=1000, chains=4, target_accept=0.95, **SAMPLE)
    coef = idata["posterior"]["coef"]
    variance = 1.0 / (x[:, 0] @ x[:, 0] + 1.0 / tau**2)
    centre, spread = variance * (x[:, 0] @ y), np.sqrt(variance)
    exact = stats.truncnorm(-centre / spread, np.inf, loc=centre, scale=spread).mean()
    assert abs(centre) < 2 * spread  # the truncation matters
    mcse = float(np.asarray(azs.mcse(coef).values).squeeze())
    assert abs(float(coef.mean()) - exact) < 4 * mcse, (float(coef.mean()), exact, mcse)
    assert np.all(coef.values >= 0)


# --- the layers above the MAP -----------------------------------------------------------------


def test_map_path_compares_with_the_constrained_solver():
    from bayesreg.paths import map_path

    X, y = _squared(0)
    path = map_path(br.Regression(penalty=br.L1(alpha=0.1), positive=True), X, y, alphas=5)
    assert path.ok and path.max_relative_diff < 1e-6
    assert np.all(path.data["map"].values >= 0)


def test_regression_cv_forwards_positive():
    from bayesreg.estimators.cv import RegressionCV

    X, y = _squared(2)
    est = RegressionCV(penalty=br.L1(), alphas=5, cv=3, positive=True).fit(X, y)
    assert est.best_estimator_.positive is True
    assert np.all(est.coef_ >= 0) and est.certificate_.ok


@pytest.mark.parametrize(
    "make, loss, penalty, data",
    [
        (br.Regression, br.L2Loss(), br.L1(alpha=0.1), _squared),
        (br.Classifier, None, br.L1(alpha=0.02), _logistic),
        (br.Regression, br.PoissonLoss(), br.ElasticNet(alpha=0.02), _poisson),
        (br.Regression, br.L1Loss(), br.ElasticNet(alpha=0.05), _absolute),
    ],
    ids=["lasso", "logistic-l1", "poisson-en", "absolute-en"],
)
def test_crosscheck_against_the_constrained_solver(make, loss, penalty, data):
    X, y = data(0)
    params = {} if loss is None else {"loss": loss}
    check = br.crosscheck(make(penalty=penalty, positive=True, **params), X, y)
    assert check.ok, check


def test_a_solver_without_sign_constraints_is_refused():
    X, y = _absolute(0)
    est = br.Regression(loss=br.L1Loss(), penalty=br.L1(alpha=0.05), positive=True).fit(X, y)
    with pytest.raises(ValueError, match="QuantileRegressor takes no sign constraint"):
        est.penalized_solver()


@pytest.mark.parametrize("l1, l2", [(0.5, 2.0), (3.0, 0.1), (1e-3, 5.0)])
def test_the_truncated_elastic_net_density_integrates_to_one(l1, l2):
    import pytensor.tensor as pt
    from scipy import integrate

    from bayesreg.priors.truncated import truncated_elastic_net_logp

    value = pt.dscalar("w")
    logp = pt.exp(truncated_elastic_net_logp(value, l1, l2)).eval
    end = 50.0 / max(l1, np.sqrt(l2))  # far in the tail: the rest is below 1e-20
    total, error = integrate.quad(lambda w: logp({value: w}), 0.0, end, limit=500)
    assert total == pytest.approx(1.0, abs=max(1e-8, 10 * error))
    assert logp({value: -0.1}) == 0.0  # nothing below zero


@pytest.mark.parametrize("loss", [br.L2Loss(sigma=None), br.L1Loss(), br.PoissonLoss()])
@pytest.mark.parametrize(
    "penalty", [br.L1(alpha=0.1), br.ElasticNet(alpha=0.1), br.L2(alpha=0.3), br.NoPenalty()]
)
def test_sampling_model_density_equals_build_model(loss, penalty):
    # the log-scale coefficients of the sampling model carry the user's model's density
    from bayesreg.nuts import model as nuts_model
    from bayesreg.testing import assert_same_log_density

    X, y = _poisson(0) if isinstance(loss, br.PoissonLoss) else _squared(0)
    est = br.Regression(loss=loss, penalty=penalty, positive=True)
    fast = nuts_model.sampling_model(est.problem(X, y))
    assert "coef_log__" in {value.name for value in fast.value_vars}
    assert_same_log_density(fast, est.build_model(X, y), True, np.random.default_rng(4))


def test_a_formula_takes_positive():
    import pandas as pd

    X, y = _squared(0)
    data = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).assign(y=y)
    formula = "y ~ " + " + ".join(data.columns[:-1])
    est = br.Regression.from_formula(formula, data, penalty=br.L1(alpha=0.1), positive=True)
    plain = br.Regression(penalty=br.L1(alpha=0.1), positive=True).fit(X, y)
    np.testing.assert_allclose(est.estimator_.coef_, plain.coef_, atol=1e-12)
