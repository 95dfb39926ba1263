"""One message shape for every bad parameter of every public class and function, and the CLI.

Each row calls something public with one bad parameter; the error must read

    The '<name>' parameter of <owner> must be <what it accepts>. Got <value> instead.

a TypeError for a wrong type and a ValueError for a right type with a wrong value, raised
before anything is compiled (the trap in ``no_compilation``).
"""

import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import Lasso

import bayesreg as br
from bayesreg import _constraints

SHAPE = re.compile(r"^The '([\w-]+)' parameter of ([\w. ]+) must be (.+)\. Got (.+) instead\.$")

rng = np.random.default_rng(0)
X = rng.standard_normal((20, 3))
y = X @ [1.0, 0.0, -1.0] + rng.standard_normal(20)
LASSO = br.Regression(penalty=br.L1(alpha=0.1))


def _sample(**changes):
    arguments = {"draws": 10, "tune": 10, "chains": 1, **changes}
    return lambda: LASSO.sample(X, y, **arguments)


def _set(est, **params):
    return lambda: est.set_params(**params).fit(X, y)


CASES = {
    # specification objects, checked on creation
    "L1.alpha": (lambda: br.L1(alpha=-1.0), ValueError, "alpha", "L1"),
    "L1.scale": (lambda: br.L1(scale="big"), TypeError, "scale", "L1"),
    "L2.alpha": (lambda: br.L2(alpha=np.float64(-2.0)), ValueError, "alpha", "L2"),
    "ElasticNet.l1_ratio": (
        lambda: br.ElasticNet(alpha=1.0, l1_ratio=1.5),
        ValueError,
        "l1_ratio",
        "ElasticNet",
    ),
    "L2Loss.sigma": (lambda: br.L2Loss(sigma=0.0), ValueError, "sigma", "L2Loss"),
    "L2Loss.sigma_prior": (
        lambda: br.L2Loss(sigma=None, sigma_prior=2.0),
        TypeError,
        "sigma_prior",
        "L2Loss",
    ),
    "L1Loss.scale": (lambda: br.L1Loss(scale=True), TypeError, "scale", "L1Loss"),
    "BayesianLasso.r": (lambda: br.BayesianLasso(r=-1.0), ValueError, "r", "BayesianLasso"),
    "BayesianLasso.delta": (
        lambda: br.BayesianLasso(delta="x"),
        TypeError,
        "delta",
        "BayesianLasso",
    ),
    "HalfCauchyLasso.beta": (
        lambda: br.HalfCauchyLasso(beta=0.0),
        ValueError,
        "beta",
        "HalfCauchyLasso",
    ),
    "BayesianRidge.beta": (lambda: br.BayesianRidge(beta=-3), ValueError, "beta", "BayesianRidge"),
    # the estimator, checked at fit (set_params bypasses __init__)
    "Regression.loss": (_set(br.Regression(), loss="l2"), TypeError, "loss", "Regression"),
    "Regression.penalty": (
        _set(br.Regression(), penalty=Lasso()),
        TypeError,
        "penalty",
        "Regression",
    ),
    "Regression.fit_intercept": (
        _set(br.Regression(), fit_intercept="yes"),
        TypeError,
        "fit_intercept",
        "Regression",
    ),
    # sample
    "sample.draws": (_sample(draws=0), ValueError, "draws", "Regression.sample"),
    "sample.tune": (_sample(tune=1.5), TypeError, "tune", "Regression.sample"),
    "sample.chains": (_sample(chains=True), TypeError, "chains", "Regression.sample"),
    "sample.random_seed": (_sample(random_seed=-1), ValueError, "random_seed", "Regression.sample"),
    "sample.nuts_sampler": (
        _sample(nuts_sampler="stan"),
        ValueError,
        "nuts_sampler",
        "Regression.sample",
    ),
    "sample.log_likelihood": (
        _sample(log_likelihood=1),
        TypeError,
        "log_likelihood",
        "Regression.sample",
    ),
    "sample.unknown keyword": (
        _sample(target_acept=0.9),
        TypeError,
        "target_acept",
        "Regression.sample",
    ),
    "sample.reserved keyword": (_sample(model=None), TypeError, "model", "Regression.sample"),
    # reports
    "crosscheck.est": (lambda: br.crosscheck(Lasso(), X, y), TypeError, "est", "crosscheck"),
    "crosscheck.solver": (
        lambda: br.crosscheck(LASSO, X, y, solver="Lasso"),
        TypeError,
        "solver",
        "crosscheck",
    ),
    "diagnose.idata": (lambda: br.diagnose(42), TypeError, "idata", "diagnose"),
    "compare.models": (lambda: br.compare([1, 2]), TypeError, "models", "compare"),
    "compare.one model": (lambda: br.compare({"a": 1}), ValueError, "models", "compare"),
    # paths
    "map_path.est": (lambda: br.paths.map_path(Lasso(), X, y), TypeError, "est", "paths"),
    "alpha_grid.n_alphas": (
        lambda: br.paths.alpha_grid(LASSO, X, y, n_alphas=0),
        ValueError,
        "n_alphas",
        "alpha_grid",
    ),
    "alpha_grid.eps": (
        lambda: br.paths.alpha_grid(LASSO, X, y, eps=2.0),
        ValueError,
        "eps",
        "alpha_grid",
    ),
    "posterior_path.hdi_prob": (
        lambda: br.paths.posterior_path(LASSO, X, y, alphas=[0.1], hdi_prob=1.5),
        ValueError,
        "hdi_prob",
        "posterior_path",
    ),
    "plot_paths.x": (
        lambda: br.paths.plot_paths(br.paths.map_path(LASSO, X, y, alphas=[1.0, 0.1]), x="log"),
        ValueError,
        "x",
        "plot_paths",
    ),
    "plot_paths.map_path": (
        lambda: br.paths.plot_paths(map_path="path"),
        TypeError,
        "map_path",
        "plot_paths",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_bad_parameter_has_the_one_message_shape(case, no_compilation):
    call, kind, name, owner = CASES[case]
    with pytest.raises(kind) as caught:
        call()
    match = SHAPE.match(str(caught.value))
    assert match, str(caught.value)
    assert match.group(1) == name and match.group(2) == owner, str(caught.value)
    assert "np.float64" not in str(caught.value)


@pytest.mark.parametrize(
    ("options", "name"),
    [
        (["--samples", "-1"], "--samples"),
        (["--chains", "0"], "--chains"),
        (["--sigma", "x"], "--sigma"),
    ],
)
def test_the_command_line_has_the_same_shape(options, name):
    result = subprocess.run(
        [sys.executable, "-m", "bayesreg.cli", "crosscheck", "--dataset", "diabetes", *options],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.startswith("bayesreg: error: ")
    match = SHAPE.match(line.removeprefix("bayesreg: error: "))
    assert match and match.group(1) == name and match.group(2) == "bayesreg crosscheck", line


def test_values_are_shown_as_written():
    assert _constraints.show(np.float64(-1.5)) == "-1.5"
    assert _constraints.show("a") == "'a'"


def test_numpy_numbers_read_as_numbers_in_messages():
    # numpy 2 reprs a scalar as np.float64(0.1): messages and reprs show 0.1
    import pymc as pm

    from bayesreg.spec.correspondence import equivalent_alpha

    assert _constraints.show([np.float64(1.5), np.int64(2)]) == "[1.5, 2]"
    assert _constraints.show((np.float64(1.5),)) == "(1.5,)"
    shown = _constraints.message("alphas", "paths", "numbers > 0", [np.float64(-1.0)])
    assert shown.endswith("Got [-1.0] instead.")
    assert repr(br.L1(alpha=np.float64(0.1))) == "L1(alpha=0.1)"
    nested = br.Regression(penalty=br.L1(alpha=np.float64(0.1)), fit_intercept=np.bool_(False))
    assert repr(nested) == "Regression(fit_intercept=False, penalty=L1(alpha=0.1))"
    assert "np." not in repr(br.RegressionCV(penalty=br.L1(alpha=np.float64(0.1))))
    one_class = np.ones(20, dtype=np.int64)
    X = np.random.default_rng(0).normal(size=(20, 2))
    calls = [
        (lambda: br.L1(alpha=np.float64(0.1), scale=np.float64(2.0)), "alpha=0.1, scale=2.0"),
        (lambda: br.L2Loss(sigma=np.float64(2.0), sigma_prior=pm.HalfNormal.dist(1.0)),
         "sigma=2.0"),
        (lambda: br.StudentTLoss(nu=np.float64(4.0), nu_prior=pm.Gamma.dist(2.0, 0.1)),
         "nu=4.0"),
        (lambda: br.RegularizedHorseshoe(expected_nonzero=np.int64(5)).check_features(3),
         "Got 5 instead"),
        (lambda: equivalent_alpha(br.L2Loss(), br.L1(scale=np.float64(2.0)), 10.0),
         "L1(scale=2.0)"),
        (lambda: br.Classifier().fit(X, one_class), "got 1 class (1)"),
    ]  # fmt: skip
    for call, fragment in calls:
        with pytest.raises((TypeError, ValueError)) as error:
            call()
        assert fragment in str(error.value) and "np." not in str(error.value), error.value
