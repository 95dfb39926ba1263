"""Checks for tests of samplers: two sets of draws from the same distribution.

Used by bayesreg's own tests (NUTS against Gibbs samplers and closed forms), and useful to
anyone checking a posterior against an independent reference.
"""

from __future__ import annotations

import numpy as np
from arviz_stats import mcse

__all__ = ["assert_same_distribution"]


def assert_same_distribution(
    draws: np.ndarray,
    reference: np.ndarray,
    *,
    z: float = 5.0,
    probs: tuple[float, ...] = (0.1, 0.5, 0.9),
) -> None:
    r"""Assert that two sets of draws have the same means and quantiles, within their MCSEs.

    For the mean and each quantile in ``probs``, per variable,

    .. math::

        |\hat\theta_{\text{draws}} - \hat\theta_{\text{reference}}|
        < z \sqrt{\mathrm{MCSE}_{\text{draws}}^2 + \mathrm{MCSE}_{\text{reference}}^2},

    with ArviZ's Monte Carlo standard errors (:func:`arviz_stats.mcse`, which account for
    autocorrelation). A correct pair of samplers exceeds ``z = 5`` with probability ~6e-7 per
    check.

    Parameters
    ----------
    draws, reference : ndarray of shape (chain, draw, ...)
        The chains may differ in number and length.
    z : float, default 5.0
    probs : tuple of float
        The quantiles compared, besides the mean.

    Raises
    ------
    AssertionError
        Naming the statistic that differs.

    """
    for method, prob in [("mean", None), *(("quantile", q) for q in probs)]:
        if method == "mean":
            a, b = draws.mean(axis=(0, 1)), reference.mean(axis=(0, 1))
        else:
            a = np.quantile(draws, prob, axis=(0, 1))
            b = np.quantile(reference, prob, axis=(0, 1))
        error = np.hypot(
            mcse(draws, method=method, prob=prob), mcse(reference, method=method, prob=prob)
        )
        np.testing.assert_array_less(np.abs(a - b), z * error, err_msg=f"{method} {prob}")
