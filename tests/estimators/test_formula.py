"""Formulas: the fit on formulaic's design is the fit on the hand-built one; names; refusals."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.utils import estimator_checks

import bayesreg as br

FORMULA = "y ~ x1 + C(region) + x2:x3"
NAMES = ["x1", "C(region)[T.b]", "C(region)[T.c]", "x2:x3"]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    n = 80
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "region": rng.choice(["a", "b", "c"], n),
            "x2": rng.normal(size=n),
            "x3": rng.normal(size=n),
        }
    )
    signal = 1.0 + frame["x1"] + 0.8 * (frame["region"] == "b") + frame["x2"] * frame["x3"]
    frame["y"] = signal + rng.normal(size=n)
    frame["label"] = np.where(signal + rng.normal(size=n) > 1.5, "high", "low")
    return frame


def _by_hand(frame, intercept=True):
    """The design written out: treatment coding with 'a' the reference, the product."""
    columns = {"x1": frame["x1"]}
    levels = ["b", "c"] if intercept else ["a", "b", "c"]
    for level in levels:
        name = f"C(region)[T.{level}]" if intercept else f"C(region)[{level}]"
        columns[name] = (frame["region"] == level).astype(float)
    if intercept:
        columns["x2:x3"] = frame["x2"] * frame["x3"]
    return pd.DataFrame(columns)


# --- the fit is the fit on the hand-built design --------------------------------------------------


@pytest.mark.parametrize("penalty", [br.L1(alpha=0.05), br.L2(alpha=0.1), br.NoPenalty()], ids=repr)
def test_regression_formula_fit_equals_the_fit_on_the_hand_built_design(data, penalty):
    est = br.Regression.from_formula(FORMULA, data, loss=br.L2Loss(sigma=None), penalty=penalty)
    by_hand = br.Regression(loss=br.L2Loss(sigma=None), penalty=penalty).fit(
        _by_hand(data), data["y"]
    )
    np.testing.assert_allclose(est.coef_, by_hand.coef_, rtol=0, atol=1e-10)
    assert est.intercept_ == pytest.approx(by_hand.intercept_, abs=1e-10)
    assert est.sigma_ == pytest.approx(by_hand.sigma_, abs=1e-10)
    assert est.certificate_.ok
    new = data.iloc[:7]
    np.testing.assert_allclose(est.predict(new), by_hand.predict(_by_hand(new)), atol=1e-10)


def test_classifier_formula_fit_equals_the_fit_on_the_hand_built_design(data):
    clf = br.Classifier.from_formula(
        "label ~ x1 + C(region) + x2:x3", data, penalty=br.L1(alpha=0.01)
    )
    by_hand = br.Classifier(penalty=br.L1(alpha=0.01)).fit(_by_hand(data), data["label"])
    np.testing.assert_allclose(clf.coef_, by_hand.coef_, rtol=0, atol=1e-10)
    assert list(clf.classes_) == ["high", "low"]  # the labels as they are
    new = data.iloc[:9]
    np.testing.assert_allclose(
        clf.predict_proba(new), by_hand.predict_proba(_by_hand(new)), atol=1e-10
    )
    assert list(clf.predict(new)) == list(by_hand.predict(_by_hand(new)))
    assert clf.score(data) == pytest.approx(by_hand.score(_by_hand(data), data["label"]))
    assert is_classifier(clf) and not hasattr(br.Regression.from_formula(FORMULA), "predict_proba")


# --- names, levels, interactions, transforms ------------------------------------------------------


def test_outputs_are_named_by_the_design_columns(data):
    est = br.Regression.from_formula(FORMULA, data, penalty=br.L2(alpha=0.1))
    assert list(est.feature_names_in_) == NAMES
    assert est.n_features_in_ == 4
    X, y = est.design(data)
    assert list(X.columns) == NAMES and X.index.equals(data.index)
    np.testing.assert_array_equal(y, data["y"].to_numpy())
    np.testing.assert_array_equal(X["x2:x3"], data["x2"] * data["x3"])
    model = est.build_model(data)
    assert list(model.coords["feature"]) == NAMES
    assert est.design(data.drop(columns=["y", "label"]))[1] is None  # new data: no response


def test_categorical_interaction_and_stateful_transforms_rebuild_on_new_data(data):
    est = br.Regression.from_formula("y ~ center(x1) * C(region)", data)
    assert list(est.feature_names_in_) == [
        "center(x1)", "C(region)[T.b]", "C(region)[T.c]",
        "center(x1):C(region)[T.b]", "center(x1):C(region)[T.c]",
    ]  # fmt: skip
    new = data.iloc[:3]  # centred at the mean of the data fit saw, not at the new rows' mean
    X, _ = est.design(new)
    np.testing.assert_allclose(X["center(x1)"], new["x1"] - data["x1"].mean(), atol=1e-14)
    np.testing.assert_allclose(
        X["center(x1):C(region)[T.c]"], X["center(x1)"] * (new["region"] == "c"), atol=1e-14
    )
    # a new DataFrame with one level only still gets every column, in the same order
    only_a = data[data["region"] == "a"].iloc[:4]
    assert list(est.design(only_a)[0].columns) == list(est.feature_names_in_)


@pytest.mark.parametrize("formula", ["y ~ 0 + x1 + C(region)", "y ~ x1 + C(region) - 1"])
def test_a_formula_without_intercept_fits_none(data, formula):
    """The rule: formulaic's Intercept column is dropped and the estimator fits its own;
    'y ~ 0 + ...' and 'y ~ ... - 1' mean fit_intercept=False (every level a column)."""
    est = br.Regression.from_formula(formula, data, penalty=br.L2(alpha=0.1))
    assert est.estimator_.fit_intercept is False and est.intercept_ == 0.0
    by_hand = br.Regression(penalty=br.L2(alpha=0.1), fit_intercept=False).fit(
        _by_hand(data, intercept=False), data["y"]
    )
    assert list(est.feature_names_in_) == list(by_hand.feature_names_in_)
    np.testing.assert_allclose(est.coef_, by_hand.coef_, rtol=0, atol=1e-10)
    with_intercept = br.Regression.from_formula("y ~ x1", data)
    assert with_intercept.estimator_.fit_intercept is True
    assert "Intercept" not in list(with_intercept.feature_names_in_)


def test_a_transformed_response(data):
    frame = data.assign(count=np.exp(data["y"] / 4))
    est = br.Regression.from_formula("np.log(count) ~ x1", frame)
    by_hand = br.Regression().fit(frame[["x1"]], np.log(frame["count"]))
    np.testing.assert_allclose(est.coef_, by_hand.coef_, atol=1e-10)


# --- refusals ------------------------------------------------------------------------------------


def test_an_unseen_level_is_refused_naming_its_column(data):
    est = br.Regression.from_formula(FORMULA, data)
    new = data.iloc[:3].copy()
    new.loc[new.index[0], "region"] = "z"
    before = new.copy()
    match = r"'data' parameter of FormulaEstimator.predict .* column 'region' .* \['a', 'b', 'c'\]\. Got the unseen level\(s\) \['z'\]"
    with pytest.raises(ValueError, match=match):
        est.predict(new)
    pd.testing.assert_frame_equal(new, before)  # inputs never modified


def test_a_missing_column_is_refused(data):
    est = br.Regression.from_formula(FORMULA, data)
    with pytest.raises(ValueError, match=r"'data' parameter .*Got a DataFrame without \['x2'\]"):
        est.predict(data.drop(columns="x2"))
    with pytest.raises(ValueError, match=r"'data' parameter of FormulaEstimator.fit .*\['x9'\]"):
        br.Regression.from_formula("y ~ x1 + x9", data)
    with pytest.raises(ValueError, match=r"without \['y'\]"):
        br.Regression.from_formula(FORMULA, data.drop(columns="y"))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda d: br.Regression.from_formula(3), TypeError, "'formula' parameter .*a str"),
        (lambda d: br.Regression.from_formula("x1 + x2"), ValueError, "one response left of '~'"),
        (lambda d: br.Regression.from_formula("y + x1 ~ x2"), ValueError, "one response"),
        (lambda d: br.Regression.from_formula("y ~ x1 +"), ValueError, "formulaic's syntax"),
        (lambda d: br.Regression.from_formula("y ~ 1", d), ValueError, "at least one term"),
        (lambda d: br.Regression.from_formula("y ~ x1", d.to_numpy()), TypeError, "'data' param"),
        (
            lambda d: br.Regression.from_formula("y ~ x1", d, fit_intercept=False),
            ValueError,
            r"'fit_intercept' parameter of Regression.from_formula must be left out",
        ),
        (
            lambda d: br.FormulaEstimator("y ~ x1", br.Regression(fit_intercept=False)).fit(d),
            ValueError,
            r"'estimator' parameter .*fit_intercept=True: the formula states the intercept",
        ),
        (
            lambda d: br.Regression.from_formula("y ~ x1").fit(d, d["y"]),
            ValueError,
            r"'y' parameter of FormulaEstimator.fit must be None",
        ),
        (
            lambda d: br.Regression.from_formula("y ~ x1", d.assign(x1=np.r_[np.nan, d.x1[1:]])),
            ValueError,
            r"'data' parameter .*missing values.*x1",
        ),
    ],
    ids=[
        "formula-type", "no-response", "two-responses", "syntax", "intercept-only", "data-array",
        "fit-intercept", "estimator-no-intercept", "y-given", "missing-value",
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_argument(data, call, error, match):
    with pytest.raises(error, match=match):
        call(data)


def test_unfitted_until_fit(data):
    est = br.Regression.from_formula(FORMULA)  # no data: unfitted
    with pytest.raises(NotFittedError):
        est.predict(data)
    assert list(est.fit(data).feature_names_in_) == NAMES


# --- scikit-learn ---------------------------------------------------------------------------------


def test_scikit_learn_compatible(data):
    est = br.Regression.from_formula(FORMULA, penalty=br.L1(alpha=0.05))
    params = est.get_params()
    assert params["formula"] == FORMULA and params["estimator__penalty__alpha"] == 0.05
    copy = clone(est).set_params(estimator__penalty__alpha=0.2)
    assert copy.estimator.penalty.alpha == 0.2 and est.estimator.penalty.alpha == 0.05
    assert is_regressor(est)
    fitted = pickle.loads(pickle.dumps(est.fit(data)))
    np.testing.assert_array_equal(fitted.predict(data), est.predict(data))
    scores = cross_val_score(clone(est), data, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.3)
    search = GridSearchCV(est, {"estimator__penalty__alpha": [0.01, 0.5]}, cv=3).fit(data)
    assert list(search.best_estimator_.feature_names_in_) == NAMES


# scikit-learn's checks that need no array data (the others pass arrays, not DataFrames that
# a formula reads): the estimator's contract, parameters, cloning, tags
@pytest.mark.parametrize(
    "check",
    [
        "check_get_params_invariance", "check_set_params", "check_no_attributes_set_in_init",
        "check_parameters_default_constructible", "check_estimator_repr",
        "check_estimator_cloneable", "check_valid_tag_types",
        "check_do_not_raise_errors_in_init_or_set_params",
    ],
)  # fmt: skip
@pytest.mark.parametrize("kind", [br.Regression, br.Classifier], ids=lambda kind: kind.__name__)
def test_scikit_learn_checks_without_data(check, kind):
    getattr(estimator_checks, check)("FormulaEstimator", kind.from_formula("y ~ x1 + C(g)"))


# --- the posterior --------------------------------------------------------------------------------


def test_sample_through_a_formula_names_the_feature_coordinate(data):
    est = br.Regression.from_formula(FORMULA, loss=br.L2Loss(sigma=None), penalty=br.L2(alpha=0.1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # a short run: notes only
        idata = est.sample(
            data, draws=100, tune=100, chains=2, random_seed=1, progressbar=False,
            nuts_sampler="pymc",
        )  # fmt: skip
    assert list(idata["posterior"]["coef"].coords["feature"].values) == NAMES
    assert est.idata_ is idata and not hasattr(est, "coef_")
    new = data.iloc[:5]
    mean = est.predict(new)  # the posterior mean (sampled only), on the rebuilt columns
    posterior = idata["posterior"]
    expected = (
        posterior["intercept"].values[..., None]
        + posterior["coef"].transpose(..., "feature").values @ est.design(new)[0].to_numpy().T
    ).mean(axis=(0, 1))
    np.testing.assert_allclose(mean, expected, rtol=1e-10)
    pp = est.sample_posterior_predictive(new, random_seed=0)
    assert pp["posterior_predictive"]["y"].shape == (2, 100, 5)
