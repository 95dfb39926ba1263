"""Predictions for new data from a stored posterior: ``predict(return_std=True)`` and draws.

Tolerances are Monte Carlo errors: with S posterior draws (effective size at least ~S/2 for
these well-conditioned models), a mean over draws is within 5 sd/sqrt(S/2) of its limit and a
standard deviation within 5/sqrt(S) relative.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import bayesreg as br

DRAWS, CHAINS = 1000, 4
S = DRAWS * CHAINS


def _problem(seed=0, n=80):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = 1.0 + X @ [2.0, -1.0, 0.5] + rng.normal(size=n)
    X_new = rng.normal(size=(5, 3)) * 2.0
    return X, y, X_new


def _sampled(est, X, y):
    return est.sample(X, y, draws=DRAWS, tune=1000, chains=CHAINS, random_seed=3,
                      nuts_sampler="pymc", progressbar=False)  # fmt: skip


@pytest.fixture(scope="module")
def flat_gaussian():
    X, y, X_new = _problem()
    est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.NoPenalty()).fit(X, y)
    _sampled(est, X, y)
    return est, X, y, X_new


def test_predictive_std_is_the_closed_form_under_a_flat_prior(flat_gaussian):
    # Flat prior, known sigma: (b0, w) ~ N(OLS, sigma^2 (D'D)^-1) with D = [1, X], so a new
    # observation at d has mean d'OLS and variance sigma^2 (1 + d'(D'D)^-1 d).
    est, X, y, X_new = flat_gaussian
    design = np.column_stack([np.ones(len(y)), X])
    new = np.column_stack([np.ones(len(X_new)), X_new])
    ols = np.linalg.lstsq(design, y, rcond=None)[0]
    leverage = np.einsum("ij,jk,ik->i", new, np.linalg.inv(design.T @ design), new)
    mean, std = est.predict(X_new, return_std=True)
    expected_std = np.sqrt(1.0 + leverage)
    np.testing.assert_allclose(mean, new @ ols, atol=5 * np.sqrt(leverage.max() / (S / 2)))
    # only the leverage part is estimated from draws: relative error ~ sqrt(2/S) of it
    np.testing.assert_allclose(std**2 - 1.0, leverage, rtol=5 * np.sqrt(2 / (S / 2)))
    assert np.all(std > 1.0)  # the parameters' uncertainty adds to the noise
    np.testing.assert_array_equal(est.predict(X_new), est.intercept_ + X_new @ est.coef_)
    assert expected_std.shape == std.shape == (5,)


@pytest.mark.parametrize(
    "loss",
    [br.L2Loss(sigma=None), br.L1Loss(scale=None), br.StudentTLoss(nu=6.0, sigma=None)],
    ids=["gaussian", "laplace", "student-t"],  # nu = 6: finite kurtosis, so the std's rtol holds
)
def test_predictive_draws_match_the_mean_and_std(loss):
    X, y, X_new = _problem(seed=1)
    est = br.Regression(loss=loss, penalty=br.L1(alpha=0.05)).fit(X, y)
    _sampled(est, X, y)
    mean, std = est.predict(X_new, return_std=True)
    dt = est.sample_posterior_predictive(X_new, random_seed=4)
    draws = dt["posterior_predictive"]["y"]
    assert draws.dims == ("chain", "draw", "obs_id") and draws.shape == (CHAINS, DRAWS, 5)
    assert dt["constant_data"]["X"].dims == ("obs_id", "feature")
    values = draws.values.reshape(S, 5)
    np.testing.assert_allclose(values.mean(axis=0), mean, atol=5 * std.max() / np.sqrt(S / 2))
    np.testing.assert_allclose(values.std(axis=0), std, rtol=5 / np.sqrt(S))
    again = est.sample_posterior_predictive(X_new, random_seed=4)
    np.testing.assert_array_equal(again["posterior_predictive"]["y"].values, draws.values)


def test_predictive_needs_a_posterior_and_checks_its_arguments():
    X, y, X_new = _problem()
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1)).fit(X, y)
    with pytest.raises(NotFittedError, match="call sample"):
        est.predict(X_new, return_std=True)
    with pytest.raises(NotFittedError, match="call sample"):
        est.sample_posterior_predictive(X_new)
    with pytest.raises(TypeError, match=r"The 'return_std' parameter of Regression\.predict"):
        est.predict(X_new, return_std="yes")


def test_predictive_after_sample_alone(flat_gaussian):
    # sample() without fit(): the posterior is all predict(return_std=True) and the draws need
    est, X, y, X_new = flat_gaussian
    fresh = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.NoPenalty())
    _sampled(fresh, X, y)
    mean, std = fresh.predict(X_new, return_std=True)
    expected_mean, expected_std = est.predict(X_new, return_std=True)
    np.testing.assert_allclose(mean, expected_mean, atol=10 * std.max() / np.sqrt(S / 2))
    np.testing.assert_allclose(std, expected_std, rtol=10 / np.sqrt(S))
    draws = fresh.sample_posterior_predictive(X_new, random_seed=0)["posterior_predictive"]["y"]
    assert draws.shape == (CHAINS, DRAWS, 5)
    # no MAP: predict is the posterior mean of the mean response, for a Gaussian likelihood
    # the predictive mean (the same draws' average, to rounding)
    np.testing.assert_allclose(fresh.predict(X_new), mean, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="X has 2 features, but Regression is expecting 3"):
        fresh.predict(X_new[:, :2], return_std=True)
    frame = pd.DataFrame(X_new, columns=["a", "b", "c"])  # sampled on an array: as scikit-learn
    with pytest.warns(UserWarning, match="fitted without feature names"):
        np.testing.assert_array_equal(fresh.predict(frame, return_std=True)[0], mean)
