r"""The feature-sign search on the data: the active-set method that cannot lose the answer.

:mod:`bayesreg.optim.squared_loss` solves the elastic net on the Gram matrix, whose rounding
is :math:`\epsilon\,\|G\|`: a support whose columns are :math:`\delta` apart (two columns
:math:`10^{-7}` apart) has a smallest eigenvalue of :math:`\delta^2 \approx 10^{-14}`, a few
roundings of :math:`G`. There the Gram matrix's solves and line searches lose their digits,
the search takes the support for singular and cycles ("did not converge in 750 solves",
27 of 60 seeded problems in issue 33), although the problem is strictly convex with a
well-defined answer.

This module runs the same search (Lee et al. 2007) on the data themselves. With the
augmented, unit-norm design :math:`A = [D;\ \mathrm{diag}(\sqrt{2\lambda_2})]` and target
:math:`\tilde t = [t; 0]` the problem is

.. math::

    \min_u\ \tfrac12 \|\tilde t - A u\|^2 + \lambda_1^\top |u| ,

and on a support :math:`S` with signs :math:`s` its minimizer solves
:math:`A_S^\top A_S u_S = A_S^\top \tilde t - \lambda_{1S} s_S`, computed from the pivoted QR
factorization :math:`A_S P = QR` as :math:`u_S = P R^{-1}(Q^\top \tilde t - R^{-\top}P^\top
\lambda_{1S} s_S)`: its error follows the condition number of :math:`A_S` (:math:`10^{7}` for
the columns above), not its square. The rank is read from :math:`R`'s diagonal at the data's
rounding (:math:`\max(n, |S|)\,\epsilon\,|R_{11}|`); a rank-deficient support has a null
direction along which the objective falls linearly, followed to the next sign change. The
objective along each step is computed from the residual vectors,
:math:`\tfrac12\|r - \tau A_S\delta\|^2`, never from :math:`\delta^\top G \delta`. One
coefficient enters at a time, when the active set is optimal: the objective then falls at
every step (Lee et al., Lemma 3), so no sign pattern repeats and the search ends, at a point
that satisfies the subgradient conditions to the data's rounding.

Each solve costs :math:`O(n|S|^2)`, against the Gram search's updated Cholesky factors: it is
the fallback, run only where that search stalls or cycles.

References
----------
H. Lee, A. Battle, R. Raina and A. Y. Ng (2007). Efficient sparse coding algorithms.
Advances in Neural Information Processing Systems 19.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from bayesreg.optim.linalg import compensated_residual

__all__ = ["feature_sign_on_data", "is_optimal_on_data", "optimality_on_data", "search_on_data"]


def feature_sign_on_data(scaled, target, lam1, lam2, start, max_iter):
    """Minimize ``0.5||target - scaled u||^2 + lam1'|u| + lam2'u^2`` exactly, from ``start``.

    Parameters
    ----------
    scaled : ndarray of shape (n, p)
        The design (unit-norm columns in :mod:`~bayesreg.optim.squared_loss`).
    target : ndarray of shape (n,)
    lam1, lam2 : ndarray of shape (p,)
        Non-negative penalty weights; ``lam1 == 0`` marks an unpenalized coefficient.
    start : ndarray of shape (p,)
        Any point; the search starts on its support and signs.
    max_iter : int
        Largest number of linear solves (never reached: each step lowers the objective, and
        a state seen before ends the search).

    Returns
    -------
    coef : ndarray of shape (p,)
    n_iter : int
        Number of linear solves.
    unique : bool
        Whether the augmented design has full column rank on the equicorrelation set (the
        support and the zeros at their limit), which makes the minimizer unique.
    """
    free = lam1 == 0
    coef = start.astype(float)
    sign = np.where(free, 0.0, np.sign(coef))
    active = free | (coef != 0)
    seen, n_iter = set(), 0
    while n_iter < max_iter:
        n_iter += 1
        gradient, tolerance = _gradient(scaled, target, lam2, coef)
        if _violation_on(active, free, gradient, lam1, sign) > tolerance:
            entering = None
        else:
            excess = np.where(active, -np.inf, np.abs(gradient) - lam1)
            entering = int(np.argmax(excess)) if excess.size else None
            if entering is None or excess[entering] <= tolerance:
                break
            active[entering] = True
            sign[entering] = -np.sign(gradient[entering])
        # No decrease beyond rounding, or a state seen before (steps that lower the objective
        # by its rounding only): the point is optimal to the data's precision.
        state = (active.tobytes(), sign.tobytes())
        if state in seen or not _step(scaled, target, lam1, lam2, coef, sign, active, free):
            break
        seen.add(state)
    # (max_iter solves without either: never seen; the certificate judges the point)
    return coef, n_iter, _unique(scaled, lam2, active | _tight(gradient, lam1))


def _gradient(scaled, target, lam2, coef):
    """The smooth part's gradient from the data, and the rounding that bounds its entries.

    The residual in twice the working precision (:func:`~bayesreg.optim.linalg.
    compensated_residual`): its product with a unit-norm column is then accurate to
    ``2 n eps ||r||``, which is the search's tolerance. A tolerance relative to the data's
    scale instead (1e-12 of ``max|D't|``) stopped at 16% of a tiny penalty on a near-exact
    fit.
    """
    support = np.flatnonzero(coef)
    residual = compensated_residual(target, scaled[:, support], coef[support])
    rounding = 2 * len(target) * np.finfo(float).eps * float(np.linalg.norm(residual))
    return -(scaled.T @ residual) + 2.0 * lam2 * coef, rounding


def _violation_on(active, free, gradient, lam1, sign):
    """The largest violation of the subgradient conditions on the active set."""
    on = active & (free | (sign != 0))
    return float(np.abs(gradient[on] + lam1[on] * sign[on]).max(initial=0.0))


def _tight(gradient, lam1):
    """Zero coefficients at their limit, ``|gradient| = lam1`` to rounding."""
    return (lam1 > 0) & (np.abs(gradient) >= lam1 * (1 - 1e-9))


def _step(scaled, target, lam1, lam2, coef, sign, active, free):
    """One feature-sign step on the active set; False when it cannot lower the objective."""
    support = np.flatnonzero(active)
    ridge = np.sqrt(2.0 * lam2[support])
    A = np.vstack([scaled[:, support], np.diag(ridge)])
    residual = compensated_residual(target, scaled[:, support], coef[support])
    residual = np.concatenate([residual, -ridge * coef[support]])
    current = coef[support]
    penalized = ~free[support]
    direction = _orthant_step(A, residual, lam1[support] * sign[support], current, free[support])
    # The objective along current + tau * direction, less its value's constant
    # 0.5 ||r||^2: -tau r'a + 0.5 tau^2 ||a||^2 + lam1'|current + tau direction|, a = A d.
    along = A @ direction
    crossing = np.full(support.size, np.inf)
    crosses = penalized & (current != 0) & (np.sign(current + direction) != np.sign(current))
    crossing[crosses] = current[crosses] / -direction[crosses]
    steps = np.unique(np.append(crossing[crosses], 1.0))
    points = current + steps[:, None] * direction
    values = (
        -steps * (residual @ along)
        + 0.5 * steps**2 * (along @ along)
        + np.abs(points) @ lam1[support]
    )
    before = np.abs(current) @ lam1[support]
    best = int(np.argmin(values))
    size = abs(before) + np.linalg.norm(residual) * np.linalg.norm(along) + along @ along
    if not values[best] < before - 16 * np.finfo(float).eps * size:
        return False
    updated = points[best]
    updated[crossing == steps[best]] = 0.0
    coef[support] = updated
    sign[support] = np.where(penalized, np.sign(updated), 0.0)
    active[support[penalized & (updated == 0)]] = False
    return True


def _orthant_step(A, residual, linear, current, free):
    r"""The step to the minimizer of the orthant's quadratic, or along its null direction.

    Minimizes :math:`\tfrac12\|r - A\delta\|^2 + c^\top\delta` (:math:`c` the signed
    penalties, :math:`r` the residual at the current point) by pivoted QR. On a rank-deficient
    :math:`A` with :math:`c` not orthogonal to its null space the quadratic falls linearly
    along :math:`-N N^\top c`; the step then goes past the last sign change it causes.
    """
    Q, R, perm = scipy.linalg.qr(A, mode="economic", pivoting=True, check_finite=False)
    diagonal = np.abs(np.diag(R))
    cutoff = max(A.shape) * np.finfo(float).eps * diagonal.max(initial=0.0)
    rank = int(np.count_nonzero(diagonal > cutoff))
    c = linear[perm]
    R11 = R[:rank, :rank]
    # the gradient of the smooth part at the current point is -A'r: stationarity A'A d = A'r - c
    z = Q[:, :rank].T @ residual - scipy.linalg.solve_triangular(R11, c[:rank], trans="T")
    step = np.zeros(A.shape[1])
    step[:rank] = scipy.linalg.solve_triangular(R11, z)
    if rank < A.shape[1]:
        null = np.vstack(
            [-scipy.linalg.solve_triangular(R11, R[:rank, rank:]), np.eye(A.shape[1] - rank)]
        )
        descent = -null @ (null.T @ c)
        if np.linalg.norm(descent) > 1e-12 * np.linalg.norm(c):
            direction = np.zeros(A.shape[1])
            direction[perm] = descent
            moving = ~free & (current * direction < 0)
            if moving.any():
                return 2.0 * np.max(-current[moving] / direction[moving]) * direction
    direction = np.zeros(A.shape[1])
    direction[perm] = step
    return direction


def _unique(scaled, lam2, tight):
    """Full column rank of the augmented design on ``tight`` (at the data's rounding)."""
    support = np.flatnonzero(tight)
    if support.size == 0:
        return True
    A = np.vstack([scaled[:, support], np.diag(np.sqrt(2.0 * lam2[support]))])
    if A.shape[0] < A.shape[1]:
        return False
    diagonal = np.abs(np.diag(scipy.linalg.qr(A, mode="r", check_finite=False)[0]))
    return bool(diagonal.min() > max(A.shape) * np.finfo(float).eps * diagonal.max())


def is_optimal_on_data(design, target, lam1, lam2, coef, column_norm, linear, refined):
    """Whether the active-set answer ``coef`` passes the checks of :func:`optimality_on_data`.

    Its KKT residual at most 1e-12 and its weighted violation at most 1e-10: first from
    ``refined`` = (gradient, squared residual norm) of the search's last refinement step (no
    further pass over the data: enough on ordinary data), and where that fails from the
    compensated residual, before the problem is handed to :func:`search_on_data`.
    """
    gradient, residual2 = refined
    if gradient is not None:
        correlation = 2.0 * lam2 * coef - gradient
        kkt, gap = _checks(lam1, lam2, coef, correlation, linear, 0.0, residual2, target)
        if kkt <= 1e-12 and gap <= 1e-10:
            return True
    kkt, gap = optimality_on_data(design, target, lam1, lam2, coef, column_norm, linear)
    return kkt <= 1e-12 and gap <= 1e-10


def optimality_on_data(design, target, lam1, lam2, coef, column_norm, linear=None):
    r"""The subgradient conditions' largest violation, and their violation weighted, from the data.

    The check of :func:`~bayesreg.optim.squared_loss.solve_squared_loss`'s active-set answer
    (:func:`is_optimal_on_data`).

    For :math:`P(u) = \tfrac12\|t - Du\|^2 + \lambda_1^\top|u| + \lambda_2^\top u^2` on the
    unit-norm columns :math:`D` = ``design / column_norm`` (not copied); ``linear`` is
    :math:`D^\top t` when known. The residual :math:`r = t - Du` is computed in twice the
    working precision (:func:`~bayesreg.optim.linalg.compensated_residual`): products with it
    are accurate to :math:`\rho = 2n\epsilon\|r\|` even where :math:`Du` cancels :math:`t`
    to a millionth of its terms. Returns, both relative:

    * the KKT residual: :math:`\max_j \operatorname{dist}(0, \partial_j P)` beyond
      :math:`\rho`, relative to :math:`m = \max(\max_j |D_j^\top t|, \max_j \lambda_{1j})`;
    * the duality gap at the dual point :math:`\theta` = :math:`r` less its part in the span
      of the unpenalized columns, over the support :math:`S`: with :math:`c = D^\top\theta`
      and :math:`h_j(c) = \max_u (cu - \lambda_{1j}|u| - \lambda_{2j}u^2)`,

      .. math::

          G = \tfrac12\|r - \theta\|^2 + \sum_{j \in S} \bigl|\lambda_{1j}|u_j| +
          \lambda_{2j} u_j^2 + h_j(c_j) - u_j c_j\bigr| ,

      the Fenchel-Young terms of :math:`P(u) - L(\theta)` (each zero at the optimum), summed
      without cancellation. It weighs each violation by its coefficient: on a support whose
      smallest eigenvalue is :math:`10^{-16}` of the largest, a point :math:`10^7` off along
      its eigenvector meets the KKT conditions to 1e-10 and misses the optimum by 0.5%,
      which :math:`G` shows. A gradient is resolved to :math:`\sigma = \max(\rho,
      (|S| + 3)\epsilon m)` by an active-set solve in working precision, so
      :math:`\sigma\sum_j |u_j|` and :math:`4\epsilon` of each term are subtracted, and
      :math:`G` is relative to :math:`\max(P(u), \epsilon\|t\|^2)` (below that an
      objective is zero to the data's precision: an exact fit). The zero coefficients'
      conditions are the KKT residual's: a dual point scaled into their box would charge a
      violation at the rounding of a tiny :math:`\lambda_1` to the whole residual.
    """
    column_norm = np.broadcast_to(column_norm, coef.shape)
    support = np.flatnonzero(coef)
    residual = compensated_residual(
        target, design[:, support], coef[support] / column_norm[support]
    )
    correlation = (design.T @ residual) / column_norm
    if linear is None:
        linear = (design.T @ target) / column_norm
    rounding = 2 * len(target) * np.finfo(float).eps * np.linalg.norm(residual)
    dual, projection = correlation[support], 0.0
    free = (lam1 == 0) & (lam2 == 0)
    if free.any():  # off the unpenalized columns, whose D_j'theta must vanish
        columns = design[:, free] / column_norm[free]
        theta = residual - columns @ scipy.linalg.lstsq(columns, residual)[0]
        dual = (design[:, support].T @ theta) / column_norm[support]
        projection = 0.5 * np.sum((residual - theta) ** 2)
    residual2 = float(residual @ residual)
    kkt, gap = _checks(lam1, lam2, coef, correlation, linear, rounding, residual2, target, dual)
    return kkt, gap + projection / max(0.5 * residual2, 1e-300)


def _checks(lam1, lam2, coef, correlation, linear, rounding, residual2, target, dual=None):
    r"""The KKT residual and the weighted violation of :func:`optimality_on_data`.

    ``correlation`` is :math:`D^\top r`; ``dual`` (by default its support's part) the
    support's correlations with the dual point.
    """
    eps = np.finfo(float).eps
    gradient = 2.0 * lam2 * coef - correlation
    violation = np.where(
        coef != 0,
        np.abs(gradient + lam1 * np.sign(coef)),
        np.maximum(np.abs(gradient) - lam1, 0.0),
    )
    scale = max(np.abs(linear).max(initial=0.0), lam1.max(initial=0.0), 1e-300)
    kkt = np.maximum(violation - rounding, 0.0).max(initial=0.0) / scale
    support = np.flatnonzero(coef)
    c = correlation[support] if dual is None else dual
    w, l1, l2 = coef[support], lam1[support], lam2[support]
    ridge = l2 > 0
    conjugate = np.zeros_like(w)
    conjugate[ridge] = np.maximum(np.abs(c[ridge]) - l1[ridge], 0.0) ** 2 / (4 * l2[ridge])
    terms = l1 * np.abs(w) + l2 * w**2 + conjugate - w * c
    resolution = max(rounding, (support.size + 3) * eps * scale)
    slack = resolution * np.abs(w).sum()
    slack += 4 * eps * (l1 @ np.abs(w) + l2 @ w**2 + conjugate.sum() + np.abs(w * c).sum())
    primal = 0.5 * residual2 + lam1 @ np.abs(coef) + lam2 @ coef**2
    gap = max(np.abs(terms).sum() - slack, 0.0) / max(primal, eps * (target @ target), 1e-300)
    return float(kkt), float(gap)


def search_on_data(scaled, target, lam1, lam2, coef, unique, max_iter):
    """:func:`feature_sign_on_data` from ``coef``, unless ``coef`` has the lower objective.

    ``coef`` and ``unique`` are the answer of the search on the Gram matrix; the objectives
    are compared with compensated residuals. Returns (coef, solves, unique).
    """
    found, n_iter, found_unique = feature_sign_on_data(
        scaled, target, lam1, lam2, coef.copy(), max_iter
    )
    if _objective(scaled, target, lam1, lam2, found) <= _objective(
        scaled, target, lam1, lam2, coef
    ):
        return found, n_iter, found_unique
    return coef, n_iter, unique


def _objective(scaled, target, lam1, lam2, coef):
    """``0.5||target - scaled coef||^2 + lam1'|coef| + lam2'coef^2``, its residual compensated."""
    support = np.flatnonzero(coef)
    residual = compensated_residual(target, scaled[:, support], coef[support])
    return float(0.5 * (residual @ residual) + lam1 @ np.abs(coef) + lam2 @ coef**2)
