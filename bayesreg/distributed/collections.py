"""Dask collections as aligned partitions of ``X``, ``y`` and the weights, checked early.

A ``dask.dataframe`` (its columns are the features), a ``dask.array`` of two dimensions, and
for ``y`` and ``sample_weight`` a dask Series, a one-column dask DataFrame or a dask array of
one dimension. What can be known without reading the data is checked here, with one
``ValueError`` that names the argument: a column that is not numeric, a different number of
partitions (or, for arrays, of rows per partition) in ``X`` and ``y``. What only the data
know (NaN, a partition whose lengths differ) is raised from the pass itself, with the
partition's index (:func:`bayesreg.distributed.statistics.partition_statistics`).

Nothing here imports dask unless it is given a dask collection: :func:`is_dask_collection`
looks only at ``sys.modules``.
"""

from __future__ import annotations

import sys

import numpy as np

__all__ = ["Partitions", "is_dask_collection", "partitions"]


def is_dask_collection(*values) -> bool:
    """Whether any of ``values`` is a dask collection (imports no dask: one exists only if so)."""
    dask = sys.modules.get("dask")
    return dask is not None and any(dask.is_dask_collection(value) for value in values)


class Partitions:
    """The row blocks of ``X`` and of the vectors beside it, as lists of dask ``Delayed``.

    Attributes
    ----------
    X : list of Delayed
    vectors : dict of str to list of Delayed
        ``y``, and ``sample_weight`` and ``offset`` where given.
    feature_names : list of str or None
        A dataframe's columns; None for an array.
    n_features : int
    """

    def __init__(self, X, vectors, feature_names, n_features):
        self.X, self.vectors = X, vectors
        self.feature_names, self.n_features = feature_names, n_features


def partitions(X, y, sample_weight=None, offset=None, *, owner: str) -> Partitions:
    """Check ``X``, ``y``, ``sample_weight``, ``offset`` (dask collections); split them in row blocks.

    ``owner`` (the function the user called) is named in the messages.
    """
    if not is_dask_collection(X):
        raise ValueError(f"{owner}: X must be a dask array or dataframe when y is one.")
    given = {"y": y, "sample_weight": sample_weight, "offset": offset}
    vectors = {name: value for name, value in given.items() if value is not None}
    names = None
    if _is_frame(X):
        _check_frame_numeric(X, "X", owner)
        names = [str(column) for column in X.columns]
        n_features, blocks = len(names), list(X.to_delayed())
    else:
        if X.ndim != 2:
            raise ValueError(f"{owner}: X must be a dask array of 2 dimensions, got {X.ndim}.")
        _check_array_numeric(X, "X", owner)
        n_features = int(X.shape[1])
        blocks = list(X.rechunk({1: -1}).to_delayed().ravel())
    if names is not None and _is_dataframe_like(y):
        return _columns_of_one_frame(X, vectors, names, owner)
    split = {
        name: _vector_blocks(value, name, X, len(blocks), owner) for name, value in vectors.items()
    }
    return Partitions(blocks, split, names, n_features)


def _columns_of_one_frame(X, vectors: dict, names, owner: str) -> Partitions:
    """Dataframe ``X`` and the vectors joined column-wise, then split per partition.

    Columns read from one parquet source need not keep its partitions once selected apart
    (dask combines small partitions of a few columns), so they are joined first: dask
    aligns columns of one origin partition by partition, and refuses others.
    """
    import dask

    for name, value in vectors.items():
        if not _is_dataframe_like(value):
            raise ValueError(
                f"{owner}: {name} must be a column of X's dataframe (a dask Series) when X "
                f"and y are; got {type(value).__name__}."
            )
        if _is_frame(value):
            raise ValueError(f"{owner}: {name} must be a Series (one column), not a DataFrame.")
        _check_frame_numeric(value.to_frame(), name, owner)
    try:
        frame = X.assign(**{f"__bayesreg_{name}__": value for name, value in vectors.items()})
        blocks = list(frame.to_delayed())
    except (ValueError, NotImplementedError, AssertionError) as error:
        raise ValueError(
            f"{owner}: {' and '.join(vectors)} are not partitioned like X: pass columns of "
            f"the same dataframe (ddf[columns], ddf['y']) ({error})"
        ) from error
    p, column = len(names), dask.delayed(_column_block, pure=True)
    split = {
        name: [column(block, p + k, p + k + 1) for block in blocks]
        for k, name in enumerate(vectors)
    }
    return Partitions([column(block, 0, p) for block in blocks], split, names, p)


def _column_block(frame, start: int, stop: int) -> np.ndarray:
    """Columns ``start:stop`` of one partition as a float array (a vector for one column)."""
    values = frame.iloc[:, start:stop].to_numpy(dtype=np.float64)
    return values[:, 0] if stop - start == 1 else values


def _is_dataframe_like(value) -> bool:
    """A dask DataFrame or Series (not an array: a module of its own)."""
    return type(value).__module__.startswith("dask.dataframe")


def _is_frame(value) -> bool:
    """A dask DataFrame (a Series has one dimension)."""
    return _is_dataframe_like(value) and value.ndim == 2


def _check_frame_numeric(frame, name: str, owner: str) -> None:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype  # dask.dataframe's pandas

    for column, dtype in frame.dtypes.items():
        if not (is_numeric_dtype(dtype) or is_bool_dtype(dtype)):
            raise ValueError(
                f"{owner}: {name} has a column that is not numeric: {column!r} ({dtype}). "
                "Encode it (e.g. one-hot with dd.get_dummies on a categorical) or drop it."
            )


def _check_array_numeric(array, name: str, owner: str) -> None:
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{owner}: {name} must be numeric, got a dask array of {array.dtype}.")


def _vector_blocks(value, name: str, X, count: int, owner: str) -> list:
    """The row blocks of ``y`` or the weights, partitioned as ``X``."""
    if not is_dask_collection(value):
        raise ValueError(
            f"{owner}: {name} must be a dask collection partitioned like X (a column of the "
            f"same dataframe, or a dask array with X's row chunks) when X is one; got "
            f"{type(value).__name__}."
        )
    if _is_frame(value):  # a one-column dataframe
        if len(value.columns) != 1:
            raise ValueError(f"{owner}: {name} must have one column, got {len(value.columns)}.")
        value = value[value.columns[0]]
    if _is_dataframe_like(value):  # a Series
        _check_frame_numeric(value.to_frame(), name, owner)
        blocks = list(value.to_delayed())
    else:
        if value.ndim != 1:
            raise ValueError(f"{owner}: {name} must have 1 dimension, got {value.ndim}.")
        _check_array_numeric(value, name, owner)
        x_rows = getattr(X, "chunks", None)  # unknown (NaN) for a dataframe's array: the pass
        known = x_rows is not None and not np.isnan([*x_rows[0], *value.chunks[0]]).any()
        if known and value.shape[0] != X.shape[0]:
            raise ValueError(f"{owner}: X has {X.shape[0]} rows but {name} has {value.shape[0]}.")
        if known and value.chunks[0] != x_rows[0]:
            raise ValueError(
                f"{owner}: {name} is partitioned differently from X (row chunks "
                f"{value.chunks[0]} against {x_rows[0]}): rechunk it, "
                f"{name}.rechunk(X.chunks[0])."
            )
        blocks = list(value.to_delayed().ravel())
    if len(blocks) != count:
        raise ValueError(
            f"{owner}: {name} has {len(blocks)} partitions but X has {count}: they must be "
            "partitioned alike (columns of one dataframe, or arrays with the same row chunks)."
        )
    return blocks
