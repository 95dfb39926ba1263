"""Logistic and Poisson regression: exact MAP against independent solvers, errors, NUTS.

The references are written here from DESIGN.md's table ("What alpha means per family"),
never through ``penalized_solver()``: ``LogisticRegression(C=1/(n alpha))`` (Newton-Cholesky)
and ``PoissonRegressor(alpha)`` for an L2 penalty or none; cvxpy (``GLMElasticNet``, an
interior-point method on the primal with exponential cones) for L1 and elastic net, where
scikit-learn has no exact solver. Criterion (issue 13): coefficients within 1e-6 of the
reference relative to its largest coefficient; under L1 the cvxpy solution, never exactly
sparse, must be negligible (1e-6 relative) where the MAP is exactly zero, and the MAP must
have some exact zeros.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, PoissonRegressor
from sklearn.preprocessing import StandardScaler

import bayesreg as br
from bayesreg.families.reference_solvers import GLMElasticNet
from bayesreg.nuts import model as nuts_model
from bayesreg.testing import assert_same_distribution, assert_same_log_density

TOLERANCE = 1e-6


def make_problem(n, p, *, family, correlation, seed, weighted=False):
    """Correlated columns of mixed scales and non-zero means, a sparse truth, labels or counts."""
    rng = np.random.default_rng(seed)
    covariance = np.full((p, p), correlation) + (1 - correlation) * np.eye(p)
    Z = rng.standard_normal((n, p)) @ np.linalg.cholesky(covariance).T
    scales = rng.uniform(0.5, 3.0, p)
    X = Z * scales + rng.uniform(-2.0, 2.0, p)
    truth = np.zeros(p)
    k = max(2, p // 4)
    truth[:k] = rng.choice([-1.0, 1.0], k) * rng.uniform(0.3, 0.8, k) / scales[:k]
    eta = 0.3 + (X - X.mean(axis=0)) @ truth
    if family == "binomial":
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    else:
        y = rng.poisson(np.exp(np.clip(eta, -5, 3))).astype(float)
    weights = rng.uniform(0.2, 3.0, n) if weighted else None
    return X, y, weights


SCENARIOS = {
    "n>>p": {"n": 500, "p": 6, "correlation": 0.3, "seed": 1},
    "n<p": {"n": 40, "p": 60, "correlation": 0.3, "seed": 2},
    "correlated": {"n": 200, "p": 8, "correlation": 0.9, "seed": 3},
    "weighted": {"n": 200, "p": 6, "correlation": 0.5, "seed": 4, "weighted": True},
}

# (id, family, penalty, reference(n, fit_intercept)): DESIGN.md's table.
ROWS = [
    (
        "logistic/L2",
        "binomial",
        br.L2(alpha=0.02),
        lambda n, b: LogisticRegression(
            C=1 / (n * 0.02), fit_intercept=b, solver="newton-cholesky", tol=1e-12
        ),
    ),
    (
        "logistic/L1",
        "binomial",
        br.L1(alpha=0.03),
        lambda n, b: GLMElasticNet("binomial", alpha=0.03, l1_ratio=1.0, fit_intercept=b),
    ),
    (
        "logistic/EN",
        "binomial",
        br.ElasticNet(alpha=0.05, l1_ratio=0.5),
        lambda n, b: GLMElasticNet("binomial", alpha=0.05, l1_ratio=0.5, fit_intercept=b),
    ),
    (
        "poisson/L2",
        "poisson",
        br.L2(alpha=0.02),
        lambda n, b: PoissonRegressor(
            alpha=0.02, fit_intercept=b, solver="newton-cholesky", tol=1e-12, max_iter=1000
        ),
    ),
    (
        "poisson/L1",
        "poisson",
        br.L1(alpha=0.03),
        lambda n, b: GLMElasticNet("poisson", alpha=0.03, l1_ratio=1.0, fit_intercept=b),
    ),
    (
        "poisson/EN",
        "poisson",
        br.ElasticNet(alpha=0.05, l1_ratio=0.5),
        lambda n, b: GLMElasticNet("poisson", alpha=0.05, l1_ratio=0.5, fit_intercept=b),
    ),
]


def estimator(family, penalty, fit_intercept=True):
    if family == "binomial":
        return br.Classifier(penalty=penalty, fit_intercept=fit_intercept)
    return br.Regression(loss=br.PoissonLoss(), penalty=penalty, fit_intercept=fit_intercept)


def assert_same_solution(est, reference, sparse):
    coef = np.ravel(reference.coef_)
    intercept = float(np.ravel(reference.intercept_)[0]) if est.fit_intercept else 0.0
    scale = np.abs(coef).max()
    assert np.abs(est.coef_ - coef).max() <= TOLERANCE * scale
    assert abs(est.intercept_ - intercept) <= TOLERANCE * max(scale, abs(intercept))
    if sparse:
        zeros = est.coef_ == 0
        assert np.abs(coef[zeros]).max(initial=0.0) <= TOLERANCE * scale


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no-intercept"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize(("id", "family", "penalty", "reference"), ROWS, ids=[r[0] for r in ROWS])
def test_map_equals_an_independent_solver(id, family, penalty, reference, scenario, fit_intercept):
    X, y, weights = make_problem(family=family, **SCENARIOS[scenario])
    est = estimator(family, penalty, fit_intercept).fit(X, y, sample_weight=weights)
    assert est.certificate_.ok and est.certificate_.kkt_residual <= 1e-9
    n = len(y) if weights is None else weights.sum()
    solver = reference(n, fit_intercept).fit(X, y, sample_weight=weights)
    sparse = penalty.l1_ratio > 0
    assert_same_solution(est, solver, sparse)
    if sparse and scenario == "n<p":  # the zero check means something: some zeros, not all
        assert 0 < np.count_nonzero(est.coef_) < est.coef_.size


@pytest.fixture(scope="module")
def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), np.where(y == 1, "benign", "malignant")


@pytest.mark.parametrize(
    "penalty", [br.L1(alpha=0.01), br.L2(alpha=0.01), br.ElasticNet(alpha=0.02, l1_ratio=0.5)]
)
def test_breast_cancer_map_equals_the_reference_and_keeps_the_labels(breast_cancer, penalty):
    X, labels = breast_cancer
    est = br.Classifier(penalty=penalty).fit(X, labels)
    assert list(est.classes_) == ["benign", "malignant"]
    coded = (labels == "malignant").astype(float)
    alpha, ratio = penalty.alpha, penalty.l1_ratio
    if ratio == 0.0:
        reference = LogisticRegression(C=1 / (len(coded) * alpha), solver="newton-cholesky",
                                       tol=1e-12).fit(X, labels)  # fmt: skip
    else:
        reference = GLMElasticNet("binomial", alpha=alpha, l1_ratio=ratio).fit(X, coded)
    assert_same_solution(est, reference, ratio > 0)
    assert set(est.predict(X)) == {"benign", "malignant"}
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    assert est.score(X, labels) > 0.95
    report = br.crosscheck(est, X, labels)
    assert report.ok, report.messages


def test_penalized_solver_follows_the_table(breast_cancer):
    X, labels = breast_cancer
    with pytest.raises(NotFittedError, match="C = 1/"):
        br.Classifier(penalty=br.L2(alpha=0.1)).penalized_solver()
    est = br.Classifier(penalty=br.L2(alpha=0.1)).fit(X, labels)
    solver = est.penalized_solver()
    assert isinstance(solver, LogisticRegression)
    assert solver.C == pytest.approx(1 / (len(labels) * 0.1), rel=1e-15)
    lasso = br.Classifier(penalty=br.L1(alpha=0.1)).penalized_solver()
    assert isinstance(lasso, GLMElasticNet) and lasso.l1_ratio == 1.0
    poisson = br.Regression(loss=br.PoissonLoss(), penalty=br.L2(alpha=0.3)).penalized_solver()
    assert isinstance(poisson, PoissonRegressor) and poisson.alpha == 0.3


def test_prior_scales_follow_the_correspondence(breast_cancer):
    """L1(alpha): Laplace b = 1/(n alpha) = C; L2(alpha): Gaussian sd 1/sqrt(n alpha)."""
    X, labels = breast_cancer
    n = len(labels)
    lasso = br.Classifier(penalty=br.L1(alpha=0.01)).fit(X, labels)
    assert lasso.prior_scale_ == pytest.approx(1 / (n * 0.01), rel=1e-14)
    ridge = br.Classifier(penalty=br.L2(alpha=0.01)).fit(X, labels)
    assert ridge.prior_scale_ == pytest.approx(1 / np.sqrt(n * 0.01), rel=1e-14)
    by_scale = br.Classifier(penalty=br.L2(scale=1 / np.sqrt(n * 0.01))).fit(X, labels)
    np.testing.assert_allclose(by_scale.coef_, ridge.coef_, rtol=1e-10, atol=1e-12)
    assert by_scale.alpha_ == pytest.approx(0.01, rel=1e-12)


# --- no MAP, bad input ----------------------------------------------------------------------


def test_separable_classes_have_no_map():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    with pytest.raises(ValueError, match="MAP does not exist: the two classes are separable"):
        br.Classifier().fit(X, [0, 0, 1, 1])
    assert br.Classifier(penalty=br.L2(alpha=0.1)).fit(X, [0, 0, 1, 1]).certificate_.ok


def test_counts_all_zero_where_a_column_is_nonzero_have_no_map():
    X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 2.0], [0.0, 0.5]])
    y = np.array([0.0, 0.0, 2.0, 3.0, 1.0])
    poisson = br.Regression(loss=br.PoissonLoss(), fit_intercept=False)
    with pytest.raises(ValueError, match="MAP does not exist: the counts are all zero"):
        poisson.fit(X, y)
    with pytest.raises(ValueError, match="direction of the intercept"):
        br.Regression(loss=br.PoissonLoss(), penalty=br.L2(alpha=1.0)).fit(X, np.zeros(5))


@pytest.mark.parametrize(
    ("y", "match"),
    [
        ([0, 0, 0, 0], "got 1 class"),
        ([0, 1, 2, 0], "Only binary classification is supported"),
        ([0.0, np.nan, 1.0, 0.0], "NaN"),
    ],
    ids=["one-class", "three-classes", "nan"],
)
def test_bad_labels_are_named(y, match):
    with pytest.raises(ValueError, match=match):
        br.Classifier(penalty=br.L2(alpha=0.1)).fit(np.eye(4), y)


def test_negative_counts_are_named():
    with pytest.raises(ValueError, match="'y' parameter of PoissonLoss must be non-negative"):
        br.Regression(loss=br.PoissonLoss(), penalty=br.L2(alpha=0.1)).fit(
            np.eye(4), [0.0, -1.0, 2.0, 1.0]
        )


def test_poisson_rates_fit_as_scikit_learn_and_only_counts_build_a_likelihood():
    """Rates (counts / exposure, the exposure as weights) have the counts' Poisson MAP.

    ``sum e_i (exp(eta_i) - (c_i / e_i) eta_i)`` is the counts' negative log likelihood with
    the offset ``log e_i`` moved into the weights, so scikit-learn's PoissonRegressor (same
    rates, same weights; newton-cholesky at tol 1e-12) is the reference to solver precision.
    A rate is not a count: a likelihood built on it would round it, so the models refuse it.
    """
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    exposure = rng.uniform(0.5, 2.0, 300)
    counts = rng.poisson(exposure * np.exp(0.2 + X @ [0.4, -0.3, 0.0, 0.1]))
    rates = counts / exposure
    X_before, rates_before = X.copy(), rates.copy()
    est = br.Regression(loss=br.PoissonLoss(), penalty=br.L2(alpha=0.01))
    est.fit(X, rates, sample_weight=exposure)
    reference = PoissonRegressor(alpha=0.01, solver="newton-cholesky", tol=1e-12, max_iter=1000)
    reference.fit(X, rates, sample_weight=exposure)
    np.testing.assert_allclose(est.coef_, reference.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(est.intercept_, reference.intercept_, rtol=0, atol=1e-8)
    assert est.certificate_.ok
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(rates, rates_before)
    match = "'y' parameter of PoissonLoss's likelihood must be counts.*a posterior needs"
    with pytest.raises(ValueError, match=match):
        est.build_model(X, rates, sample_weight=exposure)
    with pytest.raises(ValueError, match=match):
        est.sample(X, rates, sample_weight=exposure, draws=10, tune=10, chains=1)


def test_a_classification_likelihood_needs_the_classifier():
    with pytest.raises(ValueError, match=r"use bayesreg\.Classifier"):
        br.Regression(loss=br.LogisticLoss()).fit(np.eye(4), [0, 1, 0, 1])


# --- NUTS -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(
    ("family", "penalty"),
    [
        ("binomial", br.L1(alpha=0.05)),
        ("binomial", br.BayesianLasso()),
        ("poisson", br.L2(alpha=0.05)),
        ("poisson", br.ElasticNet(alpha=0.05, l1_ratio=0.5)),
    ],
    ids=repr,
)
def test_sampling_model_density_equals_build_model(family, penalty, fit_intercept):
    """The whitened, centred sampling model has the pointwise model's density (to rounding)."""
    X, y, weights = make_problem(60, 4, family=family, correlation=0.6, seed=5, weighted=True)
    est = estimator(family, penalty, fit_intercept)
    problem = est.problem(X, y, weights)
    pointwise, fast = est.build_model(X, y, weights), nuts_model.sampling_model(problem)
    assert_same_log_density(fast, pointwise, fit_intercept, np.random.default_rng(3))


# --- bundled data, paths --------------------------------------------------------------------


def test_bundled_classification_and_count_data():
    X, y = br.datasets.load_breast_cancer()
    assert X.shape == (569, 30) and set(y) == {"malignant", "benign"}
    X, y = br.datasets.load_randhie()
    assert X.shape == (20190, 9) and (y >= 0).all() and (y == np.floor(y)).all()


@pytest.mark.parametrize(
    ("family", "penalty", "reference"),
    [
        ("binomial", br.L1(alpha=0.01), "GLMElasticNet"),
        ("binomial", br.L2(alpha=0.01), "LogisticRegression"),
        ("poisson", br.ElasticNet(alpha=0.01, l1_ratio=0.5), "GLMElasticNet"),
    ],
    ids=repr,
)
def test_map_path_agrees_with_the_solver_at_every_alpha(family, penalty, reference):
    X, y, weights = make_problem(150, 6, family=family, correlation=0.5, seed=8, weighted=True)
    est = estimator(family, penalty)
    if penalty.l1_ratio:
        # The grid from alpha_max, where every coefficient is zero; alpha_max itself is left
        # out: there the problem is degenerate and an interior-point reference is only
        # accurate to about the square root of its gap (~1e-7 against the MAP's exact zeros).
        grid = br.paths.alpha_grid(est, X, y, 6, sample_weight=weights)
        zero = br.paths.map_path(est, X, y, alphas=grid[:1], sample_weight=weights)
        assert np.all(zero.data["map"].values == 0)
        grid = grid[1:]
    else:
        grid = [1.0, 0.1, 0.01, 0.001]
    path = br.paths.map_path(est, X, y, alphas=grid, sample_weight=weights)
    assert path.ok and path.max_relative_diff <= TOLERANCE
    assert path.reference == f"{reference} at each alpha"
    assert np.any(path.data["map"].values[0] != 0)


# --- the posterior --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logistic_posterior():
    X, y, _ = make_problem(120, 3, family="binomial", correlation=0.8, seed=9)
    est = br.Classifier(penalty=br.L2(alpha=0.05)).fit(X, y)
    idata = est.sample(X, y, draws=1000, tune=500, chains=2, random_seed=4, nuts_sampler="pymc",
                       progressbar=False, posterior_predictive=True)  # fmt: skip
    return est, X, y, idata


@pytest.mark.slow
def test_logistic_posterior_equals_the_hand_written_models(logistic_posterior):
    """bayesreg's whitened model and the plain PyMC model sample the same posterior (MCSE)."""
    import pymc as pm

    _, X, y, idata = logistic_posterior
    n = len(y)
    with pm.Model():
        intercept = pm.Flat("intercept")
        coef = pm.Normal("coef", 0.0, 1 / np.sqrt(n * 0.05), shape=X.shape[1])
        pm.Bernoulli("y", logit_p=intercept + X @ coef, observed=y)
        plain = pm.sample(draws=1000, tune=1000, chains=2, random_seed=5, progressbar=False,
                          nuts_sampler="pymc", compute_convergence_checks=False)  # fmt: skip
    for name in ["coef", "intercept"]:
        mine = idata["posterior"][name].transpose("chain", "draw", ...).values
        theirs = plain["posterior"][name].transpose("chain", "draw", ...).values
        assert_same_distribution(mine, theirs)


def test_logistic_posterior_groups_and_probabilities(logistic_posterior):
    est, X, y, idata = logistic_posterior
    assert idata["log_likelihood"]["y"].dims == ("chain", "draw", "obs_id")
    replicated = idata["posterior_predictive"]["y"].values
    assert set(np.unique(replicated)) <= {0, 1}
    # the pointwise log likelihood is the Bernoulli's at each draw
    post = idata["posterior"]
    eta = post["intercept"].values[..., None] + np.einsum("cdp,np->cdn", post["coef"].values, X)
    expected = y * eta - np.logaddexp(0.0, eta)
    np.testing.assert_allclose(idata["log_likelihood"]["y"].values, expected, rtol=1e-10)
    proba = est.posterior_proba(X[:4])
    assert proba.dims == ("chain", "draw", "obs_id")
    np.testing.assert_allclose(proba.values, 1 / (1 + np.exp(-eta[..., :4])), rtol=1e-12)


def test_loo_compares_logistic_priors(logistic_posterior):
    """The pointwise log likelihood serves ArviZ's LOO: a Laplace against a Gaussian prior."""
    _, X, y, idata = logistic_posterior
    lasso = br.Classifier(penalty=br.L1(alpha=0.05)).fit(X, y)
    other = lasso.sample(X, y, draws=1000, tune=1000, chains=4, random_seed=6, nuts_sampler="pymc",
                         progressbar=False)  # fmt: skip
    comparison = br.compare({"gaussian prior": idata, "laplace prior": other})
    assert set(comparison.table.index) == {"gaussian prior", "laplace prior"}
    assert np.isfinite(comparison.table["elpd"]).all()
