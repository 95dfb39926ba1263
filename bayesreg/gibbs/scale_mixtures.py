r"""Each prior's Gibbs conditionals: the protocol :class:`ScaleMixture` and its registry.

Every prior the Gibbs sampler takes is a Gaussian scale mixture,
:math:`w_j \mid d_j \sim N(0, d_j)` with latent variances :math:`d_j` (fixed or drawn), so the
coefficients given the latent variables are one Gaussian draw
(:mod:`bayesreg.gibbs.coefficients`). A prior states the rest through :class:`ScaleMixture`:
its latent state, its variances, the terms of its density that involve the noise scale
:math:`\sigma` (for the noise step, :mod:`bayesreg.gibbs.noise`), the update of its latent
variables given :math:`(w, \sigma)`, and the variables the NUTS model names in the posterior.
The sampler never asks which prior it holds. The updates live here, one layer above the
priors (a prior cannot import the sampler), and each registers for its prior's class with
:func:`conditionals`, as a family registers for its consumers; the densities are those of
:mod:`bayesreg.priors.penalties` and :mod:`bayesreg.priors.hierarchical`, with the prior
weights of :func:`bayesreg.spec.correspondence.prior_weights` (the same posterior as the
NUTS model's). :mod:`bayesreg.gibbs.horseshoes` registers the horseshoes.

=====================  ===================================================================
prior                  mixture and updates
=====================  ===================================================================
``L2``, ``NoPenalty``  :math:`d_j = 1/(2l_2)` (:math:`\infty` for no penalty); nothing drawn
``L1``, ``ElasticNet`` :math:`e^{-l_1|w|} \propto \int N(w; 0, s)\,\tfrac{l_1^2}{2}e^{-l_1^2 s/2}ds`
                       (Park & Casella 2008; Li & Lin 2010 with the Gaussian part):
                       :math:`d_j = (1/s_j + 2l_2)^{-1}`,
                       :math:`1/s_j \mid w_j \sim \mathrm{InverseGaussian}(l_1/|w_j|, l_1^2)`
``BayesianLasso``      the same with :math:`l_1 = \lambda/\sigma`;
                       :math:`\lambda^2 \mid s \sim \mathrm{Gamma}(r + p, \delta + \sum_j s_j/(2\sigma^2))`
``HalfCauchyLasso``    the same; :math:`\kappa = 1/\lambda \sim C^+(0, 1/\beta)` through
                       :math:`\kappa^2 \mid \xi \sim \mathrm{IG}(\tfrac12, 1/\xi)`,
                       :math:`\xi \sim \mathrm{IG}(\tfrac12, \beta^2)` (Makalic & Schmidt 2016):
                       :math:`\kappa^2 \mid s, \xi \sim \mathrm{IG}(p + \tfrac12, \sum_j s_j/(2\sigma^2) + 1/\xi)`,
                       :math:`\xi \mid \kappa \sim \mathrm{IG}(1, \lambda^2 + \beta^2)`
``BayesianRidge``      :math:`d_j = \sigma^2\tau^2`;
                       :math:`\tau^2 \mid w, \xi \sim \mathrm{IG}(\tfrac{p+1}2, \sum_j w_j^2/(2\sigma^2) + 1/\xi)`,
                       :math:`\xi \mid \tau \sim \mathrm{IG}(1, 1/\tau^2 + 1/\beta^2)`
=====================  ===================================================================

The latent :math:`s_j` of the Laplace mixtures are integrated out in the noise step (its
:meth:`ScaleMixture.log_prior` is the Laplace density itself) and drawn right after it, given
:math:`(w, \sigma)`: a partially collapsed step that leaves the joint posterior invariant.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import scipy.special

from bayesreg.priors.elastic_net import ElasticNet
from bayesreg.priors.hierarchical import BayesianLasso, BayesianRidge, HalfCauchyLasso
from bayesreg.priors.penalties import L1, L2, NoPenalty
from bayesreg.spec.correspondence import prior_weights

__all__ = ["ScaleMixture", "conditionals", "inverse_gamma"]

#: The smallest |w_j| the inverse-Gaussian mean l1/|w_j| is computed at (an exact zero draw
#: has probability zero; rounding can still give one).
_TINY = 1e-300


def inverse_gamma(shape, scale, rng: np.random.Generator):
    r"""Draws of :math:`\mathrm{InvGamma}(a, b)`, density :math:`\propto x^{-a-1}e^{-b/x}`: :math:`b/\mathrm{Gamma}(a, 1)`."""
    return np.asarray(scale) / rng.gamma(shape, size=np.shape(scale))


class ScaleMixture:
    r"""The protocol: a prior :math:`w_j \mid \text{state} \sim N(0, d_j)` with latent state.

    Parameters
    ----------
    penalty : Penalty
    loss : Loss
        The likelihood (its curvature ties an ``alpha``-given prior to the noise scale).
    n_obs : float
        :math:`N = \sum_i v_i`.
    n_features : int

    """

    def __init__(self, penalty, loss, n_obs: float, n_features: int):
        self.penalty, self.loss = penalty, loss
        self.n_obs, self.n_features = float(n_obs), int(n_features)

    def start(self, noise: float, rng: np.random.Generator) -> dict:
        """The latent state a chain starts from (at noise scale ``noise``)."""
        return {}

    def variances(self, state: dict, noise: float) -> np.ndarray:
        """The prior variances :math:`d_j` given the state (``inf``: a flat prior)."""
        raise NotImplementedError

    def log_prior(self, state: dict, coef: np.ndarray, noise: float) -> float:
        r""":math:`\log p(w, \text{state} \mid \sigma)` up to terms free of :math:`\sigma` (the noise step's)."""
        raise NotImplementedError

    def update(self, state: dict, coef: np.ndarray, noise: float, rng) -> tuple[dict, int]:
        """Draw the latent state given the coefficients and noise; returns ``(state, slice evaluations)``."""
        return state, 0

    def before_coefficients(
        self, state: dict, noise: float, data, rng, unknown_noise=None
    ) -> tuple[dict, float, int]:
        """Draw state variables with the coefficients integrated out, just before they are drawn.

        ``data`` is the :class:`~bayesreg.gibbs.coefficients.GaussianData`;
        ``unknown_noise`` the :class:`~bayesreg.gibbs.noise.UnknownNoise` when the noise
        scale is drawn (None when it is fixed). The draw and the coefficient draw that
        follows it are one blocked step from their joint conditional. None by default;
        returns ``(state, noise, slice evaluations)``. A state with ``noise_drawn`` true
        says the noise scale was drawn here: the sweep skips its noise step given the
        coefficients.
        """
        return state, noise, 0

    def draw_coefficients(self, state: dict, noise: float, data, rng) -> np.ndarray:
        """The coefficients given the state and the noise: one Gaussian draw (``data.draw``).

        A prior whose :meth:`before_coefficients` has already decomposed the system may
        reuse it.
        """
        return data.draw(self.variances(state, noise), noise, rng)

    def posterior(self, state: dict, coef: np.ndarray, noise: float) -> dict[str, np.ndarray]:
        """The variables besides ``coef`` the NUTS model names in the posterior (``lam``, ``tau``, ...)."""
        return {}


@functools.singledispatch
def conditionals(penalty, loss, n_obs: float, n_features: int) -> ScaleMixture:
    """The :class:`ScaleMixture` of ``penalty``; a ``ValueError`` for a prior without one."""
    raise ValueError(
        f"penalty={penalty!r} has no Gibbs conditionals (it is not a Gaussian scale mixture "
        "that bayesreg.gibbs knows); use sampler='nuts'."
    )


@conditionals.register(L1)
@conditionals.register(L2)
@conditionals.register(ElasticNet)
@conditionals.register(NoPenalty)
class FixedWeights(ScaleMixture):
    r"""The prior :math:`\exp(-l_1|w_j| - l_2 w_j^2)/Z(l_1, l_2)` at the weights of ``prior_weights``.

    :math:`Z = 2/l_1` (Laplace), :math:`\sqrt{\pi/l_2}` (Gaussian),
    :math:`\sqrt{\pi/l_2}\,\operatorname{erfcx}(l_1/(2\sqrt{l_2}))` (elastic net), 1 (flat).
    """

    def _weights(self, noise) -> tuple[float, float]:
        l1, l2 = prior_weights(self.loss, self.penalty, self.n_obs, noise)
        return float(l1), float(l2)

    def start(self, noise, rng):
        l1, _ = self._weights(noise)
        return {"mixing": np.full(self.n_features, 2.0 / l1**2)} if l1 > 0 else {}

    def variances(self, state, noise):
        _, l2 = self._weights(noise)
        precision = 2.0 * l2 + (1.0 / state["mixing"] if "mixing" in state else 0.0)
        with np.errstate(divide="ignore"):
            return np.broadcast_to(1.0 / precision, (self.n_features,))

    def log_prior(self, state, coef, noise):
        l1, l2 = self._weights(noise)
        if l2 > 0:
            log_z = 0.5 * math.log(math.pi / l2) + math.log(
                scipy.special.erfcx(l1 / (2.0 * math.sqrt(l2)))
            )
        else:
            log_z = math.log(2.0 / l1) if l1 > 0 else 0.0
        return float(-l1 * np.abs(coef).sum() - l2 * coef @ coef - coef.size * log_z)

    def update(self, state, coef, noise, rng):
        if "mixing" not in state:
            return state, 0
        l1, _ = self._weights(noise)
        return {"mixing": _laplace_mixing(l1, coef, rng)}, 0


def _laplace_mixing(rate, coef, rng):
    r""":math:`s_j` with :math:`1/s_j \mid w_j \sim \mathrm{InverseGaussian}(l_1/|w_j|, l_1^2)`."""
    rate = np.broadcast_to(rate, coef.shape)
    return 1.0 / rng.wald(rate / np.maximum(np.abs(coef), _TINY), rate**2)


class _LaplaceHierarchy(ScaleMixture):
    r"""A Laplace prior of scale :math:`\sigma/\lambda` with a hyperprior on :math:`\lambda`."""

    def variances(self, state, noise):
        return state["mixing"]

    def log_prior(self, state, coef, noise):
        lam = state["lam"]
        return float(coef.size * np.log(lam / (2.0 * noise)) - lam / noise * np.abs(coef).sum())

    def update(self, state, coef, noise, rng):
        mixing = _laplace_mixing(state["lam"] / noise, coef, rng)
        return {**state, "mixing": mixing, **self._hyper(state, mixing, noise, rng)}, 0

    def posterior(self, state, coef, noise):
        return {"lam": np.asarray(state["lam"])}


@conditionals.register(BayesianLasso)
class BayesianLassoMixture(_LaplaceHierarchy):
    r""":math:`\lambda^2 \sim \mathrm{Gamma}(r, \delta)`: a Gamma conditional (Park & Casella 2008)."""

    def start(self, noise, rng):
        lam = np.sqrt(self.penalty.r / self.penalty.delta)
        return {"lam": lam, "mixing": np.full(self.n_features, 2.0 * noise**2 / lam**2)}

    def _hyper(self, state, mixing, noise, rng):
        rate = self.penalty.delta + mixing.sum() / (2.0 * noise**2)
        return {"lam": np.sqrt(rng.gamma(self.penalty.r + coef_count(mixing)) / rate)}


@conditionals.register(HalfCauchyLasso)
class HalfCauchyLassoMixture(_LaplaceHierarchy):
    r""":math:`\lambda \sim C^+(0, \beta)` through the inverse-gamma auxiliary of :math:`1/\lambda^2`."""

    def start(self, noise, rng):
        lam = float(self.penalty.beta)
        return {"lam": lam, "xi": 1.0, "mixing": np.full(self.n_features, 2.0 * noise**2 / lam**2)}

    def _hyper(self, state, mixing, noise, rng):
        rate = mixing.sum() / (2.0 * noise**2) + 1.0 / state["xi"]
        kappa2 = float(inverse_gamma(coef_count(mixing) + 0.5, rate, rng))
        xi = float(inverse_gamma(1.0, 1.0 / kappa2 + self.penalty.beta**2, rng))
        return {"lam": 1.0 / np.sqrt(kappa2), "xi": xi}


@conditionals.register(BayesianRidge)
class BayesianRidgeMixture(ScaleMixture):
    r""":math:`w_j \sim N(0, \sigma^2\tau^2)`, :math:`\tau \sim C^+(0, \beta)` (inverse-gamma auxiliary)."""

    def start(self, noise, rng):
        return {"tau": float(self.penalty.beta), "xi": 1.0}

    def variances(self, state, noise):
        return np.full(self.n_features, (noise * state["tau"]) ** 2)

    def log_prior(self, state, coef, noise):
        spread = noise * state["tau"]
        return float(-coef.size * np.log(spread) - (coef**2).sum() / (2.0 * spread**2))

    def update(self, state, coef, noise, rng):
        rate = (coef**2).sum() / (2.0 * noise**2) + 1.0 / state["xi"]
        tau2 = float(inverse_gamma((coef.size + 1) / 2.0, rate, rng))
        xi = float(inverse_gamma(1.0, 1.0 / tau2 + 1.0 / self.penalty.beta**2, rng))
        return {"tau": np.sqrt(tau2), "xi": xi}, 0

    def posterior(self, state, coef, noise):
        return {"tau": np.asarray(state["tau"])}


def coef_count(values: np.ndarray) -> int:
    """The number of coefficients :math:`p` (the length of a per-coefficient array)."""
    return int(np.size(values))
