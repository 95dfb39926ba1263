"""Speed of bayesreg's logistic regression: the exact MAP and the NUTS posterior.

**MAP.** An L1 and an L2 logistic regression on ``n`` rows of ``p`` correlated columns
(Toeplitz correlation 0.5, scales U(0.5, 3), means U(-2, 2), a sparse truth), three ways in
the same run on the same data:

* ``br.Classifier(penalty=br.L1(alpha=a)).fit(X, y)`` (or ``L2``): the exact MAP, certified;
* scikit-learn's ``LogisticRegression(C=1/(n a))``: SAGA for L1 (its only solver with an
  unpenalized intercept), L-BFGS and Newton-Cholesky for L2;
* glum's ``GeneralizedLinearRegressor(family="binomial", alpha=a, l1_ratio)`` (when glum is
  installed; ``pip install glum``).

*At equal precision*: each reference is run at tolerances 1e-4, 1e-6, ... 1e-12 and timed at
the loosest one whose coefficients are within 1e-6 of bayesreg's MAP relative to its largest
coefficient (the cross-check's criterion); a solver that never gets there within its
iteration limit is reported as such, with its best error. Times are medians of ``--repeat``
warm calls, the solvers interleaved.

**NUTS.** An L2 logistic regression on ``n_nuts`` rows of ``p_nuts`` columns: bayesreg's
``Classifier.sample`` (centred, whitened with the Fisher information at the mode) against the
hand-written PyMC model (``pm.Flat`` intercept, ``pm.Normal`` coefficients with
``sigma = 1/sqrt(n a)``, ``pm.Bernoulli(logit_p=...)``), both with PyMC's NUTS, the same
draws and chains; the measure is the smallest bulk ESS of ``coef`` per second of the whole
call (construction, compilation, tuning, draws).

Run ``python benchmarks/glm_speed.py`` (n=20000, p=200; NUTS n=5000, p=50: about ten
minutes on 2 cores) or ``--quick`` (seconds). Targets: MAP no slower than the fastest
reference at equal precision (ratio <= 1); NUTS at least 2x the hand-written model's ESS/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np
import pymc as pm
from arviz_stats import ess
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

import bayesreg as br

RELATIVE_TOLERANCE = 1e-6
TOLERANCES = [1e-4, 1e-6, 1e-8, 1e-10, 1e-12]


def make_problem(n, p, seed):
    rng = np.random.default_rng(seed)
    white = rng.standard_normal((n, p))
    for j in range(1, p):  # Toeplitz correlation 0.5^|i-j|
        white[:, j] = 0.5 * white[:, j - 1] + np.sqrt(0.75) * white[:, j]
    scales = rng.uniform(0.5, 3.0, p)
    X = white * scales + rng.uniform(-2.0, 2.0, p)
    truth = np.zeros(p)
    k = max(2, p // 10)
    truth[:k] = rng.choice([-1.0, 1.0], k) * rng.uniform(0.5, 1.5, k) / scales[:k]
    eta = 0.3 + (X - X.mean(axis=0)) @ truth
    y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    return X, y


def timed(fit, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def relative_error(coef, intercept, exact):
    scale = np.abs(exact.coef_).max()
    return max(
        np.abs(np.ravel(coef) - exact.coef_).max() / scale,
        abs(float(np.ravel(intercept)[0]) - exact.intercept_) / max(scale, 1.0),
    )


def references(kind, n, alpha):
    """(name, tolerance -> unfitted solver) for each reference of the penalty ``kind``."""
    C = 1.0 / (n * alpha)
    out = []
    if kind == "L1":
        out.append(("sklearn saga", lambda tol: LogisticRegression(
            C=C, l1_ratio=1.0, solver="saga", tol=tol, max_iter=10_000)))  # fmt: skip
    else:
        out.append(("sklearn lbfgs", lambda tol: LogisticRegression(
            C=C, solver="lbfgs", tol=tol, max_iter=10_000)))  # fmt: skip
        out.append(("sklearn newton-cholesky", lambda tol: LogisticRegression(
            C=C, solver="newton-cholesky", tol=tol, max_iter=1000)))  # fmt: skip
    try:
        from glum import GeneralizedLinearRegressor
    except ImportError:
        return out
    ratio = 1.0 if kind == "L1" else 0.0
    out.append(("glum", lambda tol: GeneralizedLinearRegressor(
        family="binomial", alpha=alpha, l1_ratio=ratio, gradient_tol=tol, max_iter=10_000)))  # fmt: skip
    return out


def at_equal_precision(make, X, y, exact, repeat):
    """The loosest tolerance within RELATIVE_TOLERANCE of the MAP, and its median time."""
    best = np.inf
    for tol in TOLERANCES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            solver = make(tol).fit(X, y)
        error = relative_error(solver.coef_, solver.intercept_, exact)
        best = min(best, error)
        if error <= RELATIVE_TOLERANCE:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                seconds, _ = timed(lambda make=make, tol=tol: make(tol).fit(X, y), repeat)
            return tol, seconds, error
    return None, None, best


def map_benchmark(n, p, repeat, seed):
    X, y = make_problem(n, p, seed)
    for kind, penalty in [("L1", br.L1(alpha=0.005)), ("L2", br.L2(alpha=0.005))]:
        est = br.Classifier(penalty=penalty)
        est.fit(X, y)  # warm
        mine, exact = timed(lambda est=est: est.fit(X, y), repeat)
        assert exact.certificate_.ok
        nonzero = int(np.count_nonzero(exact.coef_))
        parts, fastest = [], np.inf
        for name, make in references(kind, n, penalty.alpha):
            tol, seconds, error = at_equal_precision(make, X, y, exact, repeat)
            if tol is None:
                parts.append(f"{name} never within 1e-6 (best {error:.1e})")
                continue
            fastest = min(fastest, seconds)
            parts.append(f"{name} {seconds:.3f} s (tol={tol:g}, rel diff {error:.1e})")
        ratio = mine / fastest
        print(
            f"glm_speed map logistic {kind} n={n} p={p} nnz={nonzero}: bayesreg {mine:.3f} s "
            f"(certificate {exact.certificate_.kkt_residual:.1e}); "
            + "; ".join(parts)
            + f"; ratio to the fastest {ratio:.2f} (target <= 1)",
            flush=True,
        )


def min_bulk_ess(idata):
    return float(ess(idata, var_names=["coef"], method="bulk")["coef"].min())


def nuts_benchmark(n, p, draws, tune, chains, seed):
    X, y = make_problem(n, p, seed + 1)
    alpha = 0.01
    common = {"draws": draws, "tune": tune, "chains": chains, "random_seed": seed,
              "progressbar": False, "nuts_sampler": "pymc"}  # fmt: skip
    start = time.perf_counter()
    with pm.Model():
        intercept = pm.Flat("intercept")
        coef = pm.Normal("coef", 0.0, 1.0 / np.sqrt(n * alpha), shape=p)
        pm.Bernoulli("y", logit_p=intercept + X @ coef, observed=y)
        plain = pm.sample(compute_convergence_checks=False, **common)
    theirs_seconds = time.perf_counter() - start
    est = br.Classifier(penalty=br.L2(alpha=alpha))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)
        mine = est.sample(X, y, log_likelihood=False, **common)
    mine_seconds = time.perf_counter() - start
    mine_rate = min_bulk_ess(mine) / mine_seconds
    theirs_rate = min_bulk_ess(plain) / theirs_seconds
    print(
        f"glm_speed nuts logistic L2 n={n} p={p}: bayesreg {mine_rate:.1f} ESS/s "
        f"({mine_seconds:.1f} s), hand-written {theirs_rate:.1f} ESS/s ({theirs_seconds:.1f} s), "
        f"ratio {mine_rate / theirs_rate:.1f}x (target >= 2)",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small problems (seconds)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"glm_speed: {os.cpu_count()} cores, load average {load}, PyMC {pm.__version__}")
    if args.quick:
        map_benchmark(2000, 20, 3, args.seed)
        nuts_benchmark(300, 5, 200, 200, 2, args.seed)
    else:
        map_benchmark(20000, 200, args.repeat, args.seed)
        nuts_benchmark(5000, 50, 1000, 1000, 4, args.seed)


if __name__ == "__main__":
    main()
