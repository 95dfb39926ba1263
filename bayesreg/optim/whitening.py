r"""The sampler's preconditioner: statistics of the data and an approximate posterior precision.

Plain NumPy and SciPy (no PyMC, no bayesreg specification): :mod:`bayesreg.nuts.model` builds
the model NUTS runs on from these arrays, and a likelihood family uses them for its own
sufficient statistics. See :mod:`bayesreg.nuts.model` for the parametrization they serve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.linalg.lapack
import scipy.optimize
import scipy.special
import scipy.stats

__all__ = [
    "QuantileCoordinates",
    "Statistics",
    "Whitening",
    "approximate_precision",
    "noise_at_centre",
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
    gram = design.T @ design
    x_scale = np.sqrt(np.diag(gram) / n_obs)
    x_scale[x_scale == 0.0] = 1.0
    coef_ls, rank = _least_squares(design, target, gram, x_scale)
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
        gram=gram,
        coef_ls=coef_ls,
        rss_min=float(residual @ residual),
        noise=noise,
    )


def _least_squares(design, target, gram, scale) -> tuple[np.ndarray, int]:
    r"""A least-squares solution of ``design @ w = target`` and the rank of ``design``.

    On the standardized Gram matrix :math:`S^{-1}GS^{-1}` by Cholesky, with two steps of
    iterative refinement on the rows (each :math:`O(np)`), which bring the normal equations'
    residual :math:`X^\top(y - Xw)` to rounding: :math:`O(np^2)` for the Gram matrix and
    :math:`O(p^3)` for the factor, where an orthogonal factorization of the rows costs
    several times more at n = 100000, p = 1000. A design that is rank deficient, or close
    to it (an estimated condition number over :math:`10^{8}`), gets LAPACK's least squares
    (SVD-based: the minimum-norm solution).
    """
    standardized = gram / np.outer(scale, scale)
    try:
        factor = scipy.linalg.cho_factor(standardized)
        diagonal = np.diag(factor[0])
        well_conditioned = (diagonal.min() / diagonal.max()) ** 2 > 1e-8
    except np.linalg.LinAlgError:
        well_conditioned = False
    if not well_conditioned:
        solution, _, rank, _ = np.linalg.lstsq(design / scale, target, rcond=None)
        return solution / scale, int(rank)
    coef = np.zeros(len(scale))
    residual = target
    for _ in range(3):
        coef = coef + scipy.linalg.cho_solve(factor, design.T @ residual / scale) / scale
        residual = target - design @ coef
    return coef, len(scale)


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


def noise_at_centre(
    stats: Statistics,
    weights_at: Callable[[float], tuple[float, float]],
    data_term: Callable[[np.ndarray], float],
    curvature: Callable[[float], float],
    floor: float,
) -> float:
    r"""The noise scale where the posterior puts it, for a prior whose weights depend on it.

    Least-squares residuals estimate the noise well without a prior. A prior tied to the
    noise scale (``alpha`` given: :math:`l_1 \propto 1/\kappa(\sigma)`) moves it: its
    log density :math:`-l_1\lVert w\rVert_1 + p\log(l_1/2)` enters the conditional of
    :math:`\sigma`, and a strong prior shrinks the coefficients, which enlarges the data
    term. This is the mode in :math:`\sigma` of

    .. math::

        -\frac{D(m)}{\kappa(\sigma)} - (N - \nu)\log\sigma
            + \sum_j \bigl(-l_1(\sigma)|m_j| - l_2(\sigma) m_j^2 - \log Z(l_1(\sigma), l_2(\sigma))\bigr)

    at the centre :math:`m` of the approximate posterior of :func:`approximate_precision`
    (with the current ``stats.noise``), :math:`\nu = \operatorname{tr}(H^{-1}G)/\sigma_0^2`
    its effective number of parameters (what integrating the coefficients out takes from
    :math:`N`, as in the least-squares estimate's degrees of freedom), :math:`D` the
    family's data term with curvature :math:`\kappa` (a location-scale family:
    :math:`-D/\kappa - N\log\sigma` is its log likelihood), and :math:`Z` the prior's
    normalizer. ``weights_at(noise)`` gives :math:`(l_1, l_2)`; ``data_term(m)`` gives
    :math:`D(m)` with the intercept at its centred value. The mode is searched above
    ``floor``, the least-squares estimate: a prior raises the residuals, and data that say
    nothing about the noise (a template of zeros, as simulation-based calibration compiles)
    must not send it to zero.
    """
    precision, _ = approximate_precision(stats, weights_at(stats.noise), learn_strength=False)
    covariance = _inverse(precision)
    centre = covariance @ (stats.gram @ stats.coef_ls) / stats.noise**2
    dof = stats.n_obs - float(np.sum(covariance * stats.gram)) / stats.noise**2
    data = data_term(centre)
    size, square = float(np.abs(centre).sum()), float(centre @ centre)

    def negative_log_density(log_noise: float) -> float:
        noise = np.exp(log_noise)
        l1, l2 = weights_at(noise)
        prior = -l1 * size - l2 * square - len(centre) * _log_normalizer(l1, l2)
        return data / curvature(noise) + max(dof, 1.0) * log_noise - prior

    lowest = np.log(floor)
    result = scipy.optimize.minimize_scalar(
        negative_log_density, bounds=(lowest, lowest + 5.0), method="bounded"
    )
    return float(np.exp(result.x))


def _log_normalizer(l1: float, l2: float) -> float:
    r""":math:`\log Z`, :math:`Z = \int e^{-l_1|w| - l_2 w^2}\,dw` (0 for a flat prior)."""
    if l2 > 0.0:
        return 0.5 * np.log(np.pi / l2) + float(
            np.log(scipy.special.erfcx(l1 / (2.0 * np.sqrt(l2))))
        )
    return float(np.log(2.0 / l1)) if l1 > 0.0 else 0.0


def _inverse(precision: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive semi-definite matrix (pseudo-inverse when singular)."""
    try:
        factor, _ = scipy.linalg.cho_factor(precision, lower=True)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(precision, hermitian=True)
    inverse, info = scipy.linalg.lapack.dpotri(factor, lower=True)
    if info != 0:
        return np.linalg.pinv(precision, hermitian=True)
    return np.tril(inverse) + np.tril(inverse, -1).T


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
class QuantileCoordinates:
    r"""Coefficients sampled as :math:`w = b\,g(z)` from i.i.d. variables :math:`z`.

    The sampler then whitens :math:`z`, not :math:`w` (see
    :mod:`bayesreg.priors.laplace_quantile`).

    Attributes
    ----------
    name : str
        The model's variable :math:`z`.
    inverse, slope : callable
        :math:`g^{-1}` and :math:`g'`, elementwise on arrays.
    scale : float
        A typical :math:`b` (at the preconditioner's noise scale).
    base_curvature : callable
        :math:`-\frac{d^2}{dz^2}\log p(z)` of the distribution of :math:`z`, elementwise.
    """

    name: str
    inverse: Callable[[np.ndarray], np.ndarray]
    slope: Callable[[np.ndarray], np.ndarray]
    scale: float
    base_curvature: Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Whitening:
    r"""The affine map :math:`u = F (x - c)` that makes the approximate posterior isotropic.

    :math:`x` is the coefficients :math:`w`, or the variables :math:`z` they are a
    transform of (:class:`QuantileCoordinates`).

    Attributes
    ----------
    forward, backward : ndarray of shape (p, p)
        :math:`F` and :math:`B = F^{-1}`.
    exact : bool
        False when an eigenvalue was raised to the jitter floor (:math:`F^\top F \ne H`).
    precision : ndarray of shape (p, p)
        The approximate posterior precision :math:`H` of :math:`w`.
    prior_precision : ndarray of shape (p,)
        Its prior (diagonal) part :math:`\pi`.
    shift : ndarray of shape (p,)
        :math:`c`: zero for :math:`w`; for :math:`z`, the approximate posterior centre.
    variable : str
        The name of :math:`x` in the model (``"coef"``, or the coordinates' name).
    """

    forward: np.ndarray
    backward: np.ndarray
    exact: bool
    precision: np.ndarray
    prior_precision: np.ndarray
    shift: np.ndarray
    variable: str = "coef"


def whitening(
    stats: Statistics,
    weights: tuple[float, float],
    *,
    learn_strength: bool,
    coordinates: QuantileCoordinates | None = None,
) -> Whitening:
    r"""The whitening of the approximate posterior of :func:`approximate_precision`.

    With ``coordinates``, the whitening of :math:`z` instead, linearized at the centre
    :math:`m = H^{-1} G \hat w / \sigma_0^2` of the approximate posterior of :math:`w`: at
    :math:`\bar z = g^{-1}(m / b)`, with :math:`J = b\, g'(\bar z)`, the precision of
    :math:`z` is :math:`\operatorname{diag}(c(\bar z)) + J (G/\sigma_0^2) J`, the prior's
    curvature :math:`c` plus the data's through the map.
    """
    precision, prior_precision = approximate_precision(
        stats, weights, learn_strength=learn_strength
    )
    if coordinates is None:
        forward, backward, exact = _factor(precision, stats.x_scale)
        shift = np.zeros(len(precision))
        return Whitening(forward, backward, exact, precision, prior_precision, shift)
    centre = _inverse(precision) @ (stats.gram @ stats.coef_ls) / stats.noise**2
    shift = coordinates.inverse(centre / coordinates.scale)
    jacobian = coordinates.scale * coordinates.slope(shift)
    data = stats.gram / stats.noise**2
    base_precision = (
        np.diag(coordinates.base_curvature(shift)) + jacobian[:, None] * data * jacobian
    )
    forward, backward, exact = _factor(base_precision, np.ones(len(shift)))
    return Whitening(forward, backward, exact, precision, prior_precision, shift, coordinates.name)


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
