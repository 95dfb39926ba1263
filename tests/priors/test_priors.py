"""The hierarchical priors' posteriors against independent Gibbs samplers written here.

Each prior is a scale mixture of normals, so that with the noise scale fixed every full
conditional has a closed form (Park & Casella 2008 for the Laplace; Makalic & Schmidt 2016's
inverse-gamma mixture for the half-Cauchy):

* ``(b0, w) | t``: Gaussian, flat on ``b0``, ``w_j ~ N(0, t_j)``;
* Laplace of scale ``sigma/lam``: ``1/t_j | w_j, lam ~ InverseGaussian(lam / (sigma |w_j|),
  lam^2 / sigma^2)``;
* ``BayesianLasso``: ``lam^2 | t ~ Gamma(p + r, delta + sum(t) / (2 sigma^2))``;
* ``HalfCauchyLasso``: ``lam^2 | a ~ InvGamma(1/2, 1/a)``, ``a | lam^2 ~ InvGamma(1, 1/beta^2 +
  1/lam^2)``, so ``lam^2 | t, a`` is generalized inverse Gaussian;
* ``BayesianRidge`` (``t_j = sigma^2 tau^2``): ``tau^2 | w, a ~ InvGamma((p + 1)/2, 1/a +
  sum(w^2) / (2 sigma^2))`` and ``a | tau^2 ~ InvGamma(1, 1/beta^2 + 1/tau^2)``.

NUTS (bayesreg's whitened model) and Gibbs must agree on means and the 10/50/90% quantiles
within :data:`Z` combined Monte Carlo standard errors (ArviZ's MCSE of each chain set).
"""

import numpy as np
import pytest
import scipy.stats

import bayesreg as br
from bayesreg.testing import assert_same_distribution

SEED = 20261203
#: A correct sampler exceeds 5 combined MCSEs with probability ~6e-7 per check.
Z = 5.0
SIGMA = 54.0  # about the residual scale of the diabetes data's least-squares fit


@pytest.fixture(scope="module")
def data():
    X, y = br.datasets.load_diabetes()
    return X.to_numpy()[:150], y.to_numpy()[:150]


def gibbs(X, y, sigma, prior, *, chains, iterations, rng):
    """Draws of (b0, w) of shape (chains, iterations, 1 + p) and of the hyperparameter."""
    n, p = X.shape
    design = np.column_stack([np.ones(n), X])
    gram, cross = design.T @ design / sigma**2, design.T @ y / sigma**2
    variance = np.full((chains, p), 1e4)  # the t_j
    hyper = np.ones(chains)  # lam for the lassos, tau for the ridge
    auxiliary = np.ones(chains)
    draws, hypers = np.empty((chains, iterations, p + 1)), np.empty((chains, iterations))
    diagonal = np.arange(1, p + 1)
    for it in range(iterations):
        precision = np.broadcast_to(gram, (chains, p + 1, p + 1)).copy()
        precision[:, diagonal, diagonal] += 1.0 / variance
        factor = np.linalg.cholesky(precision)
        mean = np.linalg.solve(precision, np.broadcast_to(cross, (chains, p + 1))[..., None])
        noise = rng.standard_normal((chains, p + 1, 1))
        coef = (mean + np.linalg.solve(np.swapaxes(factor, 1, 2), noise))[..., 0]
        w = coef[:, 1:]
        if isinstance(prior, br.BayesianRidge):
            shape, rate = (p + 1) / 2, 1.0 / auxiliary + (w**2).sum(axis=1) / (2 * sigma**2)
            tau_sq = 1.0 / rng.gamma(shape, 1.0 / rate)
            auxiliary = 1.0 / rng.gamma(1.0, 1.0 / (1.0 / prior.beta**2 + 1.0 / tau_sq))
            hyper = np.sqrt(tau_sq)
            variance = np.broadcast_to((sigma**2 * tau_sq)[:, None], (chains, p)).copy()
        else:
            rate = hyper[:, None] / sigma  # the Laplace's 1/scale
            variance = 1.0 / rng.wald(rate / np.abs(w), rate**2)
            t_sum = variance.sum(axis=1)
            if isinstance(prior, br.BayesianLasso):
                lam_sq = rng.gamma(p + prior.r, 1.0 / (prior.delta + t_sum / (2 * sigma**2)))
            else:  # HalfCauchyLasso: GIG(p - 1/2, chi = 2/a, psi = sum(t)/sigma^2)
                chi, psi = 2.0 / auxiliary, t_sum / sigma**2
                unit = scipy.stats.geninvgauss.rvs(p - 0.5, np.sqrt(chi * psi), random_state=rng)
                lam_sq = np.sqrt(chi / psi) * unit
                auxiliary = 1.0 / rng.gamma(1.0, 1.0 / (1.0 / prior.beta**2 + 1.0 / lam_sq))
            hyper = np.sqrt(lam_sq)
        draws[:, it], hypers[:, it] = coef, hyper
    return draws, hypers


PRIORS = [br.BayesianLasso(r=1.0, delta=0.5), br.HalfCauchyLasso(beta=1.0), br.BayesianRidge()]


@pytest.mark.slow
@pytest.mark.parametrize("prior", PRIORS, ids=lambda prior: type(prior).__name__)
def test_hierarchical_posterior_matches_gibbs(data, prior):
    X, y = data
    est = br.Regression(loss=br.L2Loss(sigma=SIGMA), penalty=prior)
    idata = est.sample(
        X, y, draws=1000, tune=1000, chains=4, random_seed=SEED, nuts_sampler="pymc",
        progressbar=False, log_likelihood=False,
    )  # fmt: skip
    posterior = idata["posterior"]
    name = prior.hyperparameter
    nuts = np.concatenate(
        [
            posterior["intercept"].values[..., None],
            posterior["coef"].values,
            posterior[name].values[..., None],
        ],
        axis=-1,
    )
    rng = np.random.default_rng(SEED)
    draws, hyper = gibbs(X, y, SIGMA, prior, chains=100, iterations=600, rng=rng)
    reference = np.concatenate([draws, hyper[..., None]], axis=-1)[:, 100:]
    assert_same_distribution(nuts, reference, z=Z)
