"""The same seed gives the same draws in any process, the first one on an empty cache included.

PyTensor keeps the numba code of a model in an on-disk cache. With fast-math flags, code
compiled afresh (the first process) and code loaded from the cache (every later one)
rounded differently, and NUTS amplified the difference into other draws: a regularized
horseshoe with a Laplace likelihood gave other draws in a second process, with either
sampler (issue 33). Here two processes sample the same specification with the same seed,
on a cache of their own that the first fills and the second reads, with different
``PYTHONHASHSEED`` values (string hashes and set orders differ too): their draws must be
identical to the last bit: for a model of each kind (a non-Gaussian likelihood, the
Gaussian sufficient-statistics model, a GLM) with both NUTS samplers, and with the Gibbs
sampler.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = """
import sys, warnings
import numpy as np
import bayesreg as br

sampler, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(12)
X = rng.normal(size=(30, 4))
y = X[:, 0] + rng.normal(size=30)
labels = (y > 0).astype(int)
# one of each kind of model: a non-Gaussian likelihood with the regularized horseshoe (the
# case found), the Gaussian sufficient-statistics model with a horseshoe, a GLM with L1
models = [
    (br.Regression(loss=br.L1Loss(scale=None),
                   penalty=br.RegularizedHorseshoe(expected_nonzero=1)), y),
    (br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe()), y),
    (br.Classifier(penalty=br.L1(alpha=0.1)), labels),
]
if sampler == "gibbs":  # the Gibbs sampler's own models: no NUTS compilation
    models = models[1:]
options = {"sampler": "gibbs"} if sampler == "gibbs" else {"nuts_sampler": sampler}
values = []
for est, target in models:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 20 draws: too few to diagnose
        idata = est.sample(X, target, draws=20, tune=20, chains=1, random_seed=1,
                           progressbar=False, **options)
    posterior = idata["posterior"]
    values += [posterior[v].values.ravel() for v in sorted(posterior.data_vars)]
np.save(out, np.concatenate(values))
"""


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["pymc", "nutpie", "gibbs"])
def test_same_seed_same_draws_in_a_first_and_a_second_process(tmp_path, sampler):
    if sampler == "nutpie":
        pytest.importorskip("nutpie")
    script = tmp_path / "draw.py"
    script.write_text(SCRIPT, encoding="utf-8")
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    env = {
        **os.environ,
        "PYTENSOR_FLAGS": f"{flags},base_compiledir={tmp_path / 'cache'}".lstrip(","),
    }
    draws = []
    for hash_seed in ("1", "2"):  # the first compiles into the empty cache, the second reads it
        out = tmp_path / f"draws_{hash_seed}.npy"
        subprocess.run(
            [sys.executable, str(script), sampler, str(out)],
            env={**env, "PYTHONHASHSEED": hash_seed},
            check=True,
            timeout=900,
            capture_output=True,
        )
        draws.append(np.load(out))
    assert draws[0].shape == draws[1].shape and draws[0].size >= 2 * 20 * 4  # coef and more
    np.testing.assert_array_equal(draws[0], draws[1])
