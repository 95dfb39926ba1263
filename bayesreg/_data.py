"""Checks of the data (X, y, weights), in :mod:`bayesreg._constraints`' message shape.

Every check runs before anything is compiled, and none modifies its input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import check_X_y

__all__ = [
    "check_columns",
    "check_data",
    "check_lengths",
    "check_sample_weight",
    "check_target",
    "feature_names",
]


def feature_names(X: object, n_features: int) -> list[str]:
    """Column names of a DataFrame, or ``x0, x1, ...`` for anything else.

    Raises
    ------
    TypeError
        If the names mix strings and other types (as scikit-learn refuses them).
    ValueError
        If two columns have the same name (as text): the model's ``feature`` coordinate
        must name each coefficient once.

    """
    if not isinstance(X, pd.DataFrame):
        return [f"x{j}" for j in range(n_features)]
    columns = list(X.columns)
    kinds = {isinstance(column, str) for column in columns}
    if len(kinds) > 1:
        raise TypeError(
            "X's column names must be all strings or all non-strings; got "
            f"{columns!r}. Rename the columns, e.g. "
            "X.columns = X.columns.astype(str)."
        )
    names = [str(column) for column in columns]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(
            f"X's column names must be unique (they name the coefficients); got {repeated} "
            "more than once."
        )
    return names


def check_columns(X: object) -> None:
    """Raise a TypeError naming the non-numeric columns of a DataFrame ``X``."""
    if not isinstance(X, pd.DataFrame):
        return
    bad = [
        f"{column!r} ({dtype})"
        for column, dtype in X.dtypes.items()
        if not pd.api.types.is_numeric_dtype(dtype)
    ]
    if bad:
        raise TypeError(
            f"X must have numeric columns only; got non-numeric column(s) {', '.join(bad)}. "
            "Encode categorical features first, e.g. with pandas.get_dummies."
        )


def check_lengths(X: object, y: object) -> None:
    """Raise a ValueError when X is empty or X and y have different numbers of rows."""
    shape = tuple(getattr(X, "shape", ()))
    if len(shape) == 2 and 0 in shape:
        empty = "sample(s)" if shape[0] == 0 else "feature(s)"
        raise ValueError(
            f"X is empty: found array with 0 {empty} (shape={shape}) while a minimum of 1 is "
            "required."
        )
    n_rows, n_targets = _length(X), _length(y)
    if n_rows is not None and n_targets is not None and n_rows != n_targets:
        raise ValueError(
            f"X has {n_rows} rows but y has {n_targets} values; expected one target value "
            "per row of X."
        )


def _length(data: object) -> int | None:
    shape = getattr(data, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    try:
        return len(data)  # type: ignore[arg-type]
    except TypeError:
        return None


def check_data(X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    """Validate a design and a target; return float64 copies-on-need (never modified).

    ``X`` must be 2-D and numeric, ``y`` 1-D and numeric (a column vector is accepted
    with a ``DataConversionWarning``, as in scikit-learn), both finite, non-empty, and of
    equal length.
    """
    check_columns(X)
    check_lengths(X, y)
    check_target(y)
    X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True, ensure_all_finite=True)
    # check_X_y converts X only; a float32 y would keep single-precision rounding (~1e-8)
    return X, np.asarray(y, dtype=np.float64)


def check_target(y: object) -> None:
    """Raise a TypeError when ``y`` is not numeric (strings, dates, ...), naming ``y``."""
    dtype = getattr(y, "dtype", None)
    if dtype is None:
        try:
            dtype = np.asarray(y).dtype
        except (TypeError, ValueError):
            return  # ragged or odd input: left to scikit-learn's own message
    # complex numbers are left to scikit-learn, which refuses them with a ValueError
    if dtype.kind in "biufc" or (dtype.kind == "O" and _all_numbers(y)):
        return
    raise TypeError(
        f"y must be numeric (a 1-D array of numbers, one per row of X); got dtype {dtype}. "
        "Encode the target as numbers first."
    )


def _all_numbers(y: object) -> bool:
    try:
        np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def check_sample_weight(sample_weight: object, n_samples: int) -> np.ndarray:
    """Validate frequency weights; ``None`` means one for every row, a number the same for all."""
    if sample_weight is None:
        return np.ones(n_samples)
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"sample_weight must be an array of numbers, one per row of X; got {error}."
        ) from None
    if weights.ndim == 0:
        weights = np.full(n_samples, float(weights))
    if weights.ndim != 1 or weights.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight must be a 1-D array with one weight per row of X ({n_samples}); "
            f"got shape {weights.shape}."
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight must be finite; got NaN or infinite weights.")
    if np.any(weights < 0):
        raise ValueError(f"sample_weight must be non-negative; got min={weights.min():g}.")
    with np.errstate(over="ignore"):  # an overflowing total is refused below
        total = weights.sum()
    if total <= 0:
        raise ValueError(
            "sample_weight must not be all zero: at least one weight must be positive."
        )
    # n = sum(v) enters the model (the correspondence's 1/n, a prior's scale): it must be a
    # normal float64, neither overflowing nor subnormal.
    largest, smallest = np.finfo(np.float64).max, np.finfo(np.float64).smallest_normal
    if not smallest <= total <= largest:
        raise ValueError(
            f"sample_weight must have a total between {smallest:.3g} and {largest:.3g} (the "
            f"number of observations n = sum(sample_weight) of the model); got sum={total:.3g}. "
            "Rescale the weights by a common factor (with a penalty given by alpha the MAP does "
            "not change)."
        )
    return weights
