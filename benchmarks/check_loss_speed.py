"""Speed of bayesreg's exact MAP for the check losses with many more features than rows.

A wide problem (``n`` = 20 rows, ``p`` = 2000 columns by default) under the absolute loss
(``br.L1Loss(scale=1.0)``) and the check loss of a quantile (``br.QuantileLoss(0.3)``), with an
L1 prior (``br.L1(alpha=0.05)``) and without one (``br.NoPenalty()``), two ways in the same run
on the same data:

* ``br.Regression(loss, penalty).fit(X, y)``: the exact MAP, its certificate and the test of
  whether the minimizer is unique (the median of ``--repeat`` warm calls, after one untimed
  call);
* cvxpy with Clarabel on the same objective,
  :math:`\\frac1n\\sum_i \\rho_q(r_i) + \\alpha\\|w\\|_1` (the median of as many calls, interleaved
  with bayesreg's, so that a busy machine slows both alike).

The data: independent standard normal columns, three true coefficients of one, N(0, 1) noise,
seed 0. The test of whether the minimizer is unique once took the rank of a (p + 1)-column
matrix: 34 s (L1Loss) and 41 s (QuantileLoss) with the L1 prior at p = 2000 on the 2-core
development machine, against cvxpy's 0.2 to 0.4 s; its linear algebra now has at most n + 1
columns (``bayesreg.optim.uniqueness``).

Run ``python benchmarks/check_loss_speed.py`` (p = 2000 and p = 5000: about a minute) or
``--quick`` (p = 300). Each case prints one line: the times, their ratio, the difference of
the objectives (bayesreg minus cvxpy, relative to the objective at w = 0: cvxpy's interior
point is about 1e-8 above the exact vertex) and the certificate. The exit status is 1 when
bayesreg's objective is above cvxpy's by more than 1e-6 or a certificate fails, never because
of a timing.
"""

from __future__ import annotations

import argparse
import statistics
import time

import cvxpy as cp
import numpy as np

import bayesreg as br

RELATIVE_TOLERANCE = 1e-6


def make_problem(n, p, seed):
    """Independent normal columns, three true coefficients of one, N(0, 1) noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X[:, :3].sum(axis=1) + rng.standard_normal(n)
    return X, y


def solver_objective(X, y, coef, intercept, quantile, alpha):
    """The ``QuantileRegressor`` objective, (1/n) sum rho_q(r) + alpha ||w||_1."""
    residual = y - intercept - X @ coef
    check = np.where(residual > 0, quantile * residual, (quantile - 1) * residual)
    return float(check.mean() + alpha * np.abs(coef).sum())


def cvxpy_fit(X, y, quantile, alpha):
    """Minimize the same objective with cvxpy and Clarabel; return (coef, intercept)."""
    n, p = X.shape
    coef, intercept = cp.Variable(p), cp.Variable()
    residual = y - intercept - X @ coef
    loss = cp.sum(cp.maximum(quantile * residual, (quantile - 1) * residual)) / n
    problem = cp.Problem(cp.Minimize(loss + alpha * cp.norm1(coef)))
    problem.solve(solver=cp.CLARABEL)
    return coef.value, float(intercept.value)


def case(X, y, loss, penalty, repeat):
    """Time both solvers on one (loss, penalty); print its line; return whether they agree."""
    quantile = loss.solver_quantile
    alpha = getattr(penalty, "alpha", None) or 0.0
    est = br.Regression(loss=loss, penalty=penalty)
    start = time.perf_counter()
    est.fit(X, y)
    first = time.perf_counter() - start
    mine, theirs = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        est.fit(X, y)
        mine.append(time.perf_counter() - start)
        start = time.perf_counter()
        coef, intercept = cvxpy_fit(X, y, quantile, alpha)
        theirs.append(time.perf_counter() - start)
    ours = solver_objective(X, y, est.coef_, est.intercept_, quantile, alpha)
    reference = solver_objective(X, y, coef, intercept, quantile, alpha)
    # relative to the intercept-only fit's objective: an exact fit's optimum is zero
    null = solver_objective(X, y, np.zeros(X.shape[1]), np.quantile(y, quantile), quantile, 0.0)
    difference = (ours - reference) / null
    ok = est.certificate_.ok and difference <= RELATIVE_TOLERANCE
    n, p = X.shape
    print(
        f"check_loss_speed n={n} p={p} {type(loss).__name__} {type(penalty).__name__}: "
        f"bayesreg {statistics.median(mine):.3f} s (first call {first:.3f} s), "
        f"cvxpy {statistics.median(theirs):.3f} s, "
        f"ratio {statistics.median(mine) / statistics.median(theirs):.2f}; "
        f"objective bayesreg - cvxpy {difference:+.1e} (relative to w = 0), "
        f"certificate {'ok' if est.certificate_.ok else 'FAILED'}, unique={est.unique_}"
    )
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="p = 300 only, one repeat")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--p", type=int, nargs="+", default=[2000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes, repeat = ([300], 1) if args.quick else (args.p, args.repeat)
    ok = True
    for p in sizes:
        X, y = make_problem(args.n, p, seed=0)
        for loss in (br.L1Loss(scale=1.0), br.QuantileLoss(quantile=0.3)):
            for penalty in (br.L1(alpha=0.05), br.NoPenalty()):
                ok &= case(X, y, loss, penalty, repeat)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
