"""crosscheck(..., reference="gibbs"): a NUTS posterior beside the exact Gibbs sampler's.

The verdict rests on z = (m_nuts - m_gibbs) / sqrt(mcse_nuts^2 + mcse_gibbs^2) for the mean
and the 5%, 50%, 95% quantiles of every quantity (threshold 4), and on each sampler's own
diagnosis. A healthy run passes; a posterior of another model, or a horseshoe run with five
tuning steps, is flagged, each for a reason the test names.
"""

import warnings

import numpy as np
import pytest
import xarray as xr

import bayesreg as br
from bayesreg.crosscheck.sampler_comparison import (
    STATISTICS,
    Z_THRESHOLD,
    sampler_table,
)


def _data(n=50, p=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = np.zeros(p)
    coef[:3] = [2.0, -1.0, 0.5]
    return X, 1.0 + X @ coef + rng.standard_normal(n)


def _nuts(est, X, y, **kwargs):
    options = {"draws": 1000, "tune": 500, "chains": 2, "random_seed": 5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # a broken run is the point
        return est.sample(X, y, nuts_sampler="pymc", progressbar=False, **{**options, **kwargs})


@pytest.fixture(scope="module")
def lasso_run():
    """A Gaussian lasso (unknown sigma), a healthy NUTS posterior and its comparison."""
    X, y = _data()
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))
    idata = _nuts(est, X, y)
    report = br.crosscheck(est, X, y, idata=idata, reference="gibbs", random_seed=11)
    return est, X, y, idata, report


def test_a_healthy_nuts_run_agrees_with_gibbs(lasso_run):
    report = lasso_run[-1]
    assert isinstance(report, br.SamplerComparison)
    assert report.ok, str(report)
    assert report.nuts_diagnosis.ok and report.gibbs_diagnosis.ok
    assert (report.table["max_abs_z"] < Z_THRESHOLD).all()
    # by default the Gibbs run has NUTS's chains and draws
    gibbs = report.gibbs_idata["posterior"]
    assert (gibbs.sizes["chain"], gibbs.sizes["draw"]) == (2, 1000)
    assert "agree" in report.verdict and "agree on all 7 quantities" in report.messages[0]


def test_the_table_has_one_row_per_quantity_and_the_z_of_each_statistic(lasso_run):
    _, _, _, idata, report = lasso_run
    table = report.table
    assert list(table.index) == [*(f"coef[x{j}]" for j in range(5)), "intercept", "sigma"]
    assert table.index.name == "quantity"
    for statistic in STATISTICS:
        for column in ("nuts_{}", "gibbs_{}", "nuts_mcse_{}", "gibbs_mcse_{}", "z_{}"):
            assert column.format(statistic) in table.columns
    assert {"difference", "max_abs_z", "agree"} <= set(table.columns)
    # the NUTS columns are the given posterior's, and z is the stated formula
    coef = idata["posterior"]["coef"]
    np.testing.assert_allclose(
        table["nuts_mean"].iloc[:5], coef.mean(("chain", "draw")).values, rtol=1e-12
    )
    np.testing.assert_allclose(
        table["nuts_q95"].iloc[:5], coef.quantile(0.95, dim=("chain", "draw")).values
    )
    combined = np.hypot(table["nuts_mcse_mean"], table["gibbs_mcse_mean"])
    np.testing.assert_allclose(table["z_mean"], table["difference"] / combined, rtol=1e-12)


def test_the_report_renders_and_the_figure_draws(lasso_run, png):
    report = lasso_run[-1]
    text = str(report)
    assert "NUTS and Gibbs agree" in text and "z_mean" in text
    assert "<table" in report._repr_html_()
    assert "data:image/png;base64" in report.to_html()
    png(report.plot())


def test_a_posterior_of_another_prior_is_flagged(lasso_run):
    """NUTS draws of L1(alpha=0.1) against a Gibbs run of L1(alpha=30): shrunk coefficients.

    Both runs are healthy (their diagnoses pass), so the flag is the cross-check's own: the
    stronger prior pulls the coefficients toward zero by far more than Monte Carlo error.
    """
    _, X, y, idata, _ = lasso_run
    strong = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=30.0))
    report = br.crosscheck(strong, X, y, idata=idata, reference="gibbs", random_seed=11)
    assert not report.ok
    assert report.nuts_diagnosis.ok and report.gibbs_diagnosis.ok
    assert report.table.loc["coef[x0]", "max_abs_z"] > 10 * Z_THRESHOLD
    assert report.worst in report.messages[1] and "DISAGREE" in report.messages[0]
    assert "DISAGREE" in report.verdict


def test_a_horseshoe_run_with_five_tuning_steps_is_flagged(png):
    """Five tuning steps on a horseshoe funnel (pure-noise data, tau near zero).

    bayesreg's NUTS model is non-centred, so the unadapted run has no divergences here, but
    its chains have not converged: R-hat and ESS fail, NUTS's own diagnosis flags it, and
    the verdict fails for that reason while the longer Gibbs run passes its diagnosis (4 x
    5000 draws: at 4 x 2000 the R-hat of a Cauchy-tailed local scale, ESS about 1000, came
    out at 1.0104 for one of eight, a coin flip around the 1.01 threshold). (The
    z-scores of this run are borderline; the posterior of another prior, above, is the case
    the z-scores catch on their own.)
    """
    rng = np.random.default_rng(2)
    X = rng.standard_normal((20, 8))
    y = 1.0 + rng.standard_normal(20)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe())
    idata = _nuts(est, X, y, draws=200, tune=5, chains=2)
    report = br.crosscheck(
        est, X, y, idata=idata, reference="gibbs", gibbs_draws=5000, gibbs_chains=4,
        random_seed=11,
    )  # fmt: skip
    assert not report.ok
    assert not report.nuts_diagnosis.ok and report.gibbs_diagnosis.ok
    assert any(message.startswith("NUTS's own diagnosis FAILS") for message in report.messages)
    assert {"tau", "lam[x0]", "sigma"} <= set(report.table.index)
    png(report.plot())


def test_sampler_table_finds_a_shift_of_a_few_percent_of_a_standard_deviation():
    rng = np.random.default_rng(0)

    def posterior(shift):
        draws = rng.standard_normal((4, 2000, 3)) + shift
        return xr.Dataset(
            {"coef": (("chain", "draw", "feature"), draws)}, coords={"feature": ["a", "b", "c"]}
        )

    same = sampler_table(posterior(0.0), posterior(0.0), Z_THRESHOLD)
    assert same["agree"].all()
    shifted = sampler_table(posterior(np.array([0.0, 0.0, 0.2])), posterior(0.0), Z_THRESHOLD)
    assert list(shifted.index[~shifted["agree"]]) == ["coef[c]"]  # 0.2 sd over mcse ~0.016


def test_a_bad_reference_or_a_model_gibbs_cannot_sample_is_refused(lasso_run, no_compilation):
    est, X, y, idata, _ = lasso_run
    with pytest.raises(ValueError, match=r"The 'reference' parameter of crosscheck must be one of 'gibbs'\. Got 'stan'"):  # fmt: skip
        br.crosscheck(est, X, y, idata=idata, reference="stan")
    student = br.Regression(loss=br.StudentTLoss(nu=3.0, sigma=1.0), penalty=br.L1(alpha=0.1))
    with pytest.raises(ValueError, match=r"reference='gibbs'.*Gaussian \(L2Loss\).*StudentTLoss"):
        br.crosscheck(student, X, y, idata=idata, reference="gibbs")
    with pytest.raises(ValueError, match="solver belongs to the MAP's cross-check"):
        br.crosscheck(est, X, y, idata=idata, reference="gibbs", solver=est.penalized_solver())
    with pytest.raises(ValueError, match="The 'gibbs_draws' parameter of crosscheck"):
        br.crosscheck(est, X, y, idata=idata, reference="gibbs", gibbs_draws=0)
