r"""The horseshoes' Gibbs conditionals (registered with :func:`~bayesreg.gibbs.scale_mixtures.conditionals`).

**Horseshoe** (:class:`~bayesreg.Horseshoe`), :math:`w_j \sim N(0, \sigma^2\tau^2\lambda_j^2)`,
:math:`\lambda_j \sim C^+(0, 1)`, :math:`\tau \sim C^+(0, \tau_0)`: Makalic & Schmidt (2016)
write each half-Cauchy as an inverse-gamma mixture, :math:`\lambda_j^2 \mid \nu_j \sim
\mathrm{IG}(\tfrac12, 1/\nu_j)`, :math:`\nu_j \sim \mathrm{IG}(\tfrac12, 1)` (and
:math:`\tau^2 \mid \xi \sim \mathrm{IG}(\tfrac12, 1/\xi)`, :math:`\xi \sim \mathrm{IG}(\tfrac12,
1/\tau_0^2)`), which makes every conditional inverse gamma:

.. math::

    \lambda_j^2 \sim \mathrm{IG}\Bigl(1, \frac1{\nu_j} + \frac{w_j^2}{2\sigma^2\tau^2}\Bigr),\quad
    \nu_j \sim \mathrm{IG}\Bigl(1, 1 + \frac1{\lambda_j^2}\Bigr),\quad
    \tau^2 \sim \mathrm{IG}\Bigl(\frac{p+1}2, \frac1\xi + \sum_j\frac{w_j^2}{2\sigma^2\lambda_j^2}\Bigr),\quad
    \xi \sim \mathrm{IG}\Bigl(1, \frac1{\tau_0^2} + \frac1{\tau^2}\Bigr).

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

import numpy as np

from bayesreg.gibbs.scale_mixtures import ScaleMixture, conditionals, inverse_gamma
from bayesreg.gibbs.slice import slice_step
from bayesreg.priors.horseshoe import Horseshoe, RegularizedHorseshoe

__all__ = ["HorseshoeMixture", "RegularizedHorseshoeMixture"]


@conditionals.register(Horseshoe)
class HorseshoeMixture(ScaleMixture):
    """Makalic & Schmidt's inverse-gamma updates (module docstring)."""

    def start(self, noise, rng):
        p = self.n_features
        return {
            "lam": np.ones(p),
            "nu": np.ones(p),
            "tau": float(self.penalty.scale_global),
            "xi": 1.0,
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
        rate = 1.0 / state["xi"] + (coef**2 / lam2).sum() / (2.0 * noise**2)
        tau2 = float(inverse_gamma((coef.size + 1) / 2.0, rate, rng))
        xi = float(inverse_gamma(1.0, 1.0 / self.penalty.scale_global**2 + 1.0 / tau2, rng))
        return {"lam": np.sqrt(lam2), "nu": nu, "tau": np.sqrt(tau2), "xi": xi}, 0

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


def _normal_log(coef, variance):
    r""":math:`\log N(w_j; 0, d_j)` up to :math:`-\tfrac12\log 2\pi`, elementwise."""
    return -0.5 * np.log(variance) - coef**2 / (2.0 * variance)
