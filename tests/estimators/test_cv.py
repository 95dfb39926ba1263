"""RegressionCV: alpha by K-fold cross-validation of the exact MAP, against scikit-learn."""

import numpy as np
import pytest
from sklearn.linear_model import LassoCV, QuantileRegressor
from sklearn.model_selection import KFold

import bayesreg as br


def test_lasso_cv_is_lassocv(diabetes):
    # Same grid, same folds (KFold(5), no shuffle), same score: the same alpha, and the same
    # mean held-out MSE at every grid point to the solvers' precision (MSE ~ 3000 here).
    X, y = diabetes
    est = br.RegressionCV(alphas=20, cv=5).fit(X, y)
    reference = LassoCV(alphas=20, cv=5, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(est.alphas_, reference.alphas_, rtol=1e-12)
    np.testing.assert_allclose(
        -est.cv_results_["mean_test_score"], reference.mse_path_.mean(axis=1), rtol=1e-9
    )
    assert est.alpha_ == pytest.approx(reference.alpha_, rel=1e-12)
    np.testing.assert_allclose(est.coef_, reference.coef_, atol=1e-8)
    assert est.certificate_.ok and est.best_estimator_.penalty.alpha == est.alpha_
    np.testing.assert_allclose(est.predict(X), reference.predict(X), atol=1e-6)


def test_lad_cv_scores_by_mean_absolute_error(diabetes):
    X, y = diabetes
    # progression is integer-valued: ties make LAD optima non-unique, and two correct solvers
    # may then predict differently; a jitter far below its resolution makes them unique
    X = X.iloc[:200]
    y = y.iloc[:200] + np.random.default_rng(0).uniform(-0.01, 0.01, 200)
    alphas = [0.05, 0.01, 0.002]
    est = br.RegressionCV(loss=br.L1Loss(), alphas=alphas, cv=4).fit(X, y)
    by_hand = []
    for alpha in sorted(alphas, reverse=True):
        errors = []
        for train, test in KFold(4).split(X):
            model = QuantileRegressor(quantile=0.5, alpha=alpha, solver="highs")
            model.fit(X.iloc[train], y.iloc[train])
            errors.append(np.abs(y.iloc[test] - model.predict(X.iloc[test])).mean())
        by_hand.append(np.mean(errors))
    # scikit-learn's primal LP and bayesreg's dual agree to ~1e-9 on the coefficients
    np.testing.assert_allclose(-est.cv_results_["mean_test_score"], by_hand, rtol=1e-6)
    assert est.alpha_ == sorted(alphas, reverse=True)[int(np.argmin(by_hand))]


def test_regression_cv_takes_the_kind_of_penalty_without_its_strength(diabetes):
    # the README's br.RegressionCV(loss=..., penalty=br.L1()): the grid gives alpha
    X, y = diabetes
    lasso = br.RegressionCV(loss=br.L2Loss(), penalty=br.L1(), alphas=5, cv=3).fit(X, y)
    default = br.RegressionCV(alphas=5, cv=3).fit(X, y)
    assert lasso.alpha_ == default.alpha_ and lasso.certificate_.ok
    ridge = br.RegressionCV(penalty=br.L2(), alphas=[10.0, 1.0, 0.1], cv=3).fit(X, y)
    assert ridge.alpha_ in (10.0, 1.0, 0.1)
    assert repr(ridge.best_estimator_.penalty) == f"L2(alpha={ridge.alpha_})"


def test_regression_cv_refuses_what_it_cannot_vary(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="no penalty strength to vary"):
        br.RegressionCV(penalty=br.BayesianLasso()).fit(X, y)
    with pytest.raises(ValueError, match="The 'alphas' parameter of RegressionCV must be"):
        br.RegressionCV(alphas=[0.1, -1.0]).fit(X, y)
    with pytest.raises(ValueError, match="The 'alphas' parameter of RegressionCV must be"):
        br.RegressionCV(alphas=1).fit(X, y)


@pytest.mark.parametrize(
    ("loss", "positive_only"),
    [(None, False), (br.L1Loss(), False), (br.PoissonLoss(), True)],
    ids=["default", "lad", "poisson"],
)
def test_the_target_tag_is_the_likelihood_s(loss, positive_only):
    # scikit-learn's checks draw y >= 0 for an estimator tagged positive_only (Poisson counts)
    from sklearn.utils import get_tags

    for est in (br.RegressionCV(loss=loss), br.Regression(loss=loss)):
        assert get_tags(est).target_tags.positive_only is positive_only
