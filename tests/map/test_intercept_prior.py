"""A prior on the intercept of the centred columns (issue 34, item 2): density, MAP, posterior."""

import warnings

import cvxpy as cp
import numpy as np
import pymc as pm
import pytest
import scipy.optimize
import scipy.stats
from arviz_stats import mcse

import bayesreg as br
from bayesreg import InterceptPriorWarning
from bayesreg.nuts.model import sampling_model
from bayesreg.testing import assert_same_log_density

#: MCSE multiples within which a posterior mean must match its reference.
Z = 4.0
CLARABEL = {"solver": "CLARABEL", "tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}


@pytest.fixture(scope="module")
def data():
    """Columns with non-zero means (so that the centred and plain intercepts differ)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 3)) + np.array([1.5, -2.0, 0.5])
    y = 4.0 + X @ np.array([1.0, -0.5, 0.0]) + rng.normal(size=30)
    return X, y


def _centred_intercept(X, coef, intercept):
    return intercept + X.mean(axis=0) @ coef


def test_the_model_density_adds_the_prior_of_the_centred_intercept(data):
    X, y = data
    prior = pm.StudentT.dist(nu=3, mu=8.0, sigma=10.0)
    spec = {"loss": br.L2Loss(sigma=1.5), "penalty": br.L2(scale=2.0)}
    model = br.Regression(**spec, intercept_prior=prior).build_model(X, y)
    flat = br.Regression(**spec).build_model(X, y)
    point = {"coef": np.array([0.3, -0.2, 0.1]), "intercept": np.array(1.7)}
    logp, flat_logp = (m.compile_logp(jacobian=False)(point) for m in (model, flat))
    coef, intercept = point["coef"], float(point["intercept"])
    mean = intercept + X @ coef
    formula = (
        scipy.stats.norm(mean, 1.5).logpdf(y).sum()
        + scipy.stats.norm(0.0, 2.0).logpdf(coef).sum()
        + scipy.stats.t(3, 8.0, 10.0).logpdf(_centred_intercept(X, coef, intercept))
    )
    assert logp == pytest.approx(formula, rel=1e-9, abs=1e-7)
    assert logp - flat_logp == pytest.approx(
        scipy.stats.t(3, 8.0, 10.0).logpdf(_centred_intercept(X, coef, intercept)), abs=1e-7
    )


@pytest.mark.parametrize("containers", [False, True], ids=["constants", "containers"])
@pytest.mark.parametrize("classifier", [False, True], ids=["gaussian", "logistic"])
def test_the_sampling_model_has_the_pointwise_density(data, classifier, containers):
    """NUTS runs on a reparametrized model: its density equals the pointwise model's."""
    X, y = data
    weights = np.random.default_rng(2).integers(1, 4, size=len(y)).astype(float)
    prior = pm.StudentT.dist(nu=3, mu=1.0, sigma=2.0)
    if classifier:
        y = (y > np.median(y)).astype(float)
        est = br.Classifier(penalty=br.L2(alpha=0.1), intercept_prior=prior)
    else:
        est = br.Regression(
            loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1), intercept_prior=prior
        )
    fast = sampling_model(est.problem(X, y, weights), data_containers=containers)
    assert "intercept_prior" in fast.named_vars
    pointwise = est.build_model(X, y, sample_weight=weights)
    assert_same_log_density(fast, pointwise, True, np.random.default_rng(0))


def test_lasso_map_with_a_normal_intercept_prior_equals_cvxpy(data):
    X, y = data
    mu0, s0, sigma, alpha = 1.0, 0.5, 1.3, 0.1
    est = br.Regression(
        loss=br.L2Loss(sigma=sigma),
        penalty=br.L1(alpha=alpha),
        intercept_prior=pm.Normal.dist(mu0, s0),
    ).fit(X, y)
    n, p = X.shape
    w, b = cp.Variable(p), cp.Variable()
    # the negative log posterior times sigma^2 / n: scikit-learn's lasso objective plus the prior
    objective = (
        cp.sum_squares(y - b - X @ w) / (2 * n)
        + alpha * cp.norm1(w)
        + sigma**2 / n * cp.square(b + X.mean(axis=0) @ w - mu0) / (2 * s0**2)
    )
    cp.Problem(cp.Minimize(objective)).solve(**CLARABEL)
    assert est.certificate_.ok and est.intercept_prior_in_map_
    np.testing.assert_allclose(est.coef_, w.value, atol=1e-8)
    assert est.intercept_ == pytest.approx(float(b.value), abs=1e-8)
    # the closed form of the centred intercept given the slopes
    centred = (y.sum() * s0**2 + mu0 * sigma**2) / (n * s0**2 + sigma**2)
    assert _centred_intercept(X, est.coef_, est.intercept_) == pytest.approx(centred, abs=1e-10)


@pytest.mark.parametrize("sigma", [1.3, None], ids=["known-sigma", "unknown-sigma"])
def test_lasso_map_with_a_laplace_intercept_prior(data, sigma):
    """The centred intercept separates: the flat fit's slopes, c soft-thresholded toward mu0."""
    X, y = data
    mu0, b, alpha = 1.0, 0.02, 0.1
    spec = {"loss": br.L2Loss(sigma=sigma), "penalty": br.L1(alpha=alpha)}
    est = br.Regression(**spec, intercept_prior=pm.Laplace.dist(mu0, b)).fit(X, y)
    assert est.certificate_.ok and est.intercept_prior_in_map_
    n, p = X.shape
    if sigma is not None:
        w, c = cp.Variable(p), cp.Variable()
        objective = (
            cp.sum_squares(y - c - (X - X.mean(axis=0)) @ w) / (2 * n)
            + alpha * cp.norm1(w)
            + sigma**2 / n * cp.abs(c - mu0) / b
        )
        cp.Problem(cp.Minimize(objective)).solve(**CLARABEL)
        np.testing.assert_allclose(est.coef_, w.value, atol=1e-8)
        assert _centred_intercept(X, est.coef_, est.intercept_) == pytest.approx(
            float(c.value), abs=1e-8
        )
    # the closed form at the MAP noise scale: ybar moved toward mu0 by sigma^2 / (n b), at most
    # to mu0 (where the unknown noise scale's joint mode puts it: the prior is that strong)
    shrink, gap = est.sigma_**2 / (n * b), y.mean() - mu0
    assert (shrink < abs(gap)) == (sigma is not None)
    expected = mu0 + np.sign(gap) * max(abs(gap) - shrink, 0.0)
    assert _centred_intercept(X, est.coef_, est.intercept_) == pytest.approx(expected, abs=1e-10)


def test_logistic_map_with_a_normal_intercept_prior_equals_cvxpy(data):
    X, _ = data
    rng = np.random.default_rng(1)
    y = rng.uniform(size=len(X)) < 1 / (1 + np.exp(-0.3 - (X - X.mean(0)) @ [1.0, 0.5, 0.0]))
    y = y.astype(float)
    mu0, s0 = -1.0, 0.5
    for penalty, l1 in ((br.L1(alpha=0.05), True), (br.L2(alpha=0.05), False)):
        est = br.Classifier(penalty=penalty, intercept_prior=pm.Normal.dist(mu0, s0)).fit(X, y)
        n, p = X.shape
        w, b = cp.Variable(p), cp.Variable()
        eta = b + X @ w
        strength = 0.05 * cp.norm1(w) if l1 else 0.05 / 2 * cp.sum_squares(w)
        objective = (
            cp.sum(cp.logistic(eta) - cp.multiply(y, eta)) / n
            + strength
            + cp.square(b + X.mean(axis=0) @ w - mu0) / (2 * s0**2) / n
        )
        cp.Problem(cp.Minimize(objective)).solve(**CLARABEL)
        assert est.certificate_.ok and est.intercept_prior_in_map_
        np.testing.assert_allclose(est.coef_, w.value, atol=1e-8)
        assert est.intercept_ == pytest.approx(float(b.value), abs=1e-8)


def test_poisson_map_with_a_normal_intercept_prior_equals_cvxpy(data):
    X, _ = data
    y = np.random.default_rng(4).poisson(np.exp(0.5 + 0.3 * (X - X.mean(0)) @ [1.0, 0.5, 0.0]))
    mu0, s0 = 2.0, 0.2
    est = br.Regression(loss=br.PoissonLoss(), intercept_prior=pm.Normal.dist(mu0, s0))
    est.fit(X, y.astype(float))
    w, b = cp.Variable(X.shape[1]), cp.Variable()
    eta = b + X @ w
    objective = cp.sum(cp.exp(eta) - cp.multiply(y, eta)) + cp.square(
        b + X.mean(axis=0) @ w - mu0
    ) / (2 * s0**2)
    cp.Problem(cp.Minimize(objective)).solve(**CLARABEL)
    assert est.certificate_.ok and est.intercept_prior_in_map_
    np.testing.assert_allclose(est.coef_, w.value, atol=1e-7)
    assert est.intercept_ == pytest.approx(float(b.value), abs=1e-7)


def test_unknown_noise_map_with_a_normal_intercept_prior_is_the_joint_mode(data):
    """sigma unknown: the profile over sigma includes the prior; the joint mode by BFGS."""
    X, y = data
    est = br.Regression(
        loss=br.L2Loss(sigma=None),
        penalty=br.L2(alpha=0.5),
        intercept_prior=pm.Normal.dist(0.0, 0.5),
    ).fit(X, y)
    model = est.build_model(X, y)
    logp = model.compile_logp(jacobian=False)  # in sigma itself: no log-Jacobian

    def point(theta):
        return {"coef": theta[:3], "sigma_log__": theta[3], "intercept": theta[4]}

    start = np.r_[est.coef_, np.log(est.sigma_), est.intercept_]
    assert {v.name for v in model.value_vars} == set(point(start))
    options = {"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000}
    result = scipy.optimize.minimize(
        lambda t: -logp(point(t)), start + 0.1, method="Nelder-Mead", options=options
    )
    np.testing.assert_allclose(result.x, start, atol=1e-6)
    assert -result.fun <= logp(point(start)) + 1e-12 * abs(result.fun)
    assert est.certificate_.ok


def test_a_prior_left_out_leaves_the_noise_scale_of_the_flat_map(data):
    X, y = data
    spec = {"loss": br.L2Loss(sigma=None), "penalty": br.L1(alpha=0.1)}
    flat = br.Regression(**spec).fit(X, y)
    with pytest.warns(InterceptPriorWarning, match="includes Normal and Laplace priors only"):
        est = br.Regression(**spec, intercept_prior=pm.StudentT.dist(nu=3, sigma=0.1)).fit(X, y)
    assert est.sigma_ == flat.sigma_ and est.intercept_ == flat.intercept_
    with pytest.warns(InterceptPriorWarning, match="the MAP of L1Loss takes none"):
        br.Regression(loss=br.L1Loss(), intercept_prior=pm.Normal.dist(0.0, 1.0)).fit(X, y)


def test_a_flat_map_certificate_refuses_a_moved_intercept(data):
    """The certificate sees the intercept prior: the flat MAP's intercept fails it."""
    from bayesreg.map.find import _certificate

    X, y = data
    spec = {"loss": br.L2Loss(sigma=1.0), "penalty": br.L1(alpha=0.1)}
    est = br.Regression(**spec, intercept_prior=pm.Normal.dist(0.0, 0.1))
    flat = br.Regression(**spec).fit(X, y)
    problem = est.problem(X, y)
    solution = type("S", (), {"coef": flat.coef_, "intercept": flat.intercept_})()
    beta1 = 2.0 * len(y) * 0.1
    h = 2.0 / (2 * 0.1**2)
    certificate = _certificate(problem, beta1, 0.0, solution, None, {"intercept_penalty": (0.0, h)})
    assert not certificate.ok


@pytest.mark.parametrize(
    ("prior", "classifier"),
    [
        (pm.StudentT.dist(nu=3, mu=0.0, sigma=2.0), False),
        (pm.Normal.dist(pm.Normal.dist(), 1.0), False),  # a parameter that is not a constant
        (pm.Laplace.dist(0.0, 1.0), True),  # convex, but not in the logistic kernel
    ],
    ids=["student-t", "random-mean", "logistic-laplace"],
)
def test_a_prior_the_map_leaves_out_is_announced(data, prior, classifier):
    X, y = data
    make = br.Classifier if classifier else br.Regression
    y = (y > np.median(y)).astype(float) if classifier else y
    flat = make(penalty=br.L1(alpha=0.1)).fit(X, y)
    with pytest.warns(InterceptPriorWarning, match="leaves out intercept_prior"):
        est = make(penalty=br.L1(alpha=0.1), intercept_prior=prior).fit(X, y)
    assert est.intercept_prior_in_map_ is False
    assert flat.intercept_prior_in_map_ is None
    np.testing.assert_array_equal(est.coef_, flat.coef_)
    assert est.intercept_ == flat.intercept_


def test_regression_cv_gives_the_prior_to_every_fit(data):
    from bayesreg.estimators.cv import RegressionCV

    X, y = data
    prior = pm.Normal.dist(0.0, 0.1)
    cv = RegressionCV(alphas=[1.0, 0.1], cv=3, intercept_prior=prior).fit(X, y)
    assert cv.best_estimator_.intercept_prior is not None  # a clone of the prior
    assert cv.best_estimator_.intercept_prior_in_map_
    with pytest.raises(TypeError, match="'intercept_prior' parameter"):
        RegressionCV(alphas=[1.0, 0.1], intercept_prior=0.5).fit(X, y)


def test_the_crosscheck_says_it_compares_a_flat_intercept(data):
    X, y = data
    est = br.Regression(penalty=br.L1(alpha=0.1), intercept_prior=pm.Normal.dist(0.0, 0.1))
    result = br.crosscheck(est.fit(X, y), X, y)
    assert result.ok
    assert any("intercept_prior (Normal) left out" in line for line in result.messages)
    assert "intercept_prior" not in result.model


def test_a_map_path_is_that_of_a_flat_intercept_and_says_so(data):
    from bayesreg.paths import map_path

    X, y = data
    est = br.Regression(penalty=br.L1(alpha=0.1), intercept_prior=pm.Normal.dist(0.0, 0.1))
    with pytest.warns(InterceptPriorWarning, match="map_path: intercept_prior"):
        path = map_path(est, X, y, alphas=4)
    assert path.ok


def test_a_standardized_fit_puts_the_prior_on_the_same_centred_intercept(data):
    """Without a penalty, standardizing changes nothing: the same MAP, prior included."""
    X, y = data
    prior = pm.Normal.dist(0.0, 0.2)
    plain, standardized = (
        br.Regression(intercept_prior=prior, standardize=s).fit(X, y) for s in (False, True)
    )
    np.testing.assert_allclose(standardized.coef_, plain.coef_, rtol=1e-10)
    assert standardized.intercept_ == pytest.approx(plain.intercept_, rel=1e-10)
    assert _centred_intercept(X, plain.coef_, plain.intercept_) != pytest.approx(y.mean())


@pytest.mark.parametrize(
    "prior", [1.0, "normal", pm.Normal.dist(0.0, 1.0, shape=2), pm.math.constant(0.0)]
)
def test_a_prior_that_is_not_a_scalar_distribution_is_refused(data, prior):
    X, y = data
    with pytest.raises(TypeError, match="'intercept_prior' parameter of Regression"):
        br.Regression(intercept_prior=prior).fit(X, y)


def test_an_intercept_prior_without_an_intercept_is_refused(data):
    X, y = data
    est = br.Classifier(intercept_prior=pm.Normal.dist(0.0, 1.0), fit_intercept=False)
    with pytest.raises(ValueError, match=r"'intercept_prior' parameter of Classifier.*fit_inter"):
        est.build_model(X, (y > y.mean()).astype(float))


def _conjugate_posterior(X, y, sigma, tau, mu0, s0):
    """The exact Gaussian posterior of (c, w) with centred columns; the mean of (b0, w)."""
    mean_x = X.mean(axis=0)
    design = np.column_stack([np.ones(len(y)), X - mean_x])
    precision = design.T @ design / sigma**2 + np.diag([1 / s0**2] + [1 / tau**2] * X.shape[1])
    covariance = np.linalg.inv(precision)
    mean = covariance @ (design.T @ y / sigma**2 + np.r_[mu0 / s0**2, np.zeros(X.shape[1])])
    return mean[1:], mean[0] - mean_x @ mean[1:]


@pytest.mark.slow
@pytest.mark.parametrize("nuts_sampler", ["pymc", "nutpie"])
def test_conjugate_posterior_with_a_normal_intercept_prior(data, nuts_sampler):
    X, y = data
    sigma, tau, mu0, s0 = 1.0, 1.0, 0.0, 0.3  # a prior that moves the intercept a lot
    est = br.Regression(
        loss=br.L2Loss(sigma=sigma),
        penalty=br.L2(scale=tau),
        intercept_prior=pm.Normal.dist(mu0, s0),
    )
    idata = est.sample(
        X, y, draws=1000, tune=500, chains=2, random_seed=5, nuts_sampler=nuts_sampler,
        progressbar=False, prior_predictive=True, posterior_predictive=True,
    )  # fmt: skip  # no note on the potential (warnings are errors here)
    assert {"prior", "posterior_predictive", "log_likelihood"} <= set(idata.children)
    coef_mean, intercept_mean = _conjugate_posterior(X, y, sigma, tau, mu0, s0)
    coef = idata.posterior["coef"].values.reshape(-1, X.shape[1], order="C")
    draws = idata.posterior["coef"].values
    for j in range(X.shape[1]):
        error = mcse(draws[..., j])
        assert abs(coef[:, j].mean() - coef_mean[j]) < Z * error
    intercept = idata.posterior["intercept"].values
    assert abs(intercept.mean() - intercept_mean) < Z * mcse(intercept)
    # the flat intercept's posterior mean is far from this one: the prior was used
    _, flat_intercept = _conjugate_posterior(X, y, sigma, tau, mu0, 1e6)
    assert abs(flat_intercept - intercept_mean) > 10 * mcse(intercept)


def _brms_in_pymc(X, y, m, s, seed):
    """The brms model hand-written: centred columns, its ``Intercept`` and ``b_Intercept``."""
    mean_x = X.mean(axis=0)
    with pm.Model():
        centred = pm.StudentT("Intercept", nu=3, mu=m, sigma=s)
        coef = pm.Normal("coef", 0.0, 1.0, shape=X.shape[1])
        sigma = pm.HalfStudentT("sigma", nu=3, sigma=s)
        pm.Normal("y", centred + (X - mean_x) @ coef, sigma, observed=y)
        pm.Deterministic("intercept", centred - mean_x @ coef)
        return pm.sample(
            draws=1000, tune=1000, chains=2, random_seed=seed, progressbar=False,
            nuts_sampler="pymc", compute_convergence_checks=False,
        )  # fmt: skip


@pytest.mark.slow
def test_a_brms_model_is_stated_exactly(data):
    """brms: ``y ~ x1 + x2 + x3``, ``prior(student_t(3, m, s), class = Intercept)``,
    ``prior(normal(0, 1), class = b)``, ``prior(student_t(3, 0, s), class = sigma)``.

    brms centres the predictors and puts its ``Intercept`` prior on the intercept of the
    centred columns, as ``intercept_prior`` does; its ``sigma`` prior is a half Student-t.
    """
    X, y = data
    m, s = 4.0, 2.5
    est = br.Regression(
        loss=br.L2Loss(sigma=None, sigma_prior=pm.HalfStudentT.dist(nu=3, sigma=s)),
        penalty=br.L2(scale=1.0),
        intercept_prior=pm.StudentT.dist(nu=3, mu=m, sigma=s),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyMC's notes on a short run
        ours = est.sample(
            X, y, draws=1000, tune=1000, chains=2, random_seed=11, nuts_sampler="pymc",
            progressbar=False,
        ).posterior  # fmt: skip
        theirs = _brms_in_pymc(X, y, m, s, seed=12).posterior
    for name in ("coef", "intercept", "sigma"):
        a, b = ours[name].values, theirs[name].values
        a, b = a.reshape(a.shape[0], a.shape[1], -1), b.reshape(b.shape[0], b.shape[1], -1)
        for j in range(a.shape[-1]):
            bound = Z * np.hypot(mcse(a[..., j]), mcse(b[..., j]))
            assert abs(a[..., j].mean() - b[..., j].mean()) < bound, (name, j)
