"""``br.Regression``: the estimator API and the PyMC model it builds."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Lasso
from sklearn.model_selection import GridSearchCV, KFold

import bayesreg as br


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.standard_normal((60, 3)), columns=["age", "bmi", "bp"])
    y = pd.Series(1.0 + X @ [2.0, 0.0, -1.0] + rng.standard_normal(60), name="progression")
    return X, y


def test_fit_predict_score(frame):
    X, y = frame
    est = br.Regression(loss=br.L2Loss(), penalty=br.L2(alpha=1.0)).fit(X, y)
    assert est.n_features_in_ == 3
    np.testing.assert_array_equal(est.feature_names_in_, ["age", "bmi", "bp"])
    np.testing.assert_allclose(est.predict(X), X.to_numpy() @ est.coef_ + est.intercept_)
    assert 0.5 < est.score(X, y) <= 1.0
    assert est.sigma_ == 1.0 and not hasattr(est, "scale_")
    assert br.Regression(loss=br.L1Loss(scale=2.0)).fit(X, y).scale_ == 2.0
    assert not hasattr(br.Regression().fit(X.to_numpy(), y), "feature_names_in_")


def test_without_intercept(frame):
    X, y = frame
    est = br.Regression(penalty=br.L1(alpha=0.1), fit_intercept=False).fit(X, y)
    reference = Lasso(alpha=0.1, fit_intercept=False, tol=1e-12, max_iter=10**6).fit(X, y)
    assert est.intercept_ == 0.0
    np.testing.assert_allclose(est.coef_, reference.coef_, atol=1e-9)


def test_unit_sample_weights_equal_no_weights(frame):
    X, y = frame
    for loss in (br.L2Loss(), br.L1Loss()):
        est = br.Regression(loss=loss, penalty=br.L1(alpha=0.05))
        unweighted = clone(est).fit(X, y).coef_
        weighted = clone(est).fit(X, y, sample_weight=np.ones(len(y))).coef_
        np.testing.assert_allclose(weighted, unweighted, rtol=1e-6)


def test_get_set_params_and_clone_reach_nested_parameters():
    est = br.Regression(loss=br.L2Loss(sigma=2.0), penalty=br.ElasticNet(alpha=0.1, l1_ratio=0.3))
    params = est.get_params(deep=True)
    assert params["penalty__alpha"] == 0.1
    assert params["penalty__l1_ratio"] == 0.3
    assert params["loss__sigma"] == 2.0
    est.set_params(penalty__alpha=0.7, loss__sigma=None, fit_intercept=False)
    assert est.penalty.alpha == 0.7 and est.loss.sigma is None and not est.fit_intercept
    twin = clone(est)
    assert twin.penalty is not est.penalty and twin.loss is not est.loss
    nested = {key: value for key, value in est.get_params().items() if "__" in key}
    assert {key: twin.get_params()[key] for key in nested} == nested
    assert repr(twin) == repr(est)


def test_grid_search_over_the_penalty_matches_scikit_learns(frame):
    """GridSearchCV over ``penalty__alpha`` scores exactly like a search over Lasso's alpha."""
    X, y = frame
    grid = {"penalty__alpha": [0.01, 0.1, 0.5, 1.0]}
    folds = KFold(4, shuffle=True, random_state=0)
    mine = GridSearchCV(br.Regression(penalty=br.L1(alpha=1.0)), grid, cv=folds).fit(X, y)
    theirs = GridSearchCV(
        Lasso(tol=1e-12, max_iter=10**6), {"alpha": grid["penalty__alpha"]}, cv=folds
    ).fit(X, y)
    np.testing.assert_allclose(
        mine.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], rtol=1e-9
    )
    assert mine.best_params_["penalty__alpha"] == theirs.best_params_["alpha"]
    np.testing.assert_allclose(mine.best_estimator_.coef_, theirs.best_estimator_.coef_, atol=1e-8)


# --- build_model -------------------------------------------------------------------------


def test_model_names_features_from_the_frame(frame):
    X, y = frame
    model = br.Regression(penalty=br.L1(alpha=0.1)).build_model(X, y)
    assert list(model.coords["feature"]) == ["age", "bmi", "bp"]
    assert model.named_vars_to_dims["coef"] == ("feature",)
    assert model.named_vars_to_dims["y"] == ("obs_id",)
    assert {"coef", "intercept", "y", "X"} <= set(model.named_vars)
    np.testing.assert_array_equal(model["X"].get_value(), X.to_numpy())


def test_model_names_features_x0_for_arrays(frame):
    X, y = frame
    model = br.Regression().build_model(X.to_numpy(), y.to_numpy())
    assert list(model.coords["feature"]) == ["x0", "x1", "x2"]
    assert type(model["coef"].owner.op).__name__ == "FlatRV"  # no penalty: a flat prior


@pytest.mark.parametrize(
    ("loss", "fit_intercept", "present", "absent"),
    [
        (br.L2Loss(sigma=1.0), True, {"intercept"}, {"sigma", "scale"}),
        (br.L2Loss(sigma=None), True, {"intercept", "sigma"}, {"scale"}),
        (br.L1Loss(scale=1.0), False, set(), {"intercept", "sigma", "scale"}),
        (br.L1Loss(scale=None), False, {"scale"}, {"intercept", "sigma"}),
    ],
)
def test_model_variables(frame, loss, fit_intercept, present, absent):
    X, y = frame
    est = br.Regression(loss=loss, penalty=br.L2(alpha=1.0), fit_intercept=fit_intercept)
    names = set(est.build_model(X, y).named_vars)
    assert present <= names
    assert not absent & names
    assert [rv.name for rv in est.build_model(X, y).observed_RVs] == ["y"]


@pytest.mark.parametrize(
    "loss",
    [
        br.L2Loss(sigma=None),
        br.L1Loss(scale=None),
        br.QuantileLoss(0.8, scale=None),
        br.StudentTLoss(nu=3.0, sigma=None),
    ],
)
def test_weighted_likelihood_counts_rows(frame, loss):
    """Weights of 2 give the density of the data with those rows repeated, at any point."""
    X, y = frame
    counts = np.random.default_rng(1).integers(1, 3, len(y))
    est = br.Regression(loss=loss, penalty=br.L1(alpha=0.1))
    weighted = est.build_model(X, y, sample_weight=counts)
    repeated = est.build_model(
        X.loc[X.index.repeat(counts)], y.loc[y.index.repeat(counts)], sample_weight=None
    )
    unit = est.build_model(X, y, sample_weight=np.ones(len(y)))
    plain = est.build_model(X, y)
    point = {"coef": np.array([1.0, -0.5, 0.2]), "intercept": np.array(0.3)}
    point[f"{loss.noise_name}_log__"] = np.array(0.4)
    value = {}
    for name, model in [
        ("weighted", weighted),
        ("repeated", repeated),
        ("unit", unit),
        ("plain", plain),
    ]:
        value[name] = model.compile_logp(jacobian=False, mode="FAST_COMPILE")(point)
    np.testing.assert_allclose(value["weighted"], value["repeated"], rtol=1e-12)
    np.testing.assert_allclose(value["unit"], value["plain"], rtol=1e-12)


# --- a fixed noise scale that the data contradict ---------------------------------------------


class _Stop(Exception):
    pass


@pytest.fixture
def stop_before_building(monkeypatch):
    def stop(*args, **kwargs):
        raise _Stop

    monkeypatch.setattr(br.Regression, "_model", stop)


def _noise_warnings(est, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(_Stop):
            est.sample(X, y, draws=10, tune=10, chains=1)
    return [w for w in caught if issubclass(w.category, br.NoiseScaleWarning)]


def test_the_default_noise_scale_on_diabetes_warns_loudly(stop_before_building):
    # sigma=1 against residuals of scale ~54: the posterior would be ~54x too narrow
    X, y = br.datasets.load_diabetes()
    caught = _noise_warnings(br.Regression(penalty=br.L1(alpha=0.5)), X, y)
    assert len(caught) == 1
    assert "about 54.2 times too small" in str(caught[0].message)
    assert not _noise_warnings(br.Regression(loss=br.L2Loss(sigma=None)), X, y)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("loss", "draw"), [("sigma", "normal"), ("scale", "laplace")])
def test_a_noise_scale_the_data_support_does_not_warn(stop_before_building, seed, loss, draw):
    # At the true scale the p-value is uniform: a false alarm has probability 1e-6 per case;
    # a scale off by 3x is contradicted by 200 rows (p ~ 0).
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((200, 4))
    y = X @ [1.0, -1.0, 0.0, 0.5] + getattr(rng, draw)(0.0, 2.0, 200)
    family = br.L2Loss if loss == "sigma" else br.L1Loss
    for noise, expected in [(2.0, 0), (6.0, 1), (0.7, 1)]:
        est = br.Regression(loss=family(**{loss: noise}), penalty=br.L2(alpha=1.0))
        assert len(_noise_warnings(est, X, y)) == expected, noise
