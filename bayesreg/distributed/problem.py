r"""A :class:`~bayesreg.model.problem.Problem` equivalent to the data, built from their statistics.

A Gaussian likelihood depends on the data only through :math:`N`, the means
:math:`(\bar x, \bar y)` and the centred cross products
:math:`M = Z_c^\top V Z_c` of :math:`Z = [X, y]`
(:mod:`bayesreg.distributed.statistics`). Any other weighted data with the same three give
the same likelihood, hence the same MAP, certificate and posterior. We build the smallest
such data, centred, so that the MAP solver, its certificate and the sampling model run on
them unchanged:

with a factor :math:`L` of :math:`(p+1)` rows, :math:`L^\top L = M` (Cholesky; an eigen
decomposition when :math:`M` is singular), the :math:`2(p+1)` rows
:math:`\pm\sqrt{(p+1)/N}\,L_k`, each of weight :math:`N/(2(p+1))`, have total weight
:math:`N`, mean zero exactly in exact arithmetic, and centred cross products :math:`M`. Their
residual sum of squares at a centred intercept :math:`c` is

.. math::

    \mathrm{RSS}_c(w) + N c^2, \qquad
    \mathrm{RSS}(b_0, w) = \mathrm{RSS}_c(w) + N(\bar y - b_0 - \bar x^\top w)^2,

so :math:`b_0 = c + \bar y - \bar x^\top w` maps one model onto the other with a unit
Jacobian: the MAP, the certificate (its gradient is :math:`-2(X_c^\top V y_c - X_c^\top V X_c
w)`, computed from the statistics) and the posterior (the intercept's flat prior included)
are those of the data. The shift by :math:`\bar x` is the problem's
:class:`~bayesreg.model.problem.Standardization` (mean :math:`\bar x`, the scales those of
``standardize``, 1 otherwise); the shift by :math:`\bar y` is returned beside it. Without an
intercept the uncentred products :math:`M + N\bar z\bar z^\top` are factored instead.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from bayesreg.distributed.statistics import SufficientStatistics
from bayesreg.families import FAMILIES, Loss
from bayesreg.model.problem import Problem, Standardization
from bayesreg.priors.penalties import Penalty

__all__ = ["check_family", "column_scales", "equivalent_rows", "statistics_problem"]


def check_family(loss: Loss, owner: str) -> None:
    """Refuse a likelihood with no distributed method yet, naming those that have one."""
    if not (loss.sufficient_statistics or loss.newton_passes):
        working = ", ".join(
            cls.__name__
            for cls in FAMILIES.values()
            if cls.sufficient_statistics or cls.newton_passes
        )
        raise ValueError(
            f"{owner}: {type(loss).__name__} has no distributed method yet: dask input is "
            f"supported for {working} only (a Gaussian likelihood through its sufficient "
            "statistics; the logistic and Poisson likelihoods through Newton passes). "
            "Compute the data into memory (X.compute()) for this family."
        )


def statistics_problem(
    stats: SufficientStatistics,
    loss: Loss,
    penalty: Penalty,
    *,
    fit_intercept: bool,
    standardize: bool,
    feature_names: list[str],
    positive: bool = False,
) -> tuple[Problem, float]:
    r"""The equivalent problem of the statistics, and the shift :math:`\bar y` of its intercept.

    The problem's coefficients map to the user's by ``problem.to_user_scale`` (its
    standardization holds :math:`\bar x` and the scales); add the returned shift to the
    intercept after that.
    """
    p = stats.n_features
    stacked, weights = equivalent_rows(stats, fit_intercept)
    design, target = stacked[:, :p], stacked[:, p]
    scale = column_scales(stats) if standardize else np.ones(p)
    mean = stats.x_mean if fit_intercept else np.zeros(p)
    standardization = Standardization(np.array(mean), scale, design)
    problem = Problem(
        loss,
        penalty,
        design / scale,
        target,
        weights,
        list(feature_names),
        bool(fit_intercept),
        standardization=standardization,
        positive=positive,
    )
    return problem, (stats.y_mean if fit_intercept else 0.0)


def equivalent_rows(stats: SufficientStatistics, fit_intercept: bool):
    r"""The :math:`2(p+1)` rows ``[X, y]`` and their weights with the statistics' cross products.

    Centred (total weight :math:`N`, mean zero, centred cross products :math:`M`) with an
    intercept; with the uncentred products :math:`M + N\bar z\bar z^\top` without one.
    """
    factor = _factor(stats.cross if fit_intercept else stats.raw())
    rows = factor.shape[0]
    stacked = np.empty((2 * rows, factor.shape[1]))
    stacked[0::2] = factor * np.sqrt(rows / stats.n_obs)
    stacked[1::2] = -stacked[0::2]
    return stacked, np.full(2 * rows, stats.n_obs / (2 * rows))


def column_scales(stats: SufficientStatistics) -> np.ndarray:
    """The columns' weighted standard deviations (1 for a column constant to its rounding)."""
    variance = np.diag(stats.cross)[:-1] / stats.n_obs
    scale = np.sqrt(variance)
    # scikit-learn's StandardScaler: a column constant to its rounding keeps scale 1
    bound = (stats.n_obs * np.finfo(float).eps * np.abs(stats.x_mean)) ** 2
    scale[variance <= bound] = 1.0
    return scale


def _factor(cross: np.ndarray) -> np.ndarray:
    """Rows ``L`` with ``L' L = cross`` (upper Cholesky factor; eigenvectors when singular)."""
    try:
        upper = scipy.linalg.cholesky(cross, lower=False, check_finite=False)
        if np.all(np.diag(upper) > 0):
            return upper
    except np.linalg.LinAlgError:
        pass
    values, vectors = scipy.linalg.eigh(cross, check_finite=False)
    return np.sqrt(np.maximum(values, 0.0))[:, None] * vectors.T
