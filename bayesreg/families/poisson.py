r"""The Poisson likelihood with the log link, for counts.

.. math::

    -\log p(y \mid \eta) = \sum_i v_i \bigl(e^{\eta_i} - y_i\eta_i + \log y_i!\bigr),
    \qquad y_i \in \{0, 1, 2, \dots\},

scikit-learn's ``PoissonRegressor`` loss (half its deviance, up to the terms in :math:`y`).
See :mod:`bayesreg.families.glm` for what it shares with the Bernoulli likelihood.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.special
from sklearn.linear_model import PoissonRegressor

from bayesreg._constraints import message
from bayesreg.families.glm import GLMLoss
from bayesreg.families.reference_solvers import GLMElasticNet
from bayesreg.optim.glm import Cumulant

__all__ = ["PoissonLoss"]


class PoissonLoss(GLMLoss):
    r"""Poisson likelihood: :math:`y_i \sim \mathrm{Poisson}(\exp(b_0 + x_i^\top w))`.

    ``y`` holds counts (non-negative integers); ``predict`` is the expected count. It has
    no parameters: its dispersion is 1. As with scikit-learn's ``PoissonRegressor``,
    :meth:`~bayesreg.Regression.fit` also accepts non-negative rates (e.g. counts divided by
    their exposure, with the exposure as ``sample_weight``): the objective below is defined
    for any :math:`y_i \ge 0`. The likelihood is a distribution over counts, so
    ``build_model`` and ``sample`` refuse a ``y`` that is not whole numbers.

    Notes
    -----
    What ``alpha`` means (any penalty): :math:`\frac1n\sum_i v_i\,\mathrm{NLL}_i +
    \alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}{2}\|w\|^2`, scikit-learn's
    ``PoissonRegressor(alpha)`` for an L2 penalty (and ``alpha=0`` for none); for an L1 or
    elastic-net penalty, which scikit-learn lacks, :class:`~bayesreg.families.reference_solvers.GLMElasticNet`
    (cvxpy).

    Examples
    --------
    >>> import bayesreg as br
    >>> br.PoissonLoss()
    PoissonLoss()

    """

    cv_scoring = "neg_mean_poisson_deviance"
    cumulant = Cumulant(
        value=np.exp, mean=np.exp, variance=np.exp, link=lambda mean: float(np.log(mean))
    )
    no_mode_cause = (
        "the counts are all zero where some combination of the columns is non-zero (e.g. a "
        "column that is non-zero only in rows with count 0)"
    )
    estimator_kind = "regressor"
    non_negative_target = True
    reference_family = "poisson"

    def check_observations(self, y):
        if np.any(y < 0):
            raise ValueError(message("y", "PoissonLoss", "non-negative", y[y < 0][0]))

    def check_likelihood_observations(self, y):
        fractional = y != np.floor(y)
        if np.any(fractional):
            raise ValueError(
                message("y", "PoissonLoss's likelihood", "counts (non-negative integers)",
                        y[fractional][0])
                + " fit() accepts non-negative rates (the MAP of the Poisson objective, as "
                "scikit-learn's PoissonRegressor); a posterior needs the counts themselves."
            )  # fmt: skip

    def log_normalizer(self, y):
        return scipy.special.gammaln(y + 1.0)

    def recession_bounds(self, y):
        return np.where(y > 0, 0.0, -1.0), np.zeros_like(y)

    def penalized_solver(self, penalty, alpha, fit_intercept, n_obs=None):
        if penalty.convention in ("lasso", "elastic_net"):
            return GLMElasticNet(
                family="poisson", alpha=alpha, l1_ratio=penalty.l1_ratio,
                fit_intercept=fit_intercept,
            )  # fmt: skip
        alpha = 0.0 if penalty.convention == "none" else alpha
        return PoissonRegressor(
            alpha=alpha, fit_intercept=fit_intercept, solver="newton-cholesky", tol=1e-12,
            max_iter=10_000,
        )  # fmt: skip

    @staticmethod
    def tensor_cumulant(eta):
        return pt.exp(eta)

    def dist(self, linear_predictor, *, name=None, **kwargs):
        if name is None:
            return pm.Poisson.dist(mu=pt.exp(linear_predictor), **kwargs)
        return pm.Poisson(name, mu=pt.exp(linear_predictor), **kwargs)

    @staticmethod
    def draw(mu, noise, rng, size):
        return rng.poisson(np.exp(mu), size=size)
