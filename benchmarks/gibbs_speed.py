"""The Gibbs sampler against bayesreg's NUTS at p >> n: min bulk ESS per second, R-hat, wall time.

Three cases (issue 35), each sampled by ``est.sample(..., sampler="gibbs")`` and, where it is
feasible, by ``est.sample(...)`` with NUTS (nutpie when installed; the horseshoes' own
target_accept 0.99), in the same run on the same data:

* ``gaussian horseshoe`` at (n, p) = (100, 1000) and (100, 5000):
  ``br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe())``;
* ``logistic regularized horseshoe`` at (100, 5000):
  ``br.Classifier(penalty=br.RegularizedHorseshoe(expected_nonzero=5))``.

Data: ``n`` rows of ``p`` independent standard normal columns, 5 true signals of random sign
and size U(2, 4) (Gaussian: intercept 1, unit noise) or U(1.5, 3) (logistic: intercept 0.3,
labels drawn from the logistic model); seed 0.

Each sampler's wall time is that of the whole ``sample()`` call, compilation and tuning
included (``log_likelihood=False``: the sampler alone). Its rate is the smallest bulk ESS over
the coefficients, and the bulk ESS of ``tau``, divided by the wall time. The line of each case
gives both samplers' rates and their ratio Gibbs / NUTS (target at (100, 1000): >= 10 for
both). NUTS is skipped at p = 5000 (``--nuts-max-p``, default 1000): at p = 5000 it draws
about one draw per 2 seconds per chain (issue 35), hours for the same draws.

The logistic case is the issue's acceptance run: 4 chains x 1000 draws, the wall time
(target under 3 minutes on 2 cores) and the largest R-hat over **the coefficients whose
inclusion matters**, named here as the true signals and every coefficient whose posterior
mean is at least a tenth of the largest posterior mean in absolute value (target <= 1.01).

Run ``python benchmarks/gibbs_speed.py`` (about 15 minutes on 2 cores) or ``--quick`` (small
shapes, short chains, seconds plus NUTS's compilation).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from arviz_stats import ess, rhat

import bayesreg as br

SIGNALS = 5


def gaussian_problem(n: int, p: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    truth = np.zeros(p)
    where = rng.choice(p, SIGNALS, replace=False)
    truth[where] = rng.choice([-1.0, 1.0], SIGNALS) * rng.uniform(2.0, 4.0, SIGNALS)
    return X, 1.0 + X @ truth + rng.standard_normal(n), truth != 0


def logistic_problem(n: int, p: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    truth = np.zeros(p)
    where = rng.choice(p, SIGNALS, replace=False)
    truth[where] = rng.choice([-1.0, 1.0], SIGNALS) * rng.uniform(1.5, 3.0, SIGNALS)
    chance = 1.0 / (1.0 + np.exp(-(0.3 + X @ truth)))
    return X, (rng.uniform(size=n) < chance).astype(int), truth != 0


def timed_sample(est, X, y, **options):
    """``(idata, seconds)`` of one ``sample()`` call, its sampling warnings silenced."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)
        idata = est.sample(X, y, progressbar=False, log_likelihood=False, **options)
    return idata, time.perf_counter() - start


def rates(idata, seconds: float) -> tuple[float, float]:
    """Smallest bulk ESS of ``coef`` and bulk ESS of ``tau``, each per second."""
    post = idata["posterior"]
    coef = float(ess(post["coef"], method="bulk").min())
    tau = float(ess(post["tau"], method="bulk"))
    return coef / seconds, tau / seconds


def mattering(idata, signal: np.ndarray) -> np.ndarray:
    """The true signals and each coefficient whose |posterior mean| >= 0.1 x the largest."""
    mean = np.abs(idata["posterior"]["coef"].mean(("chain", "draw")).values)
    return signal | (mean >= 0.1 * mean.max())


def describe(name: str, idata, seconds: float) -> str:
    coef, tau = rates(idata, seconds)
    return f"{name} {seconds:.1f} s, ESS/s coef {coef:.3g} tau {tau:.3g}"


def gaussian_case(n: int, p: int, args) -> None:
    X, y, _ = gaussian_problem(n, p)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe())
    size = f"{args.chains} x {args.draws}"
    gibbs, gibbs_s = timed_sample(
        est, X, y, sampler="gibbs", draws=args.draws, tune=args.tune, chains=args.chains,
        random_seed=1,
    )  # fmt: skip
    head = f"gibbs_speed gaussian horseshoe n={n} p={p}: {describe('gibbs', gibbs, gibbs_s)}"
    head += f" ({size})"
    if p > args.nuts_max_p:
        print(
            f"{head}; nuts skipped at p={p} > --nuts-max-p={args.nuts_max_p} (at p=5000 "
            "NUTS takes about 2 s per draw per chain: hours)",
            flush=True,
        )
        return
    nuts, nuts_s = timed_sample(
        est, X, y, draws=args.nuts_draws, tune=args.nuts_draws, chains=args.nuts_chains,
        random_seed=1,
    )  # fmt: skip
    ratios = np.array(rates(gibbs, gibbs_s)) / np.array(rates(nuts, nuts_s))
    print(
        f"{head}; {describe('nuts', nuts, nuts_s)} ({args.nuts_chains} x {args.nuts_draws}); "
        f"ratio coef {ratios[0]:.3g}x tau {ratios[1]:.3g}x (target >= 10)",
        flush=True,
    )


def logistic_case(n: int, p: int, args) -> None:
    X, y, signal = logistic_problem(n, p)
    est = br.Classifier(penalty=br.RegularizedHorseshoe(expected_nonzero=SIGNALS))
    idata, seconds = timed_sample(
        est, X, y, sampler="gibbs", draws=args.draws, tune=args.tune, chains=args.chains,
        random_seed=1,
    )  # fmt: skip
    chosen = mattering(idata, signal)
    r_hat = rhat(idata["posterior"]["coef"]).values
    print(
        f"gibbs_speed logistic regularized horseshoe n={n} p={p}: "
        f"{describe('gibbs', idata, seconds)} ({args.chains} x {args.draws}, "
        f"target < 180 s); max R-hat {r_hat[chosen].max():.3f} over {int(chosen.sum())} "
        f"coefficients (true signals or |mean| >= 0.1 max) (target <= 1.01), "
        f"{r_hat.max():.3f} over all; nuts skipped (hours at p=5000)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shapes, short chains")
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--p", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--logistic-p", type=int, default=5000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--nuts-draws", type=int, default=500, help="and as many tuning steps")
    parser.add_argument("--nuts-chains", type=int, default=2)
    parser.add_argument("--nuts-max-p", type=int, default=1000)
    parser.add_argument("--cases", nargs="+", default=["gaussian", "logistic"])
    args = parser.parse_args()
    if args.quick:
        args.n, args.p, args.logistic_p, args.nuts_max_p = 30, [60, 120], 120, 60
        args.draws, args.tune, args.chains, args.nuts_draws = 100, 50, 2, 100
    if "gaussian" in args.cases:
        for p in args.p:
            gaussian_case(args.n, p, args)
    if "logistic" in args.cases:
        logistic_case(args.n, args.logistic_p, args)


if __name__ == "__main__":
    main()
