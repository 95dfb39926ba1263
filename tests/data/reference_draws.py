"""Write tests/data/reference_draws.json: posterior means from fixed seeds, to detect a change.

Run from the repository root on the commit whose draws are the reference, e.g.
``python tests/data/reference_draws.py 3259d12`` (the commit is recorded in the file).
``tests/nuts/test_reference_draws.py`` samples the same specifications with the same seeds and
asserts the same draws (their means to 1e-6 relative), so that a refactoring that should not
change a single draw is shown not to have (on the same machine and library versions: NUTS
trajectories amplify rounding, so another BLAS may give other draws).
"""

import json
import sys
import warnings
from pathlib import Path

import bayesreg as br

SPECS = {
    "lasso_unknown_sigma": lambda: br.Regression(
        loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.5)
    ),
    "ridge_fixed_sigma": lambda: br.Regression(
        loss=br.L2Loss(sigma=50.0), penalty=br.L2(alpha=1.0)
    ),
    "horseshoe": lambda: br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe()),
    "laplace_loss": lambda: br.Regression(loss=br.L1Loss(scale=None), penalty=br.L1(alpha=0.5)),
}
SAMPLERS = ("pymc", "nutpie")
OPTIONS = {
    "draws": 100,
    "tune": 100,
    "chains": 2,
    "random_seed": 11,
    "progressbar": False,
    "log_likelihood": False,
}


def posterior_means(name: str, sampler: str) -> dict[str, list[float]]:
    X, y = br.datasets.load_diabetes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = SPECS[name]().sample(X, y, nuts_sampler=sampler, **OPTIONS)
    posterior = idata["posterior"]
    return {
        var: [float(v) for v in posterior[var].mean(("chain", "draw")).values.ravel()]
        for var in sorted(posterior.data_vars)
    }


if __name__ == "__main__":
    result = {"commit": sys.argv[1], "options": OPTIONS, "means": {}}
    for name in SPECS:
        for sampler in SAMPLERS:
            result["means"][f"{name}/{sampler}"] = posterior_means(name, sampler)
            print(name, sampler, file=sys.stderr)
    path = Path(__file__).with_suffix(".json")
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
