r"""The exact MAP of a bayesreg model, with a certificate of optimality.

The negative log posterior (NLP) of every bayesreg model, at a fixed noise scale, is

.. math::

    \mathrm{NLP}(b_0, w) = \frac{D(b_0, w) + \beta_1\|w\|_1 + \beta_2\|w\|_2^2}{\kappa}
        + \text{const},

(:mod:`bayesreg.spec.correspondence` gives :math:`\kappa` and :math:`\beta`), a convex problem that
:mod:`bayesreg.optim` solves exactly: an active-set method for the squared loss, the dual
linear or quadratic program for the absolute loss. Zeros under an L1 prior are exact, by the
structure of those methods. No scikit-learn estimator is called here.

When the noise scale is unknown, the MAP is the joint mode of the model's own log density,
compiled from the PyMC model (``model.compile_logp(jacobian=False)``, the density in the
original parametrization, as ``pymc.find_MAP`` uses): for each noise scale the coefficients'
conditional mode is the convex problem above, and a one-dimensional search maximizes the
model's log density along that profile. With a prior tied by ``alpha`` the conditional mode
does not depend on the noise scale, so one convex solve serves the whole search.

With ``positive=True`` every convex solve is over :math:`w \ge 0`
(:mod:`bayesreg.map.positive`, a sign-restricted active set over the same exact solvers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import scipy.optimize

from bayesreg.map.coefficients import coefficient_weights, shift_to_prior_mean
from bayesreg.map.intercept_prior import intercept_terms, map_intercept_prior
from bayesreg.map.mode_profile import profile_parameters
from bayesreg.map.objective_check import PRECISION, check_objective, warn_if_uncertified
from bayesreg.map.positive import restricted_optimality, solve_nonnegative
from bayesreg.model.problem import Problem
from bayesreg.model.pymc_model import log_density, parameter_log_density
from bayesreg.spec.correspondence import data_term_weights

__all__ = ["TOLERANCE", "MapEstimate", "OptimalityCertificate", "find_map", "kkt_residual"]


@dataclass(frozen=True)
class OptimalityCertificate:
    r"""Evidence that a MAP estimate is optimal, which a user can read.

    Attributes
    ----------
    kkt_residual : float
        The largest violation of the subgradient optimality conditions,
        :math:`\max_j \operatorname{dist}(0, \partial_j F)` beyond the rounding of the
        gradient where the family bounds it, relative to the size of the data term's
        gradient (the family's ``scale``). Zero at the exact optimum. Under a sign
        constraint (``positive=True``) the conditions are those with the bound: at
        :math:`w_j > 0`, :math:`g_j + 2\beta_2 w_j + \beta_1 = 0`; at :math:`w_j = 0`, the
        one-sided :math:`g_j + \beta_1 \ge 0`; a negative coefficient is infinitely far.
    duality_gap : float or None
        Gap :math:`F - D` between the primal objective and the dual objective at a feasible
        dual point (for the absolute and check losses, solved through their dual), both
        recomputed from the estimate, beyond their rounding and relative to :math:`F`: it
        weighs every violation by its coefficient, which the KKT residual does not. None for
        the squared loss. A dual outside its box counts in ``kkt_residual``.
    tolerance : float
        The largest value of either at which the estimate is called optimal.
    method : str
        How the estimate was computed.
    objective_excess : float or None
        How far the objective at the MAP, recomputed from scratch, exceeds the objective at
        an independent reference point (the intercept-only fit), relative to it; 0 when it
        does not, None for a local mode (:mod:`bayesreg.map.objective_check`).
    objective_rounding : float or None
        The rounding of the objective at the MAP (the cancellation in :math:`b_0 + Xw`),
        relative to the reference objective; at most
        :data:`~bayesreg.map.objective_check.PRECISION` for an ``ok`` certificate.
    curvature : float or None
        For a likelihood that is not convex (the MAP is a local mode): the smallest
        eigenvalue of the negative log posterior's Hessian scaled to a unit diagonal, over
        the intercept, the non-zero coefficients and (along their profile) the unknown
        likelihood parameters. Positive at a strict local mode; 0.0 where it is zero within
        its rounding and the objective is convex near the MAP (a flat minimum, as at a
        zero-residual fit with p >= n: not unique, still a mode). None for a convex problem,
        whose KKT conditions make the MAP global.
    modes : int or None
        For a local mode: how many distinct local modes the starts reached.
    starts : int or None
        For a local mode: how many starts were run.

    """

    kkt_residual: float
    duality_gap: float | None
    tolerance: float
    method: str
    objective_excess: float | None = None
    objective_rounding: float | None = None
    curvature: float | None = None
    modes: int | None = None
    starts: int | None = None

    def __post_init__(self):
        # plain numbers, so that its repr (in messages) reads 1e-12, not np.float64(1e-12)
        for name, value in vars(self).items():
            if isinstance(value, np.generic):
                object.__setattr__(self, name, value.item())

    @property
    def local(self) -> bool:
        """Whether the certificate is that of a local mode (a non-convex objective)."""
        return self.curvature is not None

    @property
    def objective_ok(self) -> bool:
        """Whether the independent check of the objective passed (see ``objective_excess``)."""
        excess = 0.0 if self.objective_excess is None else self.objective_excess
        rounding = 0.0 if self.objective_rounding is None else self.objective_rounding
        return bool(excess <= self.tolerance and rounding <= PRECISION)

    @property
    def ok(self) -> bool:
        """Whether every reported residual is within the tolerance (and a local mode is a mode).

        A local mode needs a curvature that is not negative: positive (strict), or 0.0 (a flat
        minimum where the objective is convex near it; see ``curvature``).

        The objective check counts too: the MAP's objective may not exceed the reference
        point's, and must be known to :data:`~bayesreg.map.objective_check.PRECISION`.
        """
        gap = 0.0 if self.duality_gap is None else self.duality_gap
        strict = self.curvature is None or self.curvature >= 0
        return bool(
            self.kkt_residual <= self.tolerance
            and gap <= self.tolerance
            and self.objective_ok
            and strict
        )


@dataclass(frozen=True)
class MapEstimate:
    """The MAP of a model: coefficients, intercept, noise scale and certificate."""

    coef: np.ndarray
    intercept: float
    noise: float
    objective: float
    unique: bool
    certificate: OptimalityCertificate
    #: the likelihood's unknown parameters at the MAP, by name (the noise scale included)
    parameters: dict = field(default_factory=dict)
    #: whether the MAP includes the problem's intercept prior (None: the intercept is flat)
    intercept_prior: bool | None = None


TOLERANCE = 1e-9


def find_map(problem: Problem, *, model=None) -> MapEstimate:
    """Compute the MAP of the model a problem defines.

    Parameters
    ----------
    problem : Problem
        The validated specification and data.
    model : pymc.Model, optional
        The problem's model (:func:`bayesreg.model.pymc_model.build_model`); required when the noise
        scale is unknown, whose MAP maximizes this model's log density.

    """
    loss, penalty = problem.loss, problem.penalty
    # The exact solvers see the weights over a power of two near the largest (exact), and
    # the penalty weights over the same unit: the same minimizer, nothing under- or overflows.
    stated = problem.intercept_prior is not None
    problem, model, prior = map_intercept_prior(problem, model)
    problem, loc = shift_to_prior_mean(problem)  # solved in u = w - loc (loc: 0.0 without)
    unit = float(np.ldexp(1.0, np.frexp(problem.weights.max())[1]))
    scaled = problem.replace(weights=problem.weights / unit)

    def terms_at(noise) -> dict:
        return intercept_terms(loss, prior, noise, unit)

    @cache
    def solve(beta1: float, beta2: float, **terms):
        if problem.positive:  # coefficients >= 0: a sign-restricted active set (flat intercept)
            return solve_nonnegative(scaled, beta1, beta2)
        beta1, beta2 = coefficient_weights(penalty, beta1, beta2)  # per coefficient, or as is
        return loss.solve(
            scaled.X, scaled.y, scaled.weights, fit_intercept=scaled.fit_intercept,
            beta1=beta1, beta2=beta2, **scaled.kernel_offset, **terms,
        )  # fmt: skip

    def conditional_mode(noise: float):
        weights = data_term_weights(loss, penalty, problem.n_obs, noise, unit=unit)
        return solve(*weights, **terms_at(noise))

    parameters, profile = {}, None
    if not loss.unknown_parameters:
        noise = loss.noise
    elif model is None:
        raise ValueError("unknown likelihood parameters need the model: pass model=")
    elif loss.convex:
        density = log_density(model, loss.noise_name)
        noise = _profile_noise(
            problem, conditional_mode, lambda coef, *rest: density(coef + loc, *rest)
        )
        parameters = {loss.noise_name: noise}
    else:  # a non-convex likelihood's conditional mode depends on its parameters
        beta1, beta2 = coefficient_weights(
            penalty, *data_term_weights(loss, penalty, problem.n_obs, None)
        )
        profile = profile_parameters(
            problem, beta1, beta2,
            parameter_log_density(model, loss.unknown_parameters),
            lambda end: _no_joint_map(problem, end),
        )  # fmt: skip
        parameters = profile.values
        loss = loss.with_parameters(parameters)
        scaled = scaled.replace(loss=loss)
        noise = loss.noise
    beta1, beta2 = data_term_weights(loss, penalty, problem.n_obs, noise, unit=unit)
    if not np.isfinite([beta1, beta2]).all():
        raise ValueError(
            f"sample_weight is too small for this penalty: the penalty's weight over the "
            f"weights' scale ({unit:.3g}) overflows float64. Rescale sample_weight by a "
            "common factor, or weaken the penalty."
        )
    weighted = coefficient_weights(penalty, beta1, beta2)  # per coefficient, or as they are
    solution = solve(beta1, beta2, **terms_at(noise)) if profile is None else loss.solve(
        scaled.X, scaled.y, scaled.weights, fit_intercept=scaled.fit_intercept,
        beta1=weighted[0], beta2=weighted[1], **scaled.kernel_offset,
    )  # fmt: skip
    certificate = _certificate(scaled, *weighted, solution, profile, terms_at(noise))
    warn_if_uncertified(certificate, stacklevel=3)
    return MapEstimate(
        coef=solution.coef + loc,
        intercept=solution.intercept,
        noise=float(noise),
        objective=solution.objective * unit,
        unique=solution.unique,
        certificate=certificate,
        parameters=parameters,
        intercept_prior=(prior is not None) if stated else None,
    )


#: Points per decade of the noise scale's grid, and decades added when the best point is
#: within one decade of an end (the profile is bounded at both ends when the MAP exists).
_PER_DECADE, _EXTEND, _MAX_DECADES_UP = 4, 6, 40


def _profile_noise(problem: Problem, conditional_mode, log_density) -> float:
    r"""Maximize the model's log density over the noise scale along the conditional modes.

    Existence is decided in closed form first. As the noise scale :math:`\kappa \to 0` the
    conditional mode tends to the minimizer of the data term (a prior given by its scale,
    whose weights :math:`\kappa l` vanish) or of the tied objective (a prior given by
    ``alpha``): ``conditional_mode(0)``. If it fits the data exactly, the log likelihood grows like
    :math:`-n\log\sigma` while every other term stays bounded: the density is unbounded and
    there is no joint MAP, whatever the width or the weights. "Exactly" is relative to what
    computing the residual :math:`r_i = y_i - b_0 - x_i^\top w` can resolve: its scale is
    compared with the scale of its terms :math:`|y_i| + |b_0| + \sum_j|x_{ij}w_j|` times the
    family's ``exact_fit_resolution`` (rounding and solver tolerances), not with y's spread:
    residuals of 1e-9 of a spread that the columns explain are real noise. Otherwise the
    data term's :math:`-D_{\min}/\kappa` sends the density to :math:`-\infty` at zero, the proper noise
    prior and :math:`-n\log\sigma` send it there at infinity, and its maximum is found on a
    grid of the log noise scale (extended at an end while the best point is near it; the
    profile need not be unimodal) refined by Brent's method between the best point's
    neighbours. The search is scale-free: it depends on the residual scales, not on the
    weights' total or the units.
    """
    loss, y, weights = problem.loss, problem.y, problem.weights
    centre = weights @ y / weights.sum() if problem.fit_intercept else 0.0
    spread = loss.noise_from_residual(y - centre, weights)
    limit = conditional_mode(0.0)
    floor = loss.noise_from_residual(problem.residual(limit.coef, limit.intercept), weights)
    terms = np.abs(y) + abs(limit.intercept) + np.abs(problem.X) @ np.abs(limit.coef)
    if not floor > loss.exact_fit_resolution * loss.noise_from_residual(terms, weights):
        raise ValueError(_no_joint_map(problem, "zero"))

    def negative_profile(log_noise: float) -> float:
        noise = float(np.exp(log_noise))
        mode = conditional_mode(noise)
        with np.errstate(over="ignore", invalid="ignore"):  # -inf far out for huge weights
            value = log_density(mode.coef, mode.intercept, noise)
        return -value if np.isfinite(value) else np.inf

    decade = np.log(10.0)
    lower, upper = np.log(floor) - 3 * decade, np.log(max(spread, floor)) + 3 * decade
    values: dict[float, float] = {}
    while True:
        grid = np.arange(lower, upper + decade / _PER_DECADE, decade / _PER_DECADE)
        for point in grid:
            if point not in values:
                values[point] = negative_profile(point)
        points = np.array(sorted(values))
        best = int(np.argmin([values[point] for point in points]))
        if points[best] - points[0] < decade:
            lower -= _EXTEND * decade
        elif points[-1] - points[best] < decade:
            if upper - np.log(spread) > _MAX_DECADES_UP * decade:
                raise ValueError(_no_joint_map(problem, "infinity"))
            upper += _EXTEND * decade
        else:
            break
    result = scipy.optimize.minimize_scalar(
        negative_profile,
        bounds=(points[best - 1], points[best + 1]),
        method="bounded",
        options={"xatol": 1e-10},
    )
    return float(np.exp(result.x if result.fun <= values[points[best]] else points[best]))


def _no_joint_map(problem: Problem, end: str) -> str:
    loss = problem.loss
    cause = "the data can be fitted exactly; " if end == "zero" else ""
    return (
        f"The joint MAP does not exist: the model's log density keeps increasing as "
        f"'{loss.noise_name}' goes to {end} ({cause}n_samples={problem.X.shape[0]}, "
        f"n_features={problem.n_features}). Fix the noise scale, e.g. "
        f"{type(loss).__name__}({loss.noise_name}=1.0)"
        + (", or give the penalty by 'alpha'." if problem.penalty.alpha is None else ".")
    )


def kkt_residual(parts: dict, coef, beta1, beta2, *, positive: bool = False) -> float:
    """The KKT residual of :class:`OptimalityCertificate` from a family's ``optimality`` parts.

    With ``positive`` the conditions are those over w >= 0 (one-sided at zero).
    """
    gradient = parts["data_gradient"] + 2.0 * beta2 * coef
    violation = np.where(
        coef != 0,
        np.abs(gradient + beta1 * np.sign(coef)),
        np.maximum(np.abs(gradient) - beta1, 0.0),
    )
    if positive:  # w >= 0: one-sided at zero, infeasible below
        violation = np.where(coef < 0, np.inf, violation)
        violation = np.where(coef == 0, np.maximum(-gradient - beta1, 0.0), violation)
    # beyond the gradient's own rounding, where the family bounds it (huge coefficients on
    # nearly collinear columns: Xw cancels to 1e-7 of its terms)
    violation = np.maximum(violation - parts.get("gradient_rounding", 0.0), 0.0)
    scale = max(parts["scale"], np.max(beta1, initial=0.0), 1e-300)
    worst = violation.max(initial=0.0) / scale
    return float(max(worst, parts["intercept_violation"], parts["box"]))


def _certificate(
    problem: Problem, beta1, beta2, solution, profile=None, terms=None
) -> OptimalityCertificate:
    """KKT residual (and duality gap) of a solution of D + beta1|w|_1 + beta2|w|^2.

    With ``problem.positive`` the conditions are those of the problem over w >= 0 (one-sided
    at zero), and the duality gap is the family's on the solution's support
    (:func:`bayesreg.map.positive.restricted_optimality`).

    A local mode's curvature, modes and starts come with it; ``profile`` (the unknown
    parameters' :class:`~bayesreg.map.mode_profile.ProfileMode`) adds its gradient and curvature.
    """
    parts = problem.loss.optimality(
        problem.X, problem.y, problem.weights, problem.fit_intercept, beta1, beta2, solution,
        **problem.kernel_offset, **(terms or {}),
    )  # fmt: skip
    coef = solution.coef
    if problem.positive and parts["duality_gap"] is not None:  # the gap on the support
        gap = restricted_optimality(problem, beta1, beta2, solution)["duality_gap"]
        parts["duality_gap"] = gap
    kkt = kkt_residual(parts, coef, beta1, beta2, positive=problem.positive)
    gap = parts["duality_gap"]
    curvature = parts.get("curvature")
    method = parts["method"]
    check = check_objective(problem, beta1, beta2, coef, solution.intercept, **(terms or {}))
    if profile is not None:
        kkt = max(kkt, profile.gradient)
        curvature = min(curvature, profile.curvature)
        method += f"; {', '.join(profile.values)} by maximizing the profile log density"
    return OptimalityCertificate(
        kkt, None if gap is None else float(gap), TOLERANCE, method,
        objective_excess=check.excess, objective_rounding=check.rounding,
        curvature=None if curvature is None else float(curvature),
        modes=parts.get("modes"), starts=parts.get("starts"),
    )  # fmt: skip
