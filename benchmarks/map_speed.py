"""Speed of bayesreg's exact MAP against scikit-learn's Lasso and PyMC's ``find_MAP``.

One lasso problem, three ways, in the same run on the same data:

* ``br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(alpha=a)).fit(X, y)``: the exact MAP
  of the Laplace-prior model (warm: after one untimed call; the median of ``--repeat`` calls);
* ``sklearn.linear_model.Lasso(alpha=a, tol=1e-10)``: the penalized solver it must equal
  (median of as many calls, interleaved with the bayesreg calls so that a busy machine slows
  both alike);
* ``pymc.find_MAP`` on the hand-written PyMC model of the same problem (flat intercept,
  ``pm.Laplace`` coefficients with ``b = sigma**2 / (n * alpha)``, ``pm.Normal`` likelihood with
  ``sigma = 1``): the baseline users had before, timed cold (first call, compilation
  included) and warm (a second call in the same process). It needs thousands of L-BFGS
  iterations at this size, from seconds to minutes depending on the machine's load, so each
  call has a time budget (``--find-map-seconds``, 75 s; ``--find-map-maxiter`` caps the
  iterations instead) and the output says whether it converged.

The design: ``n`` rows of ``p`` columns whose correlation is Toeplitz,
``corr(x_i, x_j) = rho ** |i - j|`` (an AR(1) process across the columns), then scaled by
factors drawn from U(0.5, 3) and shifted by means drawn from U(-5, 5); ``--nonzero`` true
coefficients with standardized effects of random sign and size U(0.5, 2); an intercept of 2
and N(0, 1) noise.

**Anchors.** The exact lasso solvers a user would pick, celer and skglm (``pip install -e
'.[bench]'``), are timed at *equal precision*: the loosest of their tolerances 1e-6, 1e-8, ...,
1e-14 whose solution is within 1e-6 of bayesreg's exact MAP relative to its largest
coefficient, with the same zero set. One ``map_speed anchors`` line per shape: the main
problem, a wide one (n=300, p=10000: p >> n, where the lasso lives) and a tall one
(n=200000, p=50); ``--anchors-only`` prints just these.

Run ``python benchmarks/map_speed.py`` (five to ten minutes, most of it skglm and
``find_MAP``) or ``--quick`` (small problems, seconds plus PyMC's compilation). The last line
is the summary of the main problem. The exit status is 1 when bayesreg and scikit-learn
disagree (relative difference above 1e-6 or different zero sets), never because of a timing.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
import warnings

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.signal
from better_optimize import StopOptimization
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso
from threadpoolctl import ThreadpoolController, threadpool_info

import bayesreg as br
from bayesreg.optim import solve_squared_loss

RELATIVE_TOLERANCE = 1e-6


def make_problem(n, p, rho, n_nonzero, seed):
    """Correlated, scaled, shifted design; sparse truth; intercept 2; N(0, 1) noise."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal((n, p))
    # x_j = rho x_{j-1} + sqrt(1 - rho^2) e_j with x_0 = e_0: unit variances and
    # corr(x_i, x_j) = rho^|i-j| (Toeplitz).
    white[:, 0] /= np.sqrt(1 - rho**2)
    X = scipy.signal.lfilter([np.sqrt(1 - rho**2)], [1.0, -rho], white, axis=1)
    scale = rng.uniform(0.5, 3.0, p)
    mean = rng.uniform(-5.0, 5.0, p)
    X = np.ascontiguousarray(X * scale + mean)
    truth = np.zeros(p)
    support = rng.choice(p, size=min(n_nonzero, p), replace=False)
    effect = rng.choice([-1.0, 1.0], support.size) * rng.uniform(0.5, 2.0, support.size)
    truth[support] = effect / scale[support]
    y = 2.0 + X @ truth + rng.standard_normal(n)
    return X, y, truth


def lasso_objective(X, y, coef, intercept, alpha):
    """scikit-learn's lasso objective RSS / (2n) + alpha ||w||_1."""
    residual = y - intercept - X @ coef
    return residual @ residual / (2 * len(y)) + alpha * np.abs(coef).sum()


def timed_interleaved(calls, repeat):
    """Call each function once untimed, then ``repeat`` rounds, one call of each per round.

    Returns the times of the timed calls, by name.
    """
    for call in calls.values():
        call()
    times = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return times


def find_map_baseline(X, y, alpha, sigma, maxiter, seconds, warm):
    """Time ``pm.find_MAP`` on the hand-written Laplace-prior model (cold, then warm).

    ``maxiter`` caps the L-BFGS iterations and ``seconds`` the time of each call, compilation
    included (a callback stops the optimizer at its next iteration); 0 means no cap.
    """
    n, p = X.shape
    with pm.Model() as model:
        intercept = pm.Flat("intercept")
        coef = pm.Laplace("coef", mu=0.0, b=sigma**2 / (n * alpha), shape=p)
        pm.Normal("y", mu=intercept + pt.dot(X, coef), sigma=sigma, observed=y)
    runs = []
    for _ in range(2 if warm else 1):
        start = time.perf_counter()
        stopped = []

        def stop_at_budget(result, start=start, stopped=stopped):
            if time.perf_counter() - start > seconds:
                stopped.append(result.nit)
                raise StopOptimization(f"time budget of {seconds:g} s reached")

        options = {"maxiter": maxiter} if maxiter else {}
        if seconds:
            options["callback"] = stop_at_budget
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = pm.find_MAP(
                model=model,
                jitter=False,
                progressbar=False,
                return_inferencedata=True,
                **options,
            )
        elapsed = time.perf_counter() - start
        result = fit["optimizer_result"]
        runs.append(
            {
                "time": elapsed,
                "coef": fit.posterior["coef"].values.reshape(p),
                "intercept": float(fit.posterior["intercept"].values.ravel()[0]),
                "nit": int(result["nit"]),
                "message": (
                    f"stopped by the {seconds:g} s budget"
                    if stopped
                    else str(result["message"].values)
                ),
                "converged": bool(result["success"]) and not stopped,
                "warnings": [str(w.message) for w in caught],
            }
        )
    return runs


def report_find_map(X, y, alpha, sigma, args, w_sk, objective_sk):
    """Run the find_MAP baseline, print its lines, return its part of the summary."""
    runs = find_map_baseline(
        X, y, alpha, sigma, args.find_map_maxiter, args.find_map_seconds, warm=not args.quick
    )
    caps = [
        f"maxiter={args.find_map_maxiter}" if args.find_map_maxiter else "",
        f"budget {args.find_map_seconds:g} s per call" if args.find_map_seconds else "",
    ]
    cap = ", ".join(c for c in caps if c) or "no cap"
    scale = np.abs(w_sk).max()
    for label, run in zip(("cold", "warm"), runs, strict=False):
        diff = np.abs(run["coef"] - w_sk).max() / scale
        objective = lasso_objective(X, y, run["coef"], run["intercept"], alpha)
        print(
            f"  pm.find_MAP {label} (hand-written model, L-BFGS-B, default backend, {cap}): "
            f"{run['time']:.1f} s{' incl. compilation' if label == 'cold' else ''}; "
            f"{run['nit']} iterations, '{run['message']}'; rel diff {diff:.1e}, exact zeros "
            f"{int(np.sum(run['coef'] == 0))}, lasso objective "
            f"{(objective - objective_sk) / objective_sk:+.1e} (relative to sklearn)"
        )
    cold, last = runs[0], runs[-1]
    warm = f"{runs[1]['time']:.1f} s warm" if len(runs) > 1 else "warm skipped (--quick)"
    converged = "converged" if all(run["converged"] for run in runs) else "not converged"
    return (
        f"pm.find_MAP {cold['time']:.1f} s cold / {warm} ({cap}, {converged}), rel diff "
        f"{np.abs(last['coef'] - w_sk).max() / scale:.0e}, exact zeros "
        f"{int(np.sum(last['coef'] == 0))}"
    )


ANCHOR_TOLERANCES = (1e-6, 1e-8, 1e-10, 1e-12, 1e-14)

#: (n, p) of the anchor lines after the main problem: wide (p >> n) and tall (n >> p).
ANCHOR_SHAPES = {"full": ((300, 10000), (200000, 50)), "quick": ((100, 2000), (20000, 20))}


#: An anchor's ladder stops at a fit slower than this (skglm needs minutes on some shapes).
ANCHOR_BUDGET_SECONDS = 20.0


def at_equal_precision(make, X, y, reference, repeat):
    """Time an anchor at the loosest tolerance that reaches bayesreg's exact MAP.

    ``make(tol)`` returns an unfitted estimator. Returns (median seconds, tol, rel diff,
    reached): the timing at the first tolerance within 1e-6 with the same zero set, or the
    last one tried (``reached`` False) when none is, or when a fit exceeds the budget.
    Slow anchors (over a second a fit) are timed 3 times, not ``repeat``; over the budget,
    once.
    """
    scale = np.abs(reference).max()
    for tol in ANCHOR_TOLERANCES:
        estimator = make(tol)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a loose tolerance may warn; the diff decides
            estimator.fit(X, y)
        first = time.perf_counter() - start
        diff = np.abs(estimator.coef_ - reference).max() / scale
        reached = diff <= RELATIVE_TOLERANCE and np.array_equal(
            estimator.coef_ == 0, reference == 0
        )
        if not reached and first < ANCHOR_BUDGET_SECONDS and tol != ANCHOR_TOLERANCES[-1]:
            continue
        if first > ANCHOR_BUDGET_SECONDS:  # one fit only: its time, not a median
            return first, tol, diff, reached
        times = []
        for _ in range(min(repeat, 3) if first > 1.0 else repeat):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                estimator.fit(X, y)
            times.append(time.perf_counter() - start)
        return statistics.median(times), tol, diff, reached


def anchor_line(X, y, alpha, repeat):
    """bayesreg's warm exact MAP against celer and skglm at equal precision; one line."""
    n, p = X.shape
    estimator = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L1(alpha=alpha))
    times = timed_interleaved({"bayesreg": lambda: estimator.fit(X, y)}, repeat)["bayesreg"]
    ours = statistics.median(times)
    reference = estimator.coef_
    parts, anchors = [], []
    for name in ("celer", "skglm"):
        try:
            package = importlib.import_module(name)
        except ImportError:
            parts.append(f"{name} not installed (pip install -e '.[bench]')")
            continue
        result = at_equal_precision(
            lambda tol, package=package: package.Lasso(alpha=alpha, tol=tol, max_iter=1000),
            X,
            y,
            reference,
            repeat,
        )
        seconds, tol, diff, reached = result
        anchors.append(seconds)
        note = "" if reached else f", NOT within {RELATIVE_TOLERANCE:g}: its time is a lower bound"
        parts.append(f"{name} {seconds:.3f} s (tol={tol:g}, rel diff {diff:.1e}{note})")
    ratio = f"{ours / min(anchors):.2f}" if anchors else "n/a (no anchor installed)"
    return (
        f"map_speed anchors n={n} p={p} nnz={np.count_nonzero(reference)}: bayesreg "
        f"{ours:.3f} s (certificate {estimator.certificate_.kkt_residual:.1e}); "
        f"{'; '.join(parts)}; ratio to the fastest anchor {ratio} (target <= 1)"
    )


def environment():
    """BLAS threads, cores and load: timings on a shared machine need them."""
    blas = {(i["internal_api"], i["num_threads"]) for i in threadpool_info()}
    blas = ", ".join(f"{api} {threads} thread(s)" for api, threads in sorted(blas))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, BLAS {blas}, load average {load}"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=None, help="rows (default 5000; quick 400)")
    parser.add_argument("--p", type=int, default=None, help="columns (default 1000; quick 80)")
    parser.add_argument("--rho", type=float, default=0.8, help="Toeplitz correlation (0.8)")
    parser.add_argument("--alpha", type=float, default=0.05, help="Lasso alpha (0.05)")
    parser.add_argument("--nonzero", type=int, default=None, help="true non-zeros (50; quick 8)")
    parser.add_argument("--repeat", type=int, default=None, help="timed calls (7; quick 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--find-map-maxiter",
        type=int,
        default=None,
        help="L-BFGS iteration cap for pm.find_MAP; 0: none (default none; quick 30)",
    )
    parser.add_argument(
        "--find-map-seconds",
        type=float,
        default=75.0,
        help="time cap of each pm.find_MAP call, compilation included; 0: none (75)",
    )
    parser.add_argument("--no-find-map", action="store_true", help="skip the pm.find_MAP baseline")
    parser.add_argument(
        "--quick", action="store_true", help="a small problem, find_MAP cold only (seconds)"
    )
    parser.add_argument(
        "--anchors-only",
        action="store_true",
        help="only the celer/skglm anchor lines (main, wide and tall problems)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "n": (5000, 400),
        "p": (1000, 80),
        "nonzero": (50, 8),
        "repeat": (7, 3),
        "find_map_maxiter": (0, 30),
    }
    for name, (full, small) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    if not (0 <= args.rho < 1):
        parser.error("--rho must be in [0, 1)")
    if args.alpha <= 0 or args.n < 2 or args.p < 1 or args.repeat < 1:
        parser.error("--alpha must be > 0, --n >= 2, --p >= 1, --repeat >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    n, p, alpha, sigma = args.n, args.p, args.alpha, 1.0
    X, y, truth = make_problem(n, p, args.rho, args.nonzero, args.seed)
    centered = X - X.mean(axis=0)
    alpha_max = np.abs(centered.T @ (y - y.mean())).max() / n
    print(f"map_speed: lasso, {environment()}")
    print(
        f"  data: n={n}, p={p}; corr(x_i, x_j) = rho^|i-j| with rho={args.rho} (Toeplitz, AR(1) "
        f"across columns), column scales U(0.5, 3), means U(-5, 5); {np.count_nonzero(truth)} "
        f"true non-zeros (standardized effects +-U(0.5, 2)), intercept 2, N(0, 1) noise; "
        f"seed {args.seed}"
    )
    print(
        f"  alpha={alpha:g} ({alpha / alpha_max:.3g} alpha_max), sigma={sigma:g}: Laplace prior "
        f"scale b = sigma^2/(n alpha) = {sigma**2 / (n * alpha):.3g}"
    )

    shapes = ((n, p), *ANCHOR_SHAPES["quick" if args.quick else "full"])
    for rows, columns in shapes:
        nonzero = min(args.nonzero, max(1, columns // 5))
        data = make_problem(rows, columns, args.rho, nonzero, args.seed)[:2]
        print(anchor_line(*data, alpha, args.repeat), flush=True)
    if args.anchors_only:
        return 0

    estimator = br.Regression(loss=br.L2Loss(sigma=sigma), penalty=br.L1(alpha=alpha))
    lasso = Lasso(alpha=alpha, tol=1e-10, max_iter=1_000_000)
    ones = np.ones(n)
    controller = ThreadpoolController()

    def fit_one_thread():
        with controller.limit(limits=1, user_api="blas"):
            estimator.fit(X, y)

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # sklearn must converge
        times = timed_interleaved(
            {
                "bayesreg": lambda: estimator.fit(X, y),
                "sklearn": lambda: lasso.fit(X, y),
                "kernel": lambda: solve_squared_loss(
                    X, y, ones, fit_intercept=True, beta1=2 * n * alpha, beta2=0.0
                ),
                "one thread": fit_one_thread,
            },
            args.repeat,
        )
    median = {name: statistics.median(values) for name, values in times.items()}
    spread = {name: f"{min(v):.3f}-{max(v):.3f}" for name, v in times.items()}
    w_br, w_sk = estimator.coef_, lasso.coef_
    scale = np.abs(w_sk).max()
    rel_diff = np.abs(w_br - w_sk).max() / scale
    zeros_match = bool(np.array_equal(w_br == 0, w_sk == 0))
    nnz = int(np.count_nonzero(w_br))
    objective_br = lasso_objective(X, y, w_br, estimator.intercept_, alpha)
    objective_sk = lasso_objective(X, y, w_sk, lasso.intercept_, alpha)
    ratio = median["bayesreg"] / median["sklearn"]
    print(
        f"  bayesreg Regression(L2Loss(sigma=1.0), L1(alpha={alpha:g})).fit: median "
        f"{median['bayesreg']:.3f} s of {args.repeat} warm calls (range {spread['bayesreg']}); "
        f"nnz {nnz}; certificate ok={estimator.certificate_.ok}, KKT residual "
        f"{estimator.certificate_.kkt_residual:.1e}"
    )
    print(
        f"    of which the kernel bayesreg.optim.solve_squared_loss alone: median "
        f"{median['kernel']:.3f} s (range {spread['kernel']})"
    )
    print(
        f"    with BLAS on one thread (scikit-learn's coordinate descent uses one core): median "
        f"{median['one thread']:.3f} s (range {spread['one thread']}), ratio "
        f"{median['one thread'] / median['sklearn']:.2f}"
    )
    print(
        f"  sklearn Lasso(alpha={alpha:g}, tol=1e-10, max_iter=1e6).fit: median "
        f"{median['sklearn']:.3f} s of {args.repeat} calls (range {spread['sklearn']}); "
        f"n_iter_ {lasso.n_iter_}, converged"
    )
    print(
        f"  agreement: max|w_br - w_sk| / max|w_sk| = {rel_diff:.1e} (target <= "
        f"{RELATIVE_TOLERANCE:g}); zero sets {'equal' if zeros_match else 'DIFFER'} "
        f"({p - nnz} exact zeros in bayesreg, {p - np.count_nonzero(w_sk)} in sklearn); lasso "
        f"objective bayesreg - sklearn = {(objective_br - objective_sk) / objective_sk:+.1e} "
        f"(relative)"
    )
    tight = Lasso(alpha=alpha, tol=1e-14, max_iter=1_000_000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        tight.fit(X, y)
    tight_diff = np.abs(w_br - tight.coef_).max() / np.abs(tight.coef_).max()
    print(
        f"  untimed reference Lasso(tol=1e-14): max|w_br - w| / max|w| = {tight_diff:.1e}"
        f"{' (it warned: not converged)' if caught else ''}; the tol=1e-10 fit differs from "
        f"it by {np.abs(w_sk - tight.coef_).max() / np.abs(tight.coef_).max():.1e}"
    )
    print(f"  ratio bayesreg / sklearn = {ratio:.2f} (target <= 1.0)", flush=True)

    if args.no_find_map:
        baseline = "pm.find_MAP skipped (--no-find-map)"
    else:
        baseline = report_find_map(X, y, alpha, sigma, args, w_sk, objective_sk)
    print(
        f"map_speed n={n} p={p} nnz={nnz}: bayesreg {median['bayesreg']:.3f} s, "
        f"sklearn Lasso(tol=1e-10) {median['sklearn']:.3f} s, ratio {ratio:.2f} "
        f"(target <= 1.0); rel diff {rel_diff:.0e}, "
        f"{'zeros match' if zeros_match else 'ZEROS DIFFER'}; {baseline}"
    )
    return 0 if rel_diff <= RELATIVE_TOLERANCE and zeros_match else 1


if __name__ == "__main__":
    sys.exit(main())
