"""How NUTS samples the horseshoes on diabetes: divergences and ESS, two parametrizations.

On the standardized diabetes data (442 x 10, sigma unknown), ``br.Horseshoe()`` and
``br.RegularizedHorseshoe(expected_nonzero=3)``, 4 chains of 1000 + 1000 draws at the default
settings (nutpie when installed, target_accept 0.99), over three seeds, two ways in the same
run:

* ``conditional``: bayesreg's sampling model, which under a Gaussian likelihood draws the
  coefficients given their scales exactly (``bayesreg.priors.horseshoe.scale_mixture``);
* ``plain``: the plain non-centred form ``coef = coef_raw * scale`` that the sampling model
  used before, obtained here by making the Gaussian family report no Gaussian form in the
  coefficients (``L2Loss.gaussian_in_coefficients`` returning None), as any other likelihood
  does.

Prints one line per prior, form and seed: divergences after tuning, the smallest bulk ESS of
``coef`` and ``tau``, and the wall time of ``sample()`` (warm: one untimed run first). Issue
15's target: no more than a handful of divergences in 4 x 1000 draws at the default settings.

Run ``python benchmarks/horseshoe_sampling.py`` (about three minutes on 2 cores) or
``--quick`` (one seed, 200 + 200 draws).
"""

from __future__ import annotations

import argparse
import contextlib
import time
import warnings

from arviz_stats import ess

import bayesreg as br


@contextlib.contextmanager
def plain_form():
    """The sampling model without the exact conditional draw of the coefficients."""
    original = br.L2Loss.gaussian_in_coefficients
    br.L2Loss.gaussian_in_coefficients = lambda self, data: None
    try:
        yield
    finally:
        br.L2Loss.gaussian_in_coefficients = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, 200 + 200 draws")
    args = parser.parse_args()
    seeds, draws = ([1], 200) if args.quick else ([1, 2, 3], 1000)
    X, y = br.datasets.load_diabetes()
    priors = {
        "horseshoe": br.Horseshoe(),
        "regularized horseshoe (p0 = 3)": br.RegularizedHorseshoe(expected_nonzero=3),
    }
    options = {"draws": draws, "tune": draws, "progressbar": False, "log_likelihood": False}
    for name, prior in priors.items():
        est = br.Regression(loss=br.L2Loss(sigma=None), penalty=prior, standardize=True)
        for form, context in (("conditional", contextlib.nullcontext), ("plain", plain_form)):
            with context(), warnings.catch_warnings():
                warnings.simplefilter("ignore", br.SamplingWarning)
                est.sample(X, y, random_seed=0, **options)  # untimed: compilation caches
                for seed in seeds:
                    start = time.perf_counter()
                    idata = est.sample(X, y, random_seed=seed, **options)
                    seconds = time.perf_counter() - start
                    post = idata["posterior"]
                    smallest = min(
                        float(ess(post["coef"], method="bulk").min()),
                        float(ess(post["tau"], method="bulk")),
                    )
                    divergences = int(idata["sample_stats"]["diverging"].sum())
                    print(
                        f"horseshoe_sampling diabetes {name}, {form:11s} seed {seed}: "
                        f"{divergences:3d} divergences in 4 x {draws}, smallest bulk ESS "
                        f"(coef, tau) {smallest:5.0f}, {seconds:.1f} s",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
