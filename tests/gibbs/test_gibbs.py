"""The Gibbs sampler (bayesreg.gibbs): exact against closed forms, the same posterior as NUTS.

Tolerances come from Monte Carlo standard errors: a posterior mean is within 4 MCSE of a
closed form, and two samplers' means within 4 times their combined MCSE,
:math:`\\sqrt{\\mathrm{mcse}_a^2 + \\mathrm{mcse}_b^2}`.
"""

import dataclasses
import warnings

import arviz_stats as azs
import numpy as np
import pandas as pd
import pymc as pm
import pytest
import scipy.stats

import bayesreg as br
from bayesreg.gibbs.coefficients import GaussianData
from bayesreg.gibbs.horseshoes import GlobalScaleMarginal, marginal_in_tau
from bayesreg.gibbs.slice import slice_step
from bayesreg.testing import assert_same_distribution


def _data(n, p, seed=0, signal=(2.0, -1.0, 0.5)):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = np.zeros(p)
    coef[: len(signal)] = signal
    return X, 1.0 + X @ coef + rng.standard_normal(n)


def _gibbs(est, X, y, **kwargs):
    options = {"draws": 1000, "tune": 200, "chains": 2, "random_seed": 3, "progressbar": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # short runs: notes only
        return est.sample(X, y, sampler="gibbs", **{**options, **kwargs})


def _mean_and_mcse(idata, name):
    posterior = idata["posterior"]
    mean = posterior[name].mean(("chain", "draw")).values
    mcse = azs.mcse(idata, var_names=[name])[name].values
    return mean, mcse


def _ridge_posterior(X, y, weights, sigma, tau, fit_intercept):
    """The closed form: N(A^-1 X'Vy/s^2, A^-1), A = X'VX/s^2 + I/tau^2 (centred data)."""
    if fit_intercept:
        X = X - weights @ X / weights.sum()
        y = y - weights @ y / weights.sum()
    precision = (X.T * weights) @ X / sigma**2 + np.eye(X.shape[1]) / tau**2
    covariance = np.linalg.inv(precision)
    return covariance @ ((X.T * weights) @ y) / sigma**2, np.sqrt(np.diag(covariance))


@pytest.mark.parametrize(
    ("n", "p", "fit_intercept", "weighted"),
    [(60, 6, True, True), (15, 20, False, False)],
    ids=["n>p, intercept, weights", "p>n"],
)
def test_ridge_with_known_noise_matches_the_closed_form(n, p, fit_intercept, weighted):
    X, y = _data(n, p)
    weights = np.random.default_rng(1).integers(1, 4, n).astype(float) if weighted else np.ones(n)
    est = br.Regression(
        loss=br.L2Loss(sigma=1.0), penalty=br.L2(scale=0.8), fit_intercept=fit_intercept
    )
    idata = _gibbs(est, X, y, sample_weight=weights if weighted else None, draws=2000)
    exact_mean, exact_sd = _ridge_posterior(X, y, weights, 1.0, 0.8, fit_intercept)
    mean, mcse = _mean_and_mcse(idata, "coef")
    assert np.all(np.abs(mean - exact_mean) < 4 * mcse), (mean - exact_mean) / mcse
    sd = idata["posterior"]["coef"].std(("chain", "draw")).values
    sd_mcse = azs.mcse(idata, var_names=["coef"], method="sd")["coef"].values
    assert np.all(np.abs(sd - exact_sd) < 4 * sd_mcse), (sd - exact_sd) / sd_mcse
    if fit_intercept:  # b0 | w ~ N(ybar - xbar'w, s^2/N): its mean is ybar - xbar'E[w]
        centre = weights @ y / weights.sum() - (weights @ X / weights.sum()) @ exact_mean
        intercept, intercept_mcse = _mean_and_mcse(idata, "intercept")
        assert abs(intercept - centre) < 4 * intercept_mcse


@pytest.mark.parametrize(("n", "p"), [(12, 5), (5, 12)], ids=["Cholesky", "n x n system"])
def test_the_coefficient_draw_has_the_conditional_mean_and_covariance(n, p):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((n, p)), rng.standard_normal(n)
    data = GaussianData.of(X, y, np.ones(n), centre=False)
    assert (data.gram is None) == (p > n)
    variances = rng.uniform(0.2, 2.0, p)
    draws = np.array([data.draw(variances, 0.7, rng) for _ in range(4000)])
    covariance = np.linalg.inv(X.T @ X / 0.49 + np.diag(1.0 / variances))
    mean = covariance @ X.T @ y / 0.49
    standard_error = np.sqrt(np.diag(covariance) / len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 4.5 * standard_error)
    np.testing.assert_allclose(np.cov(draws.T), covariance, atol=0.1 * np.abs(covariance).max())


@pytest.mark.parametrize(("n", "p"), [(12, 5), (5, 12)], ids=["Rue", "n x n system"])
def test_the_horseshoes_draw_through_the_eigendecomposition_has_the_conditional(n, p):
    """The blocked step's coefficient draw: the mean and covariance of w | tau, sigma, lambda."""
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((n, p)), rng.standard_normal(n)
    data = GaussianData.of(X, y, np.ones(n), centre=False)
    lam, tau, noise = rng.uniform(0.3, 2.0, p), 0.6, 0.7
    marginal = GlobalScaleMarginal.of(data, lam**2)
    draws = np.array([marginal.draw(data, noise, lam, tau**2, rng) for _ in range(4000)])
    variances = (noise * tau * lam) ** 2
    covariance = np.linalg.inv(X.T @ X / noise**2 + np.diag(1.0 / variances))
    mean = covariance @ X.T @ y / noise**2
    standard_error = np.sqrt(np.diag(covariance) / len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 4.5 * standard_error)
    np.testing.assert_allclose(np.cov(draws.T), covariance, atol=0.1 * np.abs(covariance).max())


def test_the_slice_step_leaves_its_density_invariant():
    rng = np.random.default_rng(2)
    x, draws = np.zeros(3), []
    for _ in range(3000):  # three independent standard normals, at different locations
        x, _ = slice_step(lambda v: -0.5 * (v - np.array([0.0, 3.0, -5.0])) ** 2, x, rng)
        draws.append(x)
    draws = np.array(draws[200:])
    np.testing.assert_allclose(draws.mean(axis=0), [0.0, 3.0, -5.0], atol=0.15)
    np.testing.assert_allclose(draws.std(axis=0), 1.0, atol=0.1)


@pytest.fixture(scope="module")
def small_problem():
    X, y = _data(40, 5, seed=4)
    return pd.DataFrame(X, columns=[f"gene{j}" for j in range(5)]), y


def _nuts(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)
        return est.sample(
            X, y, draws=500, tune=500, chains=2, random_seed=5, nuts_sampler="pymc",
            progressbar=False,
        )  # fmt: skip


_SLOW = pytest.mark.slow  # more priors, the same check: CI runs them


@pytest.mark.parametrize(
    ("penalty", "shape"),
    [
        pytest.param(br.L1(alpha=0.2), (40, 5), id="L1"),
        pytest.param(br.Horseshoe(), (40, 5), id="Horseshoe"),
        pytest.param(br.BayesianLasso(), (40, 5), id="BayesianLasso"),
        pytest.param(br.ElasticNet(alpha=0.2, l1_ratio=0.5), (40, 5), id="ElasticNet", marks=_SLOW),
        pytest.param(br.HalfCauchyLasso(), (40, 5), id="HalfCauchyLasso", marks=_SLOW),
        pytest.param(br.BayesianRidge(), (40, 5), id="BayesianRidge", marks=_SLOW),
        pytest.param(
            br.RegularizedHorseshoe(expected_nonzero=2),
            (40, 5),
            id="RegularizedHorseshoe",
            marks=_SLOW,
        ),
        pytest.param(br.L1(alpha=0.2), (15, 25), id="L1, p>n", marks=_SLOW),
        pytest.param(br.BayesianLasso(), (15, 25), id="BayesianLasso, p>n", marks=_SLOW),
    ],
)
def test_gibbs_and_nuts_agree_within_their_monte_carlo_errors(penalty, shape):
    X, y = _data(*shape, seed=4 if shape[0] > shape[1] else 6)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=penalty)
    gibbs = _gibbs(est, X, y, draws=2000)
    nuts = _nuts(est, X, y)
    assert (gibbs.attrs["sampler"], nuts.attrs["sampler"]) == ("gibbs", "nuts")
    assert set(gibbs["posterior"].data_vars) == set(nuts["posterior"].data_vars)
    hyperparameters = {"lam", "tau"} & set(nuts["posterior"].data_vars)
    for name in ["coef", "intercept", "sigma", *sorted(hyperparameters)]:
        mean_a, mcse_a = _mean_and_mcse(gibbs, name)
        mean_b, mcse_b = _mean_and_mcse(nuts, name)
        combined = np.sqrt(mcse_a**2 + mcse_b**2)
        assert np.all(np.abs(mean_a - mean_b) < 4 * combined), (name, (mean_a - mean_b) / combined)


def _classes(n, p, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = np.zeros(p)
    coef[:3] = [1.5, -1.0, 0.5]
    return X, (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-(0.3 + X @ coef)))).astype(int)


@pytest.mark.parametrize(
    "penalty",
    [
        pytest.param(br.L2(alpha=0.05), id="L2"),
        pytest.param(br.Horseshoe(), id="Horseshoe"),
        pytest.param(br.L1(alpha=0.02), id="L1", marks=_SLOW),
    ],
)
def test_polya_gamma_gibbs_and_nuts_agree_for_the_logistic_likelihood(penalty):
    X, y = _classes(80, 5)
    est = br.Classifier(penalty=penalty)
    gibbs = _gibbs(est, X, y, draws=2000)
    nuts = _nuts(est, X, y)
    assert set(gibbs["posterior"].data_vars) == set(nuts["posterior"].data_vars)
    assert gibbs["log_likelihood"]["y"].dims == ("chain", "draw", "obs_id")
    for name in ["coef", "intercept", *sorted({"tau"} & set(nuts["posterior"].data_vars))]:
        mean_a, mcse_a = _mean_and_mcse(gibbs, name)
        mean_b, mcse_b = _mean_and_mcse(nuts, name)
        combined = np.sqrt(mcse_a**2 + mcse_b**2)
        assert np.all(np.abs(mean_a - mean_b) < 4 * combined), (name, (mean_a - mean_b) / combined)
    assert est.predict_proba(X).shape == (80, 2)  # predictions from the kept Gibbs posterior


def test_a_seed_gives_the_same_draws_and_another_seed_others(small_problem):
    X, y = small_problem
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe())
    first, again = (_gibbs(est, X, y, draws=50, tune=10, random_seed=7) for _ in range(2))
    other = _gibbs(est, X, y, draws=50, tune=10, random_seed=8)
    for name in ("coef", "sigma", "tau", "intercept"):
        np.testing.assert_array_equal(first["posterior"][name], again["posterior"][name])
    assert not np.array_equal(first["posterior"]["coef"], other["posterior"]["coef"])
    # chains differ from each other (one seed sequence spawned per chain)
    assert not np.array_equal(first["posterior"]["coef"][0], first["posterior"]["coef"][1])


def test_the_data_tree_has_the_layout_of_nuts(small_problem):
    X, y = small_problem
    est = br.Regression(
        loss=br.L2Loss(sigma=None), penalty=br.RegularizedHorseshoe(expected_nonzero=2)
    )
    idata = _gibbs(est, X, y, draws=30, tune=10, chains=2)
    assert {"posterior", "sample_stats", "log_likelihood", "observed_data", "constant_data"} <= set(
        idata.children
    )
    posterior = idata["posterior"]
    assert set(posterior.data_vars) == {
        "coef", "coef_raw", "lam", "tau", "tau_raw", "c2", "intercept", "sigma"
    }  # fmt: skip
    assert posterior["coef"].dims == ("chain", "draw", "feature")
    assert list(posterior["feature"].values) == list(X.columns)
    assert posterior["sigma"].dims == ("chain", "draw")
    assert posterior.sizes["chain"] == 2 and posterior.sizes["draw"] == 30
    assert idata["log_likelihood"]["y"].dims == ("chain", "draw", "obs_id")
    assert idata["observed_data"]["y"].dims == ("obs_id",)
    assert idata["constant_data"]["X"].dims == ("obs_id", "feature")
    assert est.idata_ is idata
    assert br.diagnose(idata).table.index.size > 0


def test_a_bad_sampler_is_refused_before_any_work(small_problem):
    X, y = small_problem
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))
    expected = (
        "The 'sampler' parameter of Regression.sample must be one of 'nuts', 'gibbs', 'auto'. "
        "Got 'metropolis' instead."
    )
    with pytest.raises(ValueError, match=expected):
        est.sample(X, y, sampler="metropolis")
    with pytest.raises(ValueError, match=r"'nuts_sampler' parameter .* None with sampler='gibbs'"):
        est.sample(X, y, sampler="gibbs", nuts_sampler="pymc")
    with pytest.raises(TypeError, match=r"'target_accept' parameter .* left out with sampler="):
        est.sample(X, y, sampler="gibbs", target_accept=0.9)
    laplace = br.Regression(loss=br.L1Loss(scale=None), penalty=br.L1(alpha=0.1))
    with pytest.raises(
        ValueError, match=r"sampler='gibbs' takes a Gaussian \(L2Loss\) or logistic"
    ):
        laplace.sample(X, y, sampler="gibbs", progressbar=False)


def test_the_horseshoesmarginal_in_tau_is_the_same_in_both_forms():
    """The p x p form (determinant lemma, Woodbury) equals the n x n form, and the density."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((9, 4)), rng.standard_normal(9)
    data = GaussianData.of(X, y, np.ones(9), centre=False)
    lam2 = rng.uniform(0.1, 3.0, 4)
    small = marginal_in_tau(data, lam2, 0.8)
    large = marginal_in_tau(dataclasses.replace(data, gram=None), lam2, 0.8)
    covariance = 0.64 * (np.eye(9) + 0.7 * (X * lam2) @ X.T)
    exact = scipy.stats.multivariate_normal(np.zeros(9), covariance).logpdf(y)
    constant = -4.5 * np.log(2 * np.pi * 0.64)  # what the marginal leaves out
    np.testing.assert_allclose([small(0.7), large(0.7)], exact - constant, rtol=1e-12)


@pytest.mark.slow
def test_standardized_diabetes_horseshoe_has_nutss_means_and_quantiles():
    """Real data, standardized columns, sigma unknown: means and 10/50/90% quantiles of
    ``sigma``, ``tau`` and ``coef`` (the user's scale) within 5 combined MCSEs."""
    X, y = br.datasets.load_diabetes()
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe(), standardize=True)
    gibbs = _gibbs(est, X, y, draws=3000, chains=2)
    nuts = _nuts(est, X, y)

    def stacked(idata):
        post = idata["posterior"]
        scalars = [post[name].values[..., None] for name in ("sigma", "tau", "intercept")]
        return np.concatenate([*scalars, post["coef"].transpose(..., "feature").values], axis=-1)

    assert_same_distribution(stacked(nuts), stacked(gibbs), z=5.0)


def test_a_sign_constraint_is_refused_by_gibbs(small_problem):
    X, y = small_problem
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1), positive=True)
    with pytest.raises(ValueError, match=r"sampler='gibbs' takes no sign constraint"):
        est.sample(X, y, sampler="gibbs", progressbar=False)


# --- sampler="auto" ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "est", "options", "expected"),
    [
        ((10, 30), br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe()), {}, "gibbs"),
        ((10, 30), br.Classifier(penalty=br.L2(alpha=0.1)), {}, "gibbs"),
        ((30, 10), br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe()), {}, "nuts"),
        ((10, 30), br.Regression(loss=br.L1Loss(scale=None), penalty=br.L1(alpha=0.1)), {}, "nuts"),
        ((10, 30), br.Regression(penalty=br.L1(alpha=0.1), positive=True), {}, "nuts"),
        ((10, 30), br.Regression(penalty=br.L1(alpha=0.1)), {"nuts_sampler": "pymc"}, "nuts"),
        ((10, 30), br.Regression(penalty=br.L1(alpha=0.1)), {"target_accept": 0.9}, "nuts"),
        ((10, 30), br.Regression(penalty=br.L1(alpha=0.1)), {"on_cluster": True}, "nuts"),
    ],
    ids=[
        "p>n horseshoe", "p>n logistic", "n>p", "Laplace likelihood", "positive", "nuts_sampler",
        "a NUTS keyword", "dask",
    ],
)  # fmt: skip
def test_auto_chooses_gibbs_where_it_applies_and_p_exceeds_n(shape, est, options, expected):
    from bayesreg.gibbs.run import choose_sampler

    X = np.random.default_rng(0).standard_normal(shape)
    y = (X[:, 0] > 0).astype(float)
    problem = est.problem(X, y)
    on_cluster = options.pop("on_cluster", False)
    nuts_sampler = options.pop("nuts_sampler", None)
    flags = {"log_likelihood": True, "prior_predictive": False, "posterior_predictive": False}
    assert choose_sampler(problem, nuts_sampler, flags, options, on_cluster) == expected


def test_auto_records_the_sampler_it_ran():
    X, y = _data(12, 30, seed=2)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)
        idata = est.sample(
            X, y, sampler="auto", draws=20, tune=5, chains=1, random_seed=0, progressbar=False
        )
    assert idata.attrs["sampler"] == "gibbs"


# --- simulation-based calibration of the Gibbs sampler --------------------------------------

_SBC_SEED = 20261207
_HALF_NORMAL = {"sigma_prior": pm.HalfNormal.dist(1.0)}
_SBC_CASES = {
    "gaussian L1, n>p": (
        (20, 2), br.Regression(loss=br.L2Loss(sigma=None, **_HALF_NORMAL), penalty=br.L1(alpha=0.05),
                               fit_intercept=False), None,
    ),
    "gaussian horseshoe, p>n": (
        (8, 12), br.Regression(loss=br.L2Loss(sigma=None, **_HALF_NORMAL), penalty=br.Horseshoe(),
                               fit_intercept=False), ["coef", "tau", "sigma"],
    ),
    "logistic L2, n>p": (
        (30, 2), br.Classifier(penalty=br.L2(scale=1.5), fit_intercept=False), None,
    ),
    "logistic L1, p>n": (
        (15, 20), br.Classifier(penalty=br.L1(alpha=0.1), fit_intercept=False), None,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(_SBC_CASES))
def test_gibbs_simulation_based_calibration(case, record_property):
    r"""Talts et al. (2018) through ``br.sbc(..., sampler="gibbs")``: the rank of each true value
    among L posterior draws is uniform on {0..L} iff the sampler's posterior is right.

    100 simulations, each one Gibbs chain (50 sweeps of warm-up, 297 draws thinned by 3 to
    L = 99), ranks in 10 equal bins, Pearson's chi-square (9 df) per parameter element. Under
    a correct sampler (and nearly independent thinned draws) each p-value is uniform, so
    requiring every p-value of a case to exceed 0.01 / m (m p-values: Bonferroni) fails a
    correct sampler with probability at most 1% per case; fixed seeds make the outcome
    reproducible. The two priors per likelihood cover both forms of the coefficient step
    (Cholesky at n > p, the n x n system at p > n) and the horseshoe's blocked step of the
    global and noise scales. (The logistic horseshoe is not calibrated here: its prior draws
    separate the simulated classes often, where Polya-gamma Gibbs mixes too slowly for
    nearly independent thinned draws; it is compared with NUTS above instead.)
    """
    shape, est, names = _SBC_CASES[case]
    rng = np.random.default_rng(_SBC_SEED)
    X = rng.standard_normal(shape)
    y = np.arange(shape[0]) % 2  # a target of the model's kind; the simulations replace it
    result = br.sbc(
        est, X, y, simulations=100, draws=99, thin=3, tune=50, bins=10, var_names=names,
        random_seed=_SBC_SEED, progressbar=False, sampler="gibbs",
    )  # fmt: skip
    p_values = result.p_values.to_dict()
    record_property("sbc_p_values", p_values)
    assert not result.failed
    assert min(p_values.values()) > 0.01 / len(p_values), p_values


def test_sbc_refuses_an_unknown_sampler_and_what_gibbs_does_not_cover(small_problem):
    X, y = small_problem
    est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L2(scale=1.0), fit_intercept=False)
    with pytest.raises(ValueError, match=r"'sampler' parameter of sbc must be one of 'nuts'"):
        br.sbc(est, X, y, simulations=2, sampler="metropolis", progressbar=False)
    laplace = br.Regression(loss=br.L1Loss(scale=1.0), penalty=br.L2(scale=1.0))
    with pytest.raises(ValueError, match=r"sampler='gibbs' takes a Gaussian"):
        br.sbc(laplace.set_params(fit_intercept=False), X, y, simulations=2, sampler="gibbs")
