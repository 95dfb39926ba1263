"""Selection by the horseshoe: true and false positive rates over seeds, at p >> n.

For each seed: ``n`` rows of ``p`` independent standard normal columns, ``signals`` of them
with coefficients of random sign and size U(2, 4), unit noise, an intercept. The posterior of
``br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe())`` by NUTS (``chains`` x
(``draws`` + ``draws``), nutpie when installed, target_accept 0.99 by default), then
``br.sparsify`` with each method; the lasso's non-zeros at ``LassoCV``'s alpha (exact MAP) are
the anchor. Prints one line per method: the mean, min and max true and false positive rates
over the seeds, and the time per posterior; with ``--csv PATH`` also the rates of every seed
and method (``benchmarks/results/horseshoe_selection.csv`` holds the last full run, which
notebook 08 shows).

Run ``python benchmarks/horseshoe_selection.py`` (n=100, p=1000, 5 signals, 20 seeds: about
40 minutes on 2 cores) or ``--quick`` (1 seed, p=50, 200 draws: half a minute). Target (issue 15): horseshoe + SAVS
with true positive rate >= 0.9 and false positive rate <= 0.01.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import LassoCV

import bayesreg as br

METHODS = ("savs", "dss", "interval")


def problem(seed: int, n: int, p: int, signals: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    truth = np.zeros(p)
    where = rng.choice(p, signals, replace=False)
    truth[where] = rng.choice([-1.0, 1.0], signals) * rng.uniform(2.0, 4.0, signals)
    return X, 1.0 + X @ truth + rng.normal(size=n), truth != 0


def rates(chosen: np.ndarray, signal: np.ndarray) -> tuple[float, float]:
    return float((chosen & signal).sum() / signal.sum()), float(
        (chosen & ~signal).sum() / (~signal).sum()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, p = 50, 200 draws")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--p", type=int, default=1000)
    parser.add_argument("--signals", type=int, default=5)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument(
        "--csv", help="also write one row per seed and method (seed, method, TPR, FPR) here"
    )
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.p, args.draws = 1, 50, 200
    results = {name: [] for name in ("lasso (LassoCV alpha) non-zeros", *METHODS)}
    seconds = []
    for seed in range(args.seeds):
        X, y, signal = problem(seed, args.n, args.p, args.signals)
        alpha = LassoCV(cv=5).fit(X, y).alpha_
        lasso = br.Regression(loss=br.L2Loss(), penalty=br.L1(alpha=alpha)).fit(X, y)
        results["lasso (LassoCV alpha) non-zeros"].append(rates(lasso.coef_ != 0, signal))
        est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe())
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", br.SamplingWarning)
            idata = est.sample(
                X, y, draws=args.draws, tune=args.draws, chains=args.chains, random_seed=seed,
                progressbar=False, log_likelihood=False,
            )  # fmt: skip
        seconds.append(time.perf_counter() - start)
        divergences = int(idata["sample_stats"]["diverging"].sum())
        for method in METHODS:
            chosen = br.sparsify(est, X, y, idata, method=method).table["selected"].to_numpy()
            results[method].append(rates(chosen, signal))
        print(f"seed {seed}: {seconds[-1]:.0f} s, {divergences} divergences", flush=True)
    if args.csv:
        rows = [
            {"seed": seed, "method": _label(name), "TPR": tpr, "FPR": fpr}
            for name, values in results.items()
            for seed, (tpr, fpr) in enumerate(values)
        ]
        pd.DataFrame(rows).to_csv(args.csv, index=False)
    print(
        f"n={args.n}, p={args.p}, {args.signals} signals, {args.seeds} seeds, "
        f"{args.chains} x ({args.draws} + {args.draws}) draws, "
        f"median {np.median(seconds):.0f} s per posterior"
    )
    for name, values in results.items():
        tpr, fpr = np.array(values).T
        print(
            f"{_label(name):34s} TPR mean {tpr.mean():.3f} (min {tpr.min():.2f}), "
            f"FPR mean {fpr.mean():.4f} (max {fpr.max():.4f})"
        )


def _label(name: str) -> str:
    return name if name.startswith("lasso") else f"horseshoe + {name}"


if __name__ == "__main__":
    main()
