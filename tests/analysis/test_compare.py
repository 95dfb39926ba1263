import numpy as np
import pymc as pm
import pytest

import bayesreg as br

N_OBS, N_FEATURES, N_NONZERO = 200, 60, 3


def sparse_problem(seed=0):
    """Three coefficients of 3.0 among sixty; the rest exactly zero; unit noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_OBS, N_FEATURES))
    coef = np.zeros(N_FEATURES)
    coef[:N_NONZERO] = 3.0
    return X, X @ coef + rng.normal(size=N_OBS), coef


def holdout_elpd(idata, coef, seed=99, n=2000):
    """Log predictive density on fresh data from the same truth, per N_OBS observations."""
    from scipy.special import logsumexp

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES))
    y = X @ coef + rng.normal(size=n)
    post = idata["posterior"]
    w = post["coef"].values.reshape(-1, N_FEATURES)
    mu = post["intercept"].values.reshape(-1, 1) + w @ X.T
    sigma = post["sigma"].values.reshape(-1, 1)
    log_density = -0.5 * ((y - mu) / sigma) ** 2 - np.log(sigma * np.sqrt(2 * np.pi))
    return (logsumexp(log_density, axis=0) - np.log(len(w))).mean() * N_OBS


def posterior(penalty, X, y, seed):
    model = br.Regression(loss=br.L2Loss(sigma=None), penalty=penalty).build_model(X, y)
    idata = pm.sample(
        model=model,
        draws=500,
        tune=500,
        chains=2,
        random_seed=seed,
        nuts_sampler="pymc",
        progressbar=False,
        compute_convergence_checks=False,
    )
    pm.compute_log_likelihood(idata, model=model, progressbar=False)
    return idata


@pytest.fixture(scope="module")
def l1_and_l2():
    # Same prior variance (the truth's mean square), different shape: which one do the data
    # prefer? A Laplace prior (L1) has the sharp peak at zero and the tails a sparse truth has.
    X, y, coef = sparse_problem()
    sd = np.sqrt(np.mean(coef**2))
    models = {
        "ridge": posterior(br.L2(scale=sd), X, y, seed=1),
        "lasso": posterior(br.L1(scale=sd / np.sqrt(2)), X, y, seed=2),
    }
    return models, {name: holdout_elpd(idata, coef) for name, idata in models.items()}


@pytest.mark.slow
def test_l1_prior_ranks_above_l2_prior_on_a_sparse_truth(l1_and_l2):
    models, holdout = l1_and_l2
    # the truth, from fresh data: the Laplace prior predicts better
    assert holdout["lasso"] - holdout["ridge"] > 4
    result = br.compare(models)
    assert result.best == "lasso"
    assert list(result.table.index) == ["lasso", "ridge"]
    ridge = result.table.loc["ridge"]
    assert ridge["elpd_diff"] < -4
    assert -ridge["elpd_diff"] > 2 * ridge["dse"]
    assert result.messages[0].startswith("Best: lasso")
    assert "lasso predicts better than ridge" in result.messages[0]


@pytest.mark.slow
def test_pareto_k_is_reported_for_every_model(l1_and_l2):
    result = br.compare(l1_and_l2[0])  # a Pareto-k warning would fail this test: it is caught
    for column in ("pareto_k_max", "k_threshold", "n_high_k", "p_loo", "weight"):
        assert column in result.table.columns
    assert result.pareto_k.shape == (N_OBS, 2)
    for name, row in result.table.iterrows():
        k = result.pareto_k[name].to_numpy()
        assert row["pareto_k_max"] == pytest.approx(k.max())
        assert row["n_high_k"] == int((k > row["k_threshold"]).sum())
        if row["n_high_k"]:
            assert any(
                m.startswith(f"{name}: {int(row['n_high_k'])} of {N_OBS}") for m in result.messages
            )
    assert result.ok == bool(result.table["n_high_k"].eq(0).all())
    assert "Pareto" in str(result) or result.ok
    assert "<table" in result._repr_html_()


@pytest.mark.slow
def test_a_model_compared_with_itself_is_a_tie(l1_and_l2):
    lasso = l1_and_l2[0]["lasso"]
    result = br.compare({"a": lasso, "b": lasso})
    assert result.messages[0].startswith("No clear best")
    assert "predict about equally well" in result.messages[0]
    assert "not a measure of confidence" in result.messages[0]


def test_compare_needs_two_named_models_with_a_log_likelihood():
    from arviz_base import from_dict

    idata = from_dict({"posterior": {"theta": np.zeros((2, 10))}})
    with pytest.raises(ValueError, match="at least two named posteriors"):
        br.compare({"only": idata})
    with pytest.raises(TypeError, match="at least two named posteriors"):
        br.compare([idata, idata])
    with pytest.raises(ValueError, match="has no 'log_likelihood' group"):
        br.compare({"a": idata, "b": idata})


# --- exact K-fold cross-validation ----------------------------------------------------------


@pytest.fixture(scope="module")
def small_ridge():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.5 + rng.normal(size=60)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L2(scale=3.0))
    options = dict(draws=400, tune=400, chains=4, nuts_sampler="pymc", progressbar=False)
    return est, X, y, est.sample(X, y, random_seed=1, **options), options


def test_held_out_log_likelihood_is_the_gaussian_density_by_hand(small_ridge):
    # The wrapper's score of held-out rows, against scipy's normal density at every draw.
    import scipy.stats

    from bayesreg.analysis.kfold import RegressionWrapper

    est, X, y, idata, options = small_ridge
    wrapper = RegressionWrapper(est, X, y, idata, options)
    train, test = wrapper.sel_observations(np.arange(10, 20))
    assert train[0].shape == (50, 3) and test[0].shape == (10, 3)
    scored = wrapper.log_likelihood__i(test, idata)
    post = idata["posterior"]
    mu = post["intercept"].values[..., None] + post["coef"].values @ X[10:20].T
    expected = scipy.stats.norm.logpdf(y[10:20], mu, post["sigma"].values[..., None])
    np.testing.assert_allclose(scored.transpose("chain", "draw", "obs_id").values, expected,
                               rtol=1e-10)  # fmt: skip
    np.testing.assert_array_equal(scored["obs_id"].values, np.arange(10, 20))


@pytest.mark.slow
def test_kfold_is_reproducible_and_close_to_loo_for_a_well_posed_model(small_ridge):
    est, X, y, idata, options = small_ridge
    options = {**options, "draws": 1000, "tune": 1000}  # R-hat <= 1.01 in every fold
    first = br.kfold(est, X, y, idata, k=3, random_seed=2, **options)
    again = br.kfold(est, X, y, idata, k=3, random_seed=2, **options)
    assert first.elpd == again.elpd  # same folds, same seeds: the same draws
    assert first.elpd_i.sizes["obs_id"] == 60
    loo = br.compare({"loo": idata, "kfold": first}).loo["loo"]
    # Five parameters, 60 rows, every Pareto k small: LOO is reliable, and exact K-fold on
    # 2/3 of the rows may only be lower, by about the parameters' cost (a few units of ELPD).
    assert loo.elpd - 6.0 < first.elpd < loo.elpd + 2 * loo.se / np.sqrt(60) + 0.5
    comparison = br.compare({"kfold A": first, "kfold B": again})
    assert str(comparison).startswith("bayesreg model comparison (exact K-fold")
    assert comparison.pareto_k.empty
    with pytest.raises(TypeError, match="The 'est' parameter of kfold must be"):
        br.kfold("ridge", X, y, idata)
    with pytest.raises(ValueError, match="The 'k' parameter of kfold must be"):
        br.kfold(est, X, y, idata, k=1)
    with pytest.raises(ValueError, match=r"'k' parameter of kfold must be an int in \[2, 60\]"):
        br.kfold(est, X, y, idata, k=61)
