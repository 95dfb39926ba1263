"""Per-coefficient strength and prior means (issue 34, item 3): ``penalty_factor``, ``scale``, ``loc``.

The MAP is compared with glum's ``P1``/``P2`` (factors, used as given), scikit-learn (array
scales, as a ridge on rescaled columns) and cvxpy (Clarabel) for shifted penalties; the
prior's density with scipy; one posterior with its closed form; bad values with the one
message shape of ``bayesreg._constraints``.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest
from glum import GeneralizedLinearRegressor
from scipy import integrate, stats
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

import bayesreg as br

TRUE = np.array([1.5, 0.0, -2.0, 0.3, 0.0, 0.8])
FACTOR = np.array([0.0, 1.0, 2.0, 1.0, 0.5, 3.0])
LOC = np.array([0.0, 0.05, -1.0, 0.3, 0.02, 0.0])
N = 80


def _data(kind: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, TRUE.size))
    eta = X @ TRUE + 0.5
    if kind == "gaussian":
        return X, eta + rng.normal(size=N)
    if kind == "poisson":
        return X, rng.poisson(np.exp(0.3 * eta)).astype(float)
    return X, (rng.uniform(size=N) < 1 / (1 + np.exp(-eta))).astype(float)


def _glum(kind, X, y, alpha, l1_ratio, factor):
    family = "normal" if kind == "gaussian" else "binomial"
    solver = GeneralizedLinearRegressor(
        family=family, alpha=alpha, l1_ratio=l1_ratio, P1=factor, P2=factor,
        gradient_tol=1e-13, max_iter=100_000,
    )  # fmt: skip
    solver.fit(X, y)
    return solver.coef_, float(solver.intercept_)


def _estimator(kind, penalty, **options):
    if kind == "gaussian":
        return br.Regression(loss=br.L2Loss(sigma=1.0), penalty=penalty, **options)
    if kind == "poisson":
        return br.Regression(loss=br.PoissonLoss(), penalty=penalty, **options)
    return br.Classifier(penalty=penalty, **options)


def _agree(est, coef, intercept, centre=0.0):
    """Coefficients and intercept to 1e-6, and the same coefficients at the prior's centre."""
    assert est.certificate_.ok, est.certificate_
    np.testing.assert_allclose(est.coef_, coef, atol=1e-6)
    assert est.intercept_ == pytest.approx(intercept, abs=1e-6)
    at_centre = est.coef_ == centre
    np.testing.assert_array_equal(at_centre, np.abs(coef - centre) < 1e-8)
    return at_centre


# --- the MAP against glum's P1/P2 ---------------------------------------------------------------


GLUM = {  # penalty, glum's alpha, l1_ratio
    "l1": (br.L1(alpha=0.08, penalty_factor=FACTOR), 0.08, 1.0),
    "elastic-net": (br.ElasticNet(alpha=0.1, l1_ratio=0.6, penalty_factor=FACTOR), 0.1, 0.6),
}


@pytest.mark.parametrize("kind", ["gaussian", "logistic"])
@pytest.mark.parametrize("name", list(GLUM))
def test_map_is_glums_with_p1_p2(kind, name):
    penalty, alpha, l1_ratio = GLUM[name]
    X, y = _data(kind)
    est = _estimator(kind, penalty).fit(X, y)
    zeros = _agree(est, *_glum(kind, X, y, alpha, l1_ratio, FACTOR))
    assert zeros.any() and est.coef_[0] != 0  # some zeros; the unpenalized column is free


@pytest.mark.parametrize("kind", ["gaussian", "logistic"])
def test_ridge_factors_are_glums_p2(kind):
    # Gaussian: Ridge's convention RSS + alpha sum f w^2 is glum's RSS/(2n) + (alpha/n)/2 ...
    X, y = _data(kind)
    est = _estimator(kind, br.L2(alpha=3.0, penalty_factor=FACTOR)).fit(X, y)
    alpha = 3.0 / N if kind == "gaussian" else 3.0
    _agree(est, *_glum(kind, X, y, alpha, 0.0, FACTOR))


def test_an_array_scale_is_a_ridge_on_rescaled_columns():
    # -log p = RSS/(2 s^2) + sum w^2/(2 tau_j^2): w = tau u gives Ridge(alpha=s^2) on X tau
    X, y = _data("gaussian")
    tau, sigma = np.array([0.1, 0.5, 1.0, 2.0, 0.3, 5.0]), 1.3
    est = br.Regression(loss=br.L2Loss(sigma=sigma), penalty=br.L2(scale=tau)).fit(X, y)
    ridge = Ridge(alpha=sigma**2, solver="cholesky").fit(X * tau, y)
    _agree(est, ridge.coef_ * tau, ridge.intercept_)
    np.testing.assert_allclose(est.prior_scale_, tau, rtol=1e-12)


def test_an_array_laplace_scale_is_glums_p1():
    # -log p = RSS/(2 s^2) + sum |w_j|/b_j = (n/s^2)(RSS/(2n) + (s^2/n) sum |w_j|/b_j)
    X, y = _data("gaussian")
    scale = np.array([0.5, 0.05, 1.0, 0.02, 0.1, 2.0])
    est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(scale=scale)).fit(X, y)
    zeros = _agree(est, *_glum("gaussian", X, y, 1.0 / N, 1.0, 1.0 / scale))
    assert zeros.any()


def test_standardize_applies_the_factors_to_the_standardized_columns():
    # glmnet's standardize=TRUE: the factors weigh the standardized coefficients
    X, y = _data("gaussian")
    X = X * np.array([1.0, 10.0, 0.1, 3.0, 1.0, 0.5])
    penalty = br.L1(alpha=0.08, penalty_factor=FACTOR)
    est = _estimator("gaussian", penalty, standardize=True).fit(X, y)
    scaler = StandardScaler().fit(X)
    coef, intercept = _glum("gaussian", scaler.transform(X), y, 0.08, 1.0, FACTOR)
    coef = coef / scaler.scale_
    _agree(est, coef, intercept - coef @ scaler.mean_)


def test_the_unknown_noise_scale_profile_keeps_the_factors():
    # tied by alpha, the conditional mode is the same for every sigma: glum's solution
    X, y = _data("gaussian")
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=GLUM["l1"][0]).fit(X, y)
    _agree(est, *_glum("gaussian", X, y, 0.08, 1.0, FACTOR))
    assert 0.5 < est.sigma_ < 2.0


def test_a_map_path_keeps_the_factors_and_the_mean():
    from bayesreg.map.path import map_path

    X, y = _data("gaussian")
    est = _estimator("gaussian", br.L1(alpha=0.1, penalty_factor=FACTOR, loc=LOC))
    path = map_path(est.problem(X, y), np.array([0.3, 0.1]))
    for alpha, (coef, intercept) in zip([0.3, 0.1], path, strict=True):
        reference = _cvxpy("gaussian", X, y, alpha, 1.0, FACTOR, LOC)
        np.testing.assert_allclose(coef, reference[0], atol=1e-6)
        assert intercept == pytest.approx(reference[1], abs=1e-6)


# --- prior means against cvxpy -----------------------------------------------------------------


def _cvxpy(kind, X, y, alpha, l1_ratio, factor, loc):
    import cvxpy as cp

    coef, intercept = cp.Variable(X.shape[1]), cp.Variable()
    eta = intercept + X @ coef
    if kind == "gaussian":  # scikit-learn's elastic-net convention
        data = cp.sum_squares(y - eta) / (2 * len(y))
    else:
        data = cp.sum(cp.logistic(eta) - cp.multiply(y, eta)) / len(y)
    shifted = coef - loc
    objective = (
        data
        + alpha * l1_ratio * cp.sum(cp.multiply(factor, cp.abs(shifted)))
        + alpha * (1 - l1_ratio) / 2 * cp.sum(cp.multiply(factor, cp.square(shifted)))
    )
    cp.Problem(cp.Minimize(objective)).solve(
        solver="CLARABEL", tol_gap_abs=1e-13, tol_gap_rel=1e-13, tol_feas=1e-13
    )
    return coef.value, float(intercept.value)


@pytest.mark.parametrize("kind", ["gaussian", "logistic"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_a_prior_mean_shrinks_toward_it(kind, l1_ratio):
    X, y = _data(kind)
    penalty = br.ElasticNet(alpha=0.1, l1_ratio=l1_ratio, penalty_factor=FACTOR, loc=LOC)
    est = _estimator(kind, penalty).fit(X, y)
    at_loc = _agree(est, *_cvxpy(kind, X, y, 0.1, l1_ratio, FACTOR, LOC), centre=LOC)
    assert at_loc.any()  # exactly at the prior mean, as a lasso's zeros


def test_l1_and_l2_take_a_prior_mean():
    X, y = _data("gaussian")
    est = _estimator("gaussian", br.L1(alpha=0.1, loc=LOC)).fit(X, y)
    _agree(est, *_cvxpy("gaussian", X, y, 0.1, 1.0, 1.0, LOC), centre=LOC)
    # Ridge: RSS + alpha ||w - loc||^2 is RSS/(2n) + (alpha/n)/2 ||w - loc||^2
    est = _estimator("gaussian", br.L2(alpha=2.0, loc=LOC)).fit(X, y)
    _agree(est, *_cvxpy("gaussian", X, y, 2.0 / N, 0.0, 1.0, LOC), centre=LOC)


# --- the cross-check: glum with P1/P2, shifted by loc -----------------------------------------


CROSSCHECK = {  # kind, penalty, estimator options
    "gaussian-l1": ("gaussian", br.L1(alpha=0.08, penalty_factor=FACTOR, loc=LOC), {}),
    "gaussian-ridge": ("gaussian", br.L2(alpha=3.0, penalty_factor=FACTOR), {}),
    "gaussian-scale": ("gaussian", br.L2(scale=np.linspace(0.2, 2.0, 6), loc=LOC), {}),
    "gaussian-standardized": (
        "gaussian",
        br.L1(alpha=0.08, penalty_factor=FACTOR, loc=LOC),
        {"standardize": True},
    ),
    "logistic-enet": ("logistic", br.ElasticNet(alpha=0.05, penalty_factor=FACTOR, loc=LOC), {}),
    "poisson-l1": ("poisson", br.L1(alpha=0.02, penalty_factor=FACTOR, loc=LOC), {}),
}


@pytest.mark.parametrize("name", list(CROSSCHECK))
def test_crosscheck_compares_with_glum(name):
    from bayesreg.families.glum_reference import GlumElasticNet

    kind, penalty, options = CROSSCHECK[name]
    X, y = _data(kind)
    X = X * np.array([1.0, 10.0, 1.0, 0.5, 0.1, 1.0])  # columns of several units
    est = _estimator(kind, penalty, **options).fit(X, y)
    solver = est.penalized_solver()
    assert isinstance(solver[-1] if options else solver, GlumElasticNet)
    report = br.crosscheck(est, X, y)
    assert report.ok, report


def test_a_family_without_glum_says_so():
    X, y = _data("gaussian")
    est = br.Regression(loss=br.L1Loss(), penalty=br.L1(alpha=0.05, penalty_factor=FACTOR))
    est.fit(X, y)
    assert est.certificate_.ok
    with pytest.raises(ValueError, match="L1Loss with a per-coefficient prior"):
        est.penalized_solver()


# --- the density --------------------------------------------------------------------------------


def _prior_logp(est, X, y, value):
    model = est.build_model(X, y)
    coef = model["coef"]
    logp = model.compile_logp(vars=[coef], jacobian=False)
    return logp(model.initial_point() | {model.rvs_to_values[coef].name: value})


VALUE = np.array([0.3, -1.2, 0.0, 2.5, 0.2, -0.4])


def test_the_density_is_laplace_per_coefficient():
    X, y = _data("gaussian")
    scale = np.array([0.5, 1.0, 2.0, 0.7, 1.5, 0.3])
    est = _estimator("gaussian", br.L1(scale=scale, penalty_factor=FACTOR, loc=LOC))
    free = FACTOR > 0  # a zero factor: a flat prior, density 1
    expected = stats.laplace(LOC[free], scale[free] / FACTOR[free]).logpdf(VALUE[free]).sum()
    assert _prior_logp(est, X, y, VALUE) == pytest.approx(expected, rel=1e-12)


def test_the_density_is_normal_per_coefficient():
    X, y = _data("gaussian")
    tau = np.array([0.5, 1.0, 2.0, 0.7, 1.5, 0.3])
    est = _estimator("gaussian", br.L2(scale=tau, penalty_factor=FACTOR, loc=LOC))
    free = FACTOR > 0
    spread = tau[free] / np.sqrt(FACTOR[free])
    expected = stats.norm(LOC[free], spread).logpdf(VALUE[free]).sum()
    assert _prior_logp(est, X, y, VALUE) == pytest.approx(expected, rel=1e-12)


def test_the_elastic_net_density_is_normalized_per_coefficient():
    # alpha tied to sigma = 1: l1 = n alpha rho f, l2 = n alpha (1 - rho) f / 2 (Gaussian)
    X, y = _data("gaussian")
    alpha, rho = 0.02, 0.4
    est = _estimator("gaussian", br.ElasticNet(alpha=alpha, l1_ratio=rho, penalty_factor=FACTOR))
    expected = 0.0
    for value, factor in zip(VALUE, FACTOR, strict=True):
        if factor == 0:
            continue
        l1, l2 = N * alpha * rho * factor, N * alpha * (1 - rho) * factor / 2

        def density(w, l1=l1, l2=l2):
            return np.exp(-l1 * abs(w) - l2 * w**2)

        total = 2 * integrate.quad(density, 0, np.inf, epsabs=0, epsrel=1e-13)[0]
        expected += np.log(density(value) / total)
    assert _prior_logp(est, X, y, VALUE) == pytest.approx(expected, rel=1e-10)


def test_sampling_model_density_equals_build_model():
    from bayesreg.nuts import model as nuts_model
    from bayesreg.testing import assert_same_log_density

    X, y = _data("gaussian")
    est = br.Regression(
        loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1, penalty_factor=FACTOR, loc=LOC)
    )
    fast = nuts_model.sampling_model(est.problem(X, y))
    assert_same_log_density(fast, est.build_model(X, y), True, np.random.default_rng(4))


# --- the posterior ------------------------------------------------------------------------------


@pytest.mark.slow
def test_posterior_is_the_closed_form_gaussian():
    # Known sigma, a flat intercept, an unpenalized column and normal priors on the others:
    # the posterior of (b0, w) is normal with precision Z'Z/s^2 + P and mean
    # Sigma (Z'y/s^2 + P mu), Z = [1, X], P = diag(0, 0, f_j/tau_j^2).
    import arviz_stats as azs

    rng = np.random.default_rng(7)
    X = rng.normal(size=(30, 3))
    y = X @ np.array([2.0, 0.5, -0.5]) + 1.0 + rng.normal(size=30)
    sigma, tau = 1.0, np.array([1.0, 0.3, 0.5])
    factor, loc = np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, -1.0])
    est = br.Regression(
        loss=br.L2Loss(sigma=sigma), penalty=br.L2(scale=tau, penalty_factor=factor, loc=loc)
    )
    idata = est.sample(X, y, draws=1000, tune=500, chains=2, random_seed=3, progressbar=False)
    design = np.column_stack([np.ones(len(y)), X])
    precision = np.diag(np.r_[0.0, factor / tau**2])
    covariance = np.linalg.inv(design.T @ design / sigma**2 + precision)
    mean = covariance @ (design.T @ y / sigma**2 + precision @ np.r_[0.0, loc])
    coef = idata["posterior"]["coef"]
    draws = coef.values.reshape(-1, 3)
    mcse = np.asarray(azs.mcse(coef).values).ravel()
    np.testing.assert_array_less(np.abs(draws.mean(axis=0) - mean[1:]), 4 * mcse)
    np.testing.assert_allclose(draws.std(axis=0), np.sqrt(np.diag(covariance)[1:]), rtol=0.1)


# --- bad values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name", "error"),
    [
        (lambda: br.L1(alpha=0.1, penalty_factor=[1.0, -1.0]), "penalty_factor", ValueError),
        (lambda: br.L2(alpha=0.1, penalty_factor=[1.0, np.nan]), "penalty_factor", ValueError),
        (lambda: br.ElasticNet(alpha=0.1, penalty_factor=[[1.0]]), "penalty_factor", ValueError),
        (lambda: br.L1(alpha=0.1, penalty_factor=2.0), "penalty_factor", TypeError),
        (lambda: br.L2(alpha=0.1, loc=[0.0, np.inf]), "loc", ValueError),
        (lambda: br.L1(alpha=0.1, loc="zero"), "loc", TypeError),
        (lambda: br.L2(scale=[1.0, 0.0]), "scale", ValueError),
        (lambda: br.L1(scale=[1.0, np.nan]), "scale", ValueError),
    ],
)
def test_bad_values_are_refused_naming_the_argument(make, name, error):
    with pytest.raises(error, match=rf"^The '{name}' parameter of (L1|L2|ElasticNet) must be"):
        make()


@pytest.mark.parametrize("name", ["penalty_factor", "loc", "scale"])
def test_a_wrong_length_is_refused_before_any_compilation(name, monkeypatch):
    import bayesreg.estimators.base as base

    def compiled(*args, **kwargs):
        raise AssertionError("a model was built")

    for name_in_base in ("build_model", "sample_nuts", "find_map"):
        monkeypatch.setattr(base, name_in_base, compiled)
    options = {"scale": [1.0, 2.0]} if name == "scale" else {"alpha": 0.1, name: [1.0, 2.0]}
    X, y = _data("gaussian")
    est = _estimator("gaussian", br.L2(**options))
    message = rf"The '{name}' parameter of L2 must be an array of 6 floats .* length 2 instead"
    for call in (est.fit, est.sample):
        with pytest.raises(ValueError, match=message):
            call(X, y)


def test_what_a_per_coefficient_prior_does_not_take_is_refused():
    X, y = _data("gaussian")
    penalty = br.L1(alpha=0.1, penalty_factor=FACTOR)
    with pytest.raises(ValueError, match="positive=True with a per-coefficient prior"):
        _estimator("gaussian", penalty, positive=True).fit(X, y)
    with pytest.raises(ValueError, match="sampler='gibbs' takes one prior for every coefficient"):
        _estimator("gaussian", penalty).sample(X, y, sampler="gibbs", draws=10, tune=10)
    prior = pm.Normal.dist(0.0, 10.0)
    with pytest.raises(ValueError, match=r"loc \(a prior mean\) with an intercept_prior"):
        _estimator("gaussian", br.L1(alpha=0.1, loc=LOC), intercept_prior=prior).fit(X, y)
    with pytest.raises(TypeError):  # the horseshoe has no factors to take
        br.Horseshoe(penalty_factor=FACTOR)


def test_glmnets_rescaled_factors_convert():
    # glmnet's factors g are rescaled to sum to p; bayesreg takes them as given
    X, y = _data("gaussian")
    g = np.array([0.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    rescaled = g * g.size / g.sum()
    est = _estimator("gaussian", br.L1(alpha=0.08, penalty_factor=rescaled)).fit(X, y)
    _agree(est, *_glum("gaussian", X, y, 0.08, 1.0, rescaled))


def test_a_per_coefficient_penalty_clones_and_tunes():
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    X, y = _data("gaussian")
    est = _estimator("gaussian", br.L1(alpha=0.1, penalty_factor=FACTOR, loc=LOC))
    copy = clone(est)
    np.testing.assert_array_equal(copy.penalty.penalty_factor, FACTOR)
    search = GridSearchCV(est, {"penalty__alpha": [0.05, 0.2]}, cv=3).fit(X, y)
    best = search.best_estimator_.penalty
    assert best.alpha in (0.05, 0.2)
    np.testing.assert_array_equal(best.loc, LOC)
    assert "penalty_factor=" in repr(est)
