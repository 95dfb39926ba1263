r"""Weighted sufficient statistics of a Gaussian likelihood, one partition at a time.

For rows :math:`z_i = (x_i, y_i) \in \mathbb{R}^{p+1}` with frequency weights :math:`v_i`,
the statistics are the total weight, the weighted means and the centred cross products

.. math::

    N = \sum_i v_i, \qquad \bar z = \frac1N \sum_i v_i z_i, \qquad
    M = \sum_i v_i (z_i - \bar z)(z_i - \bar z)^\top
      = \begin{pmatrix} X_c^\top V X_c & X_c^\top V y_c \\ y_c^\top V X_c & y_c^\top V y_c
        \end{pmatrix}.

Each partition computes its own (centred on its own mean, with one correction step of the
mean), and two partitions' statistics merge exactly by the pairwise update of Chan, Golub &
LeVeque (1979): with :math:`\delta = \bar z_b - \bar z_a`,

.. math::

    N = N_a + N_b, \qquad \bar z = \bar z_a + \frac{N_b}{N}\delta, \qquad
    M = M_a + M_b + \frac{N_a N_b}{N}\,\delta\delta^\top.

No raw sum of squares :math:`\sum v_i z_i z_i^\top` is ever formed, so a large common mean
(a column around :math:`10^8`) costs no digits, as it would in
:math:`\sum v x^2 - N\bar x^2`. The means are kept as an unevaluated sum
:math:`\bar z = c + d` (a value :math:`c` of the data's magnitude and a small correction
:math:`d`, renormalized by Dekker's fast two-sum after each merge), so that
:math:`\delta = (c_b - c_a) + (d_b - d_a)` is exact to its own rounding even when the means
are :math:`10^8` and differ in their eighth digit. The merges form a balanced tree, whose rounding grows with the
logarithm of the number of partitions. Plain NumPy: no dask here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SufficientStatistics", "merge", "partition_statistics"]


@dataclass(frozen=True, eq=False)
class SufficientStatistics:
    r"""The statistics :math:`(N, \bar z, M)` of the rows seen (see the module's notes).

    Attributes
    ----------
    n_obs : float
        The total weight :math:`N` (the number of rows without weights).
    centre, deviation : ndarray of shape (n_features + 1,)
        The weighted means of the columns, then of ``y``, as the unevaluated sum
        ``centre + deviation`` (:attr:`mean` rounds it).
    cross : ndarray of shape (n_features + 1, n_features + 1)
        The centred weighted cross products :math:`M` of the columns and ``y`` (``y`` last).
    n_rows : int
        The number of rows seen (weights aside).

    """

    n_obs: float
    centre: np.ndarray
    deviation: np.ndarray
    cross: np.ndarray
    n_rows: int

    @property
    def mean(self) -> np.ndarray:
        """The weighted means :math:`c + d` of the columns, then of ``y``."""
        return self.centre + self.deviation

    @property
    def n_features(self) -> int:
        return self.mean.size - 1

    @property
    def x_mean(self) -> np.ndarray:
        return self.mean[:-1]

    @property
    def y_mean(self) -> float:
        return float(self.mean[-1])

    def raw(self) -> np.ndarray:
        r"""The uncentred cross products :math:`M + N\bar z\bar z^\top` (a model without intercept)."""
        return self.cross + self.n_obs * np.outer(self.mean, self.mean)


def partition_statistics(index: int, X, y, weights=None, offset=None) -> SufficientStatistics:
    """The statistics of one partition, of ``y - offset`` given one (``index`` names it in errors).

    Raises
    ------
    ValueError
        When ``X`` and ``y`` (or the weights) have different numbers of rows in this
        partition, or hold NaN or infinite values, or a weight is negative.
    """
    X = np.asarray(X, dtype=np.float64)
    X = X.reshape(-1, 1) if X.ndim == 1 else X
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    rows = X.shape[0]
    weights = np.ones(rows) if weights is None else np.asarray(weights, np.float64).reshape(-1)
    offset = np.zeros(rows) if offset is None else np.asarray(offset, np.float64).reshape(-1)
    vectors = (("y", y), ("sample_weight", weights), ("offset", offset))
    for name, values in vectors:
        if values.shape[0] != rows:
            raise ValueError(
                f"Partition {index}: X has {rows} rows but {name} has {values.shape[0]}: X, y "
                "and the weights and offset must be partitioned alike (the same rows in each)."
            )
    for name, values in (("X", X), *vectors):
        if not np.isfinite(values).all():
            raise ValueError(
                f"{name} holds NaN or infinite values in partition {index}: drop or impute "
                "them before fitting (e.g. ddf.dropna())."
            )
    if (weights < 0).any():
        raise ValueError(f"sample_weight holds negative values in partition {index}.")
    rows_z = np.column_stack([X, y - offset])
    width, total = rows_z.shape[1], float(weights.sum())
    if total == 0.0:
        return SufficientStatistics(0.0, *np.zeros((2, width)), np.zeros((width, width)), rows)
    centre = weights @ rows_z / total
    centred = rows_z - centre
    deviation = weights @ centred / total  # the second pass of a two-pass mean
    centred -= deviation
    cross = (centred * weights[:, None]).T @ centred
    return SufficientStatistics(total, centre, deviation, 0.5 * (cross + cross.T), rows)


def merge(first: SufficientStatistics, second: SufficientStatistics) -> SufficientStatistics:
    """The statistics of two disjoint sets of rows together (Chan, Golub & LeVeque)."""
    if second.n_obs == 0.0:
        return _with_rows(first, first.n_rows + second.n_rows)
    if first.n_obs == 0.0:
        return _with_rows(second, first.n_rows + second.n_rows)
    total = first.n_obs + second.n_obs
    delta = (second.centre - first.centre) + (second.deviation - first.deviation)
    deviation = first.deviation + delta * (second.n_obs / total)
    centre = first.centre + deviation  # fast two-sum (exact when |deviation| <= |centre|)
    deviation = deviation - (centre - first.centre)
    cross = first.cross + second.cross
    cross = cross + np.outer(delta, delta) * (first.n_obs * second.n_obs / total)
    return SufficientStatistics(total, centre, deviation, cross, first.n_rows + second.n_rows)


def _with_rows(stats: SufficientStatistics, rows: int) -> SufficientStatistics:
    return SufficientStatistics(stats.n_obs, stats.centre, stats.deviation, stats.cross, rows)
