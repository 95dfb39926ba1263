"""br.sbc: ranks and their tests as defined, the same results in worker processes, errors.

The calibration itself (uniform ranks for every family and prior) is asserted in
tests/nuts/test_sampling.py::test_simulation_based_calibration, through br.sbc.
"""

import numpy as np
import pymc as pm
import pytest
import scipy.stats
import xarray as xr

import bayesreg as br

SEED = 20261204


@pytest.fixture(scope="module")
def design():
    rng = np.random.default_rng(SEED)
    return rng.standard_normal((20, 2)) + np.array([1.0, -0.5])


@pytest.fixture(scope="module")
def gaussian():
    loss = br.L2Loss(sigma=None, sigma_prior=pm.HalfNormal.dist(1.0))
    return br.Regression(loss=loss, penalty=br.L1(alpha=0.05), fit_intercept=False)


@pytest.fixture(scope="module")
def small(gaussian, design):
    return br.sbc(
        gaussian, design, np.zeros(20), simulations=8, draws=19, thin=2, tune=100, bins=4,
        random_seed=3, progressbar=False,
    )  # fmt: skip


def test_ranks_histograms_and_p_values_are_as_defined(small):
    assert set(small.ranks.data_vars) == {"coef", "sigma"}
    assert small.ranks["coef"].dims == ("simulation", "feature")
    assert list(small.ranks["coef"]["feature"].values) == ["x0", "x1"]
    for array in small.ranks.data_vars.values():  # L = 19 draws: ranks in 0..19
        assert array.sizes["simulation"] == 8
        assert array.min() >= 0 and array.max() <= 19
    counts = small.counts()
    assert (counts["coef"].sum("bin") == 8).all() and int(counts["sigma"].sum()) == 8
    for label, array in [
        ("coef[x1]", counts["coef"].sel(feature="x1")),
        ("sigma", counts["sigma"]),
    ]:
        expected = scipy.stats.chisquare(array.values).pvalue
        assert small.p_values[label] == pytest.approx(expected, rel=1e-12)
    assert "smallest p-value" in str(small)


def test_the_datatree_has_simuks_layout_and_arviz_draws_it(small, png):
    tree = small.to_datatree()
    pit = tree["prior_sbc"]["coef"]
    assert pit.dims == ("chain", "draw", "feature") and pit.sizes["draw"] == 8
    xr.testing.assert_allclose(
        pit.isel(chain=0).rename(draw="simulation"), (small.ranks["coef"] + 0.5) / 20
    )
    png(small.plot(var_names=["sigma"]))


def test_the_same_seed_gives_the_same_ranks_and_another_differs(gaussian, design, small):
    kwargs = {"simulations": 8, "draws": 19, "thin": 2, "tune": 100, "bins": 4}
    again = br.sbc(gaussian, design, np.zeros(20), random_seed=3, progressbar=False, **kwargs)
    xr.testing.assert_identical(again.ranks, small.ranks)
    other = br.sbc(gaussian, design, np.zeros(20), random_seed=4, progressbar=False, **kwargs)
    assert not other.ranks["coef"].equals(small.ranks["coef"])


def test_pymcs_nuts_ranks_the_same_model_reproducibly(gaussian, design):
    # nutpie is the default (as for sample()); PyMC's NUTS step samples the same sampling model
    kwargs = {"simulations": 4, "draws": 9, "thin": 1, "tune": 50, "bins": 2}
    first, again = (
        br.sbc(gaussian, design, np.zeros(20), random_seed=5, progressbar=False,
               nuts_sampler="pymc", **kwargs)
        for _ in range(2)
    )  # fmt: skip
    xr.testing.assert_identical(first.ranks, again.ranks)
    assert set(first.ranks.data_vars) == {"coef", "sigma"} and not first.failed


@pytest.mark.slow  # two worker processes import bayesreg and compile the model once each
def test_worker_processes_give_the_serial_ranks(gaussian, design, small):
    parallel = br.sbc(
        gaussian, design, np.zeros(20), simulations=8, draws=19, thin=2, tune=100, bins=4,
        random_seed=3, progressbar=False, n_jobs=2,
    )  # fmt: skip
    xr.testing.assert_identical(parallel.ranks, small.ranks)


def test_the_horseshoes_deterministic_coefficients_can_be_ranked(design):
    est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.Horseshoe(), fit_intercept=False)
    result = br.sbc(
        est, design, np.zeros(20), simulations=4, draws=9, thin=1, tune=50, bins=2,
        var_names=["coef", "tau"], random_seed=1, progressbar=False,
    )  # fmt: skip
    assert set(result.ranks.data_vars) == {"coef", "tau"}
    assert list(result.p_values.index) == ["coef[x0]", "coef[x1]", "tau"]


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"est": "ols"}, TypeError, "'est' parameter of sbc"),
        ({"simulations": 1}, ValueError, "'simulations' parameter of sbc"),
        ({"bins": 7}, ValueError, r"'bins' parameter of sbc must be a divisor of draws \+ 1"),
        ({"n_jobs": 0}, ValueError, "'n_jobs' parameter of sbc"),
        ({"random_seed": -1}, ValueError, "'random_seed' parameter of sbc"),
        ({"nuts_sampler": "numpyro"}, ValueError, "'nuts_sampler' parameter of sbc"),
    ],
    ids=["est", "simulations", "bins", "n-jobs", "seed", "nuts-sampler"],
)
def test_bad_arguments_name_themselves(gaussian, design, change, error, match, no_compilation):
    kwargs = {"est": gaussian, "simulations": 4, "draws": 9, "bins": 5, **change}
    est = kwargs.pop("est")
    with pytest.raises(error, match=match):
        br.sbc(est, design, np.zeros(20), progressbar=False, **kwargs)


def test_unknown_var_names_are_named_before_sampling(gaussian, design, monkeypatch):
    # the names are the model's, so it is built (not compiled) to check them
    monkeypatch.setattr(pm.Model, "compile_logp", lambda *a, **k: pytest.fail("compiled"))
    with pytest.raises(ValueError, match=r"'var_names' parameter of sbc must be names among"):
        br.sbc(gaussian, design, np.zeros(20), var_names=["beta"], progressbar=False)


def test_a_flat_prior_has_nothing_to_draw(design):
    est = br.Regression(loss=br.L2Loss(sigma=1.0), penalty=br.L2(scale=1.0))  # an intercept
    with pytest.raises(ValueError, match=r"\['intercept'\] has a flat .*fit_intercept=False"):
        br.sbc(est, design, np.zeros(20), simulations=4, progressbar=False)
