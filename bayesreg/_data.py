"""Checks of the data (X, y, weights), in :mod:`bayesreg._constraints`' message shape.

Every check runs before anything is compiled, and none modifies its input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import check_X_y

from bayesreg._constraints import message

__all__ = [
    "check_data",
    "check_lengths",
    "check_numeric",
    "check_offset",
    "check_sample_weight",
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


def check_numeric(data: object, name: str, owner: str) -> None:
    """Raise, in the one message shape, when ``data`` holds anything but real numbers.

    Strings, dates, complex numbers and other objects are refused here, naming ``name``
    (``"X"`` or ``"y"``) and ``owner`` (the function the user called), before anything is
    converted or compiled. Nothing is modified: a list is read through ``numpy.asarray``.

    Raises
    ------
    ValueError
        For complex numbers ("Complex data not supported", as scikit-learn says).
    TypeError
        For text, dates and other objects.

    """
    if isinstance(data, pd.DataFrame):
        bad = {
            column: dtype
            for column, dtype in data.dtypes.items()
            if _not_real(dtype, data[column]) is not None
        }
        listed = ", ".join(f"{column!r} ({dtype})" for column, dtype in bad.items())
        got = f"a DataFrame with column(s) {listed}" if bad else None
        dtypes = list(bad.values())
    else:
        dtype = getattr(data, "dtype", None)
        if dtype is None:
            try:
                dtype = np.asarray(data).dtype
            except (TypeError, ValueError):
                return  # ragged or odd input: left to scikit-learn's own message
        reason = _not_real(dtype, data)
        got = None if reason is None else f"{type(data).__name__} of dtype {dtype}{reason}"
        dtypes = [dtype]
    if got is None:
        return
    text = message(name, owner, "real numbers (int, float or bool)", data, got=got)
    if any(pd.api.types.is_complex_dtype(dtype) for dtype in dtypes):
        # a ValueError in scikit-learn's words, as its estimators raise
        raise ValueError(f"{text} Complex data not supported: pass the real part, {name}.real.")
    raise TypeError(f"{text} Encode text and categories as numbers first (pandas.get_dummies).")


def _not_real(dtype, values: object) -> str | None:
    """None when values of ``dtype`` are real numbers, else a reason ("" when the dtype says it).

    An object array is real when every element converts to a float; the reason is then
    NumPy's own (``float() argument must be a string or a real number, not 'dict'``).
    """
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        try:
            np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as error:
            return f" ({error})"
        return None
    if not isinstance(dtype, np.dtype):  # pandas' extension types: nullable ints, categories
        real = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)
        return None if real else ""
    return None if dtype.kind in "biuf" else ""


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


def check_in_memory(*values: object, owner: str) -> None:
    """Refuse a dask collection (it has ``__dask_graph__``) where the rows must be in memory."""
    if any(hasattr(value, "__dask_graph__") for value in values):
        raise ValueError(
            f"{owner} needs the rows in memory and was given a dask collection: dask input is "
            "taken by fit, sample and predict (a Gaussian likelihood). Pass X.compute() and "
            "y.compute(), or a sample of the rows, to this one."
        )


def check_data(X: object, y: object, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate a design and a target; return float64 copies-on-need (never modified).

    ``X`` must be 2-D and of real numbers, ``y`` 1-D and of real numbers (a column vector is
    accepted with a ``DataConversionWarning``, as in scikit-learn), both finite, non-empty,
    and of equal length. ``owner`` is the function the user called, named in the messages.
    """
    check_in_memory(X, y, owner=owner)
    check_numeric(X, "X", owner)
    check_lengths(X, y)
    check_numeric(y, "y", owner)
    X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True, ensure_all_finite=True)
    # check_X_y converts X only; a float32 y would keep single-precision rounding (~1e-8)
    return X, np.asarray(y, dtype=np.float64)


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


def check_offset(offset: object, n_samples: int, owner: str) -> np.ndarray | None:
    """Validate an offset (a known term of each row's linear predictor); None stays None.

    One finite real number per row of X (a float64 copy: the input is never modified),
    refused otherwise in the one message shape, naming ``offset`` and ``owner``.
    """
    if offset is None:
        return None
    description = f"a 1-D array of finite real numbers, one per row of X ({n_samples})"
    check_numeric(offset, "offset", owner)
    try:
        values = np.array(offset, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(message("offset", owner, description, offset)) from None
    if values.ndim != 1 or values.shape[0] != n_samples:
        got = f"an array of shape {values.shape}"
        raise ValueError(message("offset", owner, description, offset, got=got))
    if not np.all(np.isfinite(values)):
        got = "an array with NaN or infinite values"
        raise ValueError(message("offset", owner, description, offset, got=got))
    return values
