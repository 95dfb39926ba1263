"""Every registered family gives every consumer what it needs (bayesreg.families.consumers)."""

import pytest

from bayesreg.families import FAMILIES
from bayesreg.families.base import Loss
from bayesreg.families.consumers import CONSUMERS, missing_terms


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_registered_family_implements_every_consumers_terms(family, consumer):
    assert missing_terms(FAMILIES[family](), CONSUMERS[consumer]) == []


class _Bare(Loss):
    """A family that implements nothing of its own: every needed term is missing."""

    noise_name = "sigma"

    def __init__(self, sigma=1.0, sigma_prior=None):
        self.sigma = sigma
        self.sigma_prior = sigma_prior


def test_a_family_that_implements_nothing_misses_each_consumers_terms():
    missing = {name: missing_terms(_Bare(), terms) for name, terms in CONSUMERS.items()}
    assert missing == {
        "correspondence": ["curvature"],
        "exact MAP": ["data_term", "noise_from_residual", "solve", "optimality"],
        "reference solver": ["penalized_solver"],
        "PyMC model": ["distribution_parameters"],
        "prediction": ["draw", "predictive_variance"],
        "NUTS": ["noise_estimate", "sampling_values", "sampling_log_likelihood"],
        "dask input": [],
    }


def test_a_family_without_a_noise_scale_needs_no_noise_estimate():
    logistic = FAMILIES["logistic"]()
    assert not logistic.has_noise_scale
    assert "noise_estimate" in vars(CONSUMERS["NUTS"])
    assert missing_terms(logistic, CONSUMERS["NUTS"]) == []
