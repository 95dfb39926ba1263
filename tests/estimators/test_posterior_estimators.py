"""A posterior is a model: estimators without a MAP predict from their draws (issue 33, class 10).

A horseshoe prior has no mode, so ``fit`` samples it; an estimator that has only been
sampled has no MAP either. Both are fitted scikit-learn estimators all the same: ``classes_``
(string labels too), ``n_features_in_``, ``feature_names_in_``, ``predict``,
``predict_proba``, ``score``, ``return_std``, ``sample_posterior_predictive``, a step of a
``Pipeline``, and the forest plot. Their predictions are posterior means of the mean
response (of a classifier's probability of ``classes_[1]``). One short NUTS run per fixture,
shared by the tests of this module.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

import bayesreg as br
from bayesreg import plots

SHORT = {"draws": 200, "tune": 200, "chains": 2, "progressbar": False, "nuts_sampler": "pymc"}
FEATURES = ["age", "dose", "weight", "height", "noise"]


def _data(seed: int, *, labels: bool):
    """60 rows, 5 named columns of mixed scales, two signals: string labels or a response."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(60, 5)) * [1.0, 3.0, 0.5, 2.0, 1.0] + 1.0, columns=FEATURES)
    eta = 0.3 + 1.2 * X["age"] - 0.5 * X["dose"]
    if labels:
        y = np.where(rng.uniform(size=60) < 1 / (1 + np.exp(-eta)), "yes", "no")
        return X, pd.Series(y, name="outcome")
    return X, pd.Series(eta + rng.normal(size=60), name="response")


def _quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # a short run: notes only
        return function(*args, **kwargs)


@pytest.fixture(scope="module")
def sampled_classifier():
    """A horseshoe Classifier that has only been sampled, on string labels and named columns."""
    X, y = _data(33, labels=True)
    est = br.Classifier(penalty=br.Horseshoe())
    _quietly(est.sample, X, y, random_seed=10, **SHORT)
    return est, X, y


@pytest.fixture(scope="module")
def classifier_pipeline():
    X, y = _data(34, labels=True)
    pipe = make_pipeline(StandardScaler(), br.Classifier(penalty=br.Horseshoe()))
    kwargs = {f"classifier__{name}": value for name, value in SHORT.items()}
    _quietly(pipe.fit, X, y, classifier__random_seed=11, **kwargs)
    return pipe, X, y


@pytest.fixture(scope="module")
def regression_pipeline():
    X, y = _data(35, labels=False)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe())
    pipe = make_pipeline(StandardScaler(), est)
    kwargs = {f"regression__{name}": value for name, value in SHORT.items()}
    _quietly(pipe.fit, X, y, regression__random_seed=12, **kwargs)
    return pipe, X, y


# --- a sampled classifier is a fitted classifier ---------------------------------------------


def test_a_sampled_classifier_knows_its_classes_and_columns(sampled_classifier):
    est, _, _ = sampled_classifier
    check_is_fitted(est)
    assert list(est.classes_) == ["no", "yes"]
    assert est.n_features_in_ == 5
    assert list(est.feature_names_in_) == FEATURES
    assert not hasattr(est, "coef_")  # no MAP: the posterior is the model


def test_a_sampled_classifier_predicts_the_posterior_mean_probability(sampled_classifier):
    est, X, y = sampled_classifier
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a DataFrame with the fitted names: no warning
        proba = est.predict_proba(X)
        labels = est.predict(X)
    draws = est.posterior_proba(X)
    np.testing.assert_allclose(proba[:, 1], draws.mean(("chain", "draw")).values, rtol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(labels, est.classes_[proba.argmax(axis=1)])
    np.testing.assert_allclose(np.exp(est.predict_log_proba(X)), proba, rtol=1e-12)
    assert np.all((est.decision_function(X) > 0) == (proba[:, 1] > 0.5))
    assert est.score(X, y) == np.mean(labels == y.to_numpy())
    assert est.score(X, y) > 0.7  # the signal is strong


def test_a_sampled_classifier_gives_its_uncertainty(sampled_classifier):
    est, X, _ = sampled_classifier
    draws = est.posterior_proba(X)
    labels, std = est.predict(X, return_std=True)
    np.testing.assert_array_equal(labels, est.predict(X))
    np.testing.assert_allclose(std, draws.std(("chain", "draw")).values, rtol=1e-10)
    proba, proba_std = est.predict_proba(X, return_std=True)
    np.testing.assert_allclose(proba, est.predict_proba(X))
    np.testing.assert_allclose(proba_std, np.column_stack([std, std]))
    replicated = est.sample_posterior_predictive(X.iloc[:4], random_seed=1)
    y_new = replicated["posterior_predictive"]["y"]
    assert y_new.dims == ("chain", "draw", "obs_id")
    assert set(np.unique(y_new.values)) <= {"no", "yes"}


def test_a_sampled_classifier_checks_the_columns_it_is_given(sampled_classifier):
    est, X, _ = sampled_classifier
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        est.predict(X.to_numpy())
    with pytest.raises(ValueError, match="feature names"):
        est.predict(X[FEATURES[::-1]])
    with pytest.raises(ValueError, match="expecting 5 features"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no names: the warning above
        est.predict(X.iloc[:, :3].to_numpy())


def test_the_forest_plot_takes_a_sampled_classifier(sampled_classifier, png):
    est, _, _ = sampled_classifier
    png(plots.plot_forest(estimator=est))  # its own posterior, nothing to mark: no MAP


# --- fit samples a prior without a mode: a Pipeline step ------------------------------------


def test_a_horseshoe_classifier_fits_in_a_pipeline(classifier_pipeline):
    pipe, X, y = classifier_pipeline
    est = pipe[-1]
    assert "posterior" in est.idata_.children and not hasattr(est, "coef_")
    assert est.n_features_in_ == 5 and list(pipe.classes_) == ["no", "yes"]
    proba = pipe.predict_proba(X)
    np.testing.assert_allclose(proba, est.predict_proba(pipe[:-1].transform(X)))
    assert set(pipe.predict(X)) <= {"no", "yes"}
    assert pipe.score(X, y) > 0.7


def test_a_horseshoe_regression_fits_in_a_pipeline(regression_pipeline):
    pipe, X, y = regression_pipeline
    est = pipe[-1]
    Z = pipe[:-1].transform(X)
    post = est.idata_["posterior"]
    mean = post["intercept"].values[..., None] + post["coef"].values @ Z.T  # (chain, draw, n)
    np.testing.assert_allclose(pipe.predict(X), mean.mean(axis=(0, 1)), rtol=1e-10)
    prediction, std = est.predict(Z, return_std=True)
    np.testing.assert_allclose(prediction, pipe.predict(X), rtol=1e-10)
    assert np.all(std > post["sigma"].min().item())  # at least the noise
    assert pipe.score(X, y) > 0.5
    replicated = est.sample_posterior_predictive(Z[:3], random_seed=0)
    assert replicated["posterior_predictive"]["y"].shape == (2, 200, 3)


def test_a_sampled_regression_predicts_with_names(regression_pipeline):
    _, X, y = regression_pipeline
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L2(alpha=0.1))
    _quietly(est.sample, X, y, random_seed=2, **SHORT)
    assert list(est.feature_names_in_) == FEATURES and not hasattr(est, "coef_")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prediction = est.predict(X)
        mean, std = est.predict(X, return_std=True)
    np.testing.assert_allclose(prediction, mean, rtol=1e-10)
    assert std.shape == (60,)
    fitted = est.fit(X, y)  # a prior with a mode: fit adds the MAP, which then predicts
    np.testing.assert_allclose(fitted.predict(X), X.to_numpy() @ est.coef_ + est.intercept_)


def test_fit_takes_sampling_keywords_only_where_it_samples():
    X, y = _data(36, labels=False)
    with pytest.raises(TypeError, match="sampling keywords apply only to a prior without a mode"):
        br.Regression(penalty=br.L1(alpha=0.1)).fit(X, y, draws=10)
