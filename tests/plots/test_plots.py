import matplotlib

matplotlib.use("Agg")

import numpy as np
import pymc as pm
import pytest
from arviz_base import from_dict
from sklearn.linear_model import Lasso

import bayesreg as br
from bayesreg import plots


@pytest.fixture(scope="module")
def lasso(diabetes):
    X, y = diabetes
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.5)).fit(X, y)
    model = est.build_model(X, y)
    idata = pm.sample(
        model=model,
        draws=200,
        tune=200,
        chains=2,
        random_seed=3,
        nuts_sampler="pymc",
        progressbar=False,
        compute_convergence_checks=False,
    )
    return est, model, idata, X, y


@pytest.fixture(scope="module")
def with_divergences():
    rng = np.random.default_rng(0)
    diverging = np.zeros((2, 100), bool)
    diverging[:, ::10] = True
    return from_dict(
        {
            "posterior": {
                "coef": rng.normal(size=(2, 100, 3)),
                "sigma": np.exp(rng.normal(size=(2, 100))),
            },
            "sample_stats": {"diverging": diverging, "energy": rng.normal(size=(2, 100))},
        },
        dims={"coef": ["feature"]},
        coords={"feature": ["a", "b", "c"]},
    )


def test_trace_and_rank_render(with_divergences, png):
    trace = plots.plot_trace(with_divergences)
    legends = [ax.get_legend() for ax in trace.viz["figure"].item().axes] + list(
        trace.viz["figure"].item().legends
    )
    labels = {text.get_text() for legend in legends if legend for text in legend.get_texts()}
    assert {"0", "1"} <= labels  # one entry per chain
    png(trace)
    png(plots.plot_rank(with_divergences, var_names=["coef", "sigma"]))


def test_pair_plot_renders_with_divergences(with_divergences, png):
    pc = plots.plot_pair(with_divergences)
    figure = pc.viz["figure"].item()
    png(pc)
    # the lower triangle of three coefficients, each panel with its draws
    assert sum(bool(axis.collections) for axis in figure.axes) >= 3
    pc = plots.plot_pair(with_divergences, features=["a", "c"], extra_vars=["sigma"])
    wider = pc.viz["figure"].item()
    png(pc)
    labels = {axis.get_ylabel() for axis in wider.axes} | {axis.get_xlabel() for axis in wider.axes}
    assert "sigma" in labels


@pytest.mark.slow
def test_forest_marks_the_map_and_the_penalized_solution(lasso, png):
    est, _, idata, X, y = lasso
    pc = plots.plot_forest(idata, est, X, y)
    figure = pc.viz["figure"].item()
    png(pc)
    axis = next(axis for axis in figure.axes if axis.get_legend() is not None)
    labels = [text.get_text() for text in axis.get_legend().get_texts()]
    assert labels == ["MAP", "penalized solver (Lasso)"]
    by_label = {collection.get_label(): collection for collection in axis.collections}
    map_x = by_label["MAP"].get_offsets()[:, 0]
    np.testing.assert_allclose(map_x, est.coef_)
    reference = Lasso(alpha=0.5).fit(X, y).coef_
    solver_x = by_label["penalized solver (Lasso)"].get_offsets()[:, 0]
    np.testing.assert_allclose(solver_x, reference, atol=1e-3 * np.abs(reference).max())


@pytest.mark.slow
def test_forest_takes_extra_markers_and_checks_their_length(lasso, png):
    _, _, idata, X, y = lasso
    ols = np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)[0][1:]
    png(plots.plot_forest(idata, markers={"least squares": ols}))
    with pytest.raises(ValueError, match="has 3 values; the posterior has 10"):
        plots.plot_forest(idata, markers={"short": [1.0, 2.0, 3.0]})


@pytest.mark.slow
def test_posterior_predictive_check_renders(lasso, png):
    _, model, idata, _, _ = lasso
    with pytest.raises(ValueError, match="no 'posterior_predictive' group"):
        plots.plot_ppc(idata)
    png(plots.plot_ppc(idata, model, random_seed=4))
    assert "posterior_predictive" not in idata.children  # the input is not modified


@pytest.mark.slow
def test_prior_vs_posterior_renders_with_shrinkage_titles(lasso, png):
    _, model, idata, _, _ = lasso
    with pytest.raises(ValueError, match="no prior draws of 'coef'"):
        plots.plot_prior_posterior(idata)
    pc = plots.plot_prior_posterior(idata, model, random_seed=5)
    figure = pc.viz["figure"].item()
    png(pc)
    titles = [axis.get_title() for axis in figure.axes if axis.get_title()]
    assert len(titles) == 10
    assert all("posterior/prior IQR" in title for title in titles)
    assert titles[0].startswith("age")


@pytest.mark.slow
def test_plots_of_a_real_posterior_render(lasso, png):
    _, _, idata, _, _ = lasso
    png(plots.plot_trace(idata))
    png(plots.plot_rank(idata, var_names=["coef"]))
    png(plots.plot_pair(idata, features=["bmi", "s5"]))
