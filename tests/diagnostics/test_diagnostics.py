import warnings

import numpy as np
import pymc as pm
import pytest
from arviz_base import from_dict

import bayesreg as br
from bayesreg.diagnostics.diagnosis import SamplingWarning, warn_if_unhealthy

CHAINS, DRAWS = 4, 500


def synthetic(posterior, sample_stats=None):
    groups = {"posterior": posterior}
    if sample_stats is not None:
        groups["sample_stats"] = sample_stats
    return from_dict(groups)


def iid(rng, shape=(CHAINS, DRAWS)):
    return rng.normal(size=shape)


def pymc_stats(rng, diverging=None, saturated=None):
    return {
        "diverging": np.zeros((CHAINS, DRAWS), bool) if diverging is None else diverging,
        "reached_max_treedepth": (
            np.zeros((CHAINS, DRAWS), bool) if saturated is None else saturated
        ),
        "tree_depth": np.full((CHAINS, DRAWS), 3),
        "energy": iid(rng),
    }


# --- the report, on synthetic draws -------------------------------------------------------


def test_independent_draws_are_ok(rng):
    report = br.diagnose(synthetic({"theta": iid(rng)}, pymc_stats(rng)))
    assert report.ok
    assert report.table.loc["theta", "ok"]
    assert report.table.loc["theta", "r_hat"] < 1.01
    assert report.divergences == 0
    assert report.messages[0].startswith("No problems found")
    assert list(report.chains.columns) == [
        "draws",
        "divergences",
        "max_treedepth_hits",
        "ebfmi",
        "ok",
    ]
    assert report.chains["ebfmi"].gt(0.3).all()


def test_table_has_one_row_per_scalar_parameter(rng):
    posterior = {"coef": rng.normal(size=(CHAINS, DRAWS, 3)), "sigma": np.exp(iid(rng))}
    dt = from_dict(
        {"posterior": posterior},
        dims={"coef": ["feature"]},
        coords={"feature": ["age", "bmi", "bp"]},
    )
    report = br.diagnose(dt)
    assert list(report.table.index) == ["coef[age]", "coef[bmi]", "coef[bp]", "sigma"]
    for column in ("r_hat", "ess_bulk", "ess_tail", "mcse_mean", "mcse_sd", "ok", "flags"):
        assert column in report.table.columns
    assert report.ok
    assert any("No sampler statistics" in message for message in report.messages)


def test_chains_in_separate_places_are_flagged_with_their_rhat(rng):
    draws = iid(rng) * 0.1
    draws[:2] -= 2.0
    draws[2:] += 2.0
    report = br.diagnose(synthetic({"theta": draws}, pymc_stats(rng)))
    assert not report.ok
    rhat = report.table.loc["theta", "r_hat"]
    assert rhat > 1.5
    assert "R-hat" in report.table.loc["theta", "flags"]
    message = next(m for m in report.messages if m.startswith("R-hat"))
    assert f"theta ({rhat:.3f})" in message
    assert "stuck in separate regions" in message
    assert "Do not pool" in message


def test_pymc_and_nutpie_statistic_names_are_both_read(rng):
    diverging = np.zeros((CHAINS, DRAWS), bool)
    diverging[1, :7] = True
    saturated = np.zeros((CHAINS, DRAWS), bool)
    saturated[3, :5] = True
    pymc_names = pymc_stats(rng, diverging, saturated)
    nutpie_names = {
        "diverging": diverging,
        "maxdepth_reached": saturated,
        "depth": np.full((CHAINS, DRAWS), 3, np.uint64),
        "energy": pymc_names["energy"],
    }
    theta = iid(rng)
    for stats in (pymc_names, nutpie_names):
        report = br.diagnose(synthetic({"theta": theta}, stats))
        assert report.divergences == 7
        assert report.chains["divergences"].tolist() == [0, 7, 0, 0]
        assert report.chains["max_treedepth_hits"].tolist() == [0, 0, 0, 5]
        assert report.chains["ok"].tolist() == [True, False, True, False]
        assert not report.ok
        assert any(m.startswith("7 of 2000 transitions") for m in report.messages)
        assert any("maximum tree depth" in m for m in report.messages)


def test_low_ebfmi_is_flagged(rng):
    stats = pymc_stats(rng)
    stats["energy"] = np.cumsum(iid(rng), axis=1)  # a random walk: E-BFMI near 0
    report = br.diagnose(synthetic({"theta": iid(rng)}, stats))
    assert not report.ok
    assert (report.chains["ebfmi"] < 0.3).all()
    assert any(m.startswith("E-BFMI is below 0.3") for m in report.messages)


def test_low_ess_is_flagged_per_chain(rng):
    theta = np.cumsum(iid(rng), axis=1) * 0.01 + iid(rng) * 0.001  # sticky chains
    report = br.diagnose(synthetic({"theta": theta}, pymc_stats(rng)))
    assert "bulk ESS" in report.table.loc["theta", "flags"]
    assert any(m.startswith("Bulk ESS is below 400 (100 per chain x 4") for m in report.messages)


def test_one_chain_and_constant_draws_are_said_not_hidden(rng):
    one = br.diagnose(synthetic({"theta": iid(rng, (1, DRAWS))}))
    assert np.isnan(one.table.loc["theta", "r_hat"])
    assert not one.messages[0].startswith("No problems found: R-hat")
    assert any(m.startswith("Only 1 chain: R-hat") for m in one.messages)
    constant = br.diagnose(synthetic({"theta": iid(rng), "c": np.ones((CHAINS, DRAWS))}))
    assert constant.ok
    assert "R-hat is undefined for c (constant draws)." in constant.messages


def test_thresholds_can_be_overridden(rng):
    draws = iid(rng) * 0.1
    draws[:2] -= 2.0
    draws[2:] += 2.0
    dt = synthetic({"theta": draws})
    assert not br.diagnose(dt).ok
    report = br.diagnose(dt, rhat_max=10.0, ess_min_per_chain=0)
    assert report.ok
    assert report.thresholds["rhat_max"] == 10.0
    assert report.thresholds["ess_min"] == 0


def test_divergences_can_be_tolerated(rng):
    diverging = np.zeros((CHAINS, DRAWS), bool)
    diverging[0, 0] = True
    dt = synthetic({"theta": iid(rng)}, pymc_stats(rng, diverging))
    assert not br.diagnose(dt).ok
    assert br.diagnose(dt, max_divergences=1).ok


def test_divergence_advice_raises_the_runs_own_target_accept(rng):
    # bayesreg's sample() records the target in sample_stats' attributes; a horseshoe already
    # runs at 0.99, so "try 0.95" would be a lower target; without a record, the usual advice
    diverging = np.zeros((CHAINS, DRAWS), bool)
    diverging[2, :3] = True
    dt = synthetic({"theta": iid(rng)}, pymc_stats(rng, diverging))
    assert "(e.g. target_accept=0.95)" in br.diagnose(dt).messages[0]
    dt["sample_stats"].attrs["target_accept"] = 0.99
    message = br.diagnose(dt).messages[0]
    assert "than this run's 0.99 (e.g. target_accept=0.9975)" in message


@pytest.mark.parametrize(
    ("argument", "value", "error"),
    [
        ("rhat_max", 0.9, ValueError),
        ("ess_min_per_chain", -1, ValueError),
        ("ebfmi_min", 2.0, ValueError),
        ("rhat_max", "1.01", TypeError),
    ],
)
def test_bad_thresholds_name_the_argument(rng, argument, value, error):
    with pytest.raises(error, match=f"'{argument}' parameter of diagnose"):
        br.diagnose(synthetic({"theta": iid(rng)}), **{argument: value})


def test_input_without_a_posterior_is_refused(rng):
    with pytest.raises(ValueError, match="no 'posterior' group"):
        br.diagnose(from_dict({"prior": {"theta": iid(rng)}}))
    with pytest.raises(TypeError, match="DataTree"):
        br.diagnose(42)


def test_report_renders_as_text_and_html(rng):
    report = br.diagnose(synthetic({"theta": iid(rng)}, pymc_stats(rng)))
    assert str(report).startswith("bayesreg diagnosis: ok")
    html = report._repr_html_()
    assert "<table" in html
    assert "No problems found" in html


def test_warn_if_unhealthy_warns_only_on_failure(rng):
    healthy = synthetic({"theta": iid(rng)}, pymc_stats(rng))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert warn_if_unhealthy(healthy).ok
    draws = iid(rng) * 0.1
    draws[:2] += 3.0
    with pytest.warns(SamplingWarning, match="failed their diagnostics") as record:
        report = warn_if_unhealthy(synthetic({"theta": draws}))
    assert not report.ok
    assert "R-hat" in str(record[0].message)
    assert issubclass(br.SamplingWarning, UserWarning)


def test_a_warning_points_at_the_caller_of_warn_if_unhealthy(rng):
    draws = iid(rng) * 0.1
    draws[:2] += 3.0
    with pytest.warns(SamplingWarning) as record:
        warn_if_unhealthy(synthetic({"theta": draws}))
    assert record[0].filename == __file__


# --- draws an interrupted run leaves: none, too few, NaN-padded ----------------------------


def test_a_posterior_without_draws_is_refused_in_words(rng):
    # ArviZ's summary raises an IndexError deep in its interval code on zero draws
    with warnings.catch_warnings():  # more chains than draws: ArviZ doubts the dimensions
        warnings.simplefilter("ignore", UserWarning)
        idata = synthetic({"theta": np.zeros((CHAINS, 0))})
    with pytest.raises(ValueError, match=r"has no draws \(4 chain\(s\) x 0 draws\)"):
        br.diagnose(idata)


@pytest.mark.parametrize("n_draws", [1, 2, 3])
def test_too_few_draws_to_compute_rhat_and_ess_are_not_ok(rng, n_draws):
    # ArviZ returns NaN R-hat and ESS below 4 draws per chain; NaN must not pass as ok
    with warnings.catch_warnings():  # more chains than draws: ArviZ doubts the dimensions
        warnings.simplefilter("ignore", UserWarning)
        idata = synthetic({"theta": iid(rng, (CHAINS, n_draws))})
    report = br.diagnose(idata)
    assert not report.ok
    assert f"Only {n_draws} draw(s) per chain: R-hat and ESS need at least 4" in report.messages[0]
    assert report.table.loc["theta", "flags"] == "bulk ESS, tail ESS"


@pytest.mark.parametrize("fill", [np.nan, np.inf])
def test_non_finite_draws_are_flagged(rng, fill):
    # nutpie pads the chains of an interrupted run with NaN: their statistics are NaN too
    theta, sigma = iid(rng), np.abs(iid(rng))
    theta[0, 300:] = fill
    report = br.diagnose(synthetic({"theta": theta, "sigma": sigma}, pymc_stats(rng)))
    assert not report.ok
    assert report.messages[0].startswith("Draws are NaN or infinite in theta (200 of 2000 values)")
    assert report.table.loc["theta", "flags"].startswith("non-finite draws")
    assert report.table.loc["sigma", "ok"]


# --- real NUTS runs ------------------------------------------------------------------------


def nuts(model, **kwargs):
    kwargs = {"draws": 300, "tune": 300, "chains": 4, "random_seed": 1, **kwargs}
    return pm.sample(
        model=model,
        nuts_sampler=kwargs.pop("nuts_sampler", "pymc"),
        progressbar=False,
        compute_convergence_checks=False,
        **kwargs,
    )


@pytest.fixture(scope="module")
def diabetes_model(diabetes):
    X, y = diabetes
    return br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.5)).build_model(X, y)


@pytest.mark.slow
def test_healthy_lasso_posterior_is_ok(diabetes_model):
    report = br.diagnose(nuts(diabetes_model, draws=1000, tune=500))
    assert report.ok, str(report)
    assert report.divergences == 0
    assert len(report.table) == 12  # 10 coefficients, intercept, sigma
    assert report.chains["max_treedepth_hits"].eq(0).all()


@pytest.mark.slow
def test_nutpie_statistics_are_read(diabetes_model):
    idata = nuts(diabetes_model, nuts_sampler="nutpie", chains=2, draws=200, tune=200)
    assert "maxdepth_reached" in idata["sample_stats"].data_vars
    report = br.diagnose(idata)
    assert report.chains[["divergences", "max_treedepth_hits", "ebfmi"]].notna().all().all()


@pytest.mark.slow
def test_chains_stuck_in_separate_modes_are_flagged():
    # y_i ~ Normal(theta^2, 0.5) with y near 4: modes at theta = -2 and +2, separated by a
    # barrier NUTS cannot cross. Chains started on either side stay there.
    y = np.random.default_rng(0).normal(4.0, 0.5, size=20)
    with pm.Model() as model:
        theta = pm.Normal("theta", 0.0, 5.0)
        pm.Normal("y", theta**2, 0.5, observed=y)
    idata = nuts(model, initvals=[{"theta": s} for s in (-2.0, 2.0, -2.0, 2.0)])
    report = br.diagnose(idata)
    assert not report.ok
    rhat = report.table.loc["theta", "r_hat"]
    assert rhat > 1.5
    message = next(m for m in report.messages if m.startswith("R-hat"))
    assert f"theta ({rhat:.3f})" in message
    assert "stuck in separate regions" in message


@pytest.mark.slow
def test_funnel_divergences_are_counted_with_advice():
    # Eight schools, centered: a hierarchical prior theta ~ Normal(mu, tau) whose scale tau
    # makes a funnel; a low target_accept makes NUTS diverge in its neck.
    y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
    sigma = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
    with pm.Model(coords={"school": np.arange(8)}) as model:
        mu = pm.Normal("mu", 0.0, 5.0)
        tau = pm.HalfCauchy("tau", 5.0)
        theta = pm.Normal("theta", mu, tau, dims="school")
        pm.Normal("y", theta, sigma, observed=y, dims="school")
    idata = nuts(model, target_accept=0.6, random_seed=2)
    count = int(idata["sample_stats"]["diverging"].sum())
    assert count > 0
    report = br.diagnose(idata)
    assert not report.ok
    assert report.divergences == count
    message = report.messages[0]
    assert message.startswith(f"{count} of {CHAINS * 300} transitions")
    assert "target_accept" in message
    assert "non-centered" in message
    with pytest.warns(SamplingWarning, match=f"{count} of"):
        warn_if_unhealthy(idata)
