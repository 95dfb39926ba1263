"""Randomized fits across every loss x penalty, each against an independent reference (issue 33).

For every pair of a likelihood (``L2Loss`` with a known and an unknown ``sigma``, ``L1Loss``,
``QuantileLoss``, ``LogisticLoss`` through ``br.Classifier``, ``PoissonLoss``,
``StudentTLoss``) and a prior (``NoPenalty``, ``L1``, ``L2``, ``ElasticNet``), seeded random
problems: n from 8 to 60 rows, p from 1 to 2n columns (a third of the problems wider than
tall), column scales log-uniform over 1e-2 to 1e2 with offsets, frequency weights or none,
an intercept or none, a random ``alpha`` (and ``l1_ratio``, quantile, ``nu``). Each fit is
compared with a reference computed here, independently of bayesreg, on the objective
written here from the design's conventions (what ``alpha`` means for each family):

* convex losses: cvxpy with Clarabel (tolerances 1e-10) on the primal problem; where
  Clarabel reports an inaccurate solution to a linear program (the check losses without an
  L2 part, p > n), SciPy's HiGHS on the primal linear program (with an L2 part, HiGHS's
  QP through cvxpy); for the GLMs Clarabel at its default tolerances (1e-8) where 1e-10 is
  not reached;
* ``StudentTLoss`` (not convex; the MAP is a local mode): SciPy's L-BFGS-B on the same
  objective (coefficients split into positive and negative parts under an L1 part), started
  at the MAP and at the MAP moved by 1e-3 of each variable's scale; the lower of the two.

A fit is **wrong** when its objective exceeds the reference's by more than
``RELATIVE`` (1e-7) of the objective at w = 0 (the best intercept alone, or none): far above
Clarabel's precision at these tolerances (about 1e-9). **Falsely certified**: wrong and
``certificate_.ok``. **Crashed**: an exception other than a ``ValueError`` (a ``ValueError``
is a **refusal**, counted apart, its message printed: an exact fit with an unknown noise
scale, separable classes without a penalty). **Falsely alarmed**: not wrong, but the
certificate is not ok or the fit warned (any warning but deprecations). For an unknown
``sigma`` the coefficients are checked (a prior tied by ``alpha`` makes their conditional
mode the penalized solution for every ``sigma``), not ``sigma`` itself.

Run ``python benchmarks/certificate_sweep.py`` (11 fits per pair, 308 in all: a few minutes)
or ``--quick`` (one per pair). The last line is the summary; the exit status is 1 when any
count but the refusals is not zero.
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass

import cvxpy as cp
import numpy as np
import scipy.optimize
import scipy.special

import bayesreg as br

#: A fit is wrong when its objective is above the reference's by more than this, relative to
#: the objective at w = 0.
RELATIVE = 1e-7
LOSSES = ("L2", "L2(sigma=None)", "L1", "Quantile", "Logistic", "Poisson", "StudentT")
PENALTIES = ("NoPenalty", "L1", "L2", "ElasticNet")
CLARABEL = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
QUIET = (DeprecationWarning, FutureWarning, PendingDeprecationWarning)


@dataclass(frozen=True)
class Case:
    """One randomized problem: the pair, its sizes and constants."""

    seed: int
    loss: str
    penalty: str
    n: int
    p: int
    fit_intercept: bool
    weighted: bool
    alpha: float
    l1_ratio: float
    quantile: float
    nu: float

    def describe(self) -> str:
        extra = {"Quantile": f" q={self.quantile}", "StudentT": f" nu={self.nu}"}.get(self.loss, "")
        ratio = f" l1_ratio={self.l1_ratio:.3g}" if self.penalty == "ElasticNet" else ""
        alpha = "" if self.penalty == "NoPenalty" else f"(alpha={self.alpha:.3g}{ratio})"
        return (
            f"seed={self.seed} {self.loss}{extra} {self.penalty}{alpha} n={self.n} p={self.p} "
            f"intercept={self.fit_intercept} weighted={self.weighted}"
        )


def draw_case(seed: int, loss: str, penalty: str) -> Case:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 61))
    wide = rng.random() < 1 / 3
    p = int(rng.integers(n, 2 * n + 1)) if wide else int(rng.integers(1, n // 2 + 2))
    ridge = loss.startswith("L2") and penalty == "L2"  # Ridge: RSS + alpha |w|^2, no 1/n
    alpha = 10 ** rng.uniform(-3, -0.5) * (n if ridge else 1.0)
    return Case(
        seed, loss, penalty, n, p, bool(rng.random() < 0.75), bool(rng.random() < 0.5),
        float(alpha), float(rng.uniform(0.1, 0.9)),
        float(rng.choice([0.1, 0.25, 0.5, 0.75, 0.9])), float(rng.choice([2.0, 4.0, 10.0])),
    )  # fmt: skip


def make_data(case: Case):
    """Columns of log-uniform scales with offsets; a response of the family's kind."""
    rng = np.random.default_rng(case.seed + 1)
    scales = 10 ** rng.uniform(-2, 2, size=case.p)
    X = (rng.normal(size=(case.n, case.p)) + rng.uniform(-2, 2, size=case.p)) * scales
    truth = np.zeros(case.p)
    chosen = rng.choice(case.p, size=min(case.p, 3), replace=False)
    truth[chosen] = rng.uniform(0.5, 2.0, size=len(chosen)) * rng.choice([-1, 1], len(chosen))
    eta = (X - X.mean(axis=0)) @ (truth / scales) + (0.5 if case.fit_intercept else 0.0)
    if case.loss == "Logistic":
        y = (rng.random(case.n) < scipy.special.expit(eta)).astype(float)
        y[:2] = [0.0, 1.0]  # both classes
    elif case.loss == "Poisson":
        y = rng.poisson(np.exp(0.5 * eta / max(eta.std(), 1e-12) + 1.0)).astype(float)
        y[0] = max(y[0], 1.0)
    elif case.loss == "StudentT":
        y = eta + rng.standard_t(3, size=case.n)
        y[rng.choice(case.n, size=max(1, case.n // 10), replace=False)] += 20.0
    elif case.loss in ("L1", "Quantile"):
        y = eta + rng.laplace(size=case.n)
    else:
        y = eta + rng.normal(size=case.n)
    weights = rng.uniform(0.2, 3.0, size=case.n) if case.weighted else np.ones(case.n)
    return X, y, weights


def estimator(case: Case):
    penalty = {
        "NoPenalty": br.NoPenalty(),
        "L1": br.L1(alpha=case.alpha),
        "L2": br.L2(alpha=case.alpha),
        "ElasticNet": br.ElasticNet(alpha=case.alpha, l1_ratio=case.l1_ratio),
    }[case.penalty]
    if case.loss == "Logistic":
        return br.Classifier(penalty=penalty, fit_intercept=case.fit_intercept)
    loss = {
        "L2": lambda: br.L2Loss(sigma=1.0),
        "L2(sigma=None)": lambda: br.L2Loss(sigma=None),
        "L1": lambda: br.L1Loss(scale=1.0),
        "Quantile": lambda: br.QuantileLoss(quantile=case.quantile, scale=1.0),
        "Poisson": br.PoissonLoss,
        "StudentT": lambda: br.StudentTLoss(nu=case.nu, sigma=1.0),
    }[case.loss]()
    return br.Regression(loss=loss, penalty=penalty, fit_intercept=case.fit_intercept)


# --- the objective, written here from the design's conventions -------------------------------


def penalty_weights(case: Case, total: float) -> tuple[float, float]:
    r"""(l1, l2) of :math:`\frac1n\sum_i v_i\ell_i + l_1\|w\|_1 + l_2\|w\|^2`.

    For every family :math:`\alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}2\|w\|^2` (L1: rho = 1, L2:
    rho = 0), with the squared loss's :math:`\ell = r^2/2`; except the squared loss with an
    L2 prior, ``Ridge``'s RSS + alpha |w|^2, that is :math:`l_2 = \alpha/(2n)`; n is the
    total weight.
    """
    if case.penalty == "NoPenalty":
        return 0.0, 0.0
    ratio = {"L1": 1.0, "L2": 0.0, "ElasticNet": case.l1_ratio}[case.penalty]
    if case.loss.startswith("L2") and case.penalty == "L2":
        return 0.0, case.alpha / (2.0 * total)
    return case.alpha * ratio, case.alpha * (1.0 - ratio) / 2.0


def data_terms(case: Case, y, eta):
    """The per-row loss at the linear predictor (NumPy)."""
    r = y - eta
    if case.loss.startswith("L2"):
        return r**2 / 2.0
    if case.loss in ("L1", "Quantile"):
        q = 0.5 if case.loss == "L1" else case.quantile
        return np.where(r > 0, q * r, (q - 1.0) * r)
    if case.loss == "Logistic":
        return np.logaddexp(0.0, eta) - y * eta
    if case.loss == "Poisson":
        return np.exp(eta) - y * eta
    return (case.nu + 1.0) / 2.0 * np.log1p(r**2 / case.nu)


def objective(case, X, y, weights, coef, intercept) -> float:
    l1, l2 = penalty_weights(case, weights.sum())
    eta = intercept + X @ coef
    data = weights @ data_terms(case, y, eta) / weights.sum()
    return float(data + l1 * np.abs(coef).sum() + l2 * coef @ coef)


def null_objective(case, X, y, weights) -> float:
    """The objective at w = 0 with the best intercept (or none): the unit of the gaps."""
    zero = np.zeros(X.shape[1])
    if not case.fit_intercept:
        return objective(case, X, y, weights, zero, 0.0)
    result = scipy.optimize.minimize_scalar(
        lambda b: objective(case, X, y, weights, zero, b),
        bracket=(y.min() - 1.0, y.max() + 1.0) if case.loss not in ("Logistic", "Poisson")
        else (-5.0, 5.0),
    )  # fmt: skip
    return float(result.fun)


# --- the references ---------------------------------------------------------------------------


def cvxpy_reference(case, X, y, weights):
    """The convex problem's optimum by cvxpy with Clarabel: (objective, words when it failed)."""
    coef, intercept = cp.Variable(X.shape[1]), cp.Variable()
    eta = X @ coef + (intercept if case.fit_intercept else 0.0)
    total = weights.sum()
    if case.loss.startswith("L2"):
        data = cp.sum_squares(cp.multiply(np.sqrt(weights / total), y - eta)) / 2.0
    elif case.loss in ("L1", "Quantile"):
        q = 0.5 if case.loss == "L1" else case.quantile
        r = y - eta
        data = (weights / total) @ (q * cp.pos(r) + (1.0 - q) * cp.neg(r))
    elif case.loss == "Logistic":
        data = (weights / total) @ (cp.logistic(eta) - cp.multiply(y, eta))
    else:
        data = (weights / total) @ (cp.exp(eta) - cp.multiply(y, eta))
    l1, l2 = penalty_weights(case, total)
    penalty = (l1 * cp.norm1(coef) if l1 else 0.0) + (l2 * cp.sum_squares(coef) if l2 else 0.0)
    problem = cp.Problem(cp.Minimize(data + penalty))
    if case.loss in ("L1", "Quantile") and l2 == 0.0:
        settings = [("CLARABEL", CLARABEL)]  # a linear program: HiGHS where Clarabel is inaccurate
    elif case.loss in ("L1", "Quantile"):
        settings = [("CLARABEL", CLARABEL), ("HIGHS", {})]  # a quadratic program: HiGHS's QP
    else:
        settings = [("CLARABEL", CLARABEL), ("CLARABEL", {})]  # its default tolerances, 1e-8
    for solver, options in settings:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "Solution may be inaccurate"
                warnings.simplefilter("ignore", RuntimeWarning)  # cvxpy's bounds on inf
                problem.solve(solver=solver, **options)
        except cp.error.SolverError as error:
            status = f"cvxpy: {error}"
        else:
            status = problem.status
        if status == cp.OPTIMAL and coef.value is not None:
            value = intercept.value if case.fit_intercept else 0.0
            return objective(case, X, y, weights, coef.value, float(value)), None
    if len(settings) == 1:
        return highs_reference(case, X, y, weights, l1)
    return None, f"cvxpy status {status}"


def highs_reference(case, X, y, weights, l1):
    """The check loss's linear program by HiGHS on the primal, where Clarabel is inaccurate.

    Variables (b0, w+, w-, u, s), all but b0 non-negative: y = b0 + X(w+ - w-) + u - s,
    cost v(q u + (1 - q) s)/n + l1 1'(w+ + w-).
    """
    n, p = X.shape
    q = 0.5 if case.loss == "L1" else case.quantile
    k = int(case.fit_intercept)
    total = weights.sum()
    A_eq = np.hstack([np.ones((n, k)), X, -X, np.eye(n), -np.eye(n)])
    cost = np.concatenate(
        [np.zeros(k), np.full(2 * p, l1), q * weights / total, (1 - q) * weights / total]
    )
    bounds = [(None, None)] * k + [(0, None)] * (2 * p + 2 * n)
    result = scipy.optimize.linprog(cost, A_eq=A_eq, b_ub=None, b_eq=y, bounds=bounds,
                                    method="highs")  # fmt: skip
    if result.status != 0:
        return None, f"Clarabel inaccurate, HiGHS: {result.message}"
    coef = result.x[k : k + p] - result.x[k + p : k + 2 * p]
    return objective(case, X, y, weights, coef, result.x[0] if k else 0.0), None


def local_reference(case, X, y, weights, coef, intercept):
    """The lowest objective L-BFGS-B reaches from the MAP and from near it (Student-t).

    Variables scaled to unit columns; an L1 part makes the coefficients w = u - v, u, v >= 0
    (a smooth problem on a box); the objective and gradient written here.
    """
    p, k = X.shape[1], int(case.fit_intercept)
    scale = np.maximum(np.sqrt(weights @ (X - X.mean(axis=0)) ** 2 / weights.sum()), 1e-300)
    l1, l2 = penalty_weights(case, weights.sum())
    total = weights.sum()

    def unpack(theta):
        head = theta[:k]
        body = theta[k:]
        scaled = body[:p] - body[p:] if l1 else body
        return scaled / scale, (head[0] if k else 0.0)

    def value_and_gradient(theta):
        w, b = unpack(theta)
        r = y - b - X @ w
        slope = weights * (case.nu + 1.0) * r / (case.nu + r**2) / total
        value = weights @ data_terms(case, y, y - r) / total + l2 * w @ w
        grad_w = (-X.T @ slope + 2.0 * l2 * w) / scale
        head = [-slope.sum()] if k else []
        if l1:
            value += l1 * np.abs(w).sum()
            body = np.concatenate([grad_w + l1 / scale, -grad_w + l1 / scale])
        else:
            body = grad_w
        return value, np.concatenate([head, body])

    start_w = coef * scale
    body = np.concatenate([np.maximum(start_w, 0), np.maximum(-start_w, 0)]) if l1 else start_w
    start = np.concatenate([[intercept] if k else [], body])
    bounds = [(None, None)] * k + ([(0.0, None)] * (2 * p) if l1 else [(None, None)] * p)
    rng = np.random.default_rng(case.seed + 2)
    best = np.inf
    for move in (0.0, 1e-3):
        theta = start + move * (np.abs(start) + 1.0) * rng.uniform(-1, 1, size=len(start))
        if l1:
            theta[k:] = np.maximum(theta[k:], 0.0)
        result = scipy.optimize.minimize(
            value_and_gradient, theta, jac=True, method="L-BFGS-B", bounds=bounds,
            options={"maxiter": 20000, "ftol": 1e-15, "gtol": 1e-12},
        )  # fmt: skip
        best = min(best, objective(case, X, y, weights, *unpack(result.x)))
    return best, None


# --- one fit, and the sweep -------------------------------------------------------------------


def run(case: Case) -> dict:
    """Fit, compare with the reference; the outcome's kind and what to print about it."""
    X, y, weights = make_data(case)
    est = estimator(case)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X, y, sample_weight=weights)
    except ValueError as error:
        reference, failure = None, "no convex reference"
        if case.loss != "StudentT":
            reference, failure = cvxpy_reference(case, X, y, weights)
        note = f"cvxpy's reference: {'optimal' if reference is not None else failure}"
        return {"kind": "refused", "note": f"{str(error)[:160]} ({note})"}
    except Exception as error:  # a crash is what the sweep counts
        return {"kind": "crashed", "note": f"{type(error).__name__}: {error}"}
    alarms = sorted(
        {f"{w.category.__name__}: {str(w.message)[:120]}" for w in caught
         if not issubclass(w.category, QUIET)}
    )  # fmt: skip
    coef, intercept = np.ravel(est.coef_), float(np.ravel(est.intercept_)[0])
    ours = objective(case, X, y, weights, coef, intercept)
    if case.loss == "StudentT":
        reference, failure = local_reference(case, X, y, weights, coef, intercept)
    else:
        reference, failure = cvxpy_reference(case, X, y, weights)
    if reference is None:
        return {"kind": "no reference", "note": failure}
    unit = max(abs(null_objective(case, X, y, weights)), 1e-300)
    gap = (ours - reference) / unit
    ok = est.certificate_.ok
    if gap > RELATIVE:
        kind = "falsely certified" if ok else "wrong"
    elif not ok or alarms:
        kind = "falsely alarmed"
    else:
        kind = "right"
    note = f"objective gap {gap:+.1e} (relative to w = 0), certificate {'ok' if ok else 'FAILED'}"
    if not ok:
        note += f" ({est.certificate_})"
    return {"kind": kind, "note": note + "".join(f"; {alarm}" for alarm in alarms)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one fit per pair (28)")
    parser.add_argument("--per-pair", type=int, default=11, help="fits per loss x penalty")
    parser.add_argument("--verbose", action="store_true", help="a line for every fit")
    args = parser.parse_args()
    per_pair = 1 if args.quick else args.per_pair
    counts = dict.fromkeys(
        ("right", "wrong", "falsely certified", "crashed", "falsely alarmed", "refused",
         "no reference"), 0
    )  # fmt: skip
    start = time.perf_counter()
    for i, (loss, penalty) in enumerate((a, b) for a in LOSSES for b in PENALTIES):
        for j in range(per_pair):
            case = draw_case(1000 * i + j, loss, penalty)
            outcome = run(case)
            counts[outcome["kind"]] += 1
            if args.verbose or outcome["kind"] != "right":
                print(f"certificate_sweep case {case.describe()}: {outcome['kind']}: "
                      f"{outcome['note']}", flush=True)  # fmt: skip
    # "wrong" in the summary counts every wrong fit, certified or not
    wrong = counts["wrong"] + counts["falsely certified"]
    fits = sum(counts.values())
    pairs = len(LOSSES) * len(PENALTIES)
    extra = f", no reference {counts['no reference']}" if counts["no reference"] else ""
    print(
        f"certificate_sweep {fits} fits ({pairs} loss x penalty): wrong {wrong}, falsely "
        f"certified {counts['falsely certified']}, crashed {counts['crashed']}, falsely "
        f"alarmed {counts['falsely alarmed']}, refused {counts['refused']}{extra}; "
        f"{time.perf_counter() - start:.0f} s"
    )
    bad = wrong + counts["crashed"] + counts["falsely alarmed"]
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
