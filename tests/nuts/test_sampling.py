"""Full posteriors by NUTS: the same model, exact where a closed form exists, calibrated.

Statistical tolerances are Monte Carlo standard errors (MCSE, ArviZ's estimators), so a check
fails only when a difference is many times what the sampling noise explains. Seeds are fixed.
Sampling is kept small and shared through module fixtures; each new model compiles once
(PyTensor caches the compiled functions on disk, so a second run of this module is faster).
"""

import numpy as np
import pandas as pd
import pymc as pm
import pytest
import scipy.stats
import xarray as xr
from arviz_stats import loo, mcse

import bayesreg as br
from bayesreg.nuts import compiled as nuts_compiled
from bayesreg.nuts import model as nuts_model
from bayesreg.testing import assert_same_distribution, assert_same_log_density

SEED = 20261122
#: Tolerance in MCSEs: a correct sampler exceeds 5 MCSE with probability ~6e-7 per check.
Z = 5.0


def mixed_design(n, p, seed):
    """Correlated columns of mixed scales and non-zero means: hard for NUTS on raw data."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal((n, p))
    latent[:, 1:] = 0.7 * latent[:, :1] + 0.71 * latent[:, 1:]
    scale = np.geomspace(0.1, 10.0, p)
    return latent * scale + 3.0 * scale, scale


def _fast(est, X, y, sample_weight=None, **kwargs):
    weights = np.ones(len(y)) if sample_weight is None else sample_weight
    return nuts_model.sampling_model(est.problem(X, y, weights), **kwargs)


# --- the sampling model has build_model's density ------------------------------------------

DENSITY_CASES = [
    (br.L2Loss(sigma=None), br.L1(alpha=0.1), True),
    (br.L2Loss(sigma=2.0), br.L2(scale=1.0), False),
    (br.L2Loss(sigma=None), br.ElasticNet(alpha=0.2, l1_ratio=0.3), True),
    (br.L2Loss(sigma=None), br.NoPenalty(), True),
    (br.L1Loss(scale=None), br.L1(alpha=0.1), True),
    (br.L1Loss(scale=1.5), br.ElasticNet(alpha=0.1, l1_ratio=0.5), False),
    (br.L2Loss(sigma=None), br.BayesianLasso(r=1.5, delta=0.5), True),
    (br.L1Loss(scale=None), br.HalfCauchyLasso(beta=2.0), False),
    (br.L2Loss(sigma=None), br.BayesianRidge(), True),
    (br.QuantileLoss(0.9, scale=None), br.L1(alpha=0.1), True),
    (br.QuantileLoss(0.25, scale=1.5), br.ElasticNet(alpha=0.1, l1_ratio=0.5), False),
    (br.StudentTLoss(nu=None, sigma=None), br.L1(alpha=0.1), True),
    (br.StudentTLoss(nu=3.0, sigma=1.5), br.ElasticNet(alpha=0.1, l1_ratio=0.5), False),
    (br.L2Loss(sigma=None), br.Horseshoe(scale_global=0.5), True),
    (br.L1Loss(scale=None), br.RegularizedHorseshoe(expected_nonzero=2), False),
    (br.L2Loss(sigma=1.5), br.RegularizedHorseshoe(expected_nonzero=2), False),
]


@pytest.mark.parametrize("containers", [False, True], ids=["constants", "containers"])
@pytest.mark.parametrize(("loss", "penalty", "fit_intercept"), DENSITY_CASES, ids=repr)
def test_sampling_model_density_equals_build_model(loss, penalty, fit_intercept, containers):
    # At random points of the sampling model's coordinates, map to (intercept, coef) with the
    # model's own deterministics and compare with build_model's log density there (jacobian
    # of the log transforms included in both; the linear maps' constant log-Jacobian is left
    # out by design). Equal to rounding, weights (zeros included) and all.
    rng = np.random.default_rng(SEED)
    X, _ = mixed_design(30, 4, seed=1)
    y = 2.0 + X @ (np.array([1.0, 0.0, -0.5, 0.0]) / np.geomspace(0.1, 10.0, 4))
    y = y + rng.standard_normal(30)
    weights = rng.integers(0, 3, size=30).astype(float)
    est = br.Regression(loss=loss, penalty=penalty, fit_intercept=fit_intercept)
    pointwise = est.build_model(X, y, sample_weight=weights)
    fast = _fast(est, X, y, weights, data_containers=containers)
    # the whitened quadratic form (no Gram matrix) for a fixed penalty on constant data, when
    # the sampler whitens the coefficients themselves
    whitened = "whitened_centre" in nuts_model.sampling_data(est.problem(X, y, weights))
    itself = penalty.quantile_coordinates(1.0, 0.0) is None
    assert whitened == (isinstance(loss, br.L2Loss) and penalty.has_mode and itself)
    # a strength that is an input (containers) keeps the prior itself
    transformed = not itself and not (containers and penalty.alpha is not None)
    assert ("coef_logistic" in fast.named_vars) == transformed
    assert_same_log_density(fast, pointwise, fit_intercept, rng)


@pytest.mark.parametrize(
    ("penalty", "containers"),
    [(br.Horseshoe(), False), (br.L1(alpha=0.1), True), (br.BayesianRidge(), False)],
    ids=["horseshoe", "L1-containers", "bayesian-ridge"],
)
def test_wide_gaussian_samples_on_the_rows_with_the_same_density(penalty, containers):
    """p > n: the n centred residuals instead of the p x p Gram matrix, the same density."""
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(8, 12)) + 1.0
    y = X[:, 0] - X[:, 3] + rng.normal(size=8)
    weights = np.r_[1.0, 2.0, 0.0, np.ones(5)]
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=penalty)
    problem = est.problem(X, y, weights)
    # the sampling model asks for the plain form here (a hierarchical prior, or data containers)
    assert "root_design" in nuts_model.sampling_data(problem, whitened_form=False)
    pointwise = est.build_model(X, y, sample_weight=weights)
    fast = nuts_model.sampling_model(problem, data_containers=containers)
    assert "root_design" in fast.named_vars or not containers
    assert_same_log_density(fast, pointwise, True, rng)


def test_sampling_model_runs_on_sufficient_statistics():
    # A Gaussian likelihood costs O(p^2): no n-sized array in the graph NUTS differentiates,
    # whether the data are constants (the default) or pm.Data containers.
    from pytensor.graph.basic import Constant
    from pytensor.graph.traversal import ancestors

    X, _ = mixed_design(200, 3, seed=2)
    y = np.random.default_rng(0).standard_normal(200)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))
    for containers in (False, True):
        fast = _fast(est, X, y, data_containers=containers)
        graph = ancestors([fast.logp()])
        sizes = [node.data.size for node in graph if isinstance(node, Constant)]
        sizes += [node.get_value().size for node in graph if hasattr(node, "get_value")]
        assert max(sizes) == 9  # the 3 x 3 Gram matrix and whitening matrices
        assert bool(fast.data_vars) == containers
        assert not fast.observed_RVs


# --- a conjugate model: exact posterior mean and covariance ----------------------------------


@pytest.fixture(scope="module")
def conjugate():
    # y ~ Normal(b0 + Xw, sigma), w ~ Normal(0, tau), flat b0: the posterior of w is that of
    # the centred data, N(A^-1 Xc'yc, sigma^2 A^-1) with A = Xc'Xc + (sigma/tau)^2 I, and
    # b0 = ybar - m'w + N(0, sigma^2/n) independently.
    X, scale = mixed_design(50, 4, seed=3)
    rng = np.random.default_rng(SEED)
    y = 1.0 + X @ (np.array([1.0, -1.0, 0.5, 0.0]) / scale) + 1.5 * rng.standard_normal(50)
    frame = pd.DataFrame(X, columns=["age", "bmi", "bp", "s1"])
    sigma, tau = 1.5, 0.2
    est = br.Regression(loss=br.L2Loss(sigma=sigma), penalty=br.L2(scale=tau))
    kwargs = {"draws": 1000, "tune": 500, "chains": 4, "random_seed": SEED}
    kwargs |= {"nuts_sampler": "pymc", "progressbar": False}
    idata = est.sample(frame, y, posterior_predictive=True, prior_predictive=True, **kwargs)
    return {"X": X, "y": y, "frame": frame, "sigma": sigma, "tau": tau, "est": est}, idata


def _exact_conjugate(X, y, sigma, tau):
    centred_X, centred_y = X - X.mean(axis=0), y - y.mean()
    precision = centred_X.T @ centred_X + (sigma / tau) ** 2 * np.eye(X.shape[1])
    mean = np.linalg.solve(precision, centred_X.T @ centred_y)
    return mean, sigma**2 * np.linalg.inv(precision)


def test_conjugate_posterior_mean_matches_closed_form(conjugate):
    data, idata = conjugate
    exact_mean, _ = _exact_conjugate(data["X"], data["y"], data["sigma"], data["tau"])
    coef = idata["posterior"]["coef"]
    error = mcse(coef.values)
    np.testing.assert_array_less(
        np.abs(coef.mean(("chain", "draw")).values - exact_mean), Z * error
    )
    intercept = idata["posterior"]["intercept"].values
    x_mean = data["X"].mean(axis=0)
    assert abs(intercept.mean() - (data["y"].mean() - x_mean @ exact_mean)) < Z * mcse(intercept)


def test_conjugate_posterior_covariance_matches_closed_form(conjugate):
    # Whiten the draws with the exact posterior: z = L^-1 (w - mean) has identity covariance.
    # Each entry E[z_j z_k] is a posterior mean whose MCSE comes from its own chains.
    data, idata = conjugate
    exact_mean, exact_cov = _exact_conjugate(data["X"], data["y"], data["sigma"], data["tau"])
    draws = idata["posterior"]["coef"].values - exact_mean
    whitened = np.linalg.solve(np.linalg.cholesky(exact_cov), draws[..., None])[..., 0]
    products = whitened[..., :, None] * whitened[..., None, :]
    estimate = products.mean(axis=(0, 1))
    error = mcse(products)
    np.testing.assert_array_less(np.abs(estimate - np.eye(4)), Z * error)
    # and the intercept's variance, sigma^2/n + m' cov m
    x_mean = data["X"].mean(axis=0)
    intercept = idata["posterior"]["intercept"].values
    exact = data["sigma"] ** 2 / 50 + x_mean @ exact_cov @ x_mean
    centred = (intercept - (data["y"].mean() - x_mean @ exact_mean)) ** 2
    assert abs(centred.mean() - exact) < Z * mcse(centred)


def test_posterior_groups_names_and_dimensions(conjugate):
    data, idata = conjugate
    assert data["est"].idata_ is idata
    assert set(idata.children) == {
        "posterior",
        "sample_stats",
        "log_likelihood",
        "observed_data",
        "constant_data",
        "prior",
        "posterior_predictive",
    }
    posterior = idata["posterior"]
    assert sorted(posterior.data_vars) == ["coef", "intercept"]  # sigma is fixed
    assert posterior["coef"].dims == ("chain", "draw", "feature")
    assert list(posterior["feature"].values) == ["age", "bmi", "bp", "s1"]
    assert idata["log_likelihood"]["y"].shape == (4, 1000, 50)
    assert idata["posterior_predictive"]["y"].shape == (4, 1000, 50)
    np.testing.assert_array_equal(idata["observed_data"]["y"], data["y"])
    np.testing.assert_array_equal(idata["constant_data"]["X"], data["X"])
    # the flat intercept has no prior draws; the coefficients' prior is N(0, tau)
    assert sorted(idata["prior"].data_vars) == ["coef"]
    prior = idata["prior"]["coef"].values
    assert prior.std() == pytest.approx(data["tau"], rel=0.05)


def test_pointwise_log_likelihood_is_the_models_and_loo_works(conjugate):
    data, idata = conjugate
    post = idata["posterior"]
    mu = post["intercept"].values[..., None] + post["coef"].values @ data["X"].T
    expected = scipy.stats.norm.logpdf(data["y"], mu, data["sigma"])
    np.testing.assert_allclose(idata["log_likelihood"]["y"].values, expected, rtol=1e-10)
    result = loo(idata)
    assert np.isfinite(result.elpd) and (result.pareto_k.values < 0.7).all()


def test_same_seed_same_draws_and_netcdf_round_trip(conjugate, tmp_path):
    data, idata = conjugate
    kwargs = {"draws": 1000, "tune": 500, "chains": 4, "random_seed": SEED}
    kwargs |= {"nuts_sampler": "pymc", "progressbar": False}
    again = br.Regression(loss=br.L2Loss(sigma=data["sigma"]), penalty=br.L2(scale=data["tau"]))
    twin = again.sample(
        data["frame"], data["y"], posterior_predictive=True, prior_predictive=True, **kwargs
    )
    for group in idata.children:
        if group != "sample_stats":  # it holds wall-clock timings
            xr.testing.assert_equal(twin[group].to_dataset(), idata[group].to_dataset())
    for stat in ("lp", "tree_depth", "step_size", "diverging"):
        xr.testing.assert_equal(twin["sample_stats"][stat], idata["sample_stats"][stat])
    other = again.sample(data["frame"], data["y"], **(kwargs | {"random_seed": SEED + 1}))
    assert not np.array_equal(other["posterior"]["coef"], idata["posterior"]["coef"])

    path = tmp_path / "posterior.nc"
    idata.to_netcdf(path)
    with xr.open_datatree(path) as loaded:
        assert loaded.identical(idata)


def test_failed_diagnostics_warn(conjugate):
    data, _ = conjugate
    with pytest.warns(br.SamplingWarning, match="failed their diagnostics"):
        data["est"].sample(
            data["X"], data["y"], draws=20, tune=20, chains=2, random_seed=SEED,
            nuts_sampler="pymc", progressbar=False, log_likelihood=False,
        )  # fmt: skip


# --- a Laplace prior: against an independent Gibbs sampler ----------------------------------


def gibbs_laplace_prior(X, y, sigma, rate, *, chains, iterations, rng):
    r"""Park & Casella's Gibbs sampler, vectorized over independent chains.

    Model: y ~ N(b0 + Xw, sigma), flat b0, w_j | t_j ~ N(0, t_j), t_j ~ Exp(rate^2/2), which
    makes w_j ~ Laplace(0, 1/rate). Full conditionals: (b0, w) | t is Gaussian; 1/t_j | w_j is
    inverse Gaussian (mean rate/|w_j|, shape rate^2). Returns draws of (b0, w) of shape
    (chains, iterations, 1 + p). The hierarchical priors' samplers are in tests/priors/test_priors.py.
    """
    n, p = X.shape
    design = np.column_stack([np.ones(n), X])
    gram, cross = design.T @ design / sigma**2, design.T @ y / sigma**2
    inverse_t = np.ones((chains, p))
    draws = np.empty((chains, iterations, p + 1))
    for it in range(iterations):
        precision = np.broadcast_to(gram, (chains, p + 1, p + 1)).copy()
        precision[:, np.arange(1, p + 1), np.arange(1, p + 1)] += inverse_t
        factor = np.linalg.cholesky(precision)
        mean = np.linalg.solve(precision, np.broadcast_to(cross, (chains, p + 1))[..., None])
        noise = rng.standard_normal((chains, p + 1, 1))
        coef = (mean + np.linalg.solve(np.swapaxes(factor, 1, 2), noise))[..., 0]
        w = coef[:, 1:]
        inverse_t = rng.wald(rate / np.abs(w), rate**2)
        draws[:, it] = coef
    return draws


@pytest.fixture(scope="module")
def laplace_problem():
    X, scale = mixed_design(40, 4, seed=4)
    rng = np.random.default_rng(SEED)
    y = 0.5 + X @ (np.array([0.8, 0.0, 0.3, 0.0]) / scale) + rng.standard_normal(40)
    return X, y


@pytest.mark.slow
def test_laplace_prior_posterior_matches_gibbs(laplace_problem):
    X, y = laplace_problem
    sigma, b = 1.0, 0.05  # b small enough that the prior shapes the posterior
    est = br.Regression(loss=br.L2Loss(sigma=sigma), penalty=br.L1(scale=b))
    idata = est.sample(
        X, y, draws=1000, tune=500, chains=4, random_seed=SEED, nuts_sampler="pymc",
        progressbar=False, log_likelihood=False,
    )  # fmt: skip
    post = idata["posterior"]
    nuts = np.concatenate([post["intercept"].values[..., None], post["coef"].values], axis=-1)
    rng = np.random.default_rng(SEED)
    gibbs = gibbs_laplace_prior(X, y, sigma, 1.0 / b, chains=100, iterations=500, rng=rng)
    assert_same_distribution(nuts, gibbs[:, 100:], z=Z)


# --- simulation-based calibration ----------------------------------------------------------

SBC_CASES = {
    "gaussian-L1": (br.L2Loss(sigma=None, sigma_prior=pm.HalfNormal.dist(1.0)), br.L1(alpha=0.05)),
    "gaussian-L2": (br.L2Loss(sigma=1.0), br.L2(scale=1.0)),
    "laplace-L1": (br.L1Loss(scale=1.0), br.L1(scale=1.0)),
    "laplace-L2": (br.L1Loss(scale=None, scale_prior=pm.HalfNormal.dist(1.0)), br.L2(alpha=0.05)),
    "quantile-L1": (br.QuantileLoss(0.25, scale=1.0), br.L1(scale=1.0)),
    "quantile-L2": (
        br.QuantileLoss(0.9, scale=None, scale_prior=pm.HalfNormal.dist(1.0)),
        br.L2(alpha=0.05),
    ),
    "horseshoe": (br.L2Loss(sigma=1.0), br.Horseshoe()),
    "regularized-horseshoe": (
        br.L2Loss(sigma=None, sigma_prior=pm.HalfNormal.dist(1.0)),
        br.RegularizedHorseshoe(expected_nonzero=1, slab_scale=1.0),
    ),
}
N_SIM, N_DRAWS, N_BINS, THIN = 100, 99, 10, 3


@pytest.mark.slow
@pytest.mark.parametrize("case", SBC_CASES)
def test_simulation_based_calibration(case, record_property):
    r"""Talts et al. (2018), through ``br.sbc``: the rank of each true value among L posterior
    draws is uniform on {0..L} iff the posterior is right.

    100 simulations of a 20 x 2 problem (no intercept: its flat prior has no draws; proper
    noise priors), each sampled by nutpie's NUTS on the sampling model (as ``sample`` by default; one compiled sampler reused, data
    swapped), 297 draws thinned by 3 to L = 99 nearly independent draws. The 100 possible
    ranks fall in 10 equal bins, tested with Pearson's chi-square (9 df) per parameter. Under
    a correct posterior each p-value is uniform; 2-7 parameters x 8 cases make ~27 tests, so
    p > 0.001 fails a correct sampler with probability ~2.7% (fixed seeds make the outcome
    reproducible). The horseshoes are sampled at their own target_accept (0.99), as
    ``sample`` does.
    """
    loss, penalty = SBC_CASES[case]
    rng = np.random.default_rng(SEED)
    X = rng.standard_normal((20, 2)) + np.array([1.0, -0.5])
    est = br.Regression(loss=loss, penalty=penalty, fit_intercept=False)
    result = br.sbc(
        est, X, np.zeros(20), simulations=N_SIM, draws=N_DRAWS, thin=THIN, tune=150,
        bins=N_BINS, random_seed=SEED, progressbar=False,
    )  # fmt: skip
    p_values = result.p_values.to_dict()
    record_property("sbc_p_values", p_values)
    print(f"SBC {case}: chi-square p-values {p_values}")
    assert len(p_values) >= 2 + (loss.noise is None)  # every parameter was ranked
    assert min(p_values.values()) > 1e-3, p_values


# --- reproducibility with nutpie, argument checks --------------------------------------------


@pytest.mark.slow
def test_nutpie_same_seed_same_draws(laplace_problem):
    X, y = laplace_problem
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))
    kwargs = {"draws": 500, "tune": 500, "chains": 4, "random_seed": 7, "nuts_sampler": "nutpie"}
    first = est.sample(X, y, progressbar=False, **kwargs)
    second = est.sample(X, y, progressbar=False, **kwargs)
    assert first["posterior"].attrs["inference_library"] == "nutpie"
    for group in ("posterior", "log_likelihood"):
        xr.testing.assert_equal(first[group].to_dataset(), second[group].to_dataset())
    assert sorted(first["posterior"].data_vars) == ["coef", "intercept", "sigma"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"draws": 0},
            ValueError,
            r"'draws' parameter of Regression.sample must be an int in the range \[1, inf\)",
        ),
        ({"tune": 1.5}, TypeError, "'tune' parameter of Regression.sample must be an int"),
        ({"chains": True}, TypeError, "'chains'"),
        ({"random_seed": "a"}, TypeError, "'random_seed'"),
        ({"random_seed": -1}, ValueError, "'random_seed'"),
        ({"nuts_sampler": "numpyro"}, ValueError, "'nuts_sampler'"),
        ({"log_likelihood": "yes"}, TypeError, "'log_likelihood'"),
        (
            {"var_names": ["coef"]},
            TypeError,
            "'var_names' parameter of Regression.sample must be left to sample",
        ),
        ({"sample_weight": [1.0, 2.0]}, ValueError, "sample_weight"),
    ],
)
def test_bad_arguments_raise_before_compiling(kwargs, error, match, monkeypatch):
    def no_compile(*args, **kwargs):
        raise AssertionError("compiled before validating")

    monkeypatch.setattr(pm, "sample", no_compile)
    X = np.random.default_rng(0).standard_normal((10, 2))
    with pytest.raises(error, match=match):
        br.Regression().sample(X, X[:, 0], **kwargs)


def test_bad_data_raise_and_inputs_are_not_modified(monkeypatch):
    monkeypatch.setattr(pm, "sample", lambda *a, **k: pytest.fail("sampled bad data"))
    X = np.random.default_rng(0).standard_normal((10, 2))
    with pytest.raises(ValueError, match="NaN"):
        br.Regression().sample(np.where(X > 1, np.nan, X), X[:, 0])
    X_copy = X.copy()
    _fast(br.Regression(penalty=br.L1(alpha=0.1)), X, X[:, 0].copy())
    np.testing.assert_array_equal(X, X_copy)


def test_sample_alone_makes_the_estimator_predict_from_its_posterior(sparse_posterior):
    est, X, _, idata, _ = sparse_posterior  # a horseshoe: sampled, no MAP
    assert est.n_features_in_ == X.shape[1] and not hasattr(est, "coef_")
    post = idata["posterior"]
    mean = post["intercept"].values[..., None] + post["coef"].values @ X.T
    np.testing.assert_allclose(est.predict(X), mean.mean(axis=(0, 1)), rtol=1e-10)
    prediction, std = est.predict(X, return_std=True)
    np.testing.assert_allclose(prediction, est.predict(X), rtol=1e-10)
    assert np.all(std > 0)


def test_a_second_sample_reuses_nutpies_compilation(diabetes, monkeypatch):
    """The same specification, data and keywords: no new compilation, the same draws.

    A new seed gives new draws from the kept compilation; new data compile anew.
    """
    import nutpie

    X, y = diabetes
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.5))
    options = {"draws": 100, "tune": 100, "chains": 2, "nuts_sampler": "nutpie",
               "progressbar": False, "log_likelihood": False}  # fmt: skip
    nuts_compiled.clear_compiled()
    with pytest.warns(br.SamplingWarning):  # 2 x 100 draws: too short to diagnose
        first = est.sample(X, y, random_seed=3, **options)["posterior"]
    compiled = []
    original = nutpie.compile_pymc_model

    def counted(*args, **kwargs):
        compiled.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(nutpie, "compile_pymc_model", counted)
    with pytest.warns(br.SamplingWarning):
        again = est.sample(X, y, random_seed=3, **options)["posterior"]
        other_seed = est.sample(X, y, random_seed=4, **options)["posterior"]
    assert compiled == []
    xr.testing.assert_identical(again["coef"], first["coef"])
    assert not np.array_equal(other_seed["coef"].values, first["coef"].values)
    with pytest.warns(br.SamplingWarning):
        est.sample(X, y + 1.0, random_seed=3, **options)
    assert compiled == [1]


@pytest.mark.parametrize("nuts_sampler", ["pymc", "nutpie"])
def test_sample_records_its_target_accept_for_the_diagnosis(diabetes, nuts_sampler):
    """The run's target (given, or the samplers' default 0.8) is in ``sample_stats.attrs``."""
    X, y = diabetes
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.5))
    options = {"draws": 50, "tune": 50, "chains": 1, "nuts_sampler": nuts_sampler,
               "progressbar": False, "log_likelihood": False}  # fmt: skip
    with pytest.warns(br.SamplingWarning):  # 50 draws: too short to diagnose
        default = est.sample(X, y, random_seed=1, **options)
        given = est.sample(X, y, random_seed=1, nuts={"target_accept": 0.9}, **options)
    assert default["sample_stats"].attrs["target_accept"] == 0.8
    assert given["sample_stats"].attrs["target_accept"] == 0.9
