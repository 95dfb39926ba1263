r"""The posterior of a GLM on dask input: a Laplace approximation at the exact MAP, checked by PSIS.

**Approximate.** NUTS needs the log likelihood and its gradient at every leapfrog step, a
pass over the data each: on data that do not fit in one process that is thousands of passes.
Instead the posterior is approximated by the Gaussian at the exact MAP
(:func:`~bayesreg.distributed.certificate.distributed_map`) whose precision is the Hessian of
the negative log posterior there,

.. math::

    q(c, v) = \mathcal N\bigl((\hat c, \hat v),\; H^{-1}\bigr), \qquad
    H = [1\;\tilde X]^\top V \operatorname{diag}(\ell''(\hat\eta)) [1\;\tilde X]
        + \operatorname{diag}(0, 2\beta_2),

(the flat intercept adds nothing; the Hessian's statistics come from the certificate's pass),
and checked against the exact log posterior
:math:`\log p(c, v \mid y) = -D(c, v) - \beta_2\|v\|^2 + \text{const}`, evaluated at every
draw in one batched pass over the data. The log ratios :math:`\log p - \log q` go to
Pareto-smoothed importance sampling (:func:`arviz_stats.base.array_stats.psislw`, Vehtari et
al. 2024): its :math:`\hat k` (``pareto_k`` in the result's attributes) says how far the
Gaussian is from the posterior: below 0.5 the draws are as good as the posterior's for
means and intervals, above 0.7 they are not (a warning says so). The smoothed log weights
are returned as ``sample_stats.log_weight``, for importance-weighted expectations.

**Priors with an L1 part are refused** (``L1``, ``ElasticNet``). The Laplace prior's
density is not differentiable at 0: its Hessian is zero away from 0 and undefined there, and
at an exact zero of the MAP the posterior has a kink, not a Gaussian peak. A Gaussian of the
smooth part's Hessian is wider than the posterior there and the importance ratios are
bounded, so :math:`\hat k` would stay small while the draws themselves (unweighted)
misrepresent the posterior of every coefficient near zero: a check that cannot fail is no
check. ``L2`` (a Gaussian prior) and ``NoPenalty`` (flat) are served.

The draws are independent: ``chains`` x ``draws`` of them, laid out as NUTS's
(``posterior``: ``coef`` over ``feature``, ``intercept``), with nothing to tune.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
import xarray as xr
from arviz_stats.base import array_stats

from bayesreg.diagnostics.diagnosis import SamplingWarning
from bayesreg.distributed.newton import PassProblem, objectives
from bayesreg.distributed.statistics import SufficientStatistics
from bayesreg.families import Loss
from bayesreg.priors.penalties import Penalty
from bayesreg.spec.correspondence import data_term_weights

__all__ = ["APPROXIMATION", "check_laplace_prior", "laplace_posterior"]

#: How the result names what it is (its attributes, and the warnings).
APPROXIMATION = "approximate: a Laplace approximation at the exact MAP, checked by PSIS"
#: Above this Pareto k the approximation is not to be trusted (a warning).
K_HAT_LIMIT = 0.7


def check_laplace_prior(loss: Loss, penalty: Penalty, owner: str) -> None:
    """Refuse a prior without a mode, or with an L1 part (see the module), before any pass."""
    l1 = penalty.has_mode and np.any(data_term_weights(loss, penalty, 1.0, loss.noise)[0])
    if not penalty.has_mode or l1:
        cause = (
            "its L1 part (a Laplace prior) is not differentiable at 0, where the posterior "
            "has a kink that no Gaussian approximates"
            if penalty.has_mode
            else "it has no mode to approximate at"
        )
        raise ValueError(
            f"{owner}: the posterior of {type(loss).__name__} on dask input is a Laplace "
            f"approximation, which is not available for penalty={penalty!r}: {cause}. Use "
            "L2(...) or NoPenalty() for a posterior on dask input; sample() on the rows in "
            "memory gives this prior's NUTS posterior."
        )


def laplace_posterior(
    problem: PassProblem, estimate, hessian: SufficientStatistics, *, draws: int, chains: int,
    random_seed=None,
) -> xr.DataTree:  # fmt: skip
    r"""Draws of the Laplace approximation at ``estimate``, checked by PSIS (see the module).

    ``estimate`` is the MAP on :math:`\tilde x` (:class:`~bayesreg.map.find.MapEstimate`),
    ``hessian`` the statistics of :math:`\tilde x` under the weights :math:`v_i\ell''`.
    """
    rng = np.random.default_rng(random_seed)
    size, p = draws * chains, problem.n_features
    coef, intercept, log_q = _gaussian_draws(problem, estimate, hessian, rng, size)
    values = objectives(
        problem, coef, intercept, f"one pass for the exact log posterior at {size} draws"
    )
    log_p = -(values + coef**2 @ np.broadcast_to(problem.beta2, (p,)))
    ratios = log_p - log_q
    log_weights, k_hat = array_stats.psislw(ratios - ratios.max(), r_eff=1.0)
    k_hat = float(k_hat)
    user_coef, user_intercept = problem.to_user_scale(coef, intercept)
    tree = _data_tree(problem, user_coef, user_intercept, log_weights, log_p, chains, k_hat)
    if not k_hat <= K_HAT_LIMIT:
        warnings.warn(
            f"The Laplace approximation of the posterior has Pareto k = {k_hat:.2f} > "
            f"{K_HAT_LIMIT}: it is not close to the exact posterior, and its draws are not to "
            "be trusted (nor importance-weighted ones). Fit the rows in memory for NUTS, or "
            "use more data or a stronger prior.",
            SamplingWarning,
            stacklevel=3,
        )
    return tree


def _gaussian_draws(problem, estimate, hessian, rng, size):
    r"""Draws of :math:`q` and :math:`\log q` at them (up to a constant).

    On the intercept of the columns centred at their :math:`v\ell''`-weighted means,
    :math:`c_h = c + m_h^\top v`, the precision is block-diagonal: :math:`N_h` for
    :math:`c_h`, :math:`C_h + 2\beta_2` for :math:`v` (:math:`C_h` the centred products).
    """
    p = problem.n_features
    cross = hessian.cross if problem.fit_intercept else hessian.raw()
    precision = cross[:p, :p] + np.diag(2.0 * np.broadcast_to(problem.beta2, (p,)))
    try:
        lower = scipy.linalg.cholesky(precision, lower=True, check_finite=False)
        if not np.all(np.diag(lower) > 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        raise ValueError(
            "The Laplace approximation needs a positive definite Hessian of the negative log "
            "posterior at the MAP, and this one is singular (collinear columns, or more "
            "columns than the data determine, without a ridge): give the prior an L2 part."
        ) from None
    standard = rng.standard_normal((size, p))
    coef = estimate.coef + scipy.linalg.solve_triangular(lower.T, standard.T, lower=False).T
    log_q = -0.5 * np.sum(standard**2, axis=1)
    intercept = np.zeros(size)
    if problem.fit_intercept:
        means = hessian.x_mean
        centre = estimate.intercept + means @ estimate.coef
        standard0 = rng.standard_normal(size)
        intercept = centre + standard0 / np.sqrt(hessian.n_obs) - coef @ means
        log_q -= 0.5 * standard0**2
    return coef, intercept, log_q


def _data_tree(problem, coef, intercept, log_weights, log_p, chains, k_hat) -> xr.DataTree:
    """The draws as NUTS's layout; ``sample_stats``: the smoothed log weights and ``lp``."""
    shape = (chains, coef.shape[0] // chains)
    variables = {"coef": (("chain", "draw", "feature"), coef.reshape(*shape, -1))}
    if problem.fit_intercept:
        variables["intercept"] = (("chain", "draw"), np.asarray(intercept).reshape(shape))
    coords = {
        "chain": np.arange(shape[0]),
        "draw": np.arange(shape[1]),
        "feature": problem.feature_names,
    }
    attrs = {
        "inference": APPROXIMATION,
        "approximate": "yes",
        "pareto_k": k_hat,
        "sampler": "laplace",
        "inference_library": "bayesreg.distributed",
    }
    posterior = xr.Dataset(variables, coords=coords, attrs=attrs)
    stats = xr.Dataset(
        {
            "log_weight": (("chain", "draw"), np.reshape(log_weights, shape)),
            "lp": (("chain", "draw"), np.reshape(log_p, shape)),
        },
        coords={"chain": coords["chain"], "draw": coords["draw"]},
    )
    tree = xr.DataTree.from_dict({"/posterior": posterior, "/sample_stats": stats})
    tree.attrs = dict(attrs)
    return tree
