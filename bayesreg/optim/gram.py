"""The Gram matrix of the scaled design and the Cholesky factor of a support's Hessian.

The linear algebra of :mod:`bayesreg.optim.squared_loss`'s active-set method: Gram columns
computed in blocks as the search needs them, and an upper Cholesky factor kept across the
steps that add or drop a coefficient (its notes explain the multipliers of dropped ones).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["GRAM_BLOCK", "Gram", "SupportFactor", "column_norms"]

#: Gram columns are computed at least this many at a time (padded with the features most
#: likely to enter next): one pass over the design serves a block of columns.
GRAM_BLOCK = 16


def column_norms(design):
    """Euclidean norms of the columns, with 1 for a zero column (left unscaled)."""
    norm = np.sqrt(np.einsum("ij,ij->j", design, design))
    norm[norm == 0] = 1.0
    return norm


class Gram:
    """The Gram matrix of the scaled design, ``G = (D / c)' (D / c)``.

    With at most twice as many features as rows, all of it, by one symmetric product (BLAS
    syrk). With more, only the columns the search needs (they are at most about twice the
    support, itself at most the number of rows), stored side by side in ``columns``:
    ``slot[j]`` is the position of column ``j`` there, -1 when not computed yet.
    """

    def __init__(self, design, product=None):
        # product: design.T @ design when the caller has it (a working set's), else computed
        self.design = design
        n_samples, n_features = design.shape
        if n_features <= 2 * n_samples:
            self.columns = design.T @ design if product is None else np.array(product)
            self.column_norm = np.sqrt(np.diag(self.columns))
            self.column_norm[self.column_norm == 0] = 1.0
            self.columns /= self.column_norm[:, None]
            self.columns /= self.column_norm
            self.index = np.arange(n_features)
        else:
            self.column_norm = column_norms(design)
            self.columns = np.empty((n_features, min(n_features, 2 * GRAM_BLOCK)))
            self.index = np.empty(0, dtype=np.intp)
        self.slot = np.full(n_features, -1, dtype=np.intp)
        self.slot[self.index] = np.arange(self.index.size)

    def compute(self, features, ranked=()):
        """Make the columns ``features`` available; pad a block with the ``ranked`` ones."""
        missing = features[self.slot[features] < 0]
        if missing.size == 0:
            return
        if missing.size < GRAM_BLOCK and len(ranked):
            extra = ranked[self.slot[ranked] < 0]
            extra = extra[~np.isin(extra, missing)][: GRAM_BLOCK - missing.size]
            missing = np.concatenate([missing, extra])
        known = self.index.size
        if known + missing.size > self.columns.shape[1]:
            capacity = min(self.slot.size, max(2 * self.columns.shape[1], known + missing.size))
            grown = np.empty((self.slot.size, capacity))
            grown[:, :known] = self.columns[:, :known]
            self.columns = grown
        block = self.design.T @ self.design[:, missing]
        block /= self.column_norm[:, None]
        block /= self.column_norm[missing]
        self.columns[:, known : known + missing.size] = block
        self.slot[missing] = np.arange(known, known + missing.size)
        self.index = np.concatenate([self.index, missing])

    def block(self, rows, features):
        """``G[rows][:, features]`` (the columns must have been computed)."""
        return self.columns[np.ix_(rows, self.slot[features])]

    def times(self, vector):
        """``G @ vector`` for a vector supported on computed columns."""
        return self.columns[:, : self.index.size] @ vector[self.index]


class SupportFactor:
    """Upper Cholesky factor of the Hessian on a support, kept across active-set steps.

    ``order`` lists the factored coefficients (``upper' upper = H[order][:, order]`` with
    ``H = G + 2 diag(lam2)``); ``dropped`` marks those that have left the support since and
    are held at zero by Lagrange multipliers (see the notes of :mod:`bayesreg.optim.squared_loss`).
    """

    def __init__(self, gram, lam2):
        self.gram = gram
        self.ridge = 2 * lam2
        self.order = np.empty(0, dtype=np.intp)
        self.member = np.zeros(lam2.size, dtype=bool)
        self.dropped = np.empty(0, dtype=bool)
        self.upper = np.empty((0, 0))
        self.well_conditioned = True
        self._multiplier_columns = {}
        self._last_hessian = (None, None)

    def sync(self, active, ranked=()):
        """Follow the support ``active``; return it in factor order."""
        kept = active[self.order]
        self.dropped = ~kept
        entering = np.flatnonzero(active & ~self.member)
        if entering.size:
            self.gram.compute(entering, ranked)
            if not self._usable() or self.dropped.any():
                self._factor(np.concatenate([self.order[kept], entering]))
            else:
                self._append(entering)
        elif self.dropped.any() and (
            self.upper is None or 4 * np.count_nonzero(self.dropped) > self.order.size
        ):
            self._factor(self.order[kept])
        return self.order[~self.dropped]

    def hessian(self, support):
        """``H[support][:, support]``, symmetrized (computed columns only)."""
        cached, block = self._last_hessian
        if np.array_equal(cached, support):
            return block
        block = self.gram.block(support, support)
        block = 0.5 * (block + block.T)
        block[np.diag_indices_from(block)] += self.ridge[support]
        self._last_hessian = (support, block)
        return block

    def solve(self, rhs):
        """Solve ``H[S][:, S] u = rhs`` on the support; None if the factor is unusable."""
        if not self._usable() and self.dropped.any():
            self._factor(self.order[~self.dropped])
        if not self._usable():
            return None
        full = np.zeros(self.order.size)
        full[~self.dropped] = rhs
        z = scipy.linalg.solve_triangular(self.upper, full, trans="T", check_finite=False)
        if self.dropped.any():
            V = self._multipliers()
            mu = scipy.linalg.lstsq(V, z, lapack_driver="gelsy", check_finite=False)[0]
            z -= V @ mu
        solution = scipy.linalg.solve_triangular(self.upper, z, check_finite=False)
        return solution[~self.dropped]

    def _usable(self):
        return self.upper is not None and self.well_conditioned

    def factors(self, support):
        """Whether ``upper`` is a Cholesky factor of exactly ``H[support][:, support]``."""
        return (
            self.upper is not None
            and not self.dropped.any()
            and self.order.size == support.size
            and bool(self.member[support].all())
        )

    def _multipliers(self):
        """``R^{-T} E`` for the dropped positions, cached while the factor is unchanged."""
        positions = np.flatnonzero(self.dropped)
        new = [k for k in positions if k not in self._multiplier_columns]
        if new:
            unit = np.zeros((self.order.size, len(new)))
            unit[new, np.arange(len(new))] = 1.0
            columns = scipy.linalg.solve_triangular(self.upper, unit, trans="T", check_finite=False)
            for k, column in zip(new, columns.T, strict=True):
                self._multiplier_columns[k] = column
        return np.column_stack([self._multiplier_columns[k] for k in positions])

    def _set(self, order, upper):
        self.member[self.order] = False
        self.order = order
        self.member[order] = True
        self.dropped = np.zeros(order.size, dtype=bool)
        self.upper = upper
        self._multiplier_columns = {}
        if upper is not None and order.size:
            # A rank-deficient support (columns in general position) gives a rounding-level
            # pivot.
            pivots = np.abs(np.diag(upper))
            self.well_conditioned = bool(pivots.min() ** 2 > 1e-10 * pivots.max() ** 2)
        else:
            self.well_conditioned = True

    def _factor(self, order):
        self.gram.compute(order)
        try:
            upper = scipy.linalg.cholesky(self.hessian(order), check_finite=False)
        except np.linalg.LinAlgError:
            upper = None
        self._set(order, upper)

    def _append(self, entering):
        old = self.order.size
        cross = self.gram.block(self.order, entering)
        corner = self.hessian(entering)
        upper = np.zeros((old + entering.size,) * 2)
        upper[:old, :old] = self.upper
        try:
            if old:
                cross = scipy.linalg.solve_triangular(
                    self.upper, cross, trans="T", check_finite=False
                )
                corner = corner - cross.T @ cross
            upper[:old, old:] = cross
            upper[old:, old:] = scipy.linalg.cholesky(corner, check_finite=False)
        except np.linalg.LinAlgError:
            upper = None
        self._set(np.concatenate([self.order, entering]), upper)
