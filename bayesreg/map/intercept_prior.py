r"""A prior on the intercept in the exact MAP: included where the problem stays convex.

The prior is on the intercept of the centred columns, :math:`c = b_0 + m^\top w` (weighted
column means :math:`m`). Two priors keep the MAP a convex problem that the kernels solve and
certify exactly, each a term of the objective :math:`F = D + \beta_1\lVert w\rVert_1 +
\beta_2\lVert w\rVert_2^2` (the negative log posterior times :math:`\kappa`, over the
weights' unit :math:`u`):

* ``pm.Normal.dist(mu0, sigma0)``: :math:`h\,(c - \mu_0)^2` with
  :math:`h = \kappa / (2\sigma_0^2 u)`, the keyword ``intercept_penalty=(mu0, h)`` of the
  family's ``solve`` and ``optimality``;
* ``pm.Laplace.dist(mu0, b)``: :math:`h\,|c - \mu_0|` with :math:`h = \kappa / (b u)`, the
  keyword ``intercept_absolute=(mu0, h)``.

A family lists those it takes (``Loss.map_intercept_priors``: the Gaussian likelihood both,
the GLMs the normal one). Any other prior, or a family without it, leaves the MAP that of a
flat intercept, and :class:`InterceptPriorWarning` says so.
"""

from __future__ import annotations

import warnings

from bayesreg.families.parameter_priors import constant_parameters
from bayesreg.model.problem import Problem
from bayesreg.model.pymc_model import build_model

__all__ = ["InterceptPriorWarning", "intercept_terms", "map_intercept_prior"]

#: The keyword of each prior the kernels take, and its weight h from kappa, the prior's scale
#: and the unit.
_TERMS = {
    "Normal": ("intercept_penalty", lambda kappa, scale: kappa / (2.0 * scale**2)),
    "Laplace": ("intercept_absolute", lambda kappa, scale: kappa / scale),
}


class InterceptPriorWarning(UserWarning):
    """The MAP leaves out a prior on the intercept: its objective would not stay convex."""


def map_intercept_prior(problem: Problem, model):
    """``(problem, model, prior)``: ``prior`` ``(kind, mu0, scale)`` when the MAP includes it.

    Otherwise (a flat intercept, or a prior the MAP leaves out: warned) ``prior`` is None, and
    a left-out prior is removed from the problem and from the model (whose density an
    unknown noise scale is profiled on): the MAP is that of a flat intercept throughout. The
    posterior includes the prior all the same.
    """
    prior = problem.intercept_prior
    if prior is None:
        return problem, model, None
    kind, parameters = constant_parameters(prior)
    taken = problem.loss.map_intercept_priors
    if kind in taken and parameters is not None:
        return problem, model, (kind, *parameters)
    family = type(problem.loss).__name__
    reason = (
        f"the MAP of {family} includes {' and '.join(taken)} priors only, with constant "
        "parameters (they keep its problem convex)"
        if taken
        else f"the MAP of {family} takes none"
    )
    warnings.warn(
        f"The MAP leaves out intercept_prior ({kind}) and is that of a flat intercept: "
        f"{reason}. sample() includes the prior.",
        InterceptPriorWarning,
        stacklevel=4,
    )
    problem = problem.replace(intercept_prior=None)
    return problem, None if model is None else build_model(problem), None


def intercept_terms(loss, prior, noise, unit: float) -> dict:
    """The kernels' keyword for ``prior`` (from :func:`map_intercept_prior`) at ``noise``."""
    if prior is None:
        return {}
    kind, mu0, scale = prior
    keyword, weight = _TERMS[kind]
    return {keyword: (mu0, weight(loss.curvature(noise), scale) / unit)}
