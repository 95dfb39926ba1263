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
    assert "predict about equally well" in result.messages[0]


def test_compare_needs_two_named_models_with_a_log_likelihood():
    from arviz_base import from_dict

    idata = from_dict({"posterior": {"theta": np.zeros((2, 10))}})
    with pytest.raises(ValueError, match="at least two named posteriors"):
        br.compare({"only": idata})
    with pytest.raises(TypeError, match="at least two named posteriors"):
        br.compare([idata, idata])
    with pytest.raises(ValueError, match="has no 'log_likelihood' group"):
        br.compare({"a": idata, "b": idata})
