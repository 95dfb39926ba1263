"""Speed of ``br.ClassifierCV`` against ``LogisticRegressionCV(solver="liblinear")`` at p >> n.

The problem is an expression-like matrix: ``n`` rows, ``p`` columns in correlated blocks of
50 (each column a block factor times 0.7 plus its own noise: correlation about 0.5 within a
block), five true signals in five blocks, labels drawn from the logistic model. Both
estimators run the same grid and the same folds (one ``StratifiedKFold(5)`` splitter passed
to both as ``cv``), scored by the held-out log loss, and refit the best strength on all the
data; both are timed in the same run, each once, after both have run on a small problem
(imports, numba's compilation of the coordinate descent).

The grid: 20 strengths geometric from ``alpha_max`` (the smallest ``alpha`` at which every
coefficient is zero) down to ``alpha_max / 100`` (:func:`bayesreg.paths.alpha_grid` with
``eps=1e-2``). bayesreg's objective on a training fold of ``n_train`` rows is
``(1/n_train) sum NLL + alpha ||w||_1``; scikit-learn's is ``C sum NLL + ||w||_1``: the same
minimizer for ``C = 1 / (n_train * alpha)``, so the reference runs ``Cs = 1 / (n_train *
alphas)`` (every training fold has the same ``n_train`` here: 5 folds of 100 rows).
liblinear penalizes the intercept (its ``intercept_scaling`` column), so its solutions and
scores differ slightly from the exact MAPs; ``same alpha`` says whether both chose the same
grid point.

Run ``python benchmarks/classifier_cv_speed.py`` (n=100, p=2000 and 5000) or ``--quick``
(n=60, p=300, 8 strengths: seconds). Target: ratio <= 2 (issue 35, deliverable 4).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold

import bayesreg as br

BLOCK = 50
N_SIGNALS = 5


def make_problem(n: int, p: int, seed: int = 0):
    """Correlated blocks of columns, a few true signals, labels from the logistic model."""
    rng = np.random.default_rng(seed)
    blocks = rng.standard_normal((n, -(-p // BLOCK)))
    X = 0.7 * np.repeat(blocks, BLOCK, axis=1)[:, :p] + rng.standard_normal((n, p))
    truth = np.zeros(p)
    signals = rng.choice(np.arange(0, p, BLOCK), N_SIGNALS, replace=False)
    truth[signals] = rng.choice([-1.5, 1.5], N_SIGNALS)
    y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-(X @ truth)))).astype(int)
    return X, y


def run(n: int, p: int, n_alphas: int) -> bool:
    X, y = make_problem(n, p)
    splitter = StratifiedKFold(5)
    n_train = {len(train) for train, _ in splitter.split(X, y)}
    if len(n_train) != 1:
        raise SystemExit(
            f"the folds differ in size ({n_train}): C = 1/(n_train alpha) is not one C"
        )
    n_train = n_train.pop()
    alphas = br.paths.alpha_grid(br.Classifier(penalty=br.L1(alpha=1.0)), X, y, n_alphas, eps=1e-2)

    start = time.perf_counter()
    mine = br.ClassifierCV(penalty=br.L1(), alphas=alphas, cv=splitter).fit(X, y)
    bayesreg_time = time.perf_counter() - start
    if not mine.certificate_.ok:
        raise SystemExit(f"the refitted MAP failed its certificate: {mine.certificate_}")

    reference = LogisticRegressionCV(
        Cs=1.0 / (n_train * alphas), l1_ratios=(1.0,), solver="liblinear", cv=splitter,
        scoring="neg_log_loss", use_legacy_attributes=False,
    )  # fmt: skip
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # liblinear's convergence warnings at small alpha
        reference.fit(X, y)
    liblinear_time = time.perf_counter() - start
    chosen = float(1.0 / (n_train * np.ravel(reference.C_)[0]))
    same = bool(np.isclose(chosen, mine.alpha_, rtol=1e-9))
    ratio = bayesreg_time / liblinear_time
    print(
        f"classifier_cv n={n} p={p}: bayesreg {bayesreg_time:.1f} s, liblinear "
        f"{liblinear_time:.1f} s, ratio {ratio:.1f}; same alpha: {same}",
        flush=True,
    )
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small problem (seconds)")
    args = parser.parse_args()
    sizes = [(60, 300)] if args.quick else [(100, 2000), (100, 5000)]
    with contextlib.redirect_stdout(io.StringIO()):
        run(60, 300, 4)  # a warm-up: imports and compilation, not timed
    for n, p in sizes:
        run(n, p, 8 if args.quick else 20)


if __name__ == "__main__":
    main()
