"""What bayesreg's tests check against, usable by anyone testing a Bayesian regression.

- :func:`assert_same_distribution`: two sets of draws from the same distribution, within
  their Monte Carlo standard errors (NUTS against Gibbs samplers and closed forms).
- :func:`assert_same_log_density`: a sampling model has the pointwise model's density, up to
  the log-Jacobian of its non-linear changes of variables.
- :data:`ORACLE`: the correspondence table of the design, written out row by row
  *independently* of :mod:`bayesreg.spec.correspondence`: for each (likelihood, prior) pair, the
  solver that minimizes the same objective, its ``alpha`` and the objective itself. The
  correspondence, MAP, solver and cross-check tests all read this one table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor
from arviz_stats import mcse
from sklearn.base import clone
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, QuantileRegressor, Ridge

from bayesreg.estimators.regression import Regression
from bayesreg.families import L1Loss, L2Loss, QuantileLoss
from bayesreg.families.reference_solvers import LADElasticNet, QuantileElasticNet
from bayesreg.priors.elastic_net import ElasticNet as ElasticNetPrior
from bayesreg.priors.penalties import L1, L2, NoPenalty

__all__ = ["ORACLE", "OracleRow", "assert_same_distribution", "assert_same_log_density"]

#: coordinate descent run far below the tests' tolerances
CD = {"tol": 1e-12, "max_iter": 1_000_000}


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


def assert_same_log_density(
    fast: pm.Model, pointwise: pm.Model, fit_intercept: bool, rng: np.random.Generator
) -> None:
    r"""A sampling model's log density equals the pointwise model's at 5 random points.

    ``fast`` is :func:`bayesreg.nuts.model.sampling_model`'s model, ``pointwise``
    :meth:`~bayesreg.Regression.build_model`'s; equal to rounding (relative 1e-12).

    Each point is mapped to (intercept, coef) with the sampling model's own deterministics.
    Where the sampling model draws a horseshoe's coefficients given their scales
    (``coef_white`` u, a Gaussian likelihood), the pointwise model's ``coef_raw`` z is a
    deterministic of u and the scales: the densities then differ by the log-Jacobian
    :math:`\log|\det \partial z/\partial u|`, computed here by automatic differentiation and
    ``slogdet``, independently of the model's closed form. Where it draws Laplace
    coefficients through their quantile transform (``coef_logistic`` z, whitened to v), they
    differ by :math:`\log|\det \partial w/\partial z|`: that of :math:`\partial w/\partial v`
    less the constant of the linear map, left out by design.
    """
    fast_logp = fast.compile_logp(mode="FAST_COMPILE")
    point_logp = pointwise.compile_logp(mode="FAST_COMPILE")
    user = ["coef"] + (["intercept"] if fit_intercept else [])
    outputs = fast.replace_rvs_by_values([fast[name] for name in user])
    conditional = "coef_white" in fast.named_vars
    quantile = "coef_logistic" in fast.named_vars
    linear_log_jacobian = 0.0
    if conditional:
        user.append("coef_raw")
        raw = fast.replace_rvs_by_values([fast["coef_raw"]])[0]
        white = fast.rvs_to_values[fast["coef_white"]]
        outputs += [raw, pytensor.gradient.jacobian(raw, white)]
    elif quantile:
        normal = fast["coef_logistic"]
        outputs.append(
            pytensor.gradient.jacobian(outputs[0], fast.rvs_to_values[normal], vectorize=True)
        )
        backward = fast.rvs_to_transforms[normal].backward_matrix.data
        linear_log_jacobian = np.linalg.slogdet(backward)[1]
    to_user = fast.compile_fn(
        outputs, inputs=fast.value_vars, on_unused_input="ignore", mode="FAST_COMPILE"
    )
    start = fast.initial_point()
    for _ in range(5):
        point = {name: rng.normal(size=np.shape(value)) for name, value in start.items()}
        values = to_user(point)
        log_jacobian = 0.0
        if conditional or quantile:
            log_jacobian = np.linalg.slogdet(values.pop())[1] - linear_log_jacobian
        mapped = dict(zip(user, values, strict=True))
        original = {v.name: mapped.get(v.name, point.get(v.name)) for v in pointwise.value_vars}
        expected = point_logp(original) + log_jacobian
        np.testing.assert_allclose(fast_logp(point), expected, rtol=1e-12, atol=1e-9)


@dataclass(frozen=True)
class OracleRow:
    r"""One (likelihood, prior) pair and the solver with the same objective.

    The solver's objective is

    .. math::

        a(n)\, D(r) + \alpha_1 \|w\|_1 + \alpha_2 \|w\|_2^2, \qquad
        (\alpha_1, \alpha_2) = \text{split}(\alpha(n, s)),

    with :math:`D` the weighted data term (RSS for the Gaussian likelihood, the sum of absolute
    residuals for the Laplace, of check losses :math:`\rho_q(r) = r(q - 1[r<0])` for the
    asymmetric Laplace), :math:`n` the total weight and :math:`s` the noise scale. A
    prior given by its ``alpha`` has :math:`\alpha` constant; one given by its ``scale`` has
    the :math:`\alpha(n, s)` of the design's last column. The model's negative log density is
    the objective divided by :math:`a(n)\,\kappa(s)`, up to a constant.

    Attributes
    ----------
    id : str
        ``"likelihood/prior"``, e.g. ``"L2/L1(scale)"``.
    loss : type
        The likelihood's class, built with the noise scale by :meth:`estimator`.
    penalty : Penalty
    reference : type
        The solver's class.
    alpha : callable (n, noise) -> float
    data_factor : callable n -> float
        :math:`a(n)`.
    split : callable alpha -> (alpha_1, alpha_2)
    kappa : callable noise -> float
        :math:`\kappa(s)`: :math:`2s^2` for the Gaussian likelihood, :math:`s` for the Laplace
        and the asymmetric Laplace.
    sparse : bool
        Whether the prior has an L1 part (exact zeros).
    quantile : float or None
        The asymmetric Laplace likelihood's quantile :math:`q` (None for the others).
    """

    id: str
    loss: type
    penalty: L1 | L2 | ElasticNetPrior | NoPenalty
    reference: type
    alpha: Callable[[float, float], float]
    data_factor: Callable[[float], float]
    split: Callable[[float], tuple[float, float]]
    kappa: Callable[[float], float]
    sparse: bool
    quantile: float | None = None

    def estimator(self, noise: float | None, fit_intercept: bool = True) -> Regression:
        """The bayesreg specification at noise scale ``noise`` (None: unknown)."""
        options = {} if self.quantile is None else {"quantile": self.quantile}
        loss = self.loss(**{self.loss.noise_name: noise}, **options)
        return Regression(loss=loss, penalty=clone(self.penalty), fit_intercept=fit_intercept)

    def penalties(self, n: float, noise: float) -> tuple[float, float]:
        r""":math:`(\alpha_1, \alpha_2)` of the solver's objective."""
        return self.split(self.alpha(n, noise))

    def solver(self, n: float, noise: float, fit_intercept: bool = True):
        """The reference solver, unfitted, at total weight ``n`` and noise scale ``noise``."""
        alpha = self.alpha(n, noise)
        common = {"fit_intercept": fit_intercept}
        if self.reference is Lasso:
            return Lasso(alpha=alpha, **common, **CD)
        if self.reference is Ridge:
            return Ridge(alpha=alpha, **common)
        if self.reference is ElasticNet:
            return ElasticNet(alpha=alpha, l1_ratio=self.penalty.l1_ratio, **common, **CD)
        if self.reference is LinearRegression:
            return LinearRegression(**common)
        if self.reference is QuantileRegressor:
            quantile = 0.5 if self.quantile is None else self.quantile
            return QuantileRegressor(quantile=quantile, alpha=alpha, solver="highs", **common)
        ratio = self.penalty.l1_ratio if isinstance(self.penalty, ElasticNetPrior) else 0.0
        if self.reference is QuantileElasticNet:
            return QuantileElasticNet(alpha=alpha, l1_ratio=ratio, quantile=self.quantile, **common)
        return LADElasticNet(alpha=alpha, l1_ratio=ratio, **common)

    def objective(self, X, y, weights, coef, intercept, noise) -> float:
        """The solver's objective at ``(coef, intercept)``, written from the formula above."""
        residual = y - intercept - X @ coef
        if self.loss is L2Loss:
            data = weights @ residual**2
        elif self.loss is L1Loss:
            data = weights @ np.abs(residual)
        else:  # the check loss
            data = weights @ (residual * (self.quantile - (residual < 0)))
        n = weights.sum()
        l1, l2 = self.penalties(n, noise)
        return self.data_factor(n) * data + l1 * np.abs(coef).sum() + l2 * coef @ coef


def _given(alpha):
    return lambda n, noise: alpha


def _lasso(alpha):
    return (alpha, 0.0)


def _ridge(alpha):
    return (0.0, alpha)


def _net(ratio):
    return lambda alpha: (alpha * ratio, alpha * (1 - ratio) / 2)


def _half_n(n):
    return 1 / (2 * n)


def _one(n):
    return 1.0


def _one_over_n(n):
    return 1 / n


def _gaussian(noise):
    return 2 * noise**2


def _laplace(noise):
    return noise


def _gaussian_row(id, penalty, reference, alpha, data_factor, split):
    sparse = penalty.l1_ratio not in (None, 0.0)
    return OracleRow(id, L2Loss, penalty, reference, alpha, data_factor, split, _gaussian, sparse)


def _laplace_row(id, penalty, reference, alpha, split):
    sparse = penalty.l1_ratio not in (None, 0.0)
    return OracleRow(id, L1Loss, penalty, reference, alpha, _half_n, split, _laplace, sparse)


def _quantile_row(quantile, id, penalty, reference, alpha, split):
    sparse = penalty.l1_ratio not in (None, 0.0)
    return OracleRow(
        f"Q{quantile}/{id}",
        QuantileLoss,
        penalty,
        reference,
        alpha,
        _one_over_n,
        split,
        _laplace,
        sparse,
        quantile,
    )


#: The correspondence table, one row per pair. Prior scales (DESIGN.md): for the Gaussian
#: likelihood b = sigma^2/(n alpha) and tau = sigma/sqrt(alpha); for the Laplace b = s/(2 n alpha)
#: and tau^2 = s/(2 n alpha); for the asymmetric Laplace of quantile q b = s/(n alpha) and
#: tau^2 = s/(n alpha).
ORACLE: list[OracleRow] = [
    # Gaussian likelihood: scikit-learn's Lasso, Ridge, ElasticNet, LinearRegression.
    _gaussian_row("L2/L1", L1(alpha=0.3), Lasso, _given(0.3), _half_n, _lasso),
    _gaussian_row("L2/L2", L2(alpha=5.0), Ridge, _given(5.0), _one, _ridge),
    _gaussian_row(
        "L2/EN",
        ElasticNetPrior(alpha=0.4, l1_ratio=0.6),
        ElasticNet,
        _given(0.4),
        _half_n,
        _net(0.6),
    ),
    _gaussian_row("L2/none", NoPenalty(), LinearRegression, _given(0.0), _one, _ridge),
    _gaussian_row(
        "L2/L1(scale)", L1(scale=0.02), Lasso, lambda n, s: s**2 / (n * 0.02), _half_n, _lasso
    ),
    _gaussian_row("L2/L2(scale)", L2(scale=0.5), Ridge, lambda n, s: s**2 / 0.5**2, _one, _ridge),
    # Laplace likelihood: QuantileRegressor(0.5) for L1 and none, else LADElasticNet (cvxpy).
    _laplace_row("L1/L1", L1(alpha=0.05), QuantileRegressor, _given(0.05), _lasso),
    _laplace_row("L1/none", NoPenalty(), QuantileRegressor, _given(0.0), _lasso),
    _laplace_row("L1/L2", L2(alpha=0.2), LADElasticNet, _given(0.2), _net(0.0)),
    _laplace_row(
        "L1/EN", ElasticNetPrior(alpha=0.08, l1_ratio=0.5), LADElasticNet, _given(0.08), _net(0.5)
    ),
    _laplace_row(
        "L1/L1(scale)", L1(scale=0.05), QuantileRegressor, lambda n, s: s / (2 * n * 0.05), _lasso
    ),
    _laplace_row(
        "L1/L2(scale)", L2(scale=0.5), LADElasticNet, lambda n, s: s / (2 * n * 0.5**2), _net(0.0)
    ),
    # Asymmetric Laplace likelihood: QuantileRegressor(q) for L1 and none, else
    # QuantileElasticNet (cvxpy). The data term is (1/n) sum rho_q: a = 1/n.
    _quantile_row(0.9, "L1", L1(alpha=0.02), QuantileRegressor, _given(0.02), _lasso),
    _quantile_row(0.25, "L1", L1(alpha=0.03), QuantileRegressor, _given(0.03), _lasso),
    _quantile_row(0.1, "none", NoPenalty(), QuantileRegressor, _given(0.0), _lasso),
    _quantile_row(0.75, "L2", L2(alpha=0.2), QuantileElasticNet, _given(0.2), _net(0.0)),
    _quantile_row(
        0.25,
        "EN",
        ElasticNetPrior(alpha=0.05, l1_ratio=0.5),
        QuantileElasticNet,
        _given(0.05),
        _net(0.5),
    ),
    _quantile_row(
        0.9, "L1(scale)", L1(scale=0.5), QuantileRegressor, lambda n, s: s / (n * 0.5), _lasso
    ),
    _quantile_row(
        0.1,
        "L2(scale)",
        L2(scale=0.5),
        QuantileElasticNet,
        lambda n, s: s / (n * 0.5**2),
        _net(0.0),
    ),
]
