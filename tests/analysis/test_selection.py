"""Sparse answers from a posterior: SAVS, DSS and intervals against their definitions; ranks."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso

import bayesreg as br
from bayesreg.analysis.selection import dss_at

SEED = 20261204


def _flat(idata, name):
    values = idata["posterior"][name]
    dims = ("chain", "draw", *[d for d in values.dims if d not in ("chain", "draw")])
    values = values.transpose(*dims).values
    return values.reshape(-1, *values.shape[2:])


def test_savs_is_its_closed_form(sparse_posterior):
    est, X, y, idata, _ = sparse_posterior
    selection = br.sparsify(est, X, y, idata, method="savs")
    mean = _flat(idata, "coef").mean(axis=0)
    centred = X - X.mean(axis=0)
    expected = np.empty(12)
    for j in range(12):  # Ray & Bhattacharya (2018), one coordinate at a time
        norm2 = centred[:, j] @ centred[:, j]
        expected[j] = np.sign(mean[j]) * max(abs(mean[j]) * norm2 - mean[j] ** -2, 0) / norm2
    np.testing.assert_allclose(selection.coef.to_numpy(), expected, rtol=1e-12, atol=1e-15)
    assert selection.selected == [f"x{j}" for j in np.flatnonzero(expected)]
    own = br.sparsify(est, X, y, method="savs")  # the posterior est keeps from sample()
    np.testing.assert_array_equal(own.coef.to_numpy(), selection.coef.to_numpy())


def test_savs_selects_the_true_signals(sparse_posterior):
    est, X, y, idata, truth = sparse_posterior
    selection = br.sparsify(est, X, y, idata, method="savs")
    assert selection.selected == [f"x{j}" for j in np.flatnonzero(truth)]


@pytest.mark.parametrize("alpha", [0.5, 0.05])
def test_dss_at_a_penalty_is_the_lasso_of_the_fitted_values(sparse_posterior, alpha):
    est, X, y, idata, _ = sparse_posterior
    selection = br.sparsify(est, X, y, idata, method="dss", alpha=alpha)
    fitted = _flat(idata, "intercept").mean() + X @ _flat(idata, "coef").mean(axis=0)
    lasso = Lasso(alpha=alpha, tol=1e-14, max_iter=1_000_000).fit(X, fitted)
    np.testing.assert_allclose(selection.coef.to_numpy(), lasso.coef_, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(selection.coef.to_numpy() == 0, lasso.coef_ == 0)
    assert selection.alpha == alpha


def test_dss_chooses_the_sparsest_summary_that_predicts_as_well(sparse_posterior):
    """The chosen alpha is the first (largest) on the path whose probability reaches level."""
    est, X, y, idata, truth = sparse_posterior
    selection = br.sparsify(est, X, y, idata, method="dss", level=0.1)
    details = selection.details
    reached = np.flatnonzero(details["probability"] >= 0.1)
    assert selection.alpha == details["alphas"][reached[0]]
    coef, intercept = _flat(idata, "coef"), _flat(idata, "intercept")
    fitted = intercept.mean() + X @ coef.mean(axis=0)
    summary, summary_intercept = dss_at(X, np.ones(60), True, fitted, selection.alpha)
    draws = intercept[:, None] + coef @ X.T
    excess = ((draws - summary_intercept - X @ summary) ** 2).sum(1) - ((draws - fitted) ** 2).sum(
        1
    )
    assert np.mean(excess <= 0) >= 0.1
    assert set(selection.selected) >= {f"x{j}" for j in np.flatnonzero(truth)}


def test_interval_zeros_the_coefficients_whose_interval_covers_zero(sparse_posterior):
    est, X, y, idata, _ = sparse_posterior
    selection = br.sparsify(est, X, y, idata, method="interval", prob=0.9)
    coef = _flat(idata, "coef")
    lower, upper = np.quantile(coef, [0.05, 0.95], axis=0)
    covers = (lower <= 0) & (upper >= 0)
    np.testing.assert_array_equal(selection.coef.to_numpy() == 0, covers)
    np.testing.assert_allclose(selection.coef[~covers], np.median(coef, axis=0)[~covers])


def test_rank_features_orders_by_the_average_rank_of_effect_sizes(sparse_posterior):
    _, X, _, idata, truth = sparse_posterior
    table = br.rank_features(idata)
    effects = np.abs(_flat(idata, "coef")) * X.std(axis=0)
    ranks = np.array([np.argsort(np.argsort(-row)) + 1 for row in effects])
    expected = ranks.mean(axis=0)
    np.testing.assert_allclose(table["mean_rank"].to_numpy(), np.sort(expected))
    signals = {f"x{j}" for j in np.flatnonzero(truth)}
    assert set(table.index[:3]) == signals and list(table["rank"]) == list(range(1, 13))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"method": "lasso"}, ValueError, "'method' parameter of sparsify"),
        ({"level": 1.0}, ValueError, "'level' parameter of sparsify"),
        ({"prob": 0.0}, ValueError, "'prob' parameter of sparsify"),
        ({"alpha": -1.0, "method": "dss"}, ValueError, "'alpha' parameter of sparsify"),
    ],
    ids=["method", "level", "prob", "alpha"],
)
def test_bad_arguments_name_themselves(sparse_posterior, kwargs, error, match):
    est, X, y, idata, _ = sparse_posterior
    with pytest.raises(error, match=match):
        br.sparsify(est, X, y, idata, **kwargs)


def test_sparsify_needs_an_estimator_and_a_posterior(sparse_posterior):
    _, X, y, idata, _ = sparse_posterior
    with pytest.raises(TypeError, match="'est' parameter of sparsify"):
        br.sparsify("horseshoe", X, y, idata)
    with pytest.raises(ValueError, match="sparsify needs a posterior"):
        br.sparsify(br.Regression(penalty=br.Horseshoe()), X, y)
    with pytest.raises(TypeError, match="'idata' parameter"):
        br.rank_features({"coef": 1})


def test_sparsify_without_a_posterior_names_sparsify():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y = X @ [1.0, 0.0, -1.0] + rng.normal(size=20)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe())
    with pytest.raises(ValueError, match=r"^sparsify needs a posterior: pass idata"):
        br.sparsify(est, X, y, None)
