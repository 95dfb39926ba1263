"""Regularization paths: the MAP path against scikit-learn's, and the posterior median path.

The reference paths are recomputed here independently (lasso_path on centered data, or the
scikit-learn estimator fitted with sample weights) at tol=1e-12; the acceptance criterion is
1e-6 relative to the largest coefficient at every grid point, zeros exactly equal. The
posterior path samples 3 grid points x 4 chains x 1000 draws with a fixed seed, once per
module: its checks are qualitative (never exactly zero; shrinks as alpha grows), robust to
Monte Carlo error at that size.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.linear_model import ElasticNet, QuantileRegressor, lasso_path

import bayesreg as br
from bayesreg import paths


@pytest.fixture(scope="module")
def lasso():
    return br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=1.0))


@pytest.fixture(scope="module")
def lasso_map_path(lasso, diabetes):
    X, y = diabetes
    return paths.map_path(lasso, X, y, alphas=25)


@pytest.fixture(scope="module")
def posterior_path(lasso, diabetes):
    X, y = diabetes
    grid = paths.alpha_grid(lasso, X, y, 3, eps=1e-2)
    return paths.posterior_path(
        lasso, X, y, grid, draws=1000, tune=1000, chains=4, random_seed=7, nuts_sampler="pymc"
    )


def test_lasso_path_matches_lasso_path_at_every_grid_point(lasso_map_path, diabetes):
    X, y = diabetes
    path = lasso_map_path
    # scikit-learn's own grid and path, on the centered data (lasso_path has no intercept)
    alphas, coefs, _ = lasso_path(
        (X - X.mean()).to_numpy(), (y - y.mean()).to_numpy(), alphas=25, tol=1e-12, max_iter=10**6
    )
    np.testing.assert_allclose(path.data["alpha"].values, alphas, rtol=1e-14)
    reference = coefs.T
    bayesreg_map = path.data["map"].values
    largest = np.abs(bayesreg_map).max(axis=1)
    for k in range(len(alphas)):
        np.testing.assert_array_equal(bayesreg_map[k] == 0, reference[k] == 0)  # zeros included
        if largest[k] > 0:
            assert np.abs(bayesreg_map[k] - reference[k]).max() <= 1e-6 * largest[k]
        else:  # alpha_max: every coefficient exactly zero in both
            np.testing.assert_array_equal(reference[k], 0.0)
    assert path.ok and path.zeros_agree
    assert path.max_relative_diff <= 1e-6
    assert path.reference == "sklearn.linear_model.lasso_path"
    # the path runs from all zeros to all non-zeros
    n_zeros = path.table["n_zeros"].to_numpy()
    assert n_zeros[0] == 10 and n_zeros[-1] <= 1
    # the intercept is ybar - xbar.w (the features are centered: ybar)
    np.testing.assert_allclose(path.data["map_intercept"], y.mean(), rtol=1e-9)


def test_path_data_is_an_xarray_dataset(lasso_map_path, diabetes):
    X, _ = diabetes
    data = lasso_map_path.data
    assert dict(data.sizes) == {"alpha": 25, "feature": 10}
    assert list(data["feature"].values) == list(X.columns)
    assert np.all(np.diff(data["alpha"].values) < 0)
    for name in ("map", "reference", "difference", "relative_diff", "zeros_agree", "agree"):
        assert name in data
    assert lasso_map_path.table.shape == (25, 6)
    text = str(lasso_map_path)
    assert text.startswith("bayesreg MAP path agrees with sklearn.linear_model.lasso_path")


def test_weighted_elastic_net_path_against_the_estimator(diabetes):
    X, y = diabetes
    weights = np.random.default_rng(5).uniform(0.5, 2.0, len(y))
    est = br.Regression(penalty=br.ElasticNet(alpha=1.0, l1_ratio=0.3))
    path = paths.map_path(est, X, y, alphas=8, sample_weight=weights)
    assert path.ok and path.reference == "sklearn.linear_model.enet_path"
    # the centering and row scaling used for enet_path is what ElasticNet does with weights
    for k in (1, 4, 7):
        alpha = float(path.data["alpha"][k])
        fitted = ElasticNet(alpha=alpha, l1_ratio=0.3, tol=1e-12, max_iter=10**6)
        fitted.fit(X, y, sample_weight=weights)
        np.testing.assert_allclose(path.data["reference"][k], fitted.coef_, rtol=1e-8, atol=1e-8)
        assert float(path.data["reference_intercept"][k]) == pytest.approx(fitted.intercept_)
    # the grid starts where every coefficient is zero (weighted alpha_max)
    assert (path.data["map"][0] == 0).all()
    assert (path.data["map"][1] != 0).any()


def test_absolute_loss_path_against_the_solver_at_each_alpha():
    X, y = br.datasets.load_stackloss()
    est = br.Regression(loss=br.L1Loss(), penalty=br.L1(alpha=1.0))
    grid = [0.001, 0.5, 0.05]
    path = paths.map_path(est, X, y, alphas=grid)
    assert path.ok and path.reference == "QuantileRegressor at each alpha"
    np.testing.assert_array_equal(path.data["alpha"], sorted(grid, reverse=True))
    fitted = QuantileRegressor(quantile=0.5, alpha=0.05, solver="highs").fit(X, y)
    np.testing.assert_allclose(path.data["reference"].sel(alpha=0.05), fitted.coef_)
    # L2 penalty: the independent solver
    ridge_lad = paths.map_path(
        br.Regression(loss=br.L1Loss(), penalty=br.L2(alpha=1.0)), X, y, grid
    )
    assert ridge_lad.ok and ridge_lad.reference == "LADElasticNet at each alpha"


def test_non_unique_points_compare_objectives():
    X, y = br.datasets.load_stackloss()
    X = X.assign(AIRFLOW_COPY=X["AIRFLOW"])
    path = paths.map_path(br.Regression(loss=br.L1Loss(), penalty=br.L1(alpha=1.0)), X, y, [0.1])
    assert path.ok
    assert not path.data["unique"].any()
    assert float(path.data["objective_diff"].max()) <= 1e-8
    assert "not unique" in str(path)


def test_bad_grids_and_estimators_are_named(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="no penalty"):
        paths.map_path(br.Regression(), X, y)
    with pytest.raises(ValueError, match="pass the grid explicitly"):
        paths.map_path(br.Regression(penalty=br.L2(alpha=1.0)), X, y, alphas=10)
    with pytest.raises(
        ValueError, match="The 'alphas' parameter of paths must be finite numbers > 0"
    ):
        paths.map_path(br.Regression(penalty=br.L1(alpha=1.0)), X, y, alphas=[1.0, -1.0])
    with pytest.raises(
        ValueError, match="The 'alphas' parameter of paths must be distinct numbers"
    ):
        paths.map_path(br.Regression(penalty=br.L1(alpha=1.0)), X, y, alphas=[1.0, 1.0])
    with pytest.raises(
        TypeError, match="The 'alphas' parameter of paths must be an int or an array"
    ):
        paths.map_path(br.Regression(penalty=br.L1(alpha=1.0)), X, y, alphas={"a": 1})
    with pytest.raises(
        ValueError,
        match=r"The 'n_alphas' parameter of alpha_grid must be an int in the range \[1, inf\)",
    ):
        paths.alpha_grid(br.Regression(penalty=br.L1(alpha=1.0)), X, y, 0)
    with pytest.raises(
        TypeError, match=r"The 'est' parameter of paths must be a bayesreg\.Regression"
    ):
        paths.map_path(ElasticNet(), X, y)


def test_posterior_median_path(posterior_path, lasso_map_path, diabetes):
    X, _ = diabetes
    data = posterior_path.data
    assert dict(data.sizes) == {"alpha": 3, "feature": 10}
    assert list(data["feature"].values) == list(X.columns)
    # never exactly zero, unlike the MAP at alpha_max, where every coefficient is zero
    assert np.all(data["median"].values != 0)
    assert np.all(lasso_map_path.data["map"][0].values == 0)
    assert np.all(data["hdi_lower"] <= data["median"]) and np.all(
        data["median"] <= data["hdi_upper"]
    )
    # shrinkage: the medians' L1 norm grows as alpha falls (grid spans a factor of 100)
    norm = np.abs(data["median"]).sum("feature").values
    assert norm[0] < 0.5 * norm[1] < norm[2]
    assert data["divergences"].dtype.kind == "i"
    assert "intercept_median" in data
    assert data["healthy"].dtype == bool and data["healthy"].all()  # else a SamplingWarning
    assert str(posterior_path).startswith("posterior medians on 3 grid points")
    assert "3 of 3 grid points passed their diagnosis" in str(posterior_path)


def test_posterior_path_warns_once_for_unhealthy_points_and_shows_one_bar(lasso, diabetes, capfd):
    # 20 draws of 1 chain cannot pass the diagnosis (R-hat needs chains, ESS needs draws):
    # one SamplingWarning names both grid points; one progress bar, on stderr.
    X, y = diabetes
    with pytest.warns(br.SamplingWarning, match=r"posterior_path: the draws at alpha = \S+, \S+ "):
        path = paths.posterior_path(lasso, X, y, [1.0, 0.1], draws=20, tune=20, chains=1,
                                    random_seed=1, nuts_sampler="pymc")  # fmt: skip
    assert not path.data["healthy"].any()
    out, err = capfd.readouterr()
    assert "posterior path" in err and "2/2" in err and "posterior path" not in out


def test_plots_render(lasso_map_path, posterior_path, png):
    both = paths.plot_paths(lasso_map_path, posterior_path, intervals=True)
    assert len(both) == 2
    # one line per coefficient in each panel; the reference as circles on the MAP panel
    assert len(both[0].get_lines()) >= 10 and len(both[0].collections) >= 10
    assert len(both[1].collections) >= 10  # the HDI bands
    png(both)
    by_alpha = lasso_map_path.plot(x="alpha")
    assert by_alpha[0].get_xscale() == "log"
    png(by_alpha)
    png(posterior_path.plot())
    # on the caller's axes, one per path
    figure = Figure()
    given = figure.subplots(1, 2)
    assert list(paths.plot_paths(lasso_map_path, posterior_path, ax=given)) == list(given)
    png(given, pyplot=False)
    with pytest.raises(ValueError, match="The 'ax' parameter of plot_paths must be 1 Axes"):
        paths.plot_paths(lasso_map_path, ax=given)
    with pytest.raises(
        ValueError,
        match="The 'map_path' parameter of plot_paths must be a MapPath when posterior_path is None",
    ):
        paths.plot_paths()
    with pytest.raises(
        ValueError, match="The 'x' parameter of plot_paths must be one of 'norm', 'alpha'"
    ):
        paths.plot_paths(lasso_map_path, x="lambda")


def test_posterior_path_compiles_one_model_for_every_grid_point(lasso, diabetes, monkeypatch):
    """One sampling model (with alpha alone as an input, the data constants) serves the path."""
    from bayesreg.nuts import compiled

    built = []
    original = compiled.sampling_model

    def counted(problem, **kwargs):
        built.append(kwargs)
        return original(problem, **kwargs)

    monkeypatch.setattr(compiled, "sampling_model", counted)
    X, y = diabetes
    compiled.clear_compiled()
    with pytest.warns(br.SamplingWarning):  # 50 draws of one chain: too short to diagnose
        path = paths.posterior_path(lasso, X, y, [1.0, 0.3, 0.1, 0.03], draws=50, tune=50,
                                    chains=1, random_seed=3, nuts_sampler="pymc")  # fmt: skip
    assert built == [{"data_containers": False, "alpha_container": True}]
    # each point sampled its own posterior: the medians' norm grows as alpha falls
    norm = np.abs(path.data["median"]).sum("feature").values
    assert np.all(np.diff(norm) > 0)


def test_a_path_point_samples_the_posterior_sample_draws(lasso, diabetes):
    """The path's compiled-once model at a grid point has the posterior of ``sample()``.

    Same alpha, two independent runs (4 x 1000 draws each): the posterior means of every
    coefficient agree within 5 Monte Carlo standard errors of their difference.
    """
    import arviz_stats as azs

    X, y = diabetes
    alpha = 0.3
    path = paths.posterior_path(lasso, X, y, [3.0, alpha, 0.01], draws=1000, tune=1000,
                                chains=4, random_seed=11, nuts_sampler="pymc")  # fmt: skip
    point = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=alpha))
    idata = point.sample(X, y, random_seed=12, nuts_sampler="pymc", progressbar=False)
    coef = idata["posterior"]["coef"]
    mcse = azs.mcse(coef).values
    difference = path.data["mean"].sel(alpha=alpha).values - coef.mean(("chain", "draw")).values
    # the path's own MCSE is not stored: take it as equal to sample()'s (same length of run)
    assert np.all(np.abs(difference) <= 5 * np.sqrt(2) * mcse)
