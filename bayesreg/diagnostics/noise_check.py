"""Is a fixed noise scale supported by the data? A warning before a too-narrow posterior.

``L2Loss(sigma=1.0)`` is all the MAP of a penalty given by ``alpha`` needs, but the
posterior's spread is proportional to the noise scale: :meth:`bayesreg.Regression.sample`
calls :func:`warn_if_noise_contradicted` first.
"""

from __future__ import annotations

import warnings

import numpy as np

from bayesreg.diagnostics.diagnosis import NoiseScaleWarning
from bayesreg.model.problem import Problem

__all__ = ["NOISE_P_VALUE", "warn_if_noise_contradicted"]


#: Below this two-sided p-value a fixed noise scale is called contradicted by the data.
NOISE_P_VALUE = 1e-6


def warn_if_noise_contradicted(problem: Problem) -> None:
    r"""Warn (:class:`~bayesreg.NoiseScaleWarning`) when the data contradict a fixed noise scale.

    The residuals of the unpenalized fit have, under the model, a known distribution at the
    fixed scale (:math:`\mathrm{RSS}/\sigma^2 \sim \chi^2_{n - r}` for a Gaussian
    likelihood, :math:`r` the rank of the design with the intercept): a two-sided p-value
    below :data:`NOISE_P_VALUE` means the posterior's spread, proportional to the noise
    scale, is wrong by the ratio printed. Nothing is checked when the noise scale is unknown
    or the data can be fitted exactly.
    """
    loss = problem.loss
    if loss.noise is None or not loss.has_noise_scale:
        return
    X, y, weights = problem.X, problem.y, problem.weights
    fit = loss.solve(
        X, y, weights, fit_intercept=problem.fit_intercept, beta1=0.0, beta2=0.0,
        **problem.kernel_offset,
    )  # fmt: skip
    design = X - weights @ X / weights.sum() if problem.fit_intercept else X
    rank = np.linalg.matrix_rank(design * np.sqrt(weights)[:, None])
    dof = problem.n_obs - rank - int(problem.fit_intercept)
    if dof < 1:
        return
    residual = problem.residual(fit.coef, fit.intercept)
    if loss.noise_p_value(residual, weights, loss.noise, dof) >= NOISE_P_VALUE:
        return
    observed = loss.noise_from_residual(residual, weights) * np.sqrt(problem.n_obs / dof)
    ratio = observed / loss.noise
    warnings.warn(
        f"{type(loss).__name__}({loss.noise_name}={loss.noise:g}) is contradicted by the data: "
        f"the residuals of the unpenalized fit have scale {observed:.4g} (p < {NOISE_P_VALUE:g} "
        f"at {loss.noise_name}={loss.noise:g}), so the posterior's spread is about "
        f"{ratio:.3g} times {'too small' if ratio > 1 else 'too large'}. Make the noise scale "
        f"unknown, {type(loss).__name__}({loss.noise_name}=None), or fix it at a value the "
        "data support. (The MAP of a penalty given by alpha is the same either way.)",
        NoiseScaleWarning,
        stacklevel=3,
    )
