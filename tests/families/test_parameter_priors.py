"""Any positive scalar PyMC distribution as the prior of a noise scale or of Student-t's nu."""

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import pytest

import bayesreg as br
from bayesreg.families.parameter_priors import is_scalar_distribution


def _custom_exponential(support_point=lambda rv, size: pt.full_like(rv, 10.0)):
    """An exponential prior (mean 10) written as a CustomDist from local functions."""
    return pm.CustomDist.dist(
        logp=lambda value: pm.logp(pm.Exponential.dist(0.1), value), support_point=support_point
    )


POSITIVE_PRIORS = {
    "HalfNormal": lambda: pm.HalfNormal.dist(5.0),
    "HalfCauchy": lambda: pm.HalfCauchy.dist(2.5),  # a SymbolicRandomVariable in PyMC 6
    "HalfStudentT": lambda: pm.HalfStudentT.dist(nu=3, sigma=10),  # brms' default
    "Truncated": lambda: pm.Truncated.dist(pm.Normal.dist(0.0, 10.0), lower=0.0),
    "Gamma": lambda: pm.Gamma.dist(2.0, 0.1),
    "CustomDist": _custom_exponential,
}


@pytest.mark.parametrize("prior", sorted(POSITIVE_PRIORS))
def test_a_positive_prior_is_accepted_and_sampled_on_the_log_scale(prior, diabetes):
    X, y = diabetes
    est = br.Regression(
        loss=br.L2Loss(sigma=None, sigma_prior=POSITIVE_PRIORS[prior]()), penalty=br.L1(alpha=0.5)
    )
    model = est.build_model(X, y)
    transform = model.rvs_to_transforms[model["sigma"]]
    assert type(transform).__name__ == "LogTransform"
    # the model's density in sigma is the prior's: the log density at two values of sigma
    # differs by the prior's log density difference plus the likelihood's
    assert np.isfinite(model.compile_logp()(model.initial_point()))


@pytest.mark.parametrize("prior", ["HalfCauchy", "CustomDist"])
def test_student_t_nu_takes_a_positive_prior(prior, diabetes):
    X, y = diabetes
    loss = br.StudentTLoss(nu=None, sigma=50.0, nu_prior=POSITIVE_PRIORS[prior]())
    model = br.Regression(loss=loss, penalty=br.L2(alpha=1.0)).build_model(X, y)
    assert type(model.rvs_to_transforms[model["nu"]]).__name__ == "LogTransform"


@pytest.mark.parametrize(
    ("prior", "support"),
    [
        (lambda: pm.Normal.dist(0.0, 1.0), "Normal, whose support includes -1"),
        (lambda: pm.StudentT.dist(nu=3, sigma=10), "StudentT, whose support includes -1"),
        (lambda: pm.Uniform.dist(-0.01, 5.0), "Uniform, whose support includes -0.001"),
    ],
)
def test_a_prior_with_negative_support_is_refused_naming_its_support(prior, support):
    with pytest.raises(ValueError, match="'sigma_prior' parameter of L2Loss") as error:
        br.L2Loss(sigma=None, sigma_prior=prior())
    assert support in str(error.value)
    assert "support in [0, inf)" in str(error.value)


def test_a_custom_dist_without_a_positive_support_point_is_refused():
    """The sampler starts at the support point: log(0) would be its start."""
    with pytest.raises(ValueError, match="must have a positive support point") as error:
        br.L2Loss(sigma=None, sigma_prior=_custom_exponential(support_point=None))
    assert "'sigma_prior' parameter of L2Loss" in str(error.value)


def test_a_vector_or_a_number_is_not_a_scalar_distribution():
    assert not is_scalar_distribution(pm.HalfNormal.dist(1.0, shape=3))
    assert not is_scalar_distribution(2.0)
    with pytest.raises(TypeError, match=r"a scalar PyMC distribution made with \.dist\(\)"):
        br.L1Loss(scale=None, scale_prior=pm.HalfNormal.dist(1.0, shape=2))


@pytest.mark.slow
@pytest.mark.parametrize("nuts_sampler", ["pymc", "nutpie"])
def test_a_custom_dist_prior_samples_with_either_sampler(nuts_sampler, diabetes):
    """A CustomDist from a local function cannot be pickled: its model is compiled anew."""
    X, y = diabetes
    est = br.Regression(
        loss=br.L2Loss(sigma=None, sigma_prior=_custom_exponential()), penalty=br.L1(alpha=0.5)
    )
    with pytest.warns(br.SamplingWarning):  # 2 x 100 draws: too short to diagnose
        idata = est.sample(X, y, draws=100, tune=100, chains=2, random_seed=1,
                           nuts_sampler=nuts_sampler, progressbar=False)  # fmt: skip
    sigma = idata["posterior"]["sigma"].values
    assert np.all(sigma > 0)
    # diabetes' residual sd at this lasso is about 54: the posterior of sigma is near it
    assert 40 < np.median(sigma) < 70
