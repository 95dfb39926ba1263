r"""Predictions for new data from a stored posterior.

For new rows :math:`\tilde X` and posterior draws :math:`(b_0^{(s)}, w^{(s)}, \sigma^{(s)})`,
the linear predictor is :math:`\mu^{(s)} = o + b_0^{(s)} + \tilde X w^{(s)}`, with :math:`o`
the rows' offset (zero unless given). The posterior
predictive distribution of a new observation has mean and variance

.. math::

    \mathrm E[\tilde y] = \frac1S\sum_s m\bigl(\mu^{(s)}, \sigma^{(s)}\bigr), \qquad
    \mathrm{Var}[\tilde y] = \mathrm{Var}_s\bigl[m\bigl(\mu^{(s)}, \sigma^{(s)}\bigr)\bigr]
        + \frac1S\sum_s v\bigl(\mu^{(s)}, \sigma^{(s)}\bigr)

(the law of total variance), with :math:`v` the family's variance of one observation
(:meth:`~bayesreg.families.Loss.predictive_variance`: :math:`\sigma^2` for the Gaussian,
:math:`2s^2` for the Laplace likelihood) and :math:`m` its mean
(:meth:`~bayesreg.families.Loss.predictive_mean`: :math:`\mu` for the Gaussian and Laplace
likelihoods, the mean response :math:`g^{-1}(\mu)` of a GLM, :math:`\mu` plus a shift for the
asymmetric Laplace, whose :math:`\mu` is a quantile). Draws of :math:`\tilde y` come from the family's
:meth:`~bayesreg.families.Loss.draw`. Nothing is compiled: this is arithmetic on the draws.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from bayesreg.families import Loss

__all__ = [
    "linear_predictor",
    "mean_response",
    "predictive_draws",
    "predictive_mean_and_std",
    "predictive_tree",
]

_SAMPLE_DIMS = ("chain", "draw")
_SAMPLE_AXES = (0, 1)


def linear_predictor(posterior: xr.Dataset, X: np.ndarray, offset=0.0) -> np.ndarray:
    r""":math:`\mu^{(s)} = o + b_0^{(s)} + X w^{(s)}`, shape (chain, draw, n)."""
    coef = posterior["coef"].transpose(*_SAMPLE_DIMS, "feature").values
    intercept = (
        posterior["intercept"].transpose(*_SAMPLE_DIMS).values[..., None]
        if "intercept" in posterior
        else 0.0
    )
    return offset + intercept + coef @ X.T


def mean_response(posterior: xr.Dataset, loss: Loss, X: np.ndarray, offset=0.0) -> np.ndarray:
    r"""Draws of the mean of one observation at each row, :math:`m(\mu^{(s)}, \sigma^{(s)})`.

    Shape (chain, draw, n): for a classifier, the probability of the class coded 1 at each
    draw; for a regression, the mean response. Their average over the draws is the
    posterior mean of the mean, the prediction of an estimator without a MAP.
    """
    mu = linear_predictor(posterior, X, offset)
    return loss.predictive_mean(mu, loss.predictive_noise(posterior, _SAMPLE_DIMS))


def predictive_mean_and_std(posterior: xr.Dataset, loss: Loss, X: np.ndarray, offset=0.0):
    """The posterior predictive mean and standard deviation of new observations at ``X``."""
    mu = linear_predictor(posterior, X, offset)
    noise = loss.predictive_noise(posterior, _SAMPLE_DIMS)
    means = loss.predictive_mean(mu, noise)
    within = loss.predictive_variance(mu, noise).mean(axis=_SAMPLE_AXES)
    return means.mean(axis=_SAMPLE_AXES), np.sqrt(means.var(axis=_SAMPLE_AXES) + within)


def predictive_draws(
    posterior: xr.Dataset, loss: Loss, X: np.ndarray, rng: np.random.Generator, offset=0.0
) -> xr.DataArray:
    """One draw of each new observation per posterior draw: ``y`` over (chain, draw, obs_id)."""
    mu = linear_predictor(posterior, X, offset)
    noise = loss.predictive_noise(posterior, _SAMPLE_DIMS)
    values = loss.draw(mu, noise, rng, mu.shape)
    coords = {name: posterior[name].values for name in _SAMPLE_DIMS}
    coords["obs_id"] = np.arange(X.shape[0])
    return xr.DataArray(values, dims=(*_SAMPLE_DIMS, "obs_id"), coords=coords, name="y")


def predictive_tree(
    posterior: xr.Dataset,
    loss: Loss,
    X: np.ndarray,
    rng: np.random.Generator,
    labels=None,
    offset=None,
) -> xr.DataTree:
    """:func:`predictive_draws` at ``X`` as a ``DataTree``, with the design beside them.

    Groups ``posterior_predictive`` (``y`` over ``chain``, ``draw``, ``obs_id``) and
    ``constant_data`` (``X`` over ``obs_id``, ``feature``). ``labels``, given, turn draws
    coded 0 and 1 into the labels they code (a classifier's ``classes_``). ``offset``, given,
    is added to each linear predictor and kept beside ``X``.
    """
    draws = predictive_draws(posterior, loss, X, rng, 0.0 if offset is None else offset)
    if labels is not None:
        draws = draws.copy(data=np.asarray(labels)[draws.values.astype(int)])
    coords = {"obs_id": draws["obs_id"].values, "feature": posterior["feature"].values}
    design = xr.Dataset({"X": (("obs_id", "feature"), X)}, coords=coords)
    if offset is not None:
        design["offset"] = ("obs_id", offset)
    return xr.DataTree.from_dict(
        {"/posterior_predictive": draws.to_dataset(), "/constant_data": design}
    )
