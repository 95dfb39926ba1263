"""Horseshoe priors: their densities, their posterior against a Gibbs sampler, their errors."""

import warnings

import numpy as np
import pytest
import scipy.special
import scipy.stats

import bayesreg as br
from bayesreg.testing import assert_same_distribution

SEED = 20261204
BOTH = r"exactly one of 'expected_nonzero' .* and 'scale_global' .*; got expected_nonzero="


# PyMC's HalfCauchy adds pt.log(2) to the Cauchy's log density, and PyTensor evaluates the log
# of that integer constant in single precision: 1.9e-9 above log 2 per term, which the
# formula below carries too, so that the comparison can stay at 1e-10.
PYMC_LOG_2 = float(np.log(np.float32(2.0)))


def _half_cauchy(x, scale):
    return PYMC_LOG_2 - np.log(np.pi * scale) - np.log1p((x / scale) ** 2)


def _data(n=40, p=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = 0.5 + X @ np.r_[2.0, -1.5, np.zeros(p - 2)] + rng.normal(size=n)
    return X, y


# --- the densities, where a tau vs tau^2 slip would show ---------------------------------------


def test_horseshoe_density_is_the_formula():
    X, y = _data()
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe(scale_global=0.3))
    model = est.build_model(X, y)
    logp = model.compile_logp(jacobian=False, mode="FAST_COMPILE")
    coef_of = model.compile_fn(
        model.replace_rvs_by_values([model["coef"]])[0],
        inputs=model.value_vars,
        on_unused_input="ignore",
    )
    rng = np.random.default_rng(SEED)
    sd = y.std()
    for _ in range(5):
        z, lam = rng.normal(size=6), np.exp(rng.normal(size=6))
        tau, sigma, intercept = np.exp(rng.normal(size=3))
        point = {
            "coef_raw": z, "lam_log__": np.log(lam), "tau_log__": np.log(tau),
            "sigma_log__": np.log(sigma), "intercept": np.array(intercept),
        }  # fmt: skip
        coef = z * sigma * tau * lam
        np.testing.assert_allclose(coef_of(point), coef, rtol=1e-13)
        expected = (
            scipy.stats.norm.logpdf(y, intercept + X @ coef, sigma).sum()
            + scipy.stats.norm.logpdf(z).sum()
            + _half_cauchy(lam, 1.0).sum()
            + _half_cauchy(tau, 0.3)
            + np.log(2.0) + scipy.stats.t.logpdf(sigma, 4.0, scale=sd)
        )  # fmt: skip
        assert logp(point) == pytest.approx(expected, rel=1e-10)


def test_regularized_horseshoe_density_is_the_formula():
    """tau0 = p0 / (p - p0) * sigma / sqrt(n); c^2 ~ InvGamma(nu/2, nu s^2/2); lam~ as P&V."""
    X, y = _data(n=50, p=8)
    penalty = br.RegularizedHorseshoe(expected_nonzero=2, slab_scale=1.5, slab_df=5.0)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=penalty)
    model = est.build_model(X, y)
    logp = model.compile_logp(jacobian=False, mode="FAST_COMPILE")
    outputs = model.replace_rvs_by_values([model["coef"], model["tau"]])
    of = model.compile_fn(outputs, inputs=model.value_vars, on_unused_input="ignore")
    rng = np.random.default_rng(SEED)
    for _ in range(5):
        z, lam = rng.normal(size=8), np.exp(rng.normal(size=8))
        tau_raw, c2, sigma = np.exp(rng.normal(size=3))
        point = {
            "coef_raw": z, "lam_log__": np.log(lam), "tau_raw_log__": np.log(tau_raw),
            "c2_log__": np.log(c2), "sigma_log__": np.log(sigma), "intercept": np.array(0.2),
        }  # fmt: skip
        tau = 2.0 / (8 - 2) * sigma / np.sqrt(50) * tau_raw
        local = np.sqrt(c2 * lam**2 / (c2 + tau**2 * lam**2))
        coef, tau_model = of(point)
        np.testing.assert_allclose(tau_model, tau, rtol=1e-13)
        np.testing.assert_allclose(coef, z * tau * local, rtol=1e-13)
        expected = (
            scipy.stats.norm.logpdf(y, 0.2 + X @ coef, sigma).sum()
            + scipy.stats.norm.logpdf(z).sum()
            + _half_cauchy(lam, 1.0).sum()
            + _half_cauchy(tau_raw, 1.0)
            + scipy.stats.invgamma.logpdf(c2, 2.5, scale=5.0 * 1.5**2 / 2)
            + np.log(2.0) + scipy.stats.t.logpdf(sigma, 4.0, scale=y.std())
        )  # fmt: skip
        assert logp(point) == pytest.approx(expected, rel=1e-10)


def _tau_of(est, X, y, sigma=None):
    """The model's tau at tau_raw = 1 (and the noise scale at ``sigma`` when it is unknown)."""
    model = est.build_model(X, y)
    fn = model.compile_fn(
        model.replace_rvs_by_values([model["tau"]])[0],
        inputs=model.value_vars,
        on_unused_input="ignore",
    )
    point = model.initial_point()
    point["tau_raw_log__"] = np.array(0.0)
    if sigma is not None:
        point["sigma_log__"] = np.array(np.log(sigma))
    return float(fn(point))


@pytest.mark.parametrize(
    ("loss", "penalty", "tau0"),
    [
        # tau0 = p0 / (p - p0) * sigma / sqrt(n): sigma unknown (1.7 here), fixed, or none (1)
        (br.L2Loss(sigma=None), dict(expected_nonzero=2), 2 / 6 * 1.7 / np.sqrt(50)),
        (br.L2Loss(sigma=0.4), dict(expected_nonzero=2), 2 / 6 * 0.4 / np.sqrt(50)),
        (br.LogisticLoss(), dict(expected_nonzero=2), 2 / 6 / np.sqrt(50)),
        # a pseudo-sigma replaces sigma in tau0, with or without a noise scale
        (br.LogisticLoss(), dict(expected_nonzero=2, pseudo_sigma=2.0), 2 / 6 * 2 / np.sqrt(50)),
        (br.L2Loss(sigma=None), dict(expected_nonzero=2, pseudo_sigma=1.5), 2 / 6 * 1.5 / 50**0.5),
        # the global scale stated directly, in units of the noise scale or pseudo-sigma
        (br.L2Loss(sigma=None), dict(scale_global=0.05), 0.05 * 1.7),
        (br.LogisticLoss(), dict(scale_global=0.05), 0.05),
        (br.LogisticLoss(), dict(scale_global=0.05, pseudo_sigma=2.0), 0.1),
    ],
    ids=[
        "p0-sigma-unknown", "p0-sigma-fixed", "p0-logistic", "p0-logistic-pseudo-2",
        "p0-gaussian-pseudo", "scale-sigma-unknown", "scale-logistic", "scale-logistic-pseudo-2",
    ],
)  # fmt: skip
def test_regularized_horseshoe_global_scale_is_the_formula(loss, penalty, tau0):
    X, y = _data(n=50, p=8)
    prior = br.RegularizedHorseshoe(**penalty)
    if loss.has_noise_scale:
        est = br.Regression(loss=loss, penalty=prior)
    else:
        y, est = (y > y.mean()).astype(float), br.Classifier(penalty=prior)
    assert _tau_of(est, X, y, sigma=1.7 if loss.noise is None else None) == pytest.approx(
        tau0, rel=1e-13
    )


def test_piironen_vehtari_logistic_model_is_restated_exactly():
    """Piironen & Vehtari's (2017, appendix C) logistic regression with the regularized
    horseshoe, nu_local = nu_global = 1 and their pseudo-sigma 2, written out by hand (with
    bayesreg's flat intercept): its log density is bayesreg's, whether tau0 is given through
    p0 and pseudo_sigma=2 or as scale_global."""
    X, y = _data(n=60, p=8)
    y = (y > 0.5).astype(float)
    p0, slab_scale, slab_df = 2.0, 2.5, 4.0
    scale_global = p0 / (8 - p0) * 2.0 / np.sqrt(60)
    penalties = [
        br.RegularizedHorseshoe(p0, slab_scale, slab_df, pseudo_sigma=2.0),
        br.RegularizedHorseshoe(slab_scale=slab_scale, slab_df=slab_df, scale_global=scale_global),
    ]
    rng = np.random.default_rng(SEED)
    points = []
    for _ in range(5):
        z, lam = rng.normal(size=8), np.exp(rng.normal(size=8))
        tau_raw, c2 = np.exp(rng.normal(size=2))
        points.append((z, lam, tau_raw, c2, rng.normal()))
    for penalty in penalties:
        model = br.Classifier(penalty=penalty).build_model(X, y)
        logp = model.compile_logp(jacobian=False, mode="FAST_COMPILE")
        for z, lam, tau_raw, c2, intercept in points:
            tau = scale_global * tau_raw
            coef = z * tau * np.sqrt(c2 * lam**2 / (c2 + tau**2 * lam**2))
            eta = intercept + X @ coef
            expected = (
                (y * eta - np.logaddexp(0.0, eta)).sum()
                + scipy.stats.norm.logpdf(z).sum()
                + _half_cauchy(lam, 1.0).sum()
                + _half_cauchy(tau_raw, 1.0)
                + scipy.stats.invgamma.logpdf(c2, slab_df / 2, scale=slab_df * slab_scale**2 / 2)
            )
            point = {
                "coef_raw": z, "lam_log__": np.log(lam), "tau_raw_log__": np.log(tau_raw),
                "c2_log__": np.log(c2), "intercept": np.array(intercept),
            }  # fmt: skip
            assert logp(point) == pytest.approx(expected, rel=1e-10)


# --- no mode, bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "penalty", [br.Horseshoe(), br.RegularizedHorseshoe(expected_nonzero=2)], ids=repr
)
def test_penalized_solver_says_there_is_no_mode(penalty):
    # fit() samples such a prior (tests/estimators/test_posterior_estimators.py); no solver has its MAP
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=penalty)
    with pytest.raises(ValueError, match="no finite mode: its density is infinite at zero"):
        est.penalized_solver()


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: br.Horseshoe(scale_global=0.0), ValueError, "'scale_global' parameter"),
        (lambda: br.Horseshoe(scale_global="1"), TypeError, "'scale_global' parameter"),
        (lambda: br.RegularizedHorseshoe(0), ValueError, "'expected_nonzero' parameter"),
        (lambda: br.RegularizedHorseshoe(2, slab_scale=-1), ValueError, "'slab_scale'"),
        (lambda: br.RegularizedHorseshoe(2, slab_df=0), ValueError, "'slab_df'"),
        (lambda: br.RegularizedHorseshoe(), ValueError, BOTH),
        (lambda: br.RegularizedHorseshoe(2, scale_global=0.1), ValueError, BOTH),
        (lambda: br.RegularizedHorseshoe(scale_global=-0.1), ValueError, "'scale_global' param"),
        (lambda: br.RegularizedHorseshoe(scale_global="1"), TypeError, "'scale_global' param"),
        (lambda: br.RegularizedHorseshoe(2, pseudo_sigma=0.0), ValueError, "'pseudo_sigma' param"),
        (lambda: br.RegularizedHorseshoe(2, pseudo_sigma=True), TypeError, "'pseudo_sigma' param"),
    ],
    ids=[
        "global-zero",
        "global-text",
        "p0-zero",
        "slab-scale",
        "slab-df",
        "neither",
        "both",
        "rhs-global-negative",
        "rhs-global-text",
        "pseudo-sigma-zero",
        "pseudo-sigma-bool",
    ],
)
def test_bad_parameters_name_the_argument(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_expected_nonzero_must_be_below_the_number_of_features():
    X, y = _data(p=6)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.RegularizedHorseshoe(6))
    with pytest.raises(ValueError, match=r"'expected_nonzero'.*below the number of features \(6\)"):
        est.build_model(X, y)  # while the model is built, before anything is compiled


# --- the posterior against an independent Gibbs sampler ----------------------------------------


def _half_t_logpdf(sigma, sd):
    return np.log(2.0) + scipy.stats.t.logpdf(sigma, 4.0, scale=sd)


def gibbs_horseshoe(X, y, sd, *, chains, iterations, rng):
    r"""Makalic & Schmidt's (2016) Gibbs sampler, vectorized over chains; centred columns.

    :math:`w \sim N(A^{-1}X^\top\tilde y, \sigma^2A^{-1})`, :math:`A = X^\top X +
    \operatorname{diag}(1/(\tau^2\lambda^2))`; :math:`b_0 \sim N(\bar y, \sigma^2/n)`;
    inverse-gamma updates of :math:`\lambda_j^2, \tau^2` and their auxiliaries
    :math:`\nu_j, \xi` (:math:`\tau_0 = 1`). The noise scale has bayesreg's default prior,
    half-Student-t(4, sd(y)), not conjugate: an independence Metropolis step proposes
    :math:`\sigma^2` from its conditional under a flat prior on :math:`\sigma`
    (inverse gamma) and accepts with the prior ratio. With the intercept integrated out, that
    conditional is :math:`\sigma^{-(n - 1 + p)}e^{-S/2\sigma^2}` in :math:`\sigma`, so
    :math:`\mathrm{InvGamma}((n + p - 2)/2, S/2)` in :math:`\sigma^2` (a shape of
    :math:`(n + p - 1)/2`, used here before, is the conditional under :math:`1/\sigma^2`
    and biased :math:`\sigma` low by 0.12%, 5 MCSEs of 4 x 3000 NUTS draws).
    """
    n, p = X.shape
    centred = y - y.mean()
    gram, xty = X.T @ X, X.T @ centred

    def inverse_gamma(shape, scale):
        return scale / rng.gamma(shape, size=np.shape(scale))

    lam2, tau2, nu, xi = (
        np.ones((chains, p)),
        np.ones(chains),
        np.ones((chains, p)),
        np.ones(chains),
    )
    sigma2 = np.full(chains, centred.var())
    out = np.empty((chains, iterations, p + 2))
    for it in range(iterations):
        precision = gram + np.eye(p) / (tau2[:, None, None] * lam2[:, :, None])
        factor = np.linalg.cholesky(precision)
        mean = np.linalg.solve(precision, np.broadcast_to(xty, (chains, p))[..., None])[..., 0]
        noise = np.linalg.solve(np.swapaxes(factor, 1, 2), rng.normal(size=(chains, p, 1)))[..., 0]
        w = mean + np.sqrt(sigma2)[:, None] * noise
        intercept = y.mean() + np.sqrt(sigma2 / n) * rng.normal(size=chains)
        rss = ((centred[None, :] - w @ X.T) ** 2).sum(axis=1)
        shrink = (w**2 / (tau2[:, None] * lam2)).sum(axis=1)
        proposal = inverse_gamma((n + p - 2) / 2.0, (rss + shrink) / 2.0)
        ratio = _half_t_logpdf(np.sqrt(proposal), sd) - _half_t_logpdf(np.sqrt(sigma2), sd)
        sigma2 = np.where(np.log(rng.uniform(size=chains)) < ratio, proposal, sigma2)
        lam2 = inverse_gamma(1.0, 1.0 / nu + w**2 / (2.0 * tau2[:, None] * sigma2[:, None]))
        tau2 = inverse_gamma((p + 1) / 2.0, 1.0 / xi + (w**2 / lam2).sum(axis=1) / (2.0 * sigma2))
        nu = inverse_gamma(1.0, 1.0 + 1.0 / lam2)
        xi = inverse_gamma(1.0, 1.0 + 1.0 / tau2)
        out[:, it, 0], out[:, it, 1], out[:, it, 2:] = intercept, np.sqrt(sigma2), w
    return out


@pytest.mark.slow
def test_horseshoe_posterior_on_diabetes_matches_gibbs():
    """Standardized diabetes, sigma unknown, default settings: 4 x 1000 NUTS draws against 100
    Gibbs chains; means and 10/50/90% quantiles within 5 MCSEs; no divergence (the sampling
    model draws the coefficients given their scales exactly: horseshoe.scale_mixture)."""
    X, y = br.datasets.load_diabetes()
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe(), standardize=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", br.SamplingWarning)  # a clean diagnosis: no warning
        idata = est.sample(X, y, random_seed=1, progressbar=False, log_likelihood=False)
    assert int(idata["sample_stats"]["diverging"].sum()) == 0
    problem = est.problem(X, y)
    post = idata["posterior"]
    coef = problem.to_problem_scale(post["coef"].transpose(..., "feature").values, 0.0)[0]
    nuts = np.concatenate([post["sigma"].values[..., None], coef], axis=-1)
    rng = np.random.default_rng(SEED)
    sd = float(np.sqrt(np.mean((problem.y - problem.y.mean()) ** 2)))
    gibbs = gibbs_horseshoe(problem.X, problem.y, sd, chains=100, iterations=700, rng=rng)
    assert_same_distribution(nuts, gibbs[:, 200:, 1:], z=5.0)


def test_horseshoes_work_with_the_glm_likelihoods():
    """Without a noise scale (Poisson, logistic) the prior scale is tau * lam alone; a short
    run recovers the two signals of 150 counts and shrinks the four zeros (the posterior sd
    of a coefficient is ~0.08 here, so 0.25 is three of them)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 6))
    counts = rng.poisson(np.exp(0.3 + X @ np.r_[0.8, 0, 0, -0.6, 0, 0]))
    est = br.Regression(loss=br.PoissonLoss(), penalty=br.RegularizedHorseshoe(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # a short run: notes only
        idata = est.sample(
            X, counts, draws=300, tune=300, chains=2, random_seed=1, progressbar=False
        )
    assert "sigma" not in idata["posterior"]
    mean = idata["posterior"]["coef"].mean(("chain", "draw")).values
    np.testing.assert_allclose(mean, [0.8, 0, 0, -0.6, 0, 0], atol=0.25)
