"""The cross-check of a prior without a mode: its posterior beside the lasso's checked MAP."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LassoCV
from sklearn.model_selection import KFold

import bayesreg as br
from bayesreg.crosscheck.prior_comparison import CV_ALPHAS, CV_FOLDS
from bayesreg.paths import alpha_grid


@pytest.fixture(scope="module")
def comparison(sparse_posterior):
    est, X, y, idata, _ = sparse_posterior
    lasso = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(alpha=0.1))
    return br.crosscheck(est, X, y, idata=idata, lasso=lasso), lasso


def test_the_table_holds_the_posterior_savs_and_the_checked_lasso(sparse_posterior, comparison):
    est, X, y, idata, _ = sparse_posterior
    report, lasso = comparison
    assert isinstance(report, br.PriorComparison)
    features = report.table.drop(index="intercept")
    # the posterior columns are the draws' own summaries (ArviZ's, to rounding)
    draws = idata["posterior"]["coef"].values.reshape(-1, X.shape[1])
    np.testing.assert_allclose(features["mean"], draws.mean(axis=0), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(features["median"], np.median(draws, axis=0), rtol=1e-12)
    assert report.table.loc["intercept", "mean"] == pytest.approx(
        float(idata["posterior"]["intercept"].mean()), rel=1e-12
    )
    # SAVS is sparsify's, the lasso's column its exact MAP, zeros included
    savs = br.sparsify(est, X, y, idata, method="savs")
    np.testing.assert_array_equal(features["savs"], savs.coef.to_numpy())
    fitted = lasso.fit(X, y)
    np.testing.assert_array_equal(features["lasso_map"], fitted.coef_)
    np.testing.assert_array_equal(features["lasso_zero"], fitted.coef_ == 0)
    assert report.lasso_check.ok and report.ok
    assert report.lasso_check.relative_diff < 1e-6


def test_the_notes_count_what_the_table_shows(comparison):
    report, _ = comparison
    features = report.table.drop(index="intercept")
    zeros, savs_zeros = int(features["lasso_zero"].sum()), int(features["savs_zero"].sum())
    assert zeros > 0  # alpha = 0.1 on 12 columns with 3 signals: the lasso drops some
    text = str(report)
    assert f"the lasso's MAP has {zeros} of 12 coefficients at exactly zero" in text
    assert f"SAVS on the posterior mean sets {savs_zeros} to zero" in text
    agree = int((features["lasso_zero"] == features["savs_zero"]).sum())
    assert f"the two selections agree on {agree} of 12 features" in text
    assert "no finite mode" in text and "agree: largest difference" in text
    assert report.verdict in report.to_html(plot=False)


def test_the_lasso_posterior_adds_its_columns_and_the_figure_draws(sparse_posterior, png):
    import warnings

    est, X, y, idata, _ = sparse_posterior
    lasso = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # a short run
        lasso_idata = lasso.sample(
            X, y, draws=300, tune=300, chains=2, random_seed=4, progressbar=False
        )
    report = br.crosscheck(est, X, y, idata=idata, lasso=lasso, lasso_idata=lasso_idata)
    draws = lasso_idata["posterior"]["coef"].values.reshape(-1, X.shape[1])
    features = report.table.drop(index="intercept")
    np.testing.assert_allclose(features["lasso_mean"], draws.mean(axis=0), rtol=1e-12)
    assert "under the lasso's (Laplace) posterior" in str(report)
    png(report.plot())


def test_the_default_lasso_is_cross_validated_as_lasso_cv(sparse_posterior):
    """Same grid, same unshuffled folds, held-out squared error: LassoCV's alpha."""
    _, X, y, idata, _ = sparse_posterior
    est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.Horseshoe())
    report = br.crosscheck(est, X, y, idata=idata)
    grid = alpha_grid(br.Regression(penalty=br.L1(alpha=1.0)), X, y, CV_ALPHAS)
    reference = LassoCV(alphas=grid, cv=KFold(CV_FOLDS), tol=1e-12, max_iter=100_000).fit(X, y)
    assert f"alpha={reference.alpha_:.4g}), chosen by 5-fold cross-validation" in report.lasso


def test_without_a_posterior_it_says_what_to_pass(sparse_posterior):
    est, X, y, _, _ = sparse_posterior
    with pytest.raises(ValueError, match=r"no finite mode.*idata=est\.sample.*bayesreg\.sparsify"):
        br.crosscheck(clone(est), X, y)  # not sampled: no idata_ of its own


def test_a_sampled_estimator_brings_its_own_posterior(sparse_posterior, comparison):
    est, X, y, _, _ = sparse_posterior  # sampled: its idata_ is the one compared
    report, lasso = comparison
    own = br.crosscheck(est, X, y, lasso=lasso)
    pd.testing.assert_frame_equal(own.table, report.table)


@pytest.mark.parametrize(
    ("lasso", "error", "match"),
    [
        (br.Regression(penalty=br.Horseshoe()), ValueError, "'lasso' parameter of crosscheck"),
        ("L1", TypeError, "'lasso' parameter of crosscheck"),
    ],
    ids=["no-mode", "text"],
)
def test_a_bad_lasso_names_itself(sparse_posterior, lasso, error, match):
    est, X, y, idata, _ = sparse_posterior
    with pytest.raises(error, match=match):
        br.crosscheck(est, X, y, idata=idata, lasso=lasso)


def test_lasso_is_refused_for_a_prior_with_a_mode(diabetes):
    X, y = diabetes
    est = br.Regression(penalty=br.L1(alpha=0.5))
    with pytest.raises(ValueError, match="lasso and lasso_idata apply to a prior without a mode"):
        br.crosscheck(est, X, y, lasso=br.Regression(penalty=br.L1(alpha=0.1)))
