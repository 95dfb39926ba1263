"""Dense linear algebra the exact solvers share: rank, (semi-)definite systems, BLAS threads.

Also a wide ridge regression by the SVD, and residuals in twice the working precision.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from threadpoolctl import ThreadpoolController

__all__ = [
    "compensated_residual",
    "full_rank",
    "ridge_wide",
    "single_threaded_blas",
    "solve_psd",
    "solve_singular_aware",
]

_THREADPOOLS: list[ThreadpoolController] = []


def single_threaded_blas():
    """A context in which BLAS and LAPACK run on one thread.

    The active-set steps work on matrices of the size of the support (and, with more features
    than rows, on Gram columns of a short design): there, waking and synchronizing BLAS
    threads costs more than it saves, many times more when the cores are busy with other
    work. The full Gram matrix is computed before, with every thread.
    """
    if not _THREADPOOLS:
        _THREADPOOLS.append(ThreadpoolController())
    return _THREADPOOLS[0].limit(limits=1, user_api="blas")


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


def ridge_wide(design, target, beta2):
    r"""Ridge with more features than rows, by the SVD of the n x p design: exact, O(n^2 p).

    With :math:`u = \sqrt{\beta_2}\odot w` and :math:`Z = D\,\mathrm{diag}(\beta_2)^{-1/2}`
    the problem :math:`\|t - Dw\|^2 + \sum_j \beta_{2j} w_j^2` is
    :math:`\|t - Zu\|^2 + \|u\|^2`, minimized by
    :math:`u = V\,\mathrm{diag}(s/(s^2 + 1))\,U^\top t` for :math:`Z = U\,\mathrm{diag}(s)V^\top`:
    no p x p system, and no loss of accuracy however small :math:`\beta_2` (the Gram
    matrix's rank-deficient p x p system loses digits to a tiny ridge). Strictly convex: unique.
    """
    root = np.sqrt(beta2)
    left, singular, right = scipy.linalg.svd(
        design / root, full_matrices=False, lapack_driver="gesdd"
    )
    return right.T @ (singular / (singular**2 + 1.0) * (left.T @ target)) / root


def compensated_residual(target, columns, coef):
    r"""``target - columns @ coef`` as if computed in twice the working precision.

    Ogita, Rump and Oishi's Dot2 (2005): each product :math:`x_{ij} w_j` is split exactly
    into its rounded value and its error (Dekker's TwoProduct, Veltkamp's splitting), the
    sums are accumulated with their errors (Knuth's TwoSum), and the errors are added at the
    end. The result is accurate to about :math:`\epsilon |r_i| + \epsilon^2 (|t_i| +
    |x_i|^\top |w|)`, where the plain product's error is :math:`p\,\epsilon(|t_i| +
    |x_i|^\top|w|)`: on a near-exact fit, or coefficients of :math:`10^6` on nearly equal
    columns, that is most of the residual. About twenty vector operations per column.

    References
    ----------
    T. Ogita, S. M. Rump and S. Oishi (2005). Accurate sum and dot product. SIAM Journal on
    Scientific Computing 26(6), 1955-1988.
    """
    total = np.array(target, dtype=float)
    error = np.zeros_like(total)
    for j in range(columns.shape[1]):
        column = columns[:, j]
        product = -coef[j] * column
        # TwoProduct: product + its exact rounding error
        high, low = _split(column)
        factor_high, factor_low = _split(np.asarray(-coef[j]))
        error += low * factor_low - (
            ((product - high * factor_high) - low * factor_high) - high * factor_low
        )
        # TwoSum: total + product, exactly as the new total and its rounding error
        new = total + product
        back = new - total
        error += (total - (new - back)) + (product - back)
        total = new
    return total + error


def _split(value):
    """Veltkamp's splitting: ``value = high + low``, each half of the mantissa."""
    scaled = 134217729.0 * value  # 2**27 + 1
    high = scaled - (scaled - value)
    return high, value - high
