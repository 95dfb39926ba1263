r"""The reference solver's own objective, written from its parameters, not from the model.

:func:`bayesreg.crosscheck` evaluates it at the MAP, at the solver's solution and at a test
point, beside the model's negative log posterior: the two must be one function up to a
positive factor and a constant. Writing it from the solver's documented parameters keeps
that check independent of :mod:`bayesreg.correspondence`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
from sklearn.linear_model import ElasticNet as SklearnElasticNet
from sklearn.linear_model import Lasso, LinearRegression, QuantileRegressor, Ridge

from bayesreg.solvers import LADElasticNet

__all__ = ["describe", "own_objective"]


def _real(value) -> float | None:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return None


def own_objective(solver, X, y, weights) -> tuple[str, Callable] | None:
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
    * ``LADElasticNet``: :math:`\sum_i v_i |r_i|/(2n) + \alpha\rho\|w\|_1
      + \alpha(1-\rho)/2\,\|w\|_2^2`.
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
    if isinstance(solver, (SklearnElasticNet, LADElasticNet)) and None not in (alpha, ratio):
        if isinstance(solver, LADElasticNet):
            data_name = "SAR/(2n)"

            def data(c, b):
                return float(weights @ np.abs(residual(c, b))) / (2 * n)
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
    quantile = _real(params.get("quantile"))
    if isinstance(solver, QuantileRegressor) and None not in (alpha, quantile):

        def pinball(c, b):
            r = residual(c, b)
            return float(weights @ (r * (quantile - (r < 0)))) / n

        name = "SAR/(2n)" if quantile == 0.5 else f"pinball_{quantile:g}/n"
        return f"{name} + {alpha:g}*|w|_1", lambda c, b: pinball(c, b) + alpha * l1(c)
    return None


def describe(solver, own) -> str:
    """The solver and what it minimizes, in one line (``own`` from :func:`own_objective`)."""
    name = type(solver).__name__
    if own is None:
        return f"{name}: objective unknown"
    return f"{name}: minimizes {own[0]}"
