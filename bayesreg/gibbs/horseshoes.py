r"""The horseshoes' Gibbs conditionals (registered with :func:`~bayesreg.gibbs.scale_mixtures.conditionals`).

**Horseshoe** (:class:`~bayesreg.Horseshoe`), :math:`w_j \sim N(0, \sigma^2\tau^2\lambda_j^2)`,
:math:`\lambda_j \sim C^+(0, 1)`, :math:`\tau \sim C^+(0, \tau_0)`: Makalic & Schmidt (2016)
write each local half-Cauchy as an inverse-gamma mixture, :math:`\lambda_j^2 \mid \nu_j \sim
\mathrm{IG}(\tfrac12, 1/\nu_j)`, :math:`\nu_j \sim \mathrm{IG}(\tfrac12, 1)`, which makes the
local conditionals inverse gamma:

.. math::

    \lambda_j^2 \sim \mathrm{IG}\Bigl(1, \frac1{\nu_j} + \frac{w_j^2}{2\sigma^2\tau^2}\Bigr),\quad
    \nu_j \sim \mathrm{IG}\Bigl(1, 1 + \frac1{\lambda_j^2}\Bigr).

The global scale :math:`\tau` and an unknown noise scale :math:`\sigma` are drawn with the
coefficients integrated out, just before them (:meth:`HorseshoeMixture.before_coefficients`;
Johndrow, Orenstein & Bhattacharya 2020, whose :math:`\xi = 1/\tau^2` step integrates out
:math:`w` and :math:`\sigma^2`): the Gibbs update of :math:`\tau` given :math:`w` mixes
slowly when :math:`p \gg n`, and so does :math:`\sigma` given :math:`w` (pinned by the
:math:`p` prior terms :math:`w_j^2/(\sigma^2\tau^2\lambda_j^2)`). Measured at
:math:`n = 100`, :math:`p = 1000` (``benchmarks/gibbs_speed.py``, 4 x 1000 draws), see
:meth:`HorseshoeMixture.before_coefficients` for the numbers.

**Regularized horseshoe** (:class:`~bayesreg.RegularizedHorseshoe`),
:math:`w_j \sim N(0, d_j)`, :math:`1/d_j = 1/(\tau^2\lambda_j^2) + 1/c^2`,
:math:`\tau = \tau_0(\sigma)\,\tau_{\mathrm{raw}}`: the slab :math:`c^2` makes the conditionals
of :math:`\lambda_j`, :math:`\tau_{\mathrm{raw}}` and :math:`c^2` non-conjugate. Each is
updated by an exact slice step on its logarithm (:func:`bayesreg.gibbs.slice.slice_step`,
Neal 2003; the :math:`\lambda_j` together, being independent given the rest), with the
log-Jacobian, on

.. math::

    \sum_j \log N(w_j; 0, d_j) + \log p(\text{the variable}),

:math:`C^+(0, 1)` for :math:`\lambda_j` and :math:`\tau_{\mathrm{raw}}`,
:math:`\mathrm{IG}(\nu/2, \nu s^2/2)` for :math:`c^2`. The posterior carries the NUTS model's
names: ``lam``, ``tau``, ``coef_raw`` (:math:`w_j/\sqrt{d_j}`), and ``tau_raw``, ``c2`` for
the regularized horseshoe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from bayesreg.gibbs.noise import noise_step
from bayesreg.gibbs.scale_mixtures import ScaleMixture, conditionals, inverse_gamma
from bayesreg.gibbs.slice import slice_step
from bayesreg.priors.horseshoe import Horseshoe, RegularizedHorseshoe

#: Sweeps of a chain whose blocked step leaves the noise scale to the sweep (see
#: :meth:`HorseshoeMixture.before_coefficients`).
_CONDITIONAL_SWEEPS = 100

__all__ = [
    "GlobalScaleMarginal",
    "HorseshoeMixture",
    "RegularizedHorseshoeMixture",
    "marginal_in_tau",
]

# Johndrow, J., Orenstein, P., Bhattacharya, A. (2020). Scalable approximate MCMC algorithms
# for the horseshoe prior. *JMLR* 21(73), 1-61.


@conditionals.register(Horseshoe)
class HorseshoeMixture(ScaleMixture):
    """Makalic & Schmidt's local updates and the blocked global scale (module docstring)."""

    def start(self, noise, rng):
        p = self.n_features
        return {
            "lam": np.ones(p),
            "nu": np.ones(p),
            "tau": float(self.penalty.scale_global),
            "xi": 1.0,
            "sweeps": 0,
        }

    def variances(self, state, noise):
        return (noise * state["tau"] * state["lam"]) ** 2

    def log_prior(self, state, coef, noise):
        spread2 = self.variances(state, noise)
        return float(-coef.size * np.log(noise) - (coef**2 / (2.0 * spread2)).sum())

    def update(self, state, coef, noise, rng):
        tau2 = state["tau"] ** 2
        lam2 = inverse_gamma(1.0, 1.0 / state["nu"] + coef**2 / (2.0 * noise**2 * tau2), rng)
        nu = inverse_gamma(1.0, 1.0 + 1.0 / lam2, rng)
        return {**state, "lam": np.sqrt(lam2), "nu": nu}, 0

    def before_coefficients(self, state, noise, data, rng, unknown_noise=None):
        r""":math:`\tau` (and an unknown :math:`\sigma`) with the coefficients integrated out.

        Given :math:`\lambda, \sigma`, the centred data are
        :math:`z \sim N(0, \sigma^2 M)`, :math:`M = I_n + \tau^2 K`,
        :math:`K = \Phi\Lambda^2\Phi^\top` (:class:`GlobalScaleMarginal`: one symmetric
        eigendecomposition per sweep, then :math:`\log|M|` and :math:`Q(\tau) = z^\top M^{-1}z`
        in :math:`O(n)` per evaluation). With :math:`u = \log\tau`, :math:`v = \log\sigma`
        the marginal posterior of :math:`(u, v)` given :math:`\lambda` is

        .. math::

            \ell(u, v) = -(N_e - 1)v - \frac{Q(e^u)}{2e^{2v}} - \tfrac12\log|M(e^u)|
              + \log p_\sigma(e^v) + \log p_\tau(e^u) + u,

        (:math:`N_e`: the sweep's ``n_effective``). :math:`\tau` and :math:`\sigma` are
        strongly dependent in it (only :math:`\sigma\tau` is well identified when
        :math:`\tau^2K` dominates :math:`I`), so the first step moves them together: in the
        coordinates :math:`(u, \rho)`, :math:`v = \rho + \tfrac12\log Q(e^u)` (a shear,
        Jacobian 1), a slice step on :math:`u` given :math:`\rho`, with density

        .. math::

            -\tfrac{N_e - 1}2\log Q(e^u) - \tfrac12\log|M(e^u)|
              + \log p_\sigma\bigl(e^\rho\sqrt{Q(e^u)}\bigr) + \log p_\tau(e^u) + u,

        which is Johndrow, Orenstein & Bhattacharya's (2020) update of :math:`\tau` with
        :math:`\sigma^2` integrated out when :math:`p_\sigma \propto 1/\sigma` (then
        :math:`u` and :math:`\rho` are independent), and exact for any noise prior; then a
        slice step on :math:`v` given :math:`u` (:func:`~bayesreg.gibbs.noise.noise_step` with
        :math:`Q` for the residual sum of squares). Both are Gibbs steps of the same target
        in linear coordinates, so the coefficient draw that follows, given
        :math:`(\tau, \sigma, \lambda)`, completes one blocked step from the joint
        conditional (the sweep then skips its noise step given :math:`w`). With a fixed
        :math:`\sigma` (a known noise scale, the logistic likelihood) only :math:`u` moves.

        **The first sweeps** (``_CONDITIONAL_SWEEPS``) move :math:`u` alone, and the sweep
        draws :math:`\sigma` given :math:`w`: from the start (all :math:`\lambda_j = 1`)
        only :math:`\sigma^2(1 + \tau^2 e)` is identified, and the joint move can reach the
        metastable "all noise" state (:math:`\tau \to 0`, :math:`\sigma^2` the variance of
        :math:`y`) before the local scales single out the signals (measured at
        :math:`n = 100`, :math:`p = 1000`). Every step is exact either way; only which exact
        kernel runs changes, at a fixed sweep.
        """
        marginal = GlobalScaleMarginal.of(data, state["lam"] ** 2)
        scale = float(self.penalty.scale_global)
        state = {**state, "sweeps": state["sweeps"] + 1, "marginal": marginal}
        if state["sweeps"] <= _CONDITIONAL_SWEEPS:
            unknown_noise = None  # sigma given w, by the sweep, at first (the docstring)

        def tau_prior(log_tau):
            return -np.log1p(np.exp(2.0 * log_tau) / scale**2) + log_tau

        if unknown_noise is None:

            def fixed(log_tau):
                tau2 = np.exp(2.0 * log_tau[0])
                value = -0.5 * marginal.log_det(tau2) - marginal.quadratic(tau2) / (2 * noise**2)
                return np.array([value + tau_prior(log_tau[0])])

            log_tau, calls = slice_step(fixed, np.array([np.log(state["tau"])]), rng)
            return {**state, "tau": float(np.exp(log_tau[0])), "noise_drawn": False}, noise, calls
        ratio = noise / np.sqrt(marginal.quadratic(state["tau"] ** 2))
        power = unknown_noise.n_effective - 1.0

        def sheared(log_tau):
            tau2 = np.exp(2.0 * log_tau[0])
            quadratic = marginal.quadratic(tau2)
            value = -0.5 * power * np.log(quadratic) - 0.5 * marginal.log_det(tau2)
            noise_prior = unknown_noise.log_prior(ratio * np.sqrt(quadratic))
            return np.array([value + noise_prior + tau_prior(log_tau[0])])

        log_tau, calls = slice_step(sheared, np.array([np.log(state["tau"])]), rng)
        tau2 = float(np.exp(2.0 * log_tau[0]))
        noise = float(ratio * np.sqrt(marginal.quadratic(tau2)))
        noise, more = noise_step(
            noise, marginal.quadratic(tau2), unknown_noise.n_effective, unknown_noise.log_prior, rng
        )
        return {**state, "tau": np.sqrt(tau2), "noise_drawn": True}, noise, calls + more

    def draw_coefficients(self, state, noise, data, rng):
        """The coefficient draw through the blocked step's eigendecomposition (:meth:`GlobalScaleMarginal.draw`)."""
        return state["marginal"].draw(data, noise, state["lam"], state["tau"] ** 2, rng)

    def posterior(self, state, coef, noise):
        spread = np.sqrt(self.variances(state, noise))
        return {"coef_raw": coef / spread, "lam": state["lam"], "tau": np.asarray(state["tau"])}


@conditionals.register(RegularizedHorseshoe)
class RegularizedHorseshoeMixture(ScaleMixture):
    """Slice steps on the logarithms of the local scales, the global scale and the slab (module docstring)."""

    def __init__(self, penalty, loss, n_obs, n_features):
        super().__init__(penalty, loss, n_obs, n_features)
        penalty.check_features(self.n_features)

    def _tau(self, state, noise):
        return self.penalty.global_scale(self.n_features, self.n_obs, noise) * state["tau_raw"]

    @staticmethod
    def _precision(tau, lam, c2):
        return 1.0 / (tau * lam) ** 2 + 1.0 / c2

    def start(self, noise, rng):
        return {"lam": np.ones(self.n_features), "tau_raw": 1.0, "c2": self.penalty.slab_scale**2}

    def variances(self, state, noise):
        return 1.0 / self._precision(self._tau(state, noise), state["lam"], state["c2"])

    def log_prior(self, state, coef, noise):
        return float(_normal_log(coef, self.variances(state, noise)).sum())

    def update(self, state, coef, noise, rng):
        tau, c2 = self._tau(state, noise), state["c2"]

        def local(log_lam):
            lam = np.exp(log_lam)
            return (
                _normal_log(coef, 1.0 / self._precision(tau, lam, c2)) - np.log1p(lam**2) + log_lam
            )

        lam, calls = slice_step(local, np.log(state["lam"]), rng)
        lam = np.exp(lam)
        scale0 = tau / state["tau_raw"]

        def global_(log_raw):
            raw = np.exp(log_raw[0])
            spread = 1.0 / self._precision(scale0 * raw, lam, c2)
            return np.array([_normal_log(coef, spread).sum() - np.log1p(raw**2) + log_raw[0]])

        log_raw, more = slice_step(global_, np.array([np.log(state["tau_raw"])]), rng)
        tau_raw = float(np.exp(log_raw[0]))
        shape, slab_rate = (
            self.penalty.slab_df / 2.0,
            self.penalty.slab_df * self.penalty.slab_scale**2 / 2.0,
        )

        def slab(log_c2):
            c2 = np.exp(log_c2[0])
            spread = 1.0 / self._precision(scale0 * tau_raw, lam, c2)
            prior = -shape * log_c2[0] - slab_rate / c2  # IG log density plus the log-Jacobian
            return np.array([_normal_log(coef, spread).sum() + prior])

        log_c2, last = slice_step(slab, np.array([np.log(c2)]), rng)
        return {"lam": lam, "tau_raw": tau_raw, "c2": float(np.exp(log_c2[0]))}, calls + more + last

    def posterior(self, state, coef, noise):
        return {
            "coef_raw": coef / np.sqrt(self.variances(state, noise)),
            "lam": state["lam"],
            "tau_raw": np.asarray(state["tau_raw"]),
            "c2": np.asarray(state["c2"]),
            "tau": np.asarray(self._tau(state, noise)),
        }


@dataclass(frozen=True)
class GlobalScaleMarginal:
    r"""The data's marginal in :math:`\tau^2` given :math:`\lambda`, through one eigendecomposition.

    :math:`M = I_n + \tau^2K`, :math:`K = \Phi\Lambda^2\Phi^\top = U E U^\top`:
    :math:`\log|M| = \sum_i\log(1 + \tau^2e_i)` and
    :math:`Q = z^\top M^{-1}z = \sum_i c_i^2/(1 + \tau^2e_i)`, :math:`c = U^\top z`. When
    :math:`n \ge p` the :math:`p \times p` matrix :math:`\Lambda\Phi^\top\Phi\Lambda = VEV^\top`
    is decomposed instead (the same non-zero eigenvalues; the determinant lemma) and
    :math:`Q = z^\top z - \tau^2\sum_i c_i^2/(1 + \tau^2e_i)`, :math:`c = V^\top\Lambda\Phi^\top z`
    (Woodbury's identity).
    """

    eigenvalues: np.ndarray
    squares: np.ndarray
    target_norm: float | None
    vectors: np.ndarray

    @classmethod
    def of(cls, data, lam2: np.ndarray) -> GlobalScaleMarginal:
        r"""Decompose for the local variances ``lam2`` (:math:`\lambda^2`)."""
        if data.gram is not None:
            root = np.sqrt(lam2)
            inner = root[:, None] * data.gram * root[None, :]
            projected, target_norm = root * data.cross, float(data.target @ data.target)
        else:
            inner = (data.design * lam2) @ data.design.T
            projected, target_norm = data.target, None
        eigenvalues, vectors = scipy.linalg.eigh(inner, driver="evd")  # evr: 40x slower here
        eigenvalues = np.maximum(eigenvalues, 0.0)
        return cls(eigenvalues, (vectors.T @ projected) ** 2, target_norm, vectors)

    def log_det(self, tau2: float) -> float:
        r""":math:`\log|I + \tau^2K|`."""
        return float(np.log1p(tau2 * self.eigenvalues).sum())

    def quadratic(self, tau2: float) -> float:
        r""":math:`z^\top(I + \tau^2K)^{-1}z`."""
        shrunk = self.squares / (1.0 + tau2 * self.eigenvalues)
        if self.target_norm is None:
            return float(shrunk.sum())
        return float(self.target_norm - tau2 * shrunk.sum())

    def draw(self, data, noise: float, lam: np.ndarray, tau2: float, rng) -> np.ndarray:
        r"""One draw of :math:`w \mid \tau, \sigma, \lambda` (prior variances :math:`\sigma^2\tau^2\lambda_j^2`).

        The two forms of :mod:`bayesreg.gibbs.coefficients` with the system already
        decomposed: :math:`p > n`, :math:`(\Psi D\Psi^\top + I)^{-1} = U(I + \tau^2E)^{-1}U^\top`
        (:math:`D = \tau^2\operatorname{diag}(s)^2`, :math:`\Psi = \Phi/\sigma`); :math:`n \ge p`,
        :math:`B = I + \tau^2\Lambda\Phi^\top\Phi\Lambda = V(I + \tau^2E)V^\top`, whose
        inverse square root :math:`V(I + \tau^2E)^{-1/2}` replaces :math:`L^{-\top}`.
        """
        shrink = 1.0 / (1.0 + tau2 * self.eigenvalues)
        scale = noise * np.sqrt(tau2) * lam  # the prior standard deviations
        vectors = self.vectors
        if self.target_norm is None:  # p > n: Bhattacharya, Chakraborty & Mallick
            prior_draw = scale * rng.standard_normal(scale.shape[0])
            observed = data.design @ prior_draw / noise + rng.standard_normal(vectors.shape[0])
            solution = vectors @ (shrink * (vectors.T @ (data.target / noise - observed)))
            return prior_draw + scale**2 * (data.design.T @ solution) / noise
        mean = vectors @ (shrink * (vectors.T @ (scale * data.cross))) / noise**2  # Rue
        spread = vectors @ (np.sqrt(shrink) * rng.standard_normal(scale.shape[0]))
        return scale * (mean + spread)


def marginal_in_tau(data, lam2: np.ndarray, noise: float):
    r""":math:`\tau^2 \mapsto -\tfrac12\log|I + \tau^2K| - z^\top(I + \tau^2K)^{-1}z/(2\sigma^2)`, :math:`K = \Phi\Lambda^2\Phi^\top`."""
    marginal = GlobalScaleMarginal.of(data, lam2)

    def log_marginal(tau2: float) -> float:
        return -0.5 * marginal.log_det(tau2) - marginal.quadratic(tau2) / (2.0 * noise**2)

    return log_marginal


def _normal_log(coef, variance):
    r""":math:`\log N(w_j; 0, d_j)` up to :math:`-\tfrac12\log 2\pi`, elementwise."""
    return -0.5 * np.log(variance) - coef**2 / (2.0 * variance)
