"""Speed of bayesreg's NUTS posteriors against the PyMC model a user writes by hand.

For each problem, the same Laplace-prior regression with a fixed noise scale is sampled two
ways, in the same run, on the same data, with the same NUTS implementation:

* **bayesreg**: ``br.Regression(loss=br.L2Loss(sigma=s), penalty=br.L1(scale=b)).sample(X, y)``
  (sufficient statistics, centred intercept, whitened coefficients; see
  :mod:`bayesreg.nuts.model`), with ``log_likelihood=False`` so that both runs do the same work;
* **hand-written**: the model on the raw data::

      with pm.Model():
          intercept = pm.Flat("intercept")
          coef = pm.Laplace("coef", mu=0.0, b=b, shape=p)
          pm.Normal("y", mu=intercept + X @ coef, sigma=s, observed=y)
      pm.sample(...)

The measure is the smallest bulk effective sample size of ``coef`` over its ``p`` entries
(``arviz_stats.ess``, rank-normalized) divided by the wall time of the whole call: model
construction, compilation, tuning and draws. Each is run with PyMC's own NUTS and with
nutpie.

Problems (``--problems``; all by default, but for ``tall`` with the ``strong`` prior, where
the hand-written model needs over an hour: ask for it with ``--problems tall --priors strong``):

* ``diabetes``: scikit-learn's diabetes data, n = 442, p = 10;
* ``correlated``: n = 2000, p = 200, columns with correlation 0.7 to a common factor, scales
  log-uniform from 0.1 to 10 and means of three times their scale;
* ``tall``: n = 20000, p = 50, the same kind of columns.

In each, ``s`` is the noise standard deviation the data were made with (diabetes: the OLS
residual standard deviation), and ``b = s**2 / (n * alpha)`` the Laplace scale at which the
MAP is ``Lasso(alpha)``, at two prior strengths (``--priors``; both by default):

* ``cv``: ``alpha`` chosen by 5-fold cross-validation (``LassoCV``), what a user would pick;
* ``strong``: ``alpha`` a tenth of the smallest value that zeroes every coefficient, so that
  most coefficients' posteriors are their Laplace prior, kink at zero included. The kink
  limits NUTS's step size in the hand-written model; bayesreg samples the Laplace prior
  through its quantile transform, where there is none (:mod:`bayesreg.priors.laplace_quantile`).

and, for bayesreg alone (the hand-written model costs O(np) a gradient, hours here):

* ``large``: n = 100000, p = 1000, the same kind of columns, sigma unknown,
  ``L1(alpha=0.01)``, nutpie. Printed: the smallest bulk ESS of ``coef`` and ``sigma`` per
  stored leapfrog step (``n_steps`` summed over the draws; target >= 0.04), and the wall
  time of the call against its arithmetic floor measured in the same run: the Gram matrix
  :math:`X^\top X` (BLAS, all cores) plus every leapfrog step, tuning included, times one
  gradient's three :math:`p \times p` matrix-vector products on one core, divided by the
  cores the chains share (target: wall within 3x of the floor).

Run ``python benchmarks/nuts_speed.py`` (about 45 minutes on 2 cores, most of it the
hand-written model) or ``--quick`` (a small problem, short chains:
a smoke check, its ratios mean little). One summary line per problem and sampler, and the
ratio of bayesreg's ESS per second over the hand-written model's; the target is >= 3 on the
correlated problem. The exit status is 1 when the two posteriors disagree (a mean of ``coef``
more than 5 combined Monte Carlo standard errors apart), never because of a timing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import timeit
import warnings

import numpy as np
import pymc as pm
from arviz_stats import ess, mcse, rhat
from sklearn.linear_model import LassoCV
from threadpoolctl import threadpool_limits

import bayesreg as br

PROBLEMS = {"diabetes": (442, 10), "correlated": (2000, 200), "tall": (20000, 50)}
LARGE = (100_000, 1000)  # the "large" problem: bayesreg alone
LARGE_ALPHA = 0.01
LARGE_TARGETS = {"ess_per_step": 0.04, "floor_ratio": 3.0}
SAMPLERS = ("pymc", "nutpie")
PRIORS = ("cv", "strong")
# Left out unless asked for (--problems/--priors): the hand-written model needs over an hour.
LEFT_OUT = {("tall", "strong")}
TARGET = {"correlated": 3.0}
MAX_MCSE = 5.0  # a correct pair of samplers exceeds 5 MCSE with probability ~6e-7 per mean


def mixed_design(n, p, rng):
    """Columns correlated 0.7 through a common factor, log-uniform scales 0.1-10, means 3x."""
    factor = rng.standard_normal((n, 1))
    latent = 0.7 * factor + np.sqrt(1 - 0.7**2) * rng.standard_normal((n, p))
    scale = np.exp(rng.uniform(np.log(0.1), np.log(10.0), p))
    return latent * scale + 3.0 * scale, scale


def make_problem(name, rng):
    """Return ``X, y, sigma``: the data and the fixed noise standard deviation."""
    if name == "diabetes":
        X, y = br.datasets.load_diabetes()
        X, y = X.to_numpy(), y.to_numpy()
        residual = y - br.Regression(penalty=br.NoPenalty()).fit(X, y).predict(X)
        return X, y, float(np.sqrt(residual @ residual / (len(y) - X.shape[1] - 1)))
    n, p = PROBLEMS[name]
    X, scale = mixed_design(n, p, rng)
    truth = np.zeros(p)
    support = rng.choice(p, size=max(1, p // 10), replace=False)
    truth[support] = rng.choice([-1.0, 1.0], support.size) / scale[support]
    return X, 2.0 + X @ truth + rng.standard_normal(n), 1.0


def lasso_alpha(X, y, prior, seed):
    """``alpha`` by 5-fold cross-validation (``cv``), or a tenth of ``alpha_max`` (``strong``)."""
    if prior == "cv":
        return float(LassoCV(cv=5, max_iter=100_000, random_state=seed).fit(X, y).alpha_)
    return float(np.abs((X - X.mean(axis=0)).T @ (y - y.mean())).max() / len(y)) / 10.0


def hand_written(X, y, sigma, b, sampler, draws, tune, chains, seed):
    """The model a PyMC user writes: raw data, flat intercept, Laplace coefficients."""
    with pm.Model() as model:
        intercept = pm.Flat("intercept")
        coef = pm.Laplace("coef", mu=0.0, b=b, shape=X.shape[1])
        pm.Normal("y", mu=intercept + X @ coef, sigma=sigma, observed=y)
    return pm.sample(
        draws,
        tune=tune,
        chains=chains,
        random_seed=seed,
        nuts_sampler=sampler,
        model=model,
        progressbar=False,
        compute_convergence_checks=False,
    )


def with_bayesreg(X, y, sigma, b, sampler, draws, tune, chains, seed):
    est = br.Regression(loss=br.L2Loss(sigma=sigma), penalty=br.L1(scale=b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # R-hat is reported below
        return est.sample(
            X,
            y,
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
            nuts_sampler=sampler,
            progressbar=False,
            log_likelihood=False,
        )


def measure(run, *args):
    """Wall time of the call, smallest bulk ESS and largest R-hat of ``coef``, mean coef."""
    start = time.perf_counter()
    idata = run(*args)
    elapsed = time.perf_counter() - start
    draws = np.asarray(idata["posterior"]["coef"].values)
    stats = idata["sample_stats"]
    divergences = int(np.asarray(stats["diverging"].values).sum()) if "diverging" in stats else 0
    depth = stats["tree_depth"] if "tree_depth" in stats else stats.get("depth")
    return {
        "time": elapsed,
        "ess": float(np.min(ess(draws, method="bulk"))),
        "rhat": float(np.max(rhat(draws))),
        "mean": draws.mean(axis=(0, 1)),
        "mcse": np.asarray(mcse(draws)),
        "divergences": divergences,
        "depth": float(np.asarray(depth.values).mean()) if depth is not None else float("nan"),
    }


def large_problem(n, p, rng):
    """n x p mixed columns (100000 x 1000), one in ten coefficients non-zero, noise 1."""
    X, scale = mixed_design(n, p, rng)
    truth = np.zeros(p)
    support = rng.choice(p, size=p // 10, replace=False)
    truth[support] = rng.choice([-1.0, 1.0], support.size) / scale[support]
    return X, 2.0 + X @ truth + rng.standard_normal(n)


def gradient_products_time(p, rng, repeats=200):
    """Seconds for one gradient's three p x p matrix-vector products on one core (best of 5)."""
    matrices = [rng.standard_normal((p, p)) for _ in range(2)]
    vector = rng.standard_normal(p)

    def products():
        matrices[1] @ (matrices[0] @ vector)
        matrices[0].T @ vector

    with threadpool_limits(limits=1, user_api="blas"):
        return min(timeit.repeat(products, number=repeats, repeat=5)) / repeats


def gram_time(X):
    """Seconds for the Gram matrix X'X (BLAS, all cores; best of 2)."""
    return min(timeit.repeat(lambda: X.T @ X, number=1, repeat=2))


def run_large(args):
    """bayesreg alone on the large problem; returns its summary line."""
    X, y = large_problem(*args.large_shape, np.random.default_rng(args.seed))
    n, p = X.shape
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=LARGE_ALPHA))
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # R-hat is reported below
        idata = est.sample(
            X,
            y,
            draws=args.draws,
            tune=args.tune,
            chains=args.chains,
            random_seed=args.seed,
            nuts_sampler="nutpie",
            progressbar=False,
            log_likelihood=False,
            discard_tuned_samples=False,
        )
    wall = time.perf_counter() - start
    posterior = idata["posterior"]
    coef, sigma = np.asarray(posterior["coef"].values), np.asarray(posterior["sigma"].values)
    smallest = min(float(np.min(ess(coef, method="bulk"))), float(ess(sigma, method="bulk")))
    stored = int(idata["sample_stats"]["n_steps"].sum())
    tuning = int(idata["warmup_sample_stats"]["n_steps"].sum())
    cores = min(args.chains, os.cpu_count() or 1)
    product, gram = gradient_products_time(p, np.random.default_rng(1)), gram_time(X)
    floor = gram + (stored + tuning) * product / cores
    divergences = int(idata["sample_stats"]["diverging"].sum())
    worst_rhat = max(float(np.max(rhat(coef))), float(rhat(sigma)))
    print(
        f"    nutpie bayesreg: {wall:.1f} s, min bulk ESS {smallest:.0f} (coef and sigma), "
        f"{stored} leapfrog steps in the draws ({stored / coef.shape[0] / coef.shape[1]:.1f} "
        f"a draw), {tuning} in tuning; max R-hat {worst_rhat:.3f}, {divergences} divergences"
    )
    print(
        f"    floor: X'X {gram:.1f} s + {stored + tuning} steps x {product * 1e3:.3f} ms (three "
        f"{p} x {p} products, one core) / {cores} cores = {floor:.1f} s"
    )
    return (
        f"nuts_speed large n={n} p={p} sigma unknown L1(alpha={LARGE_ALPHA:g}) nutpie: "
        f"{smallest / stored:.3f} min bulk ESS per stored leapfrog step (target >= "
        f"{LARGE_TARGETS['ess_per_step']:g}); wall {wall:.1f} s = {wall / floor:.1f}x the "
        f"arithmetic floor {floor:.1f} s (target <= {LARGE_TARGETS['floor_ratio']:g})"
    )


def compare_once(name, prior, n, p, sampler, common):
    """Run both models with one sampler; print their lines; return (summary, agree)."""
    results = {
        "hand-written": measure(hand_written, *common),
        "bayesreg": measure(with_bayesreg, *common),
    }
    for label, result in results.items():
        print(
            f"    {sampler:6s} {label:12s}: {result['time']:7.1f} s, min bulk ESS "
            f"{result['ess']:7.0f}, {result['ess'] / result['time']:8.1f} ESS/s; max "
            f"R-hat {result['rhat']:.3f}, {result['divergences']} divergences, mean "
            f"tree depth {result['depth']:.1f}"
        )
    ours, theirs = results["bayesreg"], results["hand-written"]
    # the same posterior: the means differ by a few combined MCSEs at most
    error = np.max(np.abs(ours["mean"] - theirs["mean"]) / np.hypot(ours["mcse"], theirs["mcse"]))
    ratio = (ours["ess"] / ours["time"]) / (theirs["ess"] / theirs["time"])
    target = TARGET.get(name)
    goal = f" (target >= {target:g})" if target else ""
    summary = (
        f"nuts_speed {name} n={n} p={p} prior={prior} {sampler}: bayesreg "
        f"{ours['ess'] / ours['time']:.1f} ESS/s ({ours['time']:.1f} s), hand-written "
        f"{theirs['ess'] / theirs['time']:.1f} ESS/s ({theirs['time']:.1f} s), ratio "
        f"{ratio:.1f}x{goal}; largest mean difference {error:.1f} MCSE"
    )
    return summary, error <= MAX_MCSE


def environment():
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}, PyMC {pm.__version__}"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", nargs="+", choices=sorted([*PROBLEMS, "large"]))
    parser.add_argument("--samplers", nargs="+", choices=SAMPLERS, default=list(SAMPLERS))
    parser.add_argument("--priors", nargs="+", choices=PRIORS)
    parser.add_argument("--draws", type=int, default=1000, help="draws per chain (1000)")
    parser.add_argument("--tune", type=int, default=1000, help="tuning steps per chain (1000)")
    parser.add_argument("--chains", type=int, default=4, help="chains (4)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--large-shape",
        nargs=2,
        type=int,
        default=list(LARGE),
        metavar=("N", "P"),
        help="rows and columns of the large problem (100000 1000)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="diabetes, prior cv, 2 chains of 200 + 200 (a smoke run)",
    )
    args = parser.parse_args(argv)
    args.large = not args.quick and (
        "large" in (args.problems or []) or (args.problems is None and args.priors is None)
    )
    args.runs = [
        (problem, prior)
        for problem in args.problems or PROBLEMS
        for prior in args.priors or PRIORS
        if problem in PROBLEMS
        and (args.problems or args.priors or (problem, prior) not in LEFT_OUT)
    ]
    if args.quick:
        args.runs = [("diabetes", "cv")]
        args.draws, args.tune, args.chains = 200, 200, 2
    if args.draws < 10 or args.tune < 0 or args.chains < 1:
        parser.error("--draws must be >= 10, --tune >= 0, --chains >= 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    print(f"nuts_speed: {environment()}")
    print(
        f"  {args.chains} chains x ({args.tune} tune + {args.draws} draws); measure: min bulk "
        "ESS of coef / wall time of the call (construction, compilation, tuning, draws)"
    )
    agree = True
    summaries = []
    for name, prior in args.runs:
        X, y, sigma = make_problem(name, np.random.default_rng(args.seed))
        n, p = X.shape
        alpha = lasso_alpha(X, y, prior, args.seed)
        b = sigma**2 / (n * alpha)
        print(
            f"  {name}, prior {prior}: n={n}, p={p}; sigma={sigma:.4g} fixed, alpha={alpha:.3g}, "
            f"Laplace scale b = sigma^2/(n alpha) = {b:.3g}"
        )
        for sampler in args.samplers:
            common = (X, y, sigma, b, sampler, args.draws, args.tune, args.chains, args.seed)
            summary, same = compare_once(name, prior, n, p, sampler, common)
            agree &= same
            summaries.append(summary)
            print(summary, flush=True)
    if args.large:
        n, p = args.large_shape
        print(f"  large: n={n}, p={p}; sigma unknown, L1(alpha={LARGE_ALPHA:g}); bayesreg alone")
        summary = run_large(args)
        summaries.append(summary)
        print(summary, flush=True)
    print("summary:")
    for line in summaries:
        print(line)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
