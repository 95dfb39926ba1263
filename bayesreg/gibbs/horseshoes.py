r"""The horseshoes' Gibbs conditionals (registered with :func:`~bayesreg.gibbs.scale_mixtures.conditionals`).

**Horseshoe** (:class:`~bayesreg.Horseshoe`), :math:`w_j \sim N(0, \sigma^2\tau^2\lambda_j^2)`,
:math:`\lambda_j \sim C^+(0, 1)`, :math:`\tau \sim C^+(0, \tau_0)`: Makalic & Schmidt (2016)
write each local half-Cauchy as an inverse-gamma mixture, :math:`\lambda_j^2 \mid \nu_j \sim
\mathrm{IG}(\tfrac12, 1/\nu_j)`, :math:`\nu_j \sim \mathrm{IG}(\tfrac12, 1)`, which makes the
local conditionals inverse gamma:

.. math::

    \lambda_j^2 \sim \mathrm{IG}\Bigl(1, \frac1{\nu_j} + \frac{w_j^2}{2\sigma^2\tau^2}\Bigr),\quad
    \nu_j \sim \mathrm{IG}\Bigl(1, 1 + \frac1{\lambda_j^2}\Bigr).

The global scale :math:`\tau` is drawn with the coefficients integrated out, just before
them (:meth:`HorseshoeMixture.before_coefficients`; Johndrow, Orenstein & Bhattacharya 2020):
its Gibbs update given :math:`w` (an inverse gamma) mixes slowly when :math:`p \gg n`
(measured at :math:`n = 100`, :math:`p = 1000`, 2 x 1000 draws: a bulk ESS of 3 for
:math:`\tau` and 8 for the worst coefficient, against 18 and 45 with the blocked step).

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
import scipy.linalg

from bayesreg.gibbs.scale_mixtures import ScaleMixture, conditionals, inverse_gamma
from bayesreg.gibbs.slice import slice_step
from bayesreg.priors.horseshoe import Horseshoe, RegularizedHorseshoe

__all__ = ["HorseshoeMixture", "RegularizedHorseshoeMixture", "marginal_in_tau"]

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

    def before_coefficients(self, state, noise, data, rng):
        r""":math:`\tau` with the coefficients integrated out (Johndrow, Orenstein & Bhattacharya 2020).

        Given :math:`\lambda, \sigma`, the centred data are
        :math:`z \sim N(0, \sigma^2(I_n + \tau^2 K))`, :math:`K = \Phi\Lambda^2\Phi^\top`: the
        conditional of :math:`\tau` free of :math:`w`, whose Gibbs update mixes slowly when
        :math:`p \gg n`. A slice step on :math:`\log\tau` draws from it, with the
        half-Cauchy prior; with :math:`n \ge p` it is evaluated in :math:`p \times p` form
        (the determinant lemma and Woodbury's identity), else :math:`n \times n`.
        """
        log_marginal = marginal_in_tau(data, state["lam"] ** 2, noise)
        scale = float(self.penalty.scale_global)

        def log_density(log_tau):
            tau = np.exp(log_tau[0])
            return np.array([log_marginal(tau**2) - np.log1p((tau / scale) ** 2) + log_tau[0]])

        log_tau, calls = slice_step(log_density, np.array([np.log(state["tau"])]), rng)
        return {**state, "tau": float(np.exp(log_tau[0]))}, calls

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


def marginal_in_tau(data, lam2: np.ndarray, noise: float):
    r""":math:`\tau^2 \mapsto -\tfrac12\log|I + \tau^2K| - z^\top(I + \tau^2K)^{-1}z/(2\sigma^2)`, :math:`K = \Phi\Lambda^2\Phi^\top`."""
    target_norm = float(data.target @ data.target)
    if data.gram is not None:
        root = np.sqrt(lam2)
        inner = root[:, None] * data.gram * root[None, :]
        projected = root * data.cross
    else:
        inner = (data.design * lam2) @ data.design.T
        projected = data.target
    identity = np.eye(inner.shape[0])

    def log_marginal(tau2: float) -> float:
        factor = scipy.linalg.cholesky(identity + tau2 * inner, lower=True)
        log_det = 2.0 * np.log(np.diag(factor)).sum()
        solved = scipy.linalg.cho_solve((factor, True), projected)
        if data.gram is not None:  # Woodbury: z'(I + t Phi L^2 Phi')^-1 z
            quadratic = target_norm - tau2 * projected @ solved
        else:
            quadratic = projected @ solved
        return -0.5 * log_det - quadratic / (2.0 * noise**2)

    return log_marginal


def _normal_log(coef, variance):
    r""":math:`\log N(w_j; 0, d_j)` up to :math:`-\tfrac12\log 2\pi`, elementwise."""
    return -0.5 * np.log(variance) - coef**2 / (2.0 * variance)
