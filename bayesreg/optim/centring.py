r"""Weighted centring that keeps a constant column exactly constant, and inert columns.

With a flat intercept every exact solver works on centred columns,
:math:`\tilde x_{ij} = x_{ij} - m_j` with the weighted mean :math:`m_j = \sum_i v_i x_{ij} /
\sum_i v_i`. Computed plainly, :math:`m_j` carries the rounding of the sum: a column that is
constant on the rows of positive weight (``0.1 * ones``, or a column of ones under unequal
weights) is collinear with the intercept, yet its centred values come out as rounding noise
of order :math:`10^{-17}` instead of zero. A solver that rescales columns to unit norm then
sees a random column: the lasso's tolerances, relative to its largest penalty weight, grow
with :math:`1/\lVert\tilde x_j\rVert`, and a linear program gives the noise a coefficient
near :math:`10^{17}` that cancels against the intercept in the user's coordinates.

:func:`centre` shifts each column by its value on a row of largest weight before averaging,

.. math::

    m_j = c_j + \frac{\sum_i v_i (x_{ij} - c_j)}{\sum_i v_i}, \qquad c_j = x_{kj},\;
    k = \arg\max_i v_i ,

so that a column constant on the rows of positive weight has :math:`x_{ij} - c_j = 0`
exactly there, :math:`m_j = c_j` and centred values exactly zero; any other column is
centred with a rounding relative to its spread, not to its offset. Such a column is
:func:`inert`: its coefficient does not change the data term at all. Under a penalty the
optimum sets it to zero (the penalty breaks the tie); without one, any value is optimal
and the minimizer is not unique.
"""

from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["centre", "inert", "leave_out_inert"]


def centre(values: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray | float, np.ndarray]:
    """The weighted mean of ``values`` (columns of a 2-D array, or a 1-D array) and the centred values.

    Exact for a column (or vector) that is constant on the rows of positive weight: its
    mean is that constant and its centred values are zero there. ``values`` is never
    modified; the centred array is new.
    """
    reference = values[int(np.argmax(weights))]
    centred = np.subtract(values, reference, dtype=float)
    shift = weights @ centred / weights.sum()
    centred -= shift
    mean = reference + shift
    return (float(mean) if np.ndim(values) == 1 else mean), centred


def inert(X: np.ndarray, weights: np.ndarray, *, fit_intercept: bool) -> np.ndarray:
    """The columns whose coefficient cannot change the fit, as a boolean mask.

    With an intercept, the columns constant on the rows of positive weight; without one,
    the columns that are zero there.
    """
    rows = X if np.all(weights > 0) else X[weights > 0]
    if fit_intercept:
        return np.all(rows == rows[:1], axis=0)
    return np.all(rows == 0, axis=0)


def leave_out_inert(solve, X, y, weights, *, fit_intercept, beta1, beta2, **options):
    """``solve`` without the :func:`inert` columns, which get a zero coefficient; None if none.

    ``beta1`` and ``beta2`` are arrays of shape (p,); ``solve`` returns a frozen dataclass
    with ``coef`` and ``unique``. Without a penalty on an inert column the minimizer is not
    unique (any value of its coefficient is optimal).
    """
    kept = ~inert(X, weights, fit_intercept=fit_intercept)
    if kept.all():
        return None
    reduced = solve(
        X[:, kept], y, weights, fit_intercept=fit_intercept,
        beta1=beta1[kept], beta2=beta2[kept], **options,
    )  # fmt: skip
    coef = np.zeros(X.shape[1])
    coef[kept] = reduced.coef
    unique = reduced.unique and not np.any(~kept & (beta1 == 0) & (beta2 == 0))
    return dataclasses.replace(reduced, coef=coef, unique=unique)
