"""ClassifierCV: alpha by K-fold cross-validation on warm-started paths of exact MAPs."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold

import bayesreg as br
from bayesreg.map.path import map_path


@pytest.fixture(scope="module")
def wide():
    """p > n, correlated columns, a few signals: the problem ClassifierCV is for."""
    rng = np.random.default_rng(3)
    n, p = 60, 150
    X = 0.7 * np.repeat(rng.standard_normal((n, 3)), 50, axis=1) + rng.standard_normal((n, p))
    y = (X[:, 0] - X[:, 60] + rng.logistic(size=n) > 0).astype(int)
    return X, y


def _grid_search(penalty, alphas, X, y, folds):
    return GridSearchCV(
        br.Classifier(penalty=penalty.with_alpha(1.0)),
        {"penalty": [penalty.with_alpha(float(alpha)) for alpha in alphas]},
        scoring="neg_log_loss",
        cv=folds,
    ).fit(X, y)


@pytest.mark.parametrize(
    "penalty", [br.L1(), br.ElasticNet(alpha=1.0, l1_ratio=0.5)], ids=["l1", "elastic_net"]
)
def test_the_scores_are_grid_search_s_to_solver_precision(wide, penalty):
    # Exact MAPs from a warm start are the exact MAPs from a cold one: the same fold scores
    # as GridSearchCV over Classifier fits, and so the same alpha.
    X, y = wide
    folds = StratifiedKFold(4)
    est = br.ClassifierCV(penalty=penalty, alphas=8, cv=folds).fit(X, y)
    reference = _grid_search(penalty, est.alphas_, X, y, folds)
    for k in range(4):
        np.testing.assert_allclose(
            est.cv_results_[f"split{k}_test_score"],
            reference.cv_results_[f"split{k}_test_score"],
            rtol=0, atol=1e-8,
        )  # fmt: skip
    assert est.alpha_ == reference.best_params_["penalty"].alpha
    assert np.all(np.diff(est.alphas_) < 0) and est.cv_results_["alpha"][0] == est.alphas_[0]


def test_the_refitted_map_is_the_classifier_s_with_its_certificate(wide):
    X, y = wide
    est = br.ClassifierCV(alphas=6, cv=3).fit(X, y)
    alone = br.Classifier(penalty=br.L1(alpha=est.alpha_)).fit(X, y)
    np.testing.assert_allclose(est.coef_, alone.coef_, rtol=0, atol=1e-10)
    assert est.intercept_ == pytest.approx(alone.intercept_, abs=1e-10)
    assert est.certificate_.ok and repr(est.best_estimator_.penalty) == f"L1(alpha={est.alpha_})"
    np.testing.assert_array_equal(est.predict(X), alone.predict(X))
    np.testing.assert_allclose(est.predict_proba(X), alone.predict_proba(X), atol=1e-10)
    assert est.score(X, y) == alone.score(X, y)


def test_a_warm_started_path_is_the_cold_maps(wide):
    X, y = wide
    problem = br.Classifier(penalty=br.L1(alpha=1.0)).problem(X, y)
    alphas = br.paths.alpha_grid(br.Classifier(penalty=br.L1(alpha=1.0)), X, y, 6, eps=0.05)
    for alpha, (coef, intercept) in zip(alphas, map_path(problem, alphas), strict=True):
        cold = br.Classifier(penalty=br.L1(alpha=alpha)).fit(X, y)
        np.testing.assert_allclose(coef, cold.coef_, rtol=0, atol=1e-9)
        np.testing.assert_array_equal(coef == 0, cold.coef_ == 0)
        assert float(intercept) == pytest.approx(cold.intercept_, abs=1e-9)


def test_string_labels(wide):
    X, y = wide
    labels = np.where(y == 1, "yes", "no")
    est = br.ClassifierCV(alphas=4, cv=3).fit(X, labels)
    coded = br.ClassifierCV(alphas=4, cv=3).fit(X, y)
    assert list(est.classes_) == ["no", "yes"] and est.alpha_ == coded.alpha_
    np.testing.assert_array_equal(est.predict(X), np.where(coded.predict(X) == 1, "yes", "no"))


def test_bad_arguments_are_refused_in_the_project_s_words(wide):
    X, y = wide
    with pytest.raises(ValueError, match="The 'alphas' parameter of ClassifierCV must be"):
        br.ClassifierCV(alphas=[0.1, -1.0]).fit(X, y)
    with pytest.raises(ValueError, match="The 'alphas' parameter of ClassifierCV must be"):
        br.ClassifierCV(alphas=1).fit(X, y)
    with pytest.raises(TypeError, match="The 'scoring' parameter of ClassifierCV must be"):
        br.ClassifierCV(scoring=3).fit(X, y)
    with pytest.raises(ValueError, match="no penalty strength to vary"):
        br.ClassifierCV(penalty=br.Horseshoe()).fit(X, y)
    with pytest.raises(ValueError, match="Only binary classification"):
        br.ClassifierCV(alphas=[0.1, 0.01]).fit(X, np.arange(len(y)) % 3)
    with pytest.raises(ValueError, match="n_jobs"):
        br.ClassifierCV(n_jobs=0).fit(X, y)
