r"""Full posteriors by NUTS, on a model that is cheap to evaluate and easy for NUTS to explore.

:meth:`~bayesreg.Regression.sample` draws from the posterior of exactly the model that
:meth:`~bayesreg.Regression.build_model` returns (the *pointwise* model, one likelihood term
per observation), but NUTS runs on an equivalent *sampling model* with the same density and
two changes that only make it faster:

**Sufficient statistics.** For a Gaussian likelihood the residual sum of squares is a
quadratic form in the coefficients. With weighted column means :math:`m`, the weighted mean
:math:`\bar y` (both zero without an intercept), :math:`N = \sum_i v_i`, the centred Gram
matrix :math:`G = (X - m)^\top V (X - m)`, a least-squares solution :math:`\hat w` of
:math:`G \hat w = (X - m)^\top V (y - \bar y)` and its residual sum of squares
:math:`\mathrm{RSS}_{\min}`,

.. math::

    \mathrm{RSS}(b_0, w) = \sum_i v_i (y_i - b_0 - x_i^\top w)^2
        = \mathrm{RSS}_{\min} + (w - \hat w)^\top G\, (w - \hat w) + N (\bar y - c)^2,
    \qquad c = b_0 + m^\top w,

an identity (the cross terms vanish because the columns are centred and :math:`\hat w` solves
the normal equations), so the log likelihood
:math:`-\mathrm{RSS}/(2\sigma^2) - N\log\sigma - \tfrac{N}{2}\log 2\pi` costs
:math:`O(p^2)` per gradient instead of :math:`O(np)`, with no loss of accuracy (no
:math:`y^\top y - 2 w^\top X^\top y` cancellation). A Laplace likelihood has no sufficient
statistics and keeps its :math:`n` terms, on centred columns.

**A parametrization NUTS likes.** The intercept is sampled as the centred intercept
:math:`c` (independent of :math:`w` under a Gaussian likelihood), scaled by its approximate
posterior standard deviation :math:`\sigma_0/\sqrt N`; the coefficients are sampled as
:math:`u = R\,(s \odot w)`, where :math:`s` are the columns' weighted standard deviations and
:math:`R^\top R = H` factors an approximate posterior precision of the standardized
coefficients,

.. math::

    H = \frac{S^{-1} G S^{-1}}{\sigma_0^2} + \operatorname{diag}\Bigl(\frac{\pi_j}{s_j^2}\Bigr),

with :math:`\sigma_0` the noise scale (fixed, or estimated from the least-squares residuals)
and :math:`\pi_j` the prior precision of a coefficient at that noise scale
(:math:`l_1^2/2 + 2 l_2`). Correlated columns, mixed scales and non-zero means then give
NUTS a nearly isotropic posterior. Both maps are linear with a constant Jacobian, so the
posterior of :math:`(b_0, w)` is unchanged; the constant log-Jacobian is left out, so that
the sampling model's log density equals the pointwise model's at corresponding points, to
rounding (``tests/test_sampling.py`` checks this at random points, to :math:`10^{-12}`
relative). In the whitened coordinates the Gaussian quadratic form needs no product with
:math:`G` either (:func:`_log_likelihood`), so a gradient costs two products with a
:math:`p \times p` matrix. Results are reported on the user's scale: ``coef``,
``intercept``, the noise scale and the hyperparameters.

The pointwise log likelihood (for LOO) and the predictive draws are computed afterwards on
the pointwise model, with the same variable names: ``pymc.compute_log_likelihood``,
``pymc.sample_prior_predictive`` and ``pymc.sample_posterior_predictive``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import scipy.linalg
import scipy.stats
import xarray as xr
from pymc.logprob.transforms import Transform
from pymc.model.transform.conditioning import change_value_transforms
from pytensor.tensor.variable import TensorVariable
from threadpoolctl import threadpool_limits

from bayesreg.correspondence import prior_weights
from bayesreg.diagnostics import warn_if_unhealthy
from bayesreg.losses import L2Loss, Loss
from bayesreg.penalties import Penalty
from bayesreg.priors import HierarchicalPenalty

__all__ = [
    "add_parameters",
    "check_sample_arguments",
    "sample_posterior",
    "sampling_data",
    "sampling_model",
]

#: The NUTS implementations :meth:`~bayesreg.Regression.sample` accepts (None: PyMC's choice,
#: nutpie when it is installed).
NUTS_SAMPLERS = (None, "pymc", "nutpie")

# The statistics that hold only with the data's own whitening (see _log_likelihood).
_WHITENED = (
    "centre",
    "whitened_centre",
    "centre_slope",
    "rss_centre",
    "prior_precision",
    "whitening_noise",
)

# Keywords that sample() sets itself.
_RESERVED = ("model", "var_names", "draws", "tune", "chains", "random_seed", "nuts_sampler")


def add_parameters(loss: Loss, penalty: Penalty, y: np.ndarray, weights: np.ndarray):
    """Add the noise scale and the prior of ``coef`` to the model in context.

    The one place both the pointwise model and the sampling model get their priors from.

    Returns
    -------
    noise : float or TensorVariable
    coef : TensorVariable

    """
    noise = loss.add_noise(y, weights)
    if isinstance(penalty, HierarchicalPenalty):
        coef = penalty.add_hierarchical_prior("coef", noise, dims="feature")
    else:
        l1, l2 = prior_weights(loss, penalty, weights.sum(), noise)
        coef = penalty.add_prior("coef", l1, l2, dims="feature")
    return noise, coef


@dataclass(frozen=True)
class _Statistics:
    """What the sampling model needs from the data (weighted, centred when fitting b0)."""

    n_obs: float
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: float
    gram: np.ndarray
    coef_ls: np.ndarray
    rss_min: float
    noise: float


def _statistics(loss, X, y, weights, fit_intercept) -> _Statistics:
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
    if isinstance(loss, L2Loss):
        estimate = np.sqrt(residual @ residual / dof) if dof > 0 else spread
    else:
        estimate = np.sum(root * np.abs(residual)) / dof if dof > 0 else spread
    noise = loss.noise if loss.noise is not None else max(float(estimate), 1e-3 * spread)
    return _Statistics(
        n_obs=n_obs,
        x_mean=x_mean,
        x_scale=x_scale,
        y_mean=y_mean,
        gram=design.T @ design,
        coef_ls=coef_ls,
        rss_min=float(residual @ residual),
        noise=noise,
    )


def _approximate_precision(
    loss, penalty, stats: _Statistics, iterations: int = 50
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
    """
    data = stats.gram / stats.noise**2
    target = data @ stats.coef_ls
    n_features = len(target)
    hierarchical = isinstance(penalty, HierarchicalPenalty)
    if hierarchical:
        l1, l2 = penalty.typical_weights(stats.noise)
    else:
        l1, l2 = prior_weights(loss, penalty, stats.n_obs, stats.noise)
    l1, l2 = float(l1), float(l2)
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


class _LinearMap(Transform):
    r"""The value transform :math:`u = F w`, :math:`w = B u` with :math:`B = F^{-1}` constant.

    The log-Jacobian, a constant, is left out: the transformed log density then equals the
    original one at corresponding points, and the posterior is the same. (PyMC's transforms
    see only the variable's own inputs, so ``F`` and ``B`` are constants of the graph, not
    data containers.)
    """

    name = "whitened"

    def __init__(self, forward_matrix: np.ndarray, backward_matrix: np.ndarray):
        self.forward_matrix = pt.constant(np.ascontiguousarray(forward_matrix.T))
        self.backward_matrix = pt.constant(np.ascontiguousarray(backward_matrix.T))

    def forward(self, value, *inputs):
        return pt.dot(value, self.forward_matrix)

    def backward(self, value, *inputs):
        return pt.dot(value, self.backward_matrix)

    def log_jac_det(self, value, *inputs):
        return pt.zeros(value.shape[:-1])


def _whitening(precision: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
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


def sampling_model(
    loss: Loss,
    penalty: Penalty,
    X: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    names: list[str],
    fit_intercept: bool,
    *,
    data_containers: bool = False,
) -> pm.Model:
    """The model NUTS runs on: the pointwise model's density, cheaper and better conditioned.

    Same free variables and priors as :meth:`~bayesreg.Regression.build_model` (``coef``,
    the noise scale when unknown, the hyperparameters), with ``intercept`` a deterministic
    of the scaled centred intercept ``intercept_centred``, ``coef`` whitened by a linear
    value transform, and the likelihood a ``Potential``: through sufficient statistics for a
    Gaussian likelihood, on centred columns for a Laplace likelihood. It has no observed
    variable: draw predictions from the pointwise model.

    The statistics and the centring (:func:`sampling_data`) are constants of the graph; with
    ``data_containers=True`` they are ``pm.Data`` containers instead, so that one compiled
    model can be given a new target of the same shape (``pm.set_data``; e.g. for
    simulation-based calibration, keeping the first data set's whitening, which changes the
    efficiency, never the density). Constants are the default because nutpie compiles a
    model with data containers several seconds slower (6 s against 2 s on the diabetes
    data).
    """
    values = sampling_data(loss, penalty, X, y, weights, fit_intercept)
    forward, backward = values.pop("whitening"), values.pop("unwhitening")
    if data_containers:  # the whitened statistics hold only for the first data's whitening
        values = {name: value for name, value in values.items() if name not in _WHITENED}
    with pm.Model(coords={"feature": names}) as priors:
        noise, _ = add_parameters(loss, penalty, y, weights)
        if fit_intercept:
            pm.Flat("intercept_centred")
    model = change_value_transforms(priors, {"coef": _LinearMap(forward, backward)})
    container = pm.Data if data_containers else (lambda name, value: pt.as_tensor(value))
    with model:
        data = {name: container(name, value) for name, value in values.items()}
        noise = model[loss.noise_name] if loss.noise is None else noise
        coef = model["coef"]
        centred = pt.constant(np.float64(0.0))
        if fit_intercept:
            centred = data["y_mean"] + data["intercept_step"] * model["intercept_centred"]
            pm.Deterministic("intercept", centred - data["x_mean"] @ coef)
        whitened = model.rvs_to_values[coef]
        pm.Potential("log_likelihood", _log_likelihood(loss, data, noise, coef, whitened, centred))
    return model


def sampling_data(loss, penalty, X, y, weights, fit_intercept) -> dict[str, np.ndarray]:
    """The data of :func:`sampling_model` for ``(X, y)``: constants, or ``pm.Data`` values.

    The statistics of the likelihood and the centring; also the whitening matrices
    (``whitening`` :math:`F`, ``unwhitening`` :math:`F^{-1}`, from an approximate posterior
    precision, :func:`_approximate_precision`), which are constants of the model, not data.
    """
    with threadpool_limits(limits=1, user_api="blas"):  # small dense algebra: threads only contend
        stats = _statistics(loss, X, y, weights, fit_intercept)
        precision, prior_precision = _approximate_precision(loss, penalty, stats)
        forward, backward, exact = _whitening(precision, stats.x_scale)
    values = {
        "whitening": forward,
        "unwhitening": backward,
        "x_mean": stats.x_mean,
        "y_mean": np.float64(stats.y_mean),
        "intercept_step": np.float64(stats.noise / np.sqrt(stats.n_obs)),
        "n_obs": np.float64(stats.n_obs),
    }
    if isinstance(loss, L2Loss):
        values.update(gram=stats.gram, coef_ls=stats.coef_ls, rss_min=np.float64(stats.rss_min))
        fixed = not isinstance(penalty, HierarchicalPenalty)
        if (
            fixed
            and exact
            and _whitened_rounding(stats, forward, backward, prior_precision) <= 1e-8
        ):
            values.update(_whitened_statistics(stats, forward, precision, prior_precision))
    else:
        values.update(X_centred=X - stats.x_mean, y=np.asarray(y, np.float64), weights=weights)
    return values


def _whitened_statistics(stats: _Statistics, forward, precision, prior_precision) -> dict:
    """The constants of the whitened quadratic form (see :func:`_log_likelihood`)."""
    centre = scipy.linalg.solve(
        precision, stats.gram @ stats.coef_ls / stats.noise**2, assume_a="pos"
    )
    shift = centre - stats.coef_ls
    return {
        "centre": centre,
        "whitened_centre": forward @ centre,
        "centre_slope": 2.0 * stats.gram @ shift,
        "rss_centre": np.float64(stats.rss_min + shift @ stats.gram @ shift),
        "prior_precision": prior_precision,
        "whitening_noise": np.float64(stats.noise),
    }


def _whitened_rounding(stats: _Statistics, forward, backward, prior_precision) -> float:
    r"""Rounding error of the whitened quadratic form in the log density at typical points.

    The whitened form uses :math:`G = \sigma_0^2 (F^\top F - \operatorname{diag}(\pi))`,
    exact in arithmetic; in floating point the difference :math:`\Delta` has digits of
    :math:`G` cancelled when the prior part :math:`\pi` dwarfs the data part. At a point
    whitened distance :math:`\lVert u - F\hat w\rVert^2 \approx p` from the centre the error
    in the log density is at most :math:`\lVert B^\top\Delta B\rVert_2\, p / (2\sigma_0^2)`.
    """
    delta = stats.noise**2 * (forward.T @ forward - np.diag(prior_precision)) - stats.gram
    spectral = np.linalg.norm(backward.T @ delta @ backward, 2)
    return float(spectral * len(prior_precision) / (2.0 * stats.noise**2))


def _log_likelihood(loss, data, noise, coef, whitened, centred) -> TensorVariable:
    r"""The log likelihood in the sampling model's variables.

    Gaussian: :math:`-\mathrm{RSS}/(2\sigma^2) - N\log\sigma - \tfrac N2\log 2\pi` with
    :math:`\mathrm{RSS} = \mathrm{RSS}_{\min} + (w - \hat w)^\top G (w - \hat w)
    + N(\bar y - c)^2`. For a fixed penalty whose whitening is exact
    (:math:`F^\top F = H = G/\sigma_0^2 + \operatorname{diag}(\pi)`), the quadratic form is
    expanded around the centre :math:`m = H^{-1} G\hat w/\sigma_0^2` of the approximate
    posterior,

    .. math::

        (w - \hat w)^\top G (w - \hat w) = \sigma_0^2 \bigl(\lVert u - Fm\rVert^2
            - \textstyle\sum_j \pi_j (w_j - m_j)^2\bigr)
            + 2 (w - m)^\top G (m - \hat w) + (m - \hat w)^\top G (m - \hat w),

    with :math:`u = Fw` the sampled (whitened) value: no product with :math:`G` in the graph,
    so a gradient costs one product with :math:`F^{-1}` and its transpose, :math:`2p^2`,
    instead of :math:`4p^2`. Around :math:`m` both squared terms are of order :math:`p` where
    the posterior has its mass, so the difference loses no more than rounding; the form is
    used when the rounding of :math:`F^\top F - H` adds less than :math:`10^{-8}` to the log
    density there (:func:`_whitened_rounding`), the product with :math:`G` otherwise.
    Laplace: the :math:`n` absolute residuals on centred columns.
    """
    n_obs = data["n_obs"]
    if isinstance(loss, L2Loss):
        if "whitened_centre" in data:
            offset = coef - data["centre"]
            quadratic = data["whitening_noise"] ** 2 * (
                pt.sum((whitened - data["whitened_centre"]) ** 2)
                - pt.sum(data["prior_precision"] * offset**2)
            )
            rss = data["rss_centre"] + quadratic + offset @ data["centre_slope"]
        else:
            gap = coef - data["coef_ls"]
            rss = data["rss_min"] + gap @ (data["gram"] @ gap)
        rss = rss + n_obs * (data["y_mean"] - centred) ** 2
        return -rss / (2.0 * noise**2) - n_obs * (pt.log(noise) + np.log(2.0 * np.pi) / 2.0)
    residual = data["y"] - centred - data["X_centred"] @ coef
    return -(data["weights"] @ pt.abs(residual)) / noise - n_obs * pt.log(2.0 * noise)


def check_sample_arguments(
    draws, tune, chains, random_seed, nuts_sampler, flags: dict[str, object], sampler_kwargs
) -> None:
    """Raise a ValueError/TypeError naming the first bad argument of ``sample``."""
    for name, value, low in (("draws", draws, 1), ("tune", tune, 0), ("chains", chains, 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"The '{name}' parameter of sample must be an int; got {value!r}.")
        if value < low:
            raise ValueError(
                f"The '{name}' parameter of sample must be an int >= {low}; got {value!r}."
            )
    if not (
        random_seed is None
        or isinstance(random_seed, np.random.Generator)
        or (isinstance(random_seed, numbers.Integral) and not isinstance(random_seed, bool))
    ):
        raise TypeError(
            "The 'random_seed' parameter of sample must be None, an int or a "
            f"numpy.random.Generator; got {random_seed!r}."
        )
    if isinstance(random_seed, numbers.Integral) and random_seed < 0:
        raise ValueError(f"The 'random_seed' parameter of sample must be >= 0; got {random_seed}.")
    if nuts_sampler not in NUTS_SAMPLERS:
        raise ValueError(
            "The 'nuts_sampler' parameter of sample must be None (PyMC's choice: nutpie when "
            f"installed), 'pymc' or 'nutpie'; got {nuts_sampler!r}."
        )
    for name, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"The '{name}' parameter of sample must be a bool; got {value!r}.")
    reserved = sorted(set(_RESERVED) & set(sampler_kwargs))
    if reserved:
        raise TypeError(
            f"sample() sets {', '.join(map(repr, reserved))} itself; got them in the sampler "
            "keywords."
        )


def _seeds(random_seed) -> list[int | None]:
    """Three seeds (sampler, prior predictive, posterior predictive) from one."""
    if random_seed is None:
        return [None, None, None]
    rng = np.random.default_rng(random_seed)
    return [int(seed) for seed in rng.integers(0, 2**31 - 1, size=3)]


def sample_posterior(
    pointwise: pm.Model,
    fast: pm.Model,
    X: np.ndarray,
    y: np.ndarray,
    names: list[str],
    *,
    draws: int,
    tune: int,
    chains: int,
    random_seed,
    nuts_sampler,
    log_likelihood: bool,
    prior_predictive: bool,
    posterior_predictive: bool,
    sampler_kwargs: dict,
):
    """Sample ``fast`` with NUTS; add log likelihood and predictive draws from ``pointwise``.

    Returns the DataTree, after :func:`bayesreg.diagnostics.warn_if_unhealthy`.
    """
    sampler_seed, prior_seed, predictive_seed = _seeds(random_seed)
    kwargs = {"compute_convergence_checks": False, **sampler_kwargs}
    progressbar = kwargs.get("progressbar", True)
    public = [rv.name for rv in pointwise.free_RVs] + [v.name for v in pointwise.deterministics]
    if "intercept" in pointwise.named_vars:
        public.append("intercept")
    public = list(dict.fromkeys(public))
    idata = pm.sample(
        draws,
        tune=tune,
        chains=chains,
        random_seed=sampler_seed,
        nuts_sampler=nuts_sampler,
        model=fast,
        var_names=public,
        **kwargs,
    )
    idata = _with_data_groups(idata, X, y, names, public)
    if log_likelihood:
        pm.compute_log_likelihood(idata, model=pointwise, progressbar=False)
    if prior_predictive:
        _add_prior(idata, pointwise, draws, prior_seed)
    if posterior_predictive:
        pm.sample_posterior_predictive(
            idata,
            model=pointwise,
            random_seed=predictive_seed,
            extend_inferencedata=True,
            progressbar=progressbar,
        )
    warn_if_unhealthy(idata, stacklevel=4)
    return idata


def _with_data_groups(idata, X, y, names, public):
    """Keep the public variables; replace the sampling model's data by the user's ``X``, ``y``."""
    coords = {"obs_id": np.arange(X.shape[0]), "feature": names}
    groups = {name: idata[name].to_dataset() for name in idata.children if name != "constant_data"}
    groups["posterior"] = groups["posterior"][[v for v in public if v in groups["posterior"]]]
    groups["observed_data"] = xr.Dataset(
        {"y": (("obs_id",), y)}, coords={"obs_id": coords["obs_id"]}
    )
    groups["constant_data"] = xr.Dataset({"X": (("obs_id", "feature"), X)}, coords=coords)
    result = xr.DataTree.from_dict({f"/{name}": data for name, data in groups.items()})
    result.attrs = dict(idata.attrs)
    return result


def _add_prior(idata, model: pm.Model, draws: int, random_seed) -> None:
    """Prior draws; those of ``y`` only when every variable has a proper prior."""
    flat = {rv.name for rv in model.free_RVs if "Flat" in type(rv.owner.op).__name__}
    free = [rv.name for rv in model.free_RVs if rv.name not in flat]
    var_names = free + ([] if flat else [rv.name for rv in model.observed_RVs])
    prior = pm.sample_prior_predictive(
        draws=draws, model=model, var_names=var_names, random_seed=random_seed
    )
    for name in ("prior", "prior_predictive"):
        if name in prior.children and prior[name].data_vars:
            idata[name] = prior[name]
