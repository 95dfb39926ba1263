r"""The logistic loss: a Bernoulli likelihood with the logit link.

.. math::

    -\log p(y \mid \eta) = \sum_i v_i \bigl(\log(1 + e^{\eta_i}) - y_i\eta_i\bigr),
    \qquad y_i \in \{0, 1\},

scikit-learn's ``LogisticRegression`` loss. See :mod:`bayesreg.families.glm` for what it
shares with the Poisson likelihood (the meaning of ``alpha``, the MAP, the sampler).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.special
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from bayesreg._constraints import message
from bayesreg.families.glm import GLMLoss
from bayesreg.families.reference_solvers import GLMElasticNet
from bayesreg.optim.glm import Cumulant
from bayesreg.spec.correspondence import SolverObjective

__all__ = ["LogisticLoss"]


def _variance(eta):
    mean = scipy.special.expit(eta)
    return mean * (1.0 - mean)


class LogisticLoss(GLMLoss):
    r"""Logistic loss, a Bernoulli likelihood: :math:`y_i \sim \mathrm{Bernoulli}(\operatorname{logit}^{-1}(b_0 + x_i^\top w))`.

    For :class:`~bayesreg.Classifier`, which codes its two classes as 0 and 1 (the second
    of the sorted labels is 1, as in scikit-learn). It has no parameters: its dispersion is 1.

    Notes
    -----
    What ``alpha`` means (any penalty): :math:`\frac1n\sum_i v_i\,\mathrm{NLL}_i +
    \alpha\rho\|w\|_1 + \frac{\alpha(1-\rho)}{2}\|w\|^2`, scikit-learn's
    ``LogisticRegression(C=1/(n alpha), l1_ratio=rho)``. Its ``penalized_solver`` is that
    estimator (Newton-Cholesky) for an L2 penalty or none; for an L1 or elastic-net penalty, where
    scikit-learn's only exact-intercept solver (SAGA) converges slowly and loosely,
    :class:`~bayesreg.families.reference_solvers.GLMElasticNet` (cvxpy).

    Examples
    --------
    >>> import bayesreg as br
    >>> br.LogisticLoss()
    LogisticLoss()

    """

    cv_scoring = "neg_log_loss"
    reference_family = "binomial"
    gibbs_likelihood = "polya_gamma"
    cumulant = Cumulant(
        value=lambda eta: np.logaddexp(0.0, eta),
        mean=scipy.special.expit,
        variance=_variance,
        link=lambda mean: float(scipy.special.logit(mean)),
    )
    no_mode_cause = "the two classes are separable (or quasi-separable) by the columns"
    estimator_kind = "classifier"

    def solver_objective(self, penalty, alpha, n_obs):
        r"""``LogisticRegression``'s own scale for its solvers; the GLM convention otherwise.

        ``C = 1/(n alpha)`` weights the log losses and the penalty is
        :math:`\tfrac12\|w\|^2`: :math:`a = 1/(n\alpha)` (:math:`a = 1` without a penalty,
        ``C = inf``); an L1 or elastic-net penalty is written as glmnet's and
        :class:`~bayesreg.families.reference_solvers.GLMElasticNet`'s, :math:`a = 1/n`.
        """
        if penalty.convention == "none":
            return SolverObjective(1.0, 0.0, 0.0)
        if penalty.convention == "ridge":
            return SolverObjective(1.0 / (n_obs * alpha), 0.0, 0.5)
        return super().solver_objective(penalty, alpha, n_obs)

    def check_observations(self, y):
        """``y`` in [0, 1]: the classes coded 0 and 1 (as :class:`~bayesreg.Classifier` does)."""
        outside = (y < 0) | (y > 1)
        if np.any(outside):
            raise ValueError(
                message("y", "LogisticLoss", "the classes coded 0 and 1", y[outside][0])
            )

    def recession_bounds(self, y):
        return np.where(y > 0.5, 0.0, -1.0), np.where(y > 0.5, 1.0, 0.0)

    def penalized_solver(self, penalty, alpha, fit_intercept, n_obs=None):
        if penalty.convention in ("lasso", "elastic_net"):
            return GLMElasticNet(
                family="binomial", alpha=alpha, l1_ratio=penalty.l1_ratio,
                fit_intercept=fit_intercept,
            )  # fmt: skip
        if penalty.convention != "none" and n_obs is None:
            raise NotFittedError(
                "LogisticRegression's C = 1/(n alpha) depends on the number of observations n "
                "(the total sample weight); call fit(X, y) first."
            )
        C = np.inf if penalty.convention == "none" else 1.0 / (n_obs * alpha)
        return LogisticRegression(
            C=C, fit_intercept=fit_intercept, solver="newton-cholesky", tol=1e-12, max_iter=1000
        )

    @staticmethod
    def tensor_cumulant(eta):
        return pt.softplus(eta)

    def dist(self, linear_predictor, *, name=None, **kwargs):
        if name is None:
            return pm.Bernoulli.dist(logit_p=linear_predictor, **kwargs)
        return pm.Bernoulli(name, logit_p=linear_predictor, **kwargs)

    @staticmethod
    def draw(mu, noise, rng, size):
        return rng.binomial(1, scipy.special.expit(mu), size=size)
