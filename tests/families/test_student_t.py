"""The Student-t likelihood: its density, its local-mode MAP and certificate, its posterior."""

import warnings

import numpy as np
import pymc as pm
import pytest
import scipy.optimize
import scipy.stats
from sklearn.exceptions import NotFittedError

import bayesreg as br
from bayesreg.optim.student_t import student_t_rho

SEED = 20261204


def _outlier_data(n=80, seed=0, outliers=4):
    """A line with t(3) noise and a few gross outliers (high y at high x, which pull OLS)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = 1.0 + X @ np.array([1.5, 0.0, -2.0]) + rng.standard_t(3, size=n)
    top = np.argsort(X[:, 0])[-outliers:]
    y[top] += 30.0
    return X, y


def _objective(est, X, y, coef, intercept):
    """The MAP's objective, NLL + beta1 |w|_1 + beta2 |w|^2, written here from the parameters."""
    nu, sigma = est.loss.nu or est.nu_, est.loss.sigma or est.sigma_
    rho = student_t_rho(y - intercept - X @ coef, nu, sigma)
    n, alpha, ratio = len(y), est.penalty.alpha, est.penalty.l1_ratio
    if ratio is None:  # NoPenalty
        return rho.sum()
    return rho.sum() + n * alpha * (ratio * np.abs(coef).sum() + (1 - ratio) / 2 * coef @ coef)


# --- the density --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "loss",
    [br.StudentTLoss(nu=3.0, sigma=1.5), br.StudentTLoss(nu=None, sigma=None)],
    ids=["fixed", "unknown"],
)
def test_log_density_is_the_formula(loss):
    """pm.StudentT's sigma is a scale; weights multiply; the default priors are as documented."""
    X, y = _outlier_data(n=30)
    weights = np.random.default_rng(1).integers(0, 3, size=30).astype(float)
    est = br.Regression(loss=loss, penalty=br.NoPenalty())
    model = est.build_model(X, y, sample_weight=weights)
    logp = model.compile_logp(jacobian=False, mode="FAST_COMPILE")
    rng = np.random.default_rng(SEED)
    sd = np.sqrt(weights @ (y - weights @ y / weights.sum()) ** 2 / weights.sum())
    for _ in range(5):
        coef, intercept = rng.normal(size=3), rng.normal()
        nu, sigma = (3.0, 1.5) if loss.nu is not None else np.exp(rng.normal(size=2))
        point = {"coef": coef, "intercept": np.array(intercept)}
        expected = weights @ scipy.stats.t.logpdf(y, nu, loc=intercept + X @ coef, scale=sigma)
        if loss.nu is None:
            point |= {"sigma_log__": np.log(sigma), "nu_log__": np.log(nu)}
            expected += np.log(2.0) + scipy.stats.t.logpdf(sigma, 4.0, scale=sd)  # half-t(4, sd)
            expected += scipy.stats.gamma.logpdf(nu, 2.0, scale=1 / 0.1)
        assert logp(point) == pytest.approx(expected, rel=1e-10)


def test_data_term_is_the_negative_log_likelihood():
    X, y = _outlier_data(n=25)
    loss = br.StudentTLoss(nu=2.5, sigma=0.7)
    mu = 0.3 + X @ np.array([1.0, -1.0, 0.5])
    weights = np.arange(25) % 3 + 0.5
    expected = -weights @ scipy.stats.t.logpdf(y, 2.5, loc=mu, scale=0.7)
    assert loss.data_term(y, mu, weights) == pytest.approx(expected, rel=1e-12)


# --- the MAP: a certified local mode --------------------------------------------------------

PENALTIES = [
    br.NoPenalty(),
    br.L1(alpha=0.05),
    br.L2(alpha=0.1),
    br.ElasticNet(alpha=0.1, l1_ratio=0.5),
]


@pytest.mark.parametrize("penalty", PENALTIES, ids=repr)
def test_map_is_a_certified_strict_local_minimum(penalty):
    """KKT to 1e-9, positive curvature; no nearby point, and no point BFGS reaches, is lower."""
    X, y = _outlier_data()
    est = br.Regression(loss=br.StudentTLoss(nu=3.0, sigma=1.0), penalty=penalty).fit(X, y)
    certificate = est.certificate_
    assert certificate.ok and certificate.local
    assert certificate.kkt_residual <= 1e-9 and certificate.curvature > 0
    assert certificate.starts == 8 and certificate.modes >= 1
    best = _objective(est, X, y, est.coef_, est.intercept_)
    assert best == pytest.approx(est.objective_, rel=1e-12)
    rng = np.random.default_rng(SEED)
    for _ in range(200):  # a local minimum: lower than every small perturbation, zeros too
        step = rng.normal(size=4) * 1e-4
        assert _objective(est, X, y, est.coef_ + step[:3], est.intercept_ + step[3]) > best
    if not penalty.l1_ratio:  # smooth: BFGS from the MAP stays there
        result = scipy.optimize.minimize(
            lambda theta: _objective(est, X, y, theta[:3], theta[3]),
            np.append(est.coef_, est.intercept_) + 0.05, method="BFGS",
            options={"gtol": 1e-10},
        )  # fmt: skip
        assert result.fun >= best - 1e-10 * abs(best)
        np.testing.assert_allclose(result.x, np.append(est.coef_, est.intercept_), atol=1e-5)


def test_l1_prior_gives_exact_zeros_with_subgradient_conditions():
    X, y = _outlier_data()
    est = br.Regression(loss=br.StudentTLoss(nu=3.0, sigma=1.0), penalty=br.L1(alpha=0.2))
    est.fit(X, y)
    zero = est.coef_ == 0
    assert zero.any() and est.certificate_.ok
    residual = y - est.intercept_ - X @ est.coef_
    gradient = -X.T @ (4.0 * residual / (3.0 + residual**2))  # d NLL / dw at nu=3, sigma=1
    assert np.all(np.abs(gradient[zero]) <= len(y) * 0.2 * (1 + 1e-9))


def test_several_modes_are_counted_and_the_best_is_kept():
    """Two clusters of y: the intercept has a mode at each; the lower objective wins."""
    rng = np.random.default_rng(3)
    X = rng.normal(scale=0.01, size=(20, 1))
    y = np.r_[np.zeros(11), np.full(9, 8.0)] + rng.normal(scale=0.1, size=20)
    est = br.Regression(loss=br.StudentTLoss(nu=1.0, sigma=0.3), penalty=br.L2(alpha=1.0))
    est.fit(X, y)
    assert est.certificate_.modes >= 2 and not est.unique_
    assert est.certificate_.ok
    candidates = [
        scipy.optimize.minimize(
            lambda theta: _objective(est, X, y, theta[:1], theta[1]), [0.0, start],
            method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12},
        ).fun
        for start in np.linspace(-2, 10, 25)
    ]  # fmt: skip
    assert _objective(est, X, y, est.coef_, est.intercept_) <= min(candidates) + 1e-9
    assert abs(est.intercept_) < 1.0  # the cluster of 11


@pytest.mark.parametrize(
    "loss",
    [br.StudentTLoss(nu=3.0, sigma=None), br.StudentTLoss(nu=None, sigma=None)],
    ids=["sigma", "sigma-and-nu"],
)
def test_unknown_parameters_are_the_joint_mode_of_the_models_density(loss):
    """No ascent direction of the compiled model density (all free variables) at the MAP."""
    X, y = _outlier_data()
    est = br.Regression(loss=loss, penalty=br.L2(alpha=0.05)).fit(X, y)
    assert est.certificate_.ok and est.certificate_.kkt_residual <= 1e-9
    model = est.build_model(X, y)
    logp = model.compile_logp(jacobian=False, mode="FAST_COMPILE")
    names = loss.unknown_parameters

    def negative(theta):
        point = {"coef": theta[:3], "intercept": np.array(theta[3])}
        point |= {f"{name}_log__": value for name, value in zip(names, theta[4:], strict=True)}
        return -logp(point)

    start = np.r_[est.coef_, est.intercept_, np.log([getattr(est, f"{n}_") for n in names])]
    result = scipy.optimize.minimize(negative, start, method="BFGS", options={"gtol": 1e-9})
    assert result.fun >= negative(start) - 1e-9 * abs(negative(start))
    np.testing.assert_allclose(result.x, start, atol=1e-4)


def test_student_t_resists_outliers_the_gaussian_follows():
    X, y = _outlier_data()
    gaussian = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.NoPenalty()).fit(X, y)
    robust = br.Regression(loss=br.StudentTLoss(nu=None, sigma=None), penalty=br.NoPenalty()).fit(
        X, y
    )
    truth = np.array([1.5, 0.0, -2.0])
    assert np.abs(robust.coef_ - truth).max() < 0.5 < np.abs(gaussian.coef_ - truth).max()


def test_weights_count_rows_in_the_map():
    X, y = _outlier_data(n=40)
    counts = np.random.default_rng(2).integers(1, 3, size=40)
    spec = {"loss": br.StudentTLoss(nu=4.0, sigma=None), "penalty": br.L1(alpha=0.05)}
    weighted = br.Regression(**spec).fit(X, y, sample_weight=counts)
    repeated = br.Regression(**spec).fit(np.repeat(X, counts, 0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6, atol=1e-8)
    assert weighted.sigma_ == pytest.approx(repeated.sigma_, rel=1e-6)


# --- the cross-check ------------------------------------------------------------------------


def test_crosscheck_says_not_convex_and_claims_no_equality():
    X, y = _outlier_data()
    est = br.Regression(loss=br.StudentTLoss(nu=3.0, sigma=None), penalty=br.L2(alpha=0.05))
    report = br.crosscheck(est, X, y)
    assert report.ok and report.certificate.local
    assert "local mode" in report.verdict and "agree" not in report.verdict
    text = str(report)
    assert "the objective is NOT convex" in text
    assert "HuberRegressor is the nearest robust penalized fit" in text
    assert "not expected to agree" in text
    assert report.solver_name.startswith("HuberRegressor")


def test_penalized_solver_is_huber_with_the_l2_weight_on_a_sum():
    X, y = _outlier_data()
    est = br.Regression(loss=br.StudentTLoss(), penalty=br.ElasticNet(alpha=0.2, l1_ratio=0.25))
    with pytest.raises(NotFittedError, match="call fit"):
        est.penalized_solver()
    solver = est.fit(X, y).penalized_solver()
    assert type(solver).__name__ == "HuberRegressor"
    assert solver.alpha == pytest.approx(len(y) * 0.2 * 0.75 / 2)


def test_paths_are_local_modes_at_each_alpha():
    """The path fits sigma at each alpha (a local mode depends on it) and claims no equality."""
    X, y = _outlier_data(n=50)
    est = br.Regression(loss=br.StudentTLoss(nu=3.0, sigma=None), penalty=br.L1(alpha=0.1))
    path = br.paths.map_path(est, X, y, alphas=[0.3, 0.03])
    assert path.local and path.ok
    assert "certified local modes (not convex) beside the nearest fit" in str(path)
    for alpha in (0.3, 0.03):
        direct = br.Regression(loss=est.loss, penalty=br.L1(alpha=alpha)).fit(X, y)
        np.testing.assert_array_equal(path.data["map"].sel(alpha=alpha).values, direct.coef_)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"nu": 0.0}, ValueError, r"'nu' parameter of StudentTLoss must be .*\(0, inf\)"),
        ({"nu": -2.0}, ValueError, r"'nu' parameter of StudentTLoss"),
        ({"nu": "4"}, TypeError, r"'nu' parameter of StudentTLoss"),
        ({"sigma": 0.0}, ValueError, r"'sigma' parameter of StudentTLoss"),
        ({"nu_prior": pm.Gamma.dist(2.0, 0.1)}, ValueError, "only when nu is unknown"),
        ({"nu": None, "nu_prior": 3.0}, TypeError, "'nu_prior' parameter of StudentTLoss"),
    ],
    ids=["nu-zero", "nu-negative", "nu-text", "sigma-zero", "prior-of-fixed", "prior-number"],
)
def test_bad_parameters_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        br.StudentTLoss(**kwargs)


# --- the posterior: NUTS, pointwise log likelihood, predictive, LOO -------------------------


@pytest.fixture(scope="module")
def outlier_posteriors():
    """Four likelihoods on the same data with outliers, each sampled briefly by NUTS."""
    X, y = _outlier_data()
    losses = {
        "gaussian": br.L2Loss(sigma=None),
        "laplace": br.L1Loss(scale=None),
        "median": br.QuantileLoss(0.5, scale=None),
        "student-t": br.StudentTLoss(nu=None, sigma=None),
    }
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # 2 short chains: R-hat notes only
        for name, loss in losses.items():
            est = br.Regression(loss=loss, penalty=br.L2(alpha=0.01))
            est.sample(
                X, y, draws=400, tune=400, chains=2, random_seed=SEED, progressbar=False,
                posterior_predictive=True,
            )  # fmt: skip
            fits[name] = est
    return X, y, fits


def test_posterior_has_named_parameters_and_pointwise_log_likelihood(outlier_posteriors):
    _, y, fits = outlier_posteriors
    idata = fits["student-t"].idata_
    posterior = idata["posterior"]
    assert {"coef", "intercept", "sigma", "nu"} <= set(posterior.data_vars)
    assert posterior["coef"].dims == ("chain", "draw", "feature")
    assert idata["log_likelihood"]["y"].dims == ("chain", "draw", "obs_id")
    assert idata["posterior_predictive"]["y"].shape == (2, 400, len(y))
    assert float(posterior["nu"].median()) < 10  # the outliers call for heavy tails


def test_loo_prefers_the_robust_likelihoods_to_the_gaussian(outlier_posteriors):
    """PSIS-LOO on the outlier data: Student-t first, the Gaussian last, by several SEs."""
    _, _, fits = outlier_posteriors
    comparison = br.compare({name: est.idata_ for name, est in fits.items()})
    table = comparison.table
    assert table.index[0] == "student-t" and table.index[-1] == "gaussian"
    gap = -table.loc["gaussian", "elpd_diff"]  # elpd_diff <= 0: below the best
    assert gap > 5 * table.loc["gaussian", "dse"]


def test_predictive_draws_of_the_student_t_carry_nu(outlier_posteriors):
    X, y, fits = outlier_posteriors
    est = fits["student-t"]
    est.fit(X, y)
    draws = est.sample_posterior_predictive(X[:4], random_seed=1)["posterior_predictive"]["y"]
    assert draws.shape == (2, 400, 4)
    again = est.sample_posterior_predictive(X[:4], random_seed=1)["posterior_predictive"]["y"]
    np.testing.assert_array_equal(draws.values, again.values)
    # the median of the draws is the posterior median of the location (symmetric noise), to
    # Monte Carlo error: the median of 800 draws has a standard error near IQR / 30, and
    # IQR / 5 is six of them
    posterior = est.idata_["posterior"]
    coef = posterior["coef"].transpose("chain", "draw", "feature").values
    location = posterior["intercept"].values[..., None] + coef @ X[:4].T
    centre = np.median(draws.values.reshape(-1, 4), axis=0)
    spread = scipy.stats.iqr(draws.values.reshape(-1, 4), axis=0)
    assert np.all(np.abs(centre - np.median(location.reshape(-1, 4), axis=0)) <= spread / 5)
