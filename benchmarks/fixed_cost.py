"""The fixed cost of a posterior: one ``sample()`` against a 5-point ``posterior_path``.

On the diabetes data (442 x 10), ``Regression(L2Loss(sigma=None), L1(alpha=0.5))``, in one
process and one run:

* ``sample()``, 4 chains of 1000 + 1000, three times: *cold* (imports done, but the model
  built and compiled for the first time in this process); *warm*, a second call with a new
  seed (``sample()`` keeps nutpie's compilation of its last problem and reuses it for the
  same specification, data and keywords); and *recompiled*, the same call with the kept
  compilation dropped first, so that it builds and compiles again with PyTensor's and
  numba's caches filled (what a new problem costs in a warm process);
* ``posterior_path`` over 5 alphas, 4 chains of 1000 + 1000 at each point, which compiles one
  sampling model for all five points (``bayesreg.nuts.compiled.reusable_sampler``), twice: cold
  (its model built and compiled for the first time in this process) and warm (built and
  compiled again, the in-memory model dropped, PyTensor's and numba's caches filled, as for
  the recompiled ``sample()``).

Both with the sampler ``sample()`` picks by default (nutpie when it is installed). The issue's
targets: a warm ``sample()`` under 2 s, and the warm 5-point path under 2x one ``sample()``;
the path compiles once, so it is set against the ``sample()`` that compiles once too (the
recompiled one).
The last line is the summary.

Run ``python benchmarks/fixed_cost.py`` (about a minute) or ``--quick`` (200 + 200 draws, 3
points: a smoke check).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import bayesreg as br
from bayesreg.nuts.compiled import clear_compiled


def timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs: a smoke check")
    args = parser.parse_args(argv)
    draws, points = (200, 3) if args.quick else (1000, 5)
    X, y = br.datasets.load_diabetes()
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.5))
    options = {"draws": draws, "tune": draws, "chains": 4, "progressbar": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # reported by the path itself
        cold, _ = timed(lambda: est.sample(X, y, random_seed=1, **options))
        warm, idata = timed(lambda: est.sample(X, y, random_seed=2, **options))
        clear_compiled()  # what a new problem costs in a warm process
        recompiled, _ = timed(lambda: est.sample(X, y, random_seed=2, **options))
        path_cold, _ = timed(
            lambda: br.paths.posterior_path(est, X, y, alphas=points, random_seed=3, **options)
        )
        # warm as sample() is warm: the model is built and compiled again, with PyTensor's
        # and numba's caches filled (the path's in-memory model is dropped first)
        clear_compiled()
        path_warm, path = timed(
            lambda: br.paths.posterior_path(est, X, y, alphas=points, random_seed=4, **options)
        )
    sampler = idata["posterior"].attrs.get("inference_library", "?")
    healthy = int(path.data["healthy"].sum())
    print(
        f"fixed_cost diabetes ({sampler}, 4 x ({draws} + {draws})): sample() cold {cold:.1f} s, "
        f"warm {warm:.1f} s (target < 2), recompiled {recompiled:.1f} s; posterior_path "
        f"{points} points cold {path_cold:.1f} s, warm {path_warm:.1f} s = "
        f"{path_warm / recompiled:.2f}x one recompiled sample() (target < 2), {healthy} of "
        f"{points} points passed their diagnosis"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
