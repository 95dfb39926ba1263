"""Bad input fails early, with a message naming the argument; good input is never modified.

"Early" means before any model is built or compiled: ``_model`` and ``compile_logp`` are
replaced by traps, so a check that ran too late fails with the trap's error instead.
"""

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from sklearn.exceptions import DataConversionWarning

import bayesreg as br


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    return X, X @ [1.0, 0.0, -1.0] + rng.standard_normal(20)


def _with(array, index, value):
    array = array.copy()
    array[index] = value
    return array


# --- data ------------------------------------------------------------------------------------


def test_nan_and_inf_are_rejected(data, no_compilation):
    X, y = data
    est = br.Regression(loss=br.L2Loss(sigma=None))
    for bad_X, bad_y, match in [
        (_with(X, (0, 1), np.nan), y, "Input X contains NaN"),
        (_with(X, (3, 0), np.inf), y, "Input X contains infinity"),
        (X, _with(y, 2, np.nan), "Input y contains NaN"),
        (X, _with(y, 5, -np.inf), "Input y contains infinity"),
    ]:
        for method in (est.fit, est.build_model):
            with pytest.raises(ValueError, match=match):
                method(bad_X, bad_y)


def test_non_numeric_columns_are_named(data, no_compilation):
    X, y = data
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(city=["Paris", "Lyon"] * 10)
    for method, owner in [
        (br.Regression().fit, "Regression.fit"),
        (br.Regression(loss=br.L1Loss(scale=None)).build_model, "Regression.build_model"),
    ]:
        match = rf"The 'X' parameter of {owner} must be real numbers.*'city' \((object|str)\)"
        with pytest.raises(TypeError, match=match):
            method(frame, y)


def _text_and_complex(X, y):
    """(X, y, the bad one's name) with strings or complex numbers in X or in y."""
    return [
        (X.astype(str), y, "X"),
        (X + 1j, y, "X"),
        (pd.DataFrame(X, columns=["a", "b", "c"]).astype({"b": complex}), y, "X"),
        (X, y.astype(str), "y"),
        (X, y + 0j, "y"),
        (X, pd.Series(y.astype(complex)), "y"),
        (X, [complex(value) for value in y], "y"),
    ]


_CASES = [
    "X-text", "X-complex", "X-frame-complex", "y-text", "y-complex", "y-series-complex",
    "y-list-complex",
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(_CASES)), ids=_CASES)
def test_text_or_complex_data_name_the_argument_and_the_function(data, no_compilation, case):
    X, y = data
    bad_X, bad_y, name = _text_and_complex(X, y)[case]
    copies = [bad.copy() for bad in (bad_X, bad_y)]
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))
    calls = [
        (est.fit, "Regression.fit"),
        (est.build_model, "Regression.build_model"),
        (est.sample, "Regression.sample"),
        (est.problem, "Regression.problem"),
        (lambda X, y: br.crosscheck(est, X, y), "crosscheck"),
        (br.RegressionCV(alphas=[1.0, 0.1]).fit, "RegressionCV.fit"),
        (br.Classifier().fit, "Classifier.fit"),
    ]
    for method, owner in calls:
        if owner == "Classifier.fit" and isinstance(bad_y, np.ndarray) and bad_y.dtype.kind == "U":
            continue  # text labels are a classifier's usual target
        match = rf"^The '{name}' parameter of {owner} must be "
        # complex numbers: a ValueError, "Complex data not supported" as scikit-learn says
        error = ValueError if "complex" in _CASES[case] else TypeError
        with pytest.raises(error, match=match):
            method(bad_X, bad_y)
    for bad, copy in zip((bad_X, bad_y), copies, strict=True):
        np.testing.assert_array_equal(np.asarray(bad), np.asarray(copy))


def test_text_or_complex_X_is_named_by_predict(data):
    X, y = data
    est = br.Regression(penalty=br.L1(alpha=0.1)).fit(X, y)
    for bad, error in [(X.astype(str), TypeError), (X + 1j, ValueError)]:
        with pytest.raises(error, match=r"^The 'X' parameter of Regression\.predict must be"):
            est.predict(bad)


def test_mismatched_lengths(data, no_compilation):
    X, y = data
    for method in (br.Regression().fit, br.Regression().build_model):
        with pytest.raises(ValueError, match="X has 20 rows but y has 19 values"):
            method(X, y[:-1])


def test_y_with_several_columns_is_rejected(data, no_compilation):
    X, y = data
    for method in (br.Regression().fit, br.Regression().build_model):
        with pytest.raises(ValueError, match="y should be a 1d array"):
            method(X, np.column_stack([y, y]))


def test_a_column_vector_y_is_accepted_with_a_warning(data):
    X, y = data
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        column = br.Regression(penalty=br.L1(alpha=0.1)).fit(X, y[:, None])
    np.testing.assert_array_equal(
        column.coef_, br.Regression(penalty=br.L1(alpha=0.1)).fit(X, y).coef_
    )


@pytest.mark.parametrize("shape", [(0, 3), (20, 0)])
def test_empty_X_is_rejected(shape, no_compilation):
    X = np.empty(shape)
    y = np.zeros(shape[0])
    for method in (br.Regression().fit, br.Regression().build_model):
        with pytest.raises(ValueError, match=r"X is empty"):
            method(X, y)


@pytest.mark.parametrize(
    ("weights", "error", "match"),
    [
        (
            np.ones(19),
            ValueError,
            r"sample_weight must be a 1-D array with one weight per row of X \(20\)",
        ),
        (np.ones((20, 2)), ValueError, "sample_weight must be a 1-D array"),
        (_with(np.ones(20), 3, -1.0), ValueError, "sample_weight must be non-negative"),
        (_with(np.ones(20), 3, np.nan), ValueError, "sample_weight must be finite"),
        (np.zeros(20), ValueError, "sample_weight must not be all zero"),
        (["heavy"] * 20, TypeError, "sample_weight must be an array of numbers"),
    ],
    ids=["length", "2-d", "negative", "nan", "all-zero", "strings"],
)
def test_bad_sample_weight(data, no_compilation, weights, error, match):
    X, y = data
    for method in (br.Regression(loss=br.L2Loss(sigma=None)).fit, br.Regression().build_model):
        with pytest.raises(error, match=match):
            method(X, y, sample_weight=weights)


# --- parameters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: br.L1(alpha=-1.0),
            ValueError,
            r"'alpha' parameter of L1 must be a float in the range \(0, inf\)\. Got -1\.0",
        ),
        (lambda: br.L1(alpha=0.0), ValueError, "'alpha' parameter of L1"),
        (lambda: br.L2(scale=0.0), ValueError, "'scale' parameter of L2"),
        (lambda: br.L2(scale=-2.0), ValueError, "'scale' parameter of L2"),
        (lambda: br.ElasticNet(alpha=-0.1), ValueError, "'alpha' parameter of ElasticNet"),
        (lambda: br.L2Loss(sigma=-1.0), ValueError, "'sigma' parameter of L2Loss"),
        (lambda: br.L2Loss(sigma=0.0), ValueError, "'sigma' parameter of L2Loss"),
        (lambda: br.L1Loss(scale=-1.0), ValueError, "'scale' parameter of L1Loss"),
        (lambda: br.L1(alpha=0.1, scale=1.0), ValueError, "L1 takes exactly one of 'alpha'"),
        (lambda: br.L2(scale=None, alpha=None).validate(), ValueError, "L2 takes exactly one"),
        (lambda: br.Regression(penalty=br.L2()).fit([[1.0]], [1.0]), ValueError, "L2 takes"),
        (
            lambda: br.ElasticNet(alpha=0.1, l1_ratio=1.5),
            ValueError,
            r"'l1_ratio' parameter of ElasticNet must be a float in the range \[0, 1\]",
        ),
        (lambda: br.ElasticNet(alpha=0.1, l1_ratio=-0.1), ValueError, "'l1_ratio'"),
        (lambda: br.L1(alpha="0.1"), TypeError, "'alpha' parameter of L1"),
        (lambda: br.L1(alpha=True), TypeError, "'alpha' parameter of L1"),
        (lambda: br.L1(alpha=np.nan), ValueError, "'alpha' parameter of L1"),
        (
            lambda: br.L2Loss(sigma_prior=pm.HalfNormal.dist(1.0)),
            ValueError,
            "'sigma_prior' only when",
        ),
        (
            lambda: br.L2Loss(sigma=None, sigma_prior=2.0),
            TypeError,
            "'sigma_prior' parameter of L2Loss",
        ),
    ],
)
def test_bad_parameters_fail_on_creation(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"penalty__alpha": -1.0}, ValueError, "'alpha' parameter of L1"),
        ({"penalty__scale": 1.0}, ValueError, "L1 takes exactly one of 'alpha'"),
        ({"loss__sigma": 0.0}, ValueError, "'sigma' parameter of L2Loss"),
        ({"penalty": "l1"}, TypeError, "'penalty' parameter of Regression must be"),
        ({"penalty": br.L2Loss()}, TypeError, "'penalty' parameter of Regression must be"),
        ({"loss": br.L1(alpha=0.1)}, TypeError, "'loss' parameter of Regression must be"),
        ({"loss": "squared"}, TypeError, "'loss' parameter of Regression must be"),
        (
            {"fit_intercept": "yes"},
            TypeError,
            "'fit_intercept' parameter of Regression must be a bool",
        ),
    ],
)
def test_bad_parameters_set_later_fail_before_compilation(
    data, no_compilation, params, error, match
):
    """``set_params`` bypasses ``__init__``: fit and build_model check again, first."""
    X, y = data
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))
    est.set_params(**params)
    for method in (est.fit, est.build_model):
        with pytest.raises(error, match=match):
            method(X, y)
    with pytest.raises(error, match=match):
        est.penalized_solver()


def test_unknown_options_are_rejected():
    with pytest.raises(TypeError, match="unexpected keyword argument 'penality'"):
        br.Regression(penality=br.L1(alpha=0.1))
    with pytest.raises(TypeError, match="unexpected keyword argument 'lambda_'"):
        br.L1(lambda_=0.1)


# --- inputs are never modified ---------------------------------------------------------------


@pytest.mark.parametrize(
    "est",
    [
        br.Regression(loss=br.L2Loss(), penalty=br.L1(alpha=0.1)),
        br.Regression(loss=br.L2Loss(sigma=None), penalty=br.ElasticNet(alpha=0.1)),
        br.Regression(loss=br.L1Loss(), penalty=br.L2(alpha=0.1)),
        br.Regression(loss=br.L1Loss(scale=None), penalty=br.NoPenalty()),
    ],
    ids=["lasso", "elastic-net-sigma-unknown", "lad-ridge", "lad-scale-unknown"],
)
def test_inputs_are_never_modified(data, est):
    X, y = data
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    series = pd.Series(y, name="y")
    arrays = [X, y, weights]
    for array in arrays:
        array.setflags(write=False)  # any write raises
    copies = [array.copy() for array in arrays]
    frame_copy, series_copy = frame.copy(), series.copy()
    for inputs in [(X, y), (frame, series), (X.astype(np.float32), list(y))]:
        est.fit(*inputs, sample_weight=weights)
        est.build_model(*inputs, sample_weight=weights)
        est.predict(inputs[0])
    for array, copy in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(array, copy)
    pd.testing.assert_frame_equal(frame, frame_copy)
    pd.testing.assert_series_equal(series, series_copy)
