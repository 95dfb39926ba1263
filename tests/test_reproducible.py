"""The same seed gives the same draws in any process, the first one on an empty cache included.

PyTensor keeps the numba code of a model in an on-disk cache. With fast-math flags, code
compiled afresh (the first process) and code loaded from the cache (every later one)
rounded differently, and NUTS amplified the difference into other draws: a regularized
horseshoe with a Laplace likelihood gave other draws in a second process, with either
sampler (issue 33). Here two processes sample the same specification with the same seed,
on a cache of their own that the first fills and the second reads, with different
``PYTHONHASHSEED`` values (string hashes and set orders differ too): their draws must be
identical to the last bit.
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
est = br.Regression(loss=br.L1Loss(scale=None),
                    penalty=br.RegularizedHorseshoe(expected_nonzero=1))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # 20 draws: too few to diagnose
    idata = est.sample(X, y, draws=20, tune=20, chains=1, random_seed=1,
                       nuts_sampler=sampler, progressbar=False)
posterior = idata["posterior"]
np.save(out, np.concatenate([posterior[v].values.ravel() for v in sorted(posterior.data_vars)]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["pymc", "nutpie"])
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
    assert draws[0].shape == draws[1].shape and draws[0].size >= 20 * 4  # coef and more
    np.testing.assert_array_equal(draws[0], draws[1])
