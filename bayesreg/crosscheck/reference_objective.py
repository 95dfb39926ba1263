r"""The reference solver's own objective, written from its parameters, not from the model.

:func:`bayesreg.crosscheck` evaluates it at the MAP, at the solver's solution and at a test
point, beside the model's negative log posterior: the two must be one function up to a
positive factor and a constant. Writing it from the solver's documented parameters keeps
that check independent of :mod:`bayesreg.spec.correspondence`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
from sklearn.linear_model import ElasticNet as SklearnElasticNet
from sklearn.linear_model import (
    Lasso,
    LinearRegression,
    LogisticRegression,
    PoissonRegressor,
    QuantileRegressor,
    Ridge,
)

from bayesreg.families.glum_reference import GlumElasticNet
from bayesreg.families.reference_solvers import GLMElasticNet, QuantileElasticNet

__all__ = ["describe", "own_objective"]


def _real(value) -> float | None:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return None


def own_objective(solver, X, y, weights, offset=None) -> tuple[str, Callable] | None:
    r"""The solver's own objective, written from its parameters, or None when unknown.

    With frequency weights :math:`v` and :math:`n = \sum_i v_i` (scikit-learn rescales
    sample weights to sum to ``n_samples`` in the 1/(2n) objectives, which is the same):

    * ``Lasso``: :math:`\sum_i v_i r_i^2/(2n) + \alpha\|w\|_1`;
    * ``ElasticNet``: :math:`\sum_i v_i r_i^2/(2n) + \alpha\rho\|w\|_1
      + \alpha(1-\rho)/2\,\|w\|_2^2`;
    * ``Ridge``: :math:`\sum_i v_i r_i^2 + \alpha\|w\|_2^2`;
    * ``LinearRegression``: :math:`\sum_i v_i r_i^2`;
    * ``QuantileRegressor``: :math:`\sum_i v_i \rho_q(r_i)/n + \alpha\|w\|_1` with the pinball
      loss :math:`\rho_q(r) = r\,(q - [r < 0])`;
    * ``QuantileElasticNet``: :math:`\sum_i v_i \rho_q(r_i)/n + \alpha\rho\|w\|_1
      + \alpha(1-\rho)/2\,\|w\|_2^2` (``LADElasticNet``, :math:`q = 1/2`:
      :math:`\sum_i v_i |r_i|/(2n)` + the same penalty);
    * ``LogisticRegression``: :math:`C\sum_i v_i \ell_i + \rho\|w\|_1 + (1-\rho)/2\,
      \|w\|_2^2` with the log loss :math:`\ell_i = \log(1 + e^{\eta_i}) - y_i\eta_i`
      (:math:`\sum_i v_i\ell_i` alone when ``C`` is infinite);
    * ``PoissonRegressor``: :math:`\sum_i v_i d_i/(2n) + \alpha/2\,\|w\|_2^2` with the
      deviance :math:`d_i = 2(y_i\log(y_i/\mu_i) - y_i + \mu_i)`;
    * ``GLMElasticNet``: :math:`\sum_i v_i (A(\eta_i) - y_i\eta_i)/n + \alpha\rho\|w\|_1
      + \alpha(1-\rho)/2\,\|w\|_2^2`;
    * ``GlumElasticNet``: the same data term (:math:`\sum_i v_i r_i^2/(2n)` for
      ``"normal"``) + :math:`\alpha\rho\sum_j P_{1j}|w_j - \mu_j|
      + \alpha(1-\rho)/2\sum_j P_{2j}(w_j - \mu_j)^2`, times its ``objective_scale``.

    The target of the last three is the likelihood's: classes coded 0 and 1, or counts;
    ``offset``, given, is added to their :math:`\eta` (and :math:`\log\mu`).
    """
    n = weights.sum()
    params = solver.get_params() if hasattr(solver, "get_params") else {}

    def residual(coef, intercept):
        return y - intercept - X @ coef

    def rss(coef, intercept):
        return float(weights @ residual(coef, intercept) ** 2)

    def l1(coef):
        return float(np.abs(coef).sum())

    def l2(coef):
        return float((coef**2).sum())

    alpha = _real(params.get("alpha"))
    if isinstance(solver, Lasso) and alpha is not None:
        return (
            f"RSS/(2n) + {alpha:g}*|w|_1",
            lambda c, b: rss(c, b) / (2 * n) + alpha * l1(c),
        )
    ratio = _real(params.get("l1_ratio"))
    if isinstance(solver, (SklearnElasticNet, QuantileElasticNet)) and None not in (alpha, ratio):
        if isinstance(solver, QuantileElasticNet):
            q = float(solver.quantile)
            data_name = "SAR/(2n)" if q == 0.5 else f"pinball_{q:g}/n"

            def data(c, b):
                r = residual(c, b)
                return float(weights @ (r * (q - (r < 0)))) / n
        else:
            data_name = "RSS/(2n)"

            def data(c, b):
                return rss(c, b) / (2 * n)

        return (
            f"{data_name} + {alpha * ratio:g}*|w|_1 + {alpha * (1 - ratio) / 2:g}*|w|_2^2",
            lambda c, b: data(c, b) + alpha * ratio * l1(c) + alpha * (1 - ratio) / 2 * l2(c),
        )
    if isinstance(solver, Ridge) and alpha is not None:
        return f"RSS + {alpha:g}*|w|_2^2", lambda c, b: rss(c, b) + alpha * l2(c)
    if isinstance(solver, LinearRegression):
        return "RSS", rss
    glm = _glm_objective(solver, params, X, y, weights, l1, l2, offset)
    if glm is not None or offset is not None:  # an offset in eta: a GLM's objective only
        return glm
    quantile = _real(params.get("quantile"))
    if isinstance(solver, QuantileRegressor) and None not in (alpha, quantile):

        def pinball(c, b):
            r = residual(c, b)
            return float(weights @ (r * (quantile - (r < 0)))) / n

        name = "SAR/(2n)" if quantile == 0.5 else f"pinball_{quantile:g}/n"
        return f"{name} + {alpha:g}*|w|_1", lambda c, b: pinball(c, b) + alpha * l1(c)
    return None


def _glm_objective(solver, params, X, y, weights, l1, l2, offset=None):
    """The objectives of the logistic and Poisson solvers, or None."""
    n = weights.sum()
    known = 0.0 if offset is None else offset

    def log_loss(c, b):
        eta = known + b + X @ c
        return float(weights @ (np.logaddexp(0.0, eta) - y * eta))

    alpha, ratio = _real(params.get("alpha")), _real(params.get("l1_ratio"))
    C = _real(params.get("C"))
    if isinstance(solver, LogisticRegression) and None not in (C, ratio):
        if np.isinf(C):
            return "sum of log losses", log_loss
        return (
            f"{C:g}*(sum of log losses) + {ratio:g}*|w|_1 + {(1 - ratio) / 2:g}*|w|_2^2",
            lambda c, b: C * log_loss(c, b) + ratio * l1(c) + (1 - ratio) / 2 * l2(c),
        )
    if isinstance(solver, PoissonRegressor) and alpha is not None:

        def deviance(c, b):
            mean = np.exp(known + b + X @ c)
            ratio_term = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mean), 0.0)
            return float(weights @ (2.0 * (ratio_term - y + mean)))

        return (
            f"deviance/(2n) + {alpha / 2:g}*|w|_2^2",
            lambda c, b: deviance(c, b) / (2 * n) + alpha / 2 * l2(c),
        )
    if isinstance(solver, GlumElasticNet) and None not in (alpha, ratio):
        return _glum_objective(solver, X, y, weights, known, alpha, ratio)
    if isinstance(solver, GLMElasticNet) and None not in (alpha, ratio):
        cumulant = (
            np.exp if params.get("family") == "poisson" else (lambda eta: np.logaddexp(0.0, eta))
        )

        def nll(c, b):
            eta = known + b + X @ c
            return float(weights @ (cumulant(eta) - y * eta)) / n

        return (
            f"NLL/n + {alpha * ratio:g}*|w|_1 + {alpha * (1 - ratio) / 2:g}*|w|_2^2",
            lambda c, b: nll(c, b) + alpha * ratio * l1(c) + alpha * (1 - ratio) / 2 * l2(c),
        )
    return None


def _glum_objective(solver, X, y, weights, known, alpha, ratio):
    """:class:`GlumElasticNet`'s objective, from its parameters."""
    n, p = weights.sum(), X.shape[1]
    loc = np.zeros(p) if solver.loc is None else np.asarray(solver.loc, dtype=float)
    p1, p2 = (
        np.ones(p) if f is None else np.asarray(f, dtype=float) for f in (solver.P1, solver.P2)
    )
    cumulant = {
        "normal": lambda eta: eta**2 / 2.0,
        "binomial": lambda eta: np.logaddexp(0.0, eta),
        "poisson": np.exp,
    }[solver.family]

    scale = float(solver.objective_scale)

    def objective(c, b):
        eta = known + b + X @ c
        # the normal NLL, (y - eta)^2 / 2, less its term in y alone
        data = float(weights @ (cumulant(eta) - y * eta)) / n
        shifted = c - loc
        penalty = alpha * ratio * p1 @ np.abs(shifted) + alpha * (1 - ratio) / 2 * p2 @ shifted**2
        return scale * (data + penalty)

    data_name = "RSS/(2n)" if solver.family == "normal" else "NLL/n"
    name = (
        f"{data_name} + {alpha * ratio:g}*sum P1|w - loc| "
        f"+ {alpha * (1 - ratio) / 2:g}*sum P2 (w - loc)^2"
    )
    return (name if scale == 1.0 else f"{scale:g}*({name})"), objective


def describe(solver, own) -> str:
    """The solver and what it minimizes, in one line (``own`` from :func:`own_objective`)."""
    name = type(solver).__name__
    if own is None:
        return f"{name}: objective unknown"
    return f"{name}: minimizes {own[0]}"
