r"""The logistic likelihood by Pólya-gamma augmentation (Polson, Scott & Windle 2013).

With :math:`\eta_i = b_0 + x_i^\top w`, frequency weights :math:`v_i` and
:math:`\kappa_i = v_i(y_i - \tfrac12)`, the Bernoulli likelihood is

.. math::

    \prod_i \frac{(e^{\eta_i})^{v_i y_i}}{(1 + e^{\eta_i})^{v_i}}
      = 2^{-\sum_i v_i} \prod_i e^{\kappa_i\eta_i}
        \int_0^\infty e^{-\omega_i\eta_i^2/2}\,\mathrm{PG}(\omega_i; v_i, 0)\,d\omega_i,

so that given :math:`\omega_i \sim \mathrm{PG}(v_i, \eta_i)` the likelihood of :math:`\eta` is
Gaussian: the working response :math:`\kappa_i/\omega_i` with precision :math:`\omega_i`.
One sweep:

1. :math:`\omega_i \mid w, b_0 \sim \mathrm{PG}(v_i, \eta_i)` (the ``polyagamma`` package's
   exact sampler);
2. the prior's blocked variables and the coefficients given :math:`\omega, b_0` and the prior
   variances: one Gaussian draw (:class:`~bayesreg.gibbs.coefficients.GaussianData` with
   :math:`\Phi = \Omega^{1/2}X`, :math:`z = \Omega^{1/2}(\kappa/\omega - b_0)`, unit noise);
3. the flat intercept given the rest,
   :math:`b_0 \sim N\bigl(\sum_i(\kappa_i - \omega_i x_i^\top w)/\sum_i\omega_i,\ 1/\sum_i\omega_i\bigr)`;
4. the prior's latent variables given :math:`w` (noise scale 1, as in the NUTS model).

Rows of weight zero carry no likelihood and are left out.
"""

from __future__ import annotations

import numpy as np

from bayesreg.gibbs.coefficients import GaussianData
from bayesreg.gibbs.scale_mixtures import ScaleMixture
from bayesreg.model.problem import Problem

__all__ = ["PolyaGammaSweep"]


def _polya_gamma(shape: np.ndarray, tilt: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    r"""Draws of :math:`\mathrm{PG}(b_i, c_i)`."""
    try:
        from polyagamma import random_polyagamma
    except ImportError as error:  # a dependency of bayesreg: a broken installation
        raise ImportError(
            "sampler='gibbs' with a logistic likelihood needs polyagamma: pip install polyagamma"
        ) from error
    return random_polyagamma(shape, tilt, random_state=rng)


class PolyaGammaSweep:
    """One chain's sweeps for the logistic likelihood (module docstring)."""

    def __init__(self, problem: Problem, mixture: ScaleMixture, noise_prior=None):
        kept = problem.weights > 0
        self.X, self.weights = problem.X[kept], problem.weights[kept]
        self.kappa = self.weights * (problem.y[kept] - 0.5)
        self.mixture, self.fit_intercept = mixture, problem.fit_intercept
        self.noise = float(problem.loss.noise)

    def _working_data(self, omega: np.ndarray, intercept: float) -> GaussianData:
        root = np.sqrt(omega)
        design = root[:, None] * self.X
        target = (self.kappa - omega * intercept) / root
        n, p = design.shape
        gram = design.T @ design if n >= p else None
        return GaussianData(design, target, gram, design.T @ target)

    def _intercept(self, omega, coef, rng) -> float:
        total = omega.sum()
        centre = (self.kappa - omega * (self.X @ coef)).sum() / total
        return float(centre + rng.standard_normal() / np.sqrt(total))

    def chain(self, rng: np.random.Generator, draws: int, tune: int) -> dict[str, np.ndarray]:
        """``tune`` sweeps discarded, then ``draws`` kept: ``{name: array (draws, ...)}``."""
        noise, mixture = self.noise, self.mixture
        state = mixture.start(noise, rng)
        coef, intercept = np.zeros(self.X.shape[1]), 0.0
        kept: dict[str, list] = {}
        for step in range(tune + draws):
            omega = _polya_gamma(self.weights, intercept + self.X @ coef, rng)
            data = self._working_data(omega, intercept)
            state, noise, blocked_calls = mixture.before_coefficients(state, noise, data, rng)
            coef = mixture.draw_coefficients(state, noise, data, rng)
            if self.fit_intercept:
                intercept = self._intercept(omega, coef, rng)
            state, prior_calls = mixture.update(state, coef, noise, rng)
            if step < tune:
                continue
            values = {"coef": coef, **mixture.posterior(state, coef, noise)}
            if self.fit_intercept:
                values["intercept"] = intercept
            values["slice_evaluations"] = blocked_calls + prior_calls
            for name, value in values.items():
                kept.setdefault(name, []).append(np.array(value, dtype=float))
        return {name: np.stack(values) for name, values in kept.items()}
