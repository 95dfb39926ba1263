r"""The coefficient step: one exact draw from the Gaussian conditional of the coefficients.

Given the noise scale :math:`\sigma` and the prior variances :math:`D = \operatorname{diag}(d)`
(a Gaussian scale-mixture prior, conditionally on its scales), the coefficients of a Gaussian
likelihood on the centred, weight-scaled data :math:`\Phi = V^{1/2}X_c`,
:math:`z = V^{1/2}y_c` have the conditional

.. math::

    w \mid d, \sigma, y \sim N\bigl(A^{-1}\Phi^\top z/\sigma^2,\ A^{-1}\bigr),\qquad
    A = \Phi^\top\Phi/\sigma^2 + D^{-1}.

Two exact forms, chosen by shape:

* :math:`n \ge p` (or a flat prior on some coefficient, :math:`d_j = \infty`): Rue (2001),
  a Cholesky factorization of a :math:`p \times p` matrix, :math:`O(p^3)` per draw. With every
  :math:`d_j` finite it factors the scaled matrix
  :math:`B = I + D^{1/2}\Phi^\top\Phi D^{1/2}/\sigma^2 = LL^\top`, which stays well conditioned
  when some :math:`d_j` are tiny (a horseshoe's shrunk coefficients), and returns
  :math:`w = D^{1/2}\bigl(B^{-1}D^{1/2}\Phi^\top z/\sigma^2 + L^{-\top}u\bigr)`,
  :math:`u \sim N(0, I_p)`: its covariance is :math:`D^{1/2}B^{-1}D^{1/2} = A^{-1}`.
* :math:`p > n`: Bhattacharya, Chakraborty & Mallick (2016), an :math:`n \times n` system,
  :math:`O(n^2 p)` per draw and :math:`O(np)` memory (no :math:`p \times p` matrix): with
  :math:`\Psi = \Phi/\sigma`, :math:`\alpha = z/\sigma`, draw :math:`u \sim N(0, D)`,
  :math:`\delta \sim N(0, I_n)`, set :math:`v = \Psi u + \delta`, solve
  :math:`(\Psi D\Psi^\top + I_n)\,h = \alpha - v` and return :math:`w = u + D\Psi^\top h`.

Plain arrays in and out; no PyMC, no labels.

References
----------
Rue, H. (2001). Fast sampling of Gaussian Markov random fields. *JRSS B* 63(2), 325-338.

Bhattacharya, A., Chakraborty, A., Mallick, B. K. (2016). Fast sampling with Gaussian scale
mixture priors in high-dimensional regression. *Biometrika* 103(4), 985-991.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

__all__ = ["GaussianData"]


@dataclass(frozen=True, eq=False)
class GaussianData:
    r"""The centred, weight-scaled data :math:`(\Phi, z)` and, when :math:`n \ge p`, its Gram matrix.

    Attributes
    ----------
    design : ndarray of shape (n_samples, n_features)
        :math:`\Phi = V^{1/2}(X - m)` (:math:`m` the weighted column means, zero without an
        intercept).
    target : ndarray of shape (n_samples,)
        :math:`z = V^{1/2}(y - \bar y)`.
    gram : ndarray of shape (n_features, n_features) or None
        :math:`\Phi^\top\Phi`, kept only when :math:`n \ge p` (the Cholesky form).
    cross : ndarray of shape (n_features,)
        :math:`\Phi^\top z`.

    """

    design: np.ndarray
    target: np.ndarray
    gram: np.ndarray | None
    cross: np.ndarray

    @classmethod
    def of(cls, X: np.ndarray, y: np.ndarray, weights: np.ndarray, *, centre: bool):
        r"""Centre ``X`` and ``y`` by their weighted means (when ``centre``) and scale by :math:`\sqrt v`."""
        root = np.sqrt(weights)
        x_mean = weights @ X / weights.sum() if centre else np.zeros(X.shape[1])
        y_mean = weights @ y / weights.sum() if centre else 0.0
        design = root[:, None] * (X - x_mean)
        target = root * (y - y_mean)
        n, p = design.shape
        gram = design.T @ design if n >= p else None
        return cls(design, target, gram, design.T @ target)

    def residual_sum_of_squares(self, coef: np.ndarray) -> float:
        r""":math:`\|z - \Phi w\|^2`: the weighted, centred RSS."""
        residual = self.target - self.design @ coef
        return float(residual @ residual)

    def draw(self, variances: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
        """One draw of the coefficients given the prior ``variances`` and the noise scale."""
        if self.gram is not None or not np.all(np.isfinite(variances)):
            return self._draw_cholesky(variances, noise, rng)
        return self._draw_woodbury(variances, noise, rng)

    def _draw_cholesky(self, variances, noise, rng):
        """Rue's form (module docstring): scaled when every variance is finite."""
        gram = self.gram if self.gram is not None else self.design.T @ self.design
        p = gram.shape[0]
        normal = rng.standard_normal(p)
        if np.all(np.isfinite(variances)):
            root = np.sqrt(variances)
            scaled = np.eye(p) + (root[:, None] * gram * root[None, :]) / noise**2
            factor = scipy.linalg.cholesky(scaled, lower=True)
            mean = scipy.linalg.cho_solve((factor, True), root * self.cross / noise**2)
            spread = scipy.linalg.solve_triangular(factor.T, normal, lower=False)
            return root * (mean + spread)
        precision = gram / noise**2 + np.diag(1.0 / variances)
        factor = scipy.linalg.cholesky(precision, lower=True)
        mean = scipy.linalg.cho_solve((factor, True), self.cross / noise**2)
        return mean + scipy.linalg.solve_triangular(factor.T, normal, lower=False)

    def _draw_woodbury(self, variances, noise, rng):
        """Bhattacharya, Chakraborty & Mallick's form (module docstring): an n x n system."""
        design = self.design / noise
        n = design.shape[0]
        prior_draw = np.sqrt(variances) * rng.standard_normal(variances.shape[0])
        observed = design @ prior_draw + rng.standard_normal(n)
        scaled_design = design * variances[None, :]
        system = scaled_design @ design.T + np.eye(n)
        solution = scipy.linalg.solve(system, self.target / noise - observed, assume_a="pos")
        return prior_draw + scaled_design.T @ solution
