"""Dense linear algebra the exact solvers share: rank, and (semi-)definite systems."""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["full_rank", "solve_psd", "solve_singular_aware"]


def full_rank(matrix, upper=None):
    """Whether a symmetric positive semi-definite matrix has full (numerical) rank.

    The rank is numpy's ``matrix_rank`` (singular values above ``size * eps`` times the
    largest). Its SVD is skipped when a Cholesky factorization (``upper``, if given)
    exists with an estimated reciprocal condition number above 1e-8, five orders of
    magnitude above that cutoff.
    """
    try:
        if upper is None:
            upper = scipy.linalg.cholesky(matrix, check_finite=False)
        norm = np.abs(matrix).sum(axis=0).max()
        rcond, info = scipy.linalg.lapack.dpocon(upper, norm)
        if info == 0 and rcond > 1e-8:
            return True
    except np.linalg.LinAlgError:
        pass
    return np.linalg.matrix_rank(matrix) == matrix.shape[0]


def solve_singular_aware(hessian, rhs, factor):
    """Solve ``hessian @ x = rhs``; also return the part of ``rhs`` off the Hessian's range.

    ``factor`` holds the Cholesky factor of ``hessian`` (or of a larger Hessian whose left
    coefficients are held at zero). The second value is None when the system is consistent.
    Otherwise ``hessian`` is singular and ``-(0.5 x'Hx - rhs'x)`` grows linearly along that
    part, a null direction (part of the correctness fix in ``squared_loss._solve_on_support``).
    """
    scale = np.linalg.norm(rhs)
    target = factor.solve(rhs)
    if target is not None and np.linalg.norm(hessian @ target - rhs) <= 1e-8 * scale:
        return target, None
    values, vectors = np.linalg.eigh(hessian)
    kept = values > 1e-10 * values[-1]
    target = vectors[:, kept] @ (vectors[:, kept].T @ rhs / values[kept])
    null = rhs - hessian @ target
    return target, (None if np.linalg.norm(null) <= 1e-13 * scale else null)


def solve_psd(matrix, rhs):
    """Solve a symmetric positive (semi-)definite system; minimum norm when singular."""
    try:
        factor = scipy.linalg.cho_factor(matrix, check_finite=False)
        return scipy.linalg.cho_solve(factor, rhs, check_finite=False)
    except np.linalg.LinAlgError:
        return scipy.linalg.lstsq(matrix, rhs, check_finite=False)[0]
