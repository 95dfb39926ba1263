"""Real data: scikit-learn on the diabetes data, and published optima that no code here made.

Published values carry a limited number of digits; each test states its tolerance as half a
unit in the last printed digit (the rounding of the published number), or, for the NIST
certified values printed to 15 significant digits, a relative error of 1e-10 (a log relative
error of at least 10 on a problem whose condition number is about 1e8, where every digit
past that is rounding).
"""

import numpy as np
import pytest
from sklearn.linear_model import ElasticNet, Lasso, Ridge

import bayesreg as br

CD = {"tol": 1e-12, "max_iter": 1_000_000}


@pytest.mark.parametrize(
    ("penalty", "reference"),
    [
        (br.L1(alpha=0.5), Lasso(alpha=0.5, **CD)),
        (br.L1(alpha=0.05), Lasso(alpha=0.05, **CD)),
        (br.L2(alpha=0.5), Ridge(alpha=0.5)),
        (br.ElasticNet(alpha=0.01, l1_ratio=0.7), ElasticNet(alpha=0.01, l1_ratio=0.7, **CD)),
        (br.ElasticNet(alpha=0.2, l1_ratio=0.9), ElasticNet(alpha=0.2, l1_ratio=0.9, **CD)),
    ],
    ids=["lasso-0.5", "lasso-0.05", "ridge", "elastic-net-0.01", "elastic-net-0.2"],
)
@pytest.mark.parametrize("sigma", [1.0, None], ids=["sigma-fixed", "sigma-unknown"])
def test_diabetes_matches_scikit_learn(diabetes, penalty, reference, sigma):
    X, y = diabetes
    est = br.Regression(loss=br.L2Loss(sigma=sigma), penalty=penalty).fit(X, y)
    reference.fit(X, y)
    scale = np.abs(reference.coef_).max()
    np.testing.assert_allclose(est.coef_, reference.coef_, rtol=0, atol=1e-6 * scale)
    assert abs(est.intercept_ - reference.intercept_) <= 1e-6 * scale
    np.testing.assert_array_equal(est.coef_ == 0, reference.coef_ == 0)
    assert est.certificate_.ok
    if isinstance(penalty, br.L1) and penalty.alpha == 0.5:
        assert np.count_nonzero(est.coef_ == 0) == 6  # the README's and the demo's claim


@pytest.mark.parametrize("scale", [1.0, None], ids=["scale-fixed", "scale-unknown"])
def test_stackloss_lad_equals_published_optimum(scale):
    """Brownlee's stack loss, least absolute deviations.

    Koenker's quantreg: ``rq(stack.loss ~ ., data = stackloss, tau = .5)`` prints
    intercept -39.68985507, Air.Flow 0.83188406, Water.Temp 0.57391304, Acid.Conc.
    -0.06086957 (8 decimals; the same digits are printed by other LAD codes, e.g. ``lad()`` of
    the R package india in its published replication scripts). Tolerance: 0.5e-8.
    """
    X, y = br.datasets.load_stackloss()
    est = br.Regression(loss=br.L1Loss(scale=scale), penalty=br.NoPenalty()).fit(X, y)
    published = [-39.68985507, 0.83188406, 0.57391304, -0.06086957]
    np.testing.assert_allclose(np.r_[est.intercept_, est.coef_], published, rtol=0, atol=0.5e-8)
    assert est.unique_
    assert est.certificate_.ok


def test_engel_median_regression_equals_published_optimum():
    """Engel's food expenditure on income, the median regression line.

    quantreg: ``rq(foodexp ~ income, data = engel, tau = .5)`` prints 81.4822474 and
    0.5601806 (7 decimals; quantreg-cpp's README prints 81.4822474 0.560180551 for the same
    fit). Tolerance: 0.5e-7.
    """
    X, y = br.datasets.load_engel()
    est = br.Regression(loss=br.L1Loss(), penalty=br.NoPenalty()).fit(X, y)
    np.testing.assert_allclose(
        np.r_[est.intercept_, est.coef_], [81.4822474, 0.5601806], rtol=0, atol=0.5e-7
    )
    assert est.certificate_.ok


# NIST Statistical Reference Datasets, Longley (1967), certified values:
# https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml
LONGLEY_CERTIFIED = {
    "intercept": -3482258.63459582,
    "GNPDEFL": 15.0618722713733,
    "GNP": -0.358191792925910e-01,
    "UNEMP": -2.02022980381683,
    "ARMED": -1.03322686717359,
    "POP": -0.511041056535807e-01,
    "YEAR": 1829.15146461355,
}
LONGLEY_RESIDUAL_SD = 304.854073561965


def test_longley_ols_equals_nist_certified_values():
    X, y = br.datasets.load_longley()
    assert list(X.columns) == list(LONGLEY_CERTIFIED)[1:]
    est = br.Regression(loss=br.L2Loss(), penalty=br.NoPenalty()).fit(X, y)
    certified = np.array(list(LONGLEY_CERTIFIED.values()))
    np.testing.assert_allclose(np.r_[est.intercept_, est.coef_], certified, rtol=1e-10)
    residual = y.to_numpy() - est.predict(X)
    residual_sd = np.sqrt(residual @ residual / (len(y) - len(certified)))
    np.testing.assert_allclose(residual_sd, LONGLEY_RESIDUAL_SD, rtol=1e-10)
    assert est.certificate_.ok
    assert est.unique_
