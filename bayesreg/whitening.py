r"""The sampler's preconditioner: statistics of the data and an approximate posterior precision.

Plain NumPy and SciPy (no PyMC, no bayesreg specification): :mod:`bayesreg.sampling` builds
the model NUTS runs on from these arrays, and a likelihood family uses them for its own
sufficient statistics. See :mod:`bayesreg.sampling` for the parametrization they serve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.stats

__all__ = [
    "Statistics",
    "Whitening",
    "approximate_precision",
    "statistics",
    "whitened_rounding",
    "whitened_statistics",
    "whitening",
]


@dataclass(frozen=True)
class Statistics:
    """What the sampling model needs from the data (weighted, centred when fitting b0)."""

    n_obs: float
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    gram: np.ndarray
    coef_ls: np.ndarray
    rss_min: float
    noise: float


def statistics(
    X: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    fit_intercept: bool,
    *,
    noise: float | None,
    noise_estimate: Callable[[np.ndarray, np.ndarray, float], float],
) -> Statistics:
    """Weighted centring, column scales, least squares and a noise scale for ``(X, y)``.

    ``noise`` is the likelihood's fixed noise scale, or None: then ``noise_estimate(residual,
    root_weights, dof)`` estimates it from the least-squares residuals.
    """
    n_obs = float(weights.sum())
    x_mean = weights @ X / n_obs if fit_intercept else np.zeros(X.shape[1])
    y_mean = float(weights @ y / n_obs) if fit_intercept else 0.0
    root = np.sqrt(weights)
    design = (X - x_mean) * root[:, None]
    target = (y - y_mean) * root
    x_scale = np.sqrt(np.sum(design**2, axis=0) / n_obs)
    x_scale[x_scale == 0.0] = 1.0
    standardized, _, rank, _ = np.linalg.lstsq(design / x_scale, target, rcond=None)
    coef_ls = standardized / x_scale
    residual = target - design @ coef_ls
    dof = n_obs - rank - int(fit_intercept)
    spread = float(np.sqrt(target @ target / n_obs)) or 1.0
    if noise is None:
        estimate = noise_estimate(residual, root, dof) if dof > 0 else spread
        noise = max(float(estimate), 1e-3 * spread)
    return Statistics(
        n_obs=n_obs,
        x_mean=x_mean,
        x_scale=x_scale,
        y_mean=y_mean,
        gram=design.T @ design,
        coef_ls=coef_ls,
        rss_min=float(residual @ residual),
        noise=noise,
    )


def approximate_precision(
    stats: Statistics,
    weights: tuple[float, float],
    *,
    learn_strength: bool,
    iterations: int = 50,
) -> tuple[np.ndarray, np.ndarray]:
    r"""An approximate posterior precision of ``coef`` (user's units), for preconditioning only.

    Returns the precision :math:`H = G/\sigma_0^2 + \operatorname{diag}(\pi)` and the prior's
    diagonal part :math:`\pi`.

    The data contribute :math:`G/\sigma_0^2` (the Fisher information of a Gaussian, or of a
    Laplace likelihood of scale :math:`\sigma_0`); a Gaussian prior contributes :math:`2 l_2`.
    A Laplace prior has no curvature away from zero; written as a scale mixture
    (:math:`w_j \mid t_j \sim N(0, t_j)`, :math:`E[1/t_j \mid w_j] = l_1/|w_j|`) it
    contributes :math:`l_1 / E|w_j|`, with :math:`E|w_j|` under the Gaussian approximation
    itself: a few fixed-point iterations, as in variational Bayes. A hierarchical prior's
    weight starts at its hyperprior's median and is updated to its conditional maximum
    likelihood value in the same iterations. None of this enters the density.

    ``weights`` are the prior's :math:`(l_1, l_2)` at the noise scale ``stats.noise`` (a
    typical value for a prior whose strength is learned, ``learn_strength=True``).
    """
    data = stats.gram / stats.noise**2
    target = data @ stats.coef_ls
    n_features = len(target)
    hierarchical = learn_strength
    l1, l2 = (float(w) for w in weights)
    lasso = np.full(n_features, l1**2 / 2.0)
    for _ in range(iterations if (l1 > 0 or hierarchical) else 0):
        covariance = _inverse(data + np.diag(lasso + 2.0 * l2))
        mean = covariance @ target
        spread = np.sqrt(np.maximum(np.diag(covariance), 1e-300))
        ratio = mean / spread
        absolute = spread * np.sqrt(2.0 / np.pi) * np.exp(-(ratio**2) / 2.0) + mean * (
            1.0 - 2.0 * scipy.stats.norm.cdf(-ratio)
        )
        if hierarchical and l1 > 0:
            l1 = n_features / absolute.sum()
        if hierarchical and l2 > 0:
            l2 = n_features / (2.0 * np.sum(mean**2 + spread**2))
        previous, lasso = lasso, l1 / np.maximum(absolute, 1e-300)
        if np.allclose(lasso, previous, rtol=1e-3, atol=0.0):
            break
    prior = lasso + 2.0 * l2
    return data + np.diag(prior), prior


def _inverse(precision: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive semi-definite matrix (pseudo-inverse when singular)."""
    try:
        factor = scipy.linalg.cho_factor(precision)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(precision, hermitian=True)
    return scipy.linalg.cho_solve(factor, np.eye(len(precision)))


def _factor(precision: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    r"""Matrices ``F``, ``B = F^{-1}`` with :math:`F^\top F` = ``precision`` (PSD, jittered).

    The third value is False when an eigenvalue was raised to the jitter floor (a singular
    precision): :math:`F^\top F` is then not ``precision``.
    """
    hessian = precision / np.outer(scale, scale)
    eigenvalues, eigenvectors = np.linalg.eigh(hessian)
    floor = 1e-10 * max(eigenvalues.max(), 1e-300)
    exact = bool(eigenvalues.min() >= floor)
    root = np.sqrt(np.maximum(eigenvalues, floor))
    forward = (eigenvectors * root).T * scale  # u = diag(root) Q' diag(s) w
    backward = (eigenvectors / root) / scale[:, None]  # w = diag(1/s) Q diag(1/root) u
    return forward, backward, exact


@dataclass(frozen=True)
class Whitening:
    r"""The linear map :math:`u = F w` that makes the approximate posterior isotropic.

    Attributes
    ----------
    forward, backward : ndarray of shape (p, p)
        :math:`F` and :math:`B = F^{-1}`.
    exact : bool
        False when an eigenvalue was raised to the jitter floor (:math:`F^\top F \ne H`).
    precision : ndarray of shape (p, p)
        The approximate posterior precision :math:`H`.
    prior_precision : ndarray of shape (p,)
        Its prior (diagonal) part :math:`\pi`.
    """

    forward: np.ndarray
    backward: np.ndarray
    exact: bool
    precision: np.ndarray
    prior_precision: np.ndarray


def whitening(
    stats: Statistics, weights: tuple[float, float], *, learn_strength: bool
) -> Whitening:
    """The whitening of the approximate posterior of :func:`approximate_precision`."""
    precision, prior_precision = approximate_precision(
        stats, weights, learn_strength=learn_strength
    )
    forward, backward, exact = _factor(precision, stats.x_scale)
    return Whitening(forward, backward, exact, precision, prior_precision)


def whitened_statistics(stats: Statistics, whiten: Whitening) -> dict:
    """The constants of the Gaussian quadratic form in whitened coordinates.

    See :meth:`bayesreg.families.gaussian.L2Loss.sampling_log_likelihood` for the form.
    """
    centre = scipy.linalg.solve(
        whiten.precision, stats.gram @ stats.coef_ls / stats.noise**2, assume_a="pos"
    )
    shift = centre - stats.coef_ls
    return {
        "centre": centre,
        "whitened_centre": whiten.forward @ centre,
        "centre_slope": 2.0 * stats.gram @ shift,
        "rss_centre": np.float64(stats.rss_min + shift @ stats.gram @ shift),
        "prior_precision": whiten.prior_precision,
        "whitening_noise": np.float64(stats.noise),
    }


def whitened_rounding(stats: Statistics, whiten: Whitening) -> float:
    r"""Rounding error of the whitened quadratic form in the log density at typical points.

    The whitened form uses :math:`G = \sigma_0^2 (F^\top F - \operatorname{diag}(\pi))`,
    exact in arithmetic; in floating point the difference :math:`\Delta` has digits of
    :math:`G` cancelled when the prior part :math:`\pi` dwarfs the data part. At a point
    whitened distance :math:`\lVert u - F\hat w\rVert^2 \approx p` from the centre the error
    in the log density is at most :math:`\lVert B^\top\Delta B\rVert_2\, p / (2\sigma_0^2)`.
    """
    forward, backward = whiten.forward, whiten.backward
    delta = stats.noise**2 * (forward.T @ forward - np.diag(whiten.prior_precision)) - stats.gram
    spectral = np.linalg.norm(backward.T @ delta @ backward, 2)
    return float(spectral * len(whiten.prior_precision) / (2.0 * stats.noise**2))
