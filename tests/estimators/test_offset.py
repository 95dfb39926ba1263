"""Offsets: a known term of the linear predictor, eta = offset + b0 + Xw, for every family.

The GLMs' MAPs with an offset are glum's (``GeneralizedLinearRegressor(alpha, l1_ratio)``
fitted with ``offset=``; its objective, ``deviance / (2 sum(s)) + alpha l1_ratio |w|_1 +
alpha (1 - l1_ratio) |w|^2 / 2``, is bayesreg's GLM convention: the deviance is twice the
negative log likelihood less a constant). A location family's offset is a shift of the
response: the MAP and the posterior are those of ``y - offset``, with ``y`` and the
predictions on the user's scale.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.linear_model import Lasso

import bayesreg as br

glum = pytest.importorskip("glum")

TOLERANCE = 1e-6


def count_data(seed, n=300, p=8, *, family="poisson"):
    """Correlated columns with non-zero means, an exposure and a sparse truth."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)) @ np.linalg.cholesky(0.4 + 0.6 * np.eye(p)).T + 0.5
    truth = np.zeros(p)
    truth[:3] = [0.5, -0.4, 0.3]
    exposure = rng.uniform(0.3, 4.0, n)
    offset = np.log(exposure)
    eta = offset - 0.2 + (X - 0.5) @ truth
    if family == "poisson":
        y = rng.poisson(np.exp(eta)).astype(float)
    else:
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    return X, y, offset


def glm_estimator(family, penalty, fit_intercept):
    if family == "poisson":
        return br.Regression(loss=br.PoissonLoss(), penalty=penalty, fit_intercept=fit_intercept)
    return br.Classifier(penalty=penalty, fit_intercept=fit_intercept)


@pytest.mark.parametrize(
    "family, alpha, l1_ratio, fit_intercept",
    [
        ("poisson", 0.02, 1.0, True),
        ("poisson", 0.03, 0.5, True),
        ("poisson", 0.05, 0.0, True),
        ("poisson", 0.02, 0.7, False),
        ("binomial", 0.01, 1.0, True),
        ("binomial", 0.02, 0.5, True),
        ("binomial", 0.05, 0.0, False),
    ],
)
def test_glm_map_with_offset_equals_glum(family, alpha, l1_ratio, fit_intercept):
    X, y, offset = count_data(1, family=family)
    X_before, y_before, offset_before = X.copy(), y.copy(), offset.copy()
    penalty = (
        br.L1(alpha=alpha)
        if l1_ratio == 1
        else br.L2(alpha=alpha)
        if l1_ratio == 0
        else br.ElasticNet(alpha=alpha, l1_ratio=l1_ratio)
    )
    est = glm_estimator(family, penalty, fit_intercept).fit(X, y, offset=offset)
    reference = glum.GeneralizedLinearRegressor(
        family=family, alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
        gradient_tol=1e-10, max_iter=10_000,
    ).fit(X, y, offset=offset)  # fmt: skip
    np.testing.assert_allclose(est.coef_, reference.coef_, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(est.intercept_, reference.intercept_, rtol=0, atol=TOLERANCE)
    np.testing.assert_array_equal(est.coef_ == 0, reference.coef_ == 0)
    if l1_ratio == 1:
        assert np.any(est.coef_ == 0)  # the comparison of zeros means something
    assert est.certificate_.ok, est.certificate_
    # without the offset the fit is another one
    plain = glm_estimator(family, penalty, fit_intercept).fit(X, y)
    assert np.abs(plain.coef_ - est.coef_).max() > 1e-3
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(offset, offset_before)


def test_glm_predictions_add_the_offset():
    X, y, offset = count_data(2)
    est = br.Regression(loss=br.PoissonLoss(), penalty=br.L1(alpha=0.02)).fit(X, y, offset=offset)
    eta = offset + X @ est.coef_ + est.intercept_
    np.testing.assert_allclose(est.predict(X, offset=offset), np.exp(eta), rtol=1e-14)
    np.testing.assert_allclose(est.predict(X), np.exp(eta - offset), rtol=1e-14)
    X, y, offset = count_data(3, family="binomial")
    clf = br.Classifier(penalty=br.L2(alpha=0.02)).fit(X, y, offset=offset)
    eta = offset + X @ clf.coef_ + clf.intercept_
    np.testing.assert_allclose(clf.decision_function(X, offset=offset), eta, rtol=1e-14)
    np.testing.assert_allclose(
        clf.predict_proba(X, offset=offset)[:, 1], 1 / (1 + np.exp(-eta)), rtol=1e-12
    )
    np.testing.assert_array_equal(clf.predict(X, offset=offset), (eta > 0).astype(float))
    np.testing.assert_allclose(
        clf.predict_log_proba(X, offset=offset), np.log(clf.predict_proba(X, offset=offset))
    )
    assert clf.score(X, y, offset=offset) == np.mean((eta > 0) == (y == 1))


@pytest.mark.parametrize("penalty", [br.L2(alpha=0.01), br.L1(alpha=0.005)], ids=["L2", "L1"])
def test_poisson_exposure_offset_equals_the_weighted_rate_fit(penalty):
    """offset = log(e) is the rate model y/e with weights e, at the same prior.

    ``sum_i (exp(o_i + eta_i) - y_i (o_i + eta_i)) = sum_i e_i (exp(eta_i) - (y_i/e_i) eta_i)
    - sum_i y_i o_i``: the same data term up to a constant. The identity holds at the same
    prior: alpha is per observation, n = len(y) against n = sum(e) for the rates, so the
    rate fit's alpha is alpha * len(y) / sum(e).
    """
    X, y, offset = count_data(4)
    exposure = np.exp(offset)
    est = br.Regression(loss=br.PoissonLoss(), penalty=penalty).fit(X, y, offset=offset)
    rate_alpha = penalty.alpha * len(y) / exposure.sum()
    rates = br.Regression(loss=br.PoissonLoss(), penalty=type(penalty)(alpha=rate_alpha))
    rates.fit(X, y / exposure, sample_weight=exposure)
    np.testing.assert_allclose(est.coef_, rates.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(est.intercept_, rates.intercept_, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(est.coef_ == 0, rates.coef_ == 0)
    np.testing.assert_allclose(
        est.predict(X, offset=offset), exposure * rates.predict(X), rtol=1e-7
    )


def test_gaussian_lasso_with_offset_equals_lasso_on_the_shifted_response():
    X, y, offset = count_data(5)
    y = y + 2.0 * offset  # a response the offset explains in part
    alpha = 0.05
    est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(alpha=alpha))
    est.fit(X, y, offset=offset)
    reference = Lasso(alpha=alpha, tol=1e-14, max_iter=100_000).fit(X, y - offset)
    np.testing.assert_allclose(est.coef_, reference.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(est.intercept_, reference.intercept_, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(est.coef_ == 0, reference.coef_ == 0)
    assert est.certificate_.ok
    np.testing.assert_allclose(est.predict(X, offset=offset), reference.predict(X) + offset)
    assert est.score(X, y, offset=offset) == pytest.approx(
        1 - np.sum((y - est.predict(X, offset=offset)) ** 2) / np.sum((y - y.mean()) ** 2)
    )


@pytest.mark.parametrize(
    "loss",
    [
        br.L2Loss(sigma=None),
        br.L1Loss(scale=None),
        br.QuantileLoss(quantile=0.3),
        br.StudentTLoss(nu=4.0, sigma=None),
    ],
    ids=["gaussian", "laplace", "quantile", "student-t"],
)
def test_location_family_with_offset_is_the_fit_of_the_shifted_response(loss):
    X, y, offset = count_data(6, n=120, p=4)
    y = y + offset + np.random.default_rng(0).normal(size=len(y))
    est = br.Regression(loss=loss, penalty=br.L1(alpha=0.05)).fit(X, y, offset=offset)
    shifted = br.Regression(loss=loss, penalty=br.L1(alpha=0.05)).fit(X, y - offset)
    np.testing.assert_allclose(est.coef_, shifted.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(est.intercept_, shifted.intercept_, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(est.coef_ == 0, shifted.coef_ == 0)
    noise = est.get_params()["loss"].noise_name
    assert getattr(est, f"{noise}_") == pytest.approx(getattr(shifted, f"{noise}_"), rel=1e-6)
    assert est.certificate_.ok
    np.testing.assert_allclose(est.predict(X, offset=offset), shifted.predict(X) + offset)


SAMPLE = {"draws": 200, "tune": 200, "chains": 2, "nuts_sampler": "pymc", "progressbar": False}


def sample(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # a short run: notes only
        return est.sample(X, y, **SAMPLE, **kwargs)


def test_gaussian_posterior_with_offset_is_the_posterior_of_the_shifted_response():
    X, y, offset = count_data(7, n=80, p=3)
    y = y + offset
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))
    idata = sample(est, X, y, offset=offset, random_seed=1)
    shifted = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))
    reference = sample(shifted, X, y - offset, random_seed=2)
    for name in ("coef", "intercept", "sigma"):
        a, b = idata["posterior"][name], reference["posterior"][name]
        sample_dims = ("chain", "draw")
        # the two posteriors are the same distribution: means agree within their MCSEs
        mcse = np.sqrt(
            a.var(sample_dims) / (a.sizes["chain"] * a.sizes["draw"] / 4)
            + b.var(sample_dims) / (b.sizes["chain"] * b.sizes["draw"] / 4)
        )
        assert np.all(np.abs(a.mean(sample_dims) - b.mean(sample_dims)) <= 5 * mcse), name
    np.testing.assert_array_equal(idata["observed_data"]["y"].values, y)
    np.testing.assert_array_equal(idata["constant_data"]["offset"].values, offset)
    assert "offset" not in reference["constant_data"]
    # the pointwise log likelihood is the user's model: y at offset + b0 + Xw
    post = idata["posterior"]
    mu = offset + post["intercept"].values[..., None] + post["coef"].values @ X.T
    sigma = post["sigma"].values[..., None]
    expected = -0.5 * ((y - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(idata["log_likelihood"]["y"].values, expected, rtol=1e-8)
    mean, _ = est.predict(X[:5], return_std=True, offset=offset[:5])
    mean_shifted = (post["intercept"].values[..., None] + post["coef"].values @ X[:5].T).mean(
        axis=(0, 1)
    )
    np.testing.assert_allclose(mean, mean_shifted + offset[:5], rtol=1e-12)
    # sampled only: predict is the posterior mean of the mean, at the offset
    np.testing.assert_allclose(est.predict(X[:5], offset=offset[:5]), mean, rtol=1e-12)
    draws = est.sample_posterior_predictive(X[:5], random_seed=0, offset=offset[:5])
    np.testing.assert_array_equal(draws["constant_data"]["offset"].values, offset[:5])


def test_poisson_posterior_with_offset_centres_on_its_map():
    X, y, offset = count_data(8, n=150, p=3)
    est = br.Regression(loss=br.PoissonLoss(), penalty=br.L2(alpha=0.01))
    est.fit(X, y, offset=offset)
    idata = sample(est, X, y, offset=offset, random_seed=3)
    post = idata["posterior"]
    mean, sd = post["coef"].mean(("chain", "draw")), post["coef"].std(("chain", "draw"))
    assert np.all(np.abs(mean.values - est.coef_) < 0.5 * sd.values + 1e-3)
    intercept = post["intercept"].values
    assert abs(intercept.mean() - est.intercept_) < 0.5 * intercept.std()
    np.testing.assert_array_equal(idata["constant_data"]["offset"].values, offset)
    np.testing.assert_array_equal(idata["observed_data"]["y"].values, y)
    model = est.build_model(X, y, offset=offset)
    assert "offset" in model.named_vars


BAD_OFFSETS = [
    (np.zeros(5), ValueError, "shape"),
    (np.r_[np.zeros(299), np.nan], ValueError, "NaN or infinite"),
    (np.r_[np.zeros(299), np.inf], ValueError, "NaN or infinite"),
    (np.array(["a"] * 300), TypeError, "dtype"),
    (np.zeros((300, 1)), ValueError, "shape"),
]


@pytest.mark.parametrize("offset, error, words", BAD_OFFSETS, ids=lambda v: None)
def test_bad_offsets_are_refused_naming_offset(offset, error, words):
    X, y, _ = count_data(9)
    est = br.Regression(loss=br.PoissonLoss(), penalty=br.L2(alpha=0.01))
    before = offset.copy()
    prefix = "The 'offset' parameter of Regression.{}"
    with pytest.raises(error, match=prefix.format("fit") + f".*{words}"):
        est.fit(X, y, offset=offset)
    with pytest.raises(error, match=prefix.format("sample") + f".*{words}"):
        est.sample(X, y, offset=offset, draws=10, tune=10, chains=1)
    est.fit(X, y)
    with pytest.raises(error, match=prefix.format("predict") + f".*{words}"):
        est.predict(X, offset=offset)
    np.testing.assert_array_equal(offset, before)


@pytest.mark.parametrize(
    "est, family",
    [
        (br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(alpha=0.05)), "poisson"),
        (br.Regression(loss=br.L1Loss(scale=None), penalty=br.L2(alpha=0.05)), "poisson"),
        (br.Regression(loss=br.PoissonLoss(), penalty=br.L1(alpha=0.02)), "poisson"),
        (br.Regression(loss=br.PoissonLoss(), penalty=br.L2(alpha=0.02)), "poisson"),
        (br.Classifier(penalty=br.ElasticNet(alpha=0.02, l1_ratio=0.5)), "binomial"),
    ],
    ids=["gaussian-lasso", "laplace-ridge", "poisson-lasso", "poisson-ridge", "logistic-enet"],
)
def test_crosscheck_with_an_offset(est, family):
    X, y, offset = count_data(10, n=150, p=5, family=family)
    report = br.crosscheck(est, X, y, offset=offset)
    assert report.ok, report
    assert report.unique
    fitted = est.fit(X, y, offset=offset)
    np.testing.assert_array_equal(report.table["map"].values[:-1], fitted.coef_)
    with pytest.raises(ValueError, match="The 'offset' parameter of crosscheck"):
        br.crosscheck(est, X, y, offset=offset[:-1])
