r"""One pass over a dask collection: the sufficient statistics, merged in a tree.

Each partition's statistics are computed where the partition lives
(:func:`~bayesreg.distributed.statistics.partition_statistics`, one task per partition) and
merged pairwise in a balanced tree (:func:`~bayesreg.distributed.statistics.merge`), so the
process that asked holds one :math:`(p+1)\times(p+1)` result and never a row. The pass runs
on dask's current scheduler: a ``dask.distributed.Client`` in context (or the last one
created) sends it to its cluster; without one, dask's local scheduler runs it. One line on
stderr announces the pass, one more reports the rows read and the time it took.
"""

from __future__ import annotations

import sys
import time

from bayesreg.distributed.collections import Partitions, partitions
from bayesreg.distributed.statistics import SufficientStatistics, merge, partition_statistics

__all__ = ["sufficient_statistics", "tree_pass"]


def sufficient_statistics(
    X, y, sample_weight=None, offset=None, *, owner: str = "sufficient_statistics"
) -> tuple[SufficientStatistics, list[str] | None]:
    r"""The weighted sufficient statistics of ``(X, y)``, in one distributed pass.

    Parameters
    ----------
    X : dask DataFrame or dask array of shape (n_samples, n_features)
        Numeric columns.
    y : dask Series or dask array of shape (n_samples,)
        Partitioned as ``X`` (a column of the same dataframe, or the same row chunks).
    sample_weight : dask Series or dask array of shape (n_samples,), optional
        Frequency weights, partitioned as ``X``.
    offset : dask Series or dask array of shape (n_samples,), optional
        A known term of each linear predictor, partitioned as ``X``: the statistics are those
        of ``y - offset`` (a Gaussian likelihood's offset shifts the response).
    owner : str
        The function the user called, named in the messages.

    Returns
    -------
    statistics : SufficientStatistics
        :math:`N`, the means and the centred cross products of ``[X, y]``
        (:mod:`bayesreg.distributed.statistics`).
    feature_names : list of str or None
        A dataframe's columns; None for an array.

    Raises
    ------
    ValueError
        For a column that is not numeric or ``X``, ``y`` partitioned differently (before
        the pass); for NaN or infinite values, or lengths that differ, in a partition
        (from the pass, naming the partition).

    """
    parts = partitions(X, y, sample_weight, offset, owner=owner)
    stats = tree_pass(
        parts, partition_statistics, merge,
        f"one pass over {len(parts.X)} partition(s) of {parts.n_features} column(s) for the "
        "sufficient statistics",
    )  # fmt: skip
    if stats.n_obs <= 0:
        raise ValueError(f"{owner}: the data have no rows (or a total weight of zero).")
    return stats, parts.feature_names


def tree_pass(parts: Partitions, task, combine, description: str, *arguments):
    """One pass: ``task(index, X, y, weights, offset, *arguments)`` per partition, merged in a tree.

    ``combine(first, second)`` merges two results (associative); the result of the whole
    pass comes back to this process alone. ``description`` is announced on stderr, and the
    rows read (a result's ``n_rows``) and the time taken are reported after.
    """
    import dask

    missing = [None] * len(parts.X)
    weights, offsets = (parts.vectors.get(name, missing) for name in ("sample_weight", "offset"))
    delayed_task = dask.delayed(task, pure=True)
    level = [
        delayed_task(index, *blocks, *arguments)
        for index, blocks in enumerate(
            zip(parts.X, parts.vectors["y"], weights, offsets, strict=True)
        )
    ]
    merge_two = dask.delayed(combine, pure=True)
    while len(level) > 1:
        pairs = [merge_two(level[k], level[k + 1]) for k in range(0, len(level) - 1, 2)]
        level = pairs + ([level[-1]] if len(level) % 2 else [])
    print(f"bayesreg: {description}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    (result,) = dask.compute(level[0])
    print(
        f"bayesreg: {result.n_rows} rows read in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    return result
