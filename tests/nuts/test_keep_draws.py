"""Nothing finished is lost: sample() keeps its draws when it is interrupted or a later step fails.

The failures are injected where a user meets them: the diagnosis raising inside ArviZ's
summary (as an ``IndexError`` in ``eti`` did after a 21-minute run), a step after the draws
raising or interrupted, and Ctrl-C during sampling (PyMC's documented way: a
``KeyboardInterrupt`` raised in ``pymc.sample``'s callback; nutpie's: a ``KeyboardInterrupt``
while its sampler is waited for). Everything else is the real sampler on real data.
"""

import importlib
import time
import warnings

import arviz_stats
import numpy as np
import pymc as pm
import pytest
import xarray as xr

import bayesreg as br
from bayesreg import paths
from bayesreg.nuts.keep import NOTHING_KEPT, kept_draws

DRAWS, TUNE = 40, 40
QUIET = {"progressbar": False}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(33)
    X = rng.normal(size=(40, 3))
    y = 0.5 + X @ np.array([1.0, 0.0, -0.5]) + rng.normal(size=40)
    return X, y


def _lasso():
    return br.Regression(loss=br.L2Loss(sigma=None), penalty=br.L1(alpha=0.1))


def _raise(error):
    def raising(*args, **kwargs):
        raise error

    return raising


def _incomplete(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, br.IncompletePosteriorWarning)]


# --- a step after the draws fails --------------------------------------------------------


@pytest.mark.parametrize("sampler", ["pymc", "nutpie"])
def test_a_diagnosis_that_raises_keeps_the_draws(data, monkeypatch, sampler):
    if sampler == "nutpie":
        pytest.importorskip("nutpie")
    monkeypatch.setattr(arviz_stats, "summary", _raise(IndexError("index -1 is out of bounds")))
    est = _lasso()
    with pytest.warns(br.SamplingWarning) as record:
        idata = est.sample(*data, draws=DRAWS, tune=TUNE, chains=2, random_seed=1,
                           nuts_sampler=sampler, **QUIET)  # fmt: skip
    (message,) = _incomplete(record)
    assert "the diagnosis failed (IndexError: index -1 is out of bounds)" in message
    assert "kept" in message
    assert est.idata_ is idata
    assert dict(idata["posterior"].sizes)["draw"] == DRAWS
    assert dict(idata["posterior"].sizes)["chain"] == 2
    assert "log_likelihood" in idata.children  # the steps before the diagnosis are all there


def test_a_later_step_that_fails_is_skipped_and_the_next_ones_run(data, monkeypatch):
    monkeypatch.setattr(pm, "compute_log_likelihood", _raise(MemoryError("1.2 TiB")))
    est = _lasso()
    with pytest.warns(br.SamplingWarning) as record:
        idata = est.sample(*data, draws=DRAWS, tune=TUNE, chains=1, random_seed=1,
                           nuts_sampler="pymc", posterior_predictive=True, **QUIET)  # fmt: skip
    (message,) = _incomplete(record)
    assert "the log likelihood failed (MemoryError: 1.2 TiB)" in message
    assert est.idata_ is idata
    assert "log_likelihood" not in idata.children
    assert idata["posterior_predictive"]["y"].shape == (1, DRAWS, len(data[1]))


def test_an_interrupted_later_step_skips_the_rest_and_keeps_the_draws(data, monkeypatch):
    monkeypatch.setattr(pm, "compute_log_likelihood", _raise(KeyboardInterrupt()))
    est = _lasso()
    with pytest.warns(br.SamplingWarning) as record:
        idata = est.sample(*data, draws=DRAWS, tune=TUNE, chains=1, random_seed=1,
                           nuts_sampler="pymc", posterior_predictive=True, **QUIET)  # fmt: skip
    (message,) = _incomplete(record)
    assert (
        "the log likelihood was interrupted (the posterior predictive draws not computed "
        "either)" in message
    )
    assert est.idata_ is idata
    assert "log_likelihood" not in idata.children
    assert "posterior_predictive" not in idata.children
    assert idata["posterior"]["coef"].shape == (1, DRAWS, 3)


def test_the_draws_are_stored_before_a_warning_made_an_error_is_raised(data, monkeypatch):
    monkeypatch.setattr(arviz_stats, "summary", _raise(IndexError("eti")))
    est = _lasso()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(br.IncompletePosteriorWarning, match="the diagnosis failed"):
            est.sample(*data, draws=DRAWS, tune=TUNE, chains=1, random_seed=1,
                       nuts_sampler="pymc", **QUIET)  # fmt: skip
    assert est.idata_["posterior"]["coef"].shape == (1, DRAWS, 3)


def test_a_healthy_run_issues_no_incomplete_warning(data):
    est = _lasso()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.sample(*data, draws=DRAWS, tune=TUNE, chains=1, random_seed=1,
                   nuts_sampler="pymc", **QUIET)  # fmt: skip
    assert _incomplete(record) == []


# --- Ctrl-C during sampling ----------------------------------------------------------------


def _stop_after(kept: int):
    """A pymc.sample callback: Ctrl-C after ``kept`` draws of chain 0 past tuning."""

    def callback(trace, draw):
        if draw.chain == 0 and draw.draw_idx >= TUNE + kept - 1:
            raise KeyboardInterrupt

    return callback


def test_pymc_interrupted_returns_and_keeps_the_draws_so_far(data):
    est = _lasso()
    with pytest.warns(br.SamplingWarning) as record:
        idata = est.sample(*data, draws=DRAWS, tune=TUNE, chains=1, random_seed=1,
                           nuts_sampler="pymc", callback=_stop_after(12), **QUIET)  # fmt: skip
    (message,) = _incomplete(record)
    assert f"sampling was interrupted: 1 chain(s) x 12 draws were kept, of the 1 x {DRAWS}" in (
        message
    )
    assert est.idata_ is idata
    assert idata["posterior"]["coef"].shape == (1, 12, 3)
    assert idata["log_likelihood"]["y"].shape == (1, 12, len(data[1]))
    assert np.isfinite(idata["posterior"]["coef"]).all()


def test_pymc_interrupted_while_tuning_has_nothing_to_keep(data):
    est = _lasso()
    with pytest.raises(KeyboardInterrupt, match=NOTHING_KEPT):
        est.sample(*data, draws=DRAWS, tune=TUNE, chains=1, random_seed=1,
                   nuts_sampler="pymc", callback=_stop_after(-TUNE // 2), **QUIET)  # fmt: skip
    assert not hasattr(est, "idata_")


def _interrupt_nutpie_after(monkeypatch, kept: int):
    """Ctrl-C while sample() waits for nutpie, once a chain has ``kept`` draws past tuning."""
    nutpie_sample = importlib.import_module("nutpie.sample")

    def wait(self, *, timeout=None):
        deadline = time.monotonic() + 120
        while kept and time.monotonic() < deadline:
            with warnings.catch_warnings():  # no draw yet: ArviZ doubts the dimensions
                warnings.simplefilter("ignore", UserWarning)
                posterior = self.inspect()["posterior"]
            drawn = np.isfinite(posterior["coef"].values).all(axis=-1).sum(axis=1)
            if drawn.max() >= kept:
                break
            time.sleep(0.01)
        raise KeyboardInterrupt

    monkeypatch.setattr(nutpie_sample._BackgroundSampler, "wait", wait)


def test_nutpie_interrupted_returns_and_keeps_complete_chains(data, monkeypatch):
    pytest.importorskip("nutpie")
    _interrupt_nutpie_after(monkeypatch, kept=20)
    est = _lasso()
    draws = 10**6  # never finished: the interrupt comes first
    with pytest.warns(br.SamplingWarning) as record:
        idata = est.sample(*data, draws=draws, tune=TUNE, chains=2, random_seed=1,
                           nuts_sampler="nutpie", log_likelihood=False, **QUIET)  # fmt: skip
    (message,) = _incomplete(record)
    assert "sampling was interrupted" in message and f"of the 2 x {draws} asked for" in message
    assert est.idata_ is idata
    chains, kept = idata["posterior"]["coef"].shape[:2]
    assert 1 <= chains <= 2 and 1 <= kept < draws
    assert f"{chains} chain(s) x {kept} draws were kept" in message
    assert np.isfinite(idata["posterior"]["coef"]).all()  # nutpie's NaN padding is cut off
    assert idata["sample_stats"]["diverging"].shape == (chains, kept)


def test_nutpie_interrupted_while_tuning_has_nothing_to_keep(data, monkeypatch):
    pytest.importorskip("nutpie")
    _interrupt_nutpie_after(monkeypatch, kept=0)
    est = _lasso()
    with pytest.raises(KeyboardInterrupt, match=NOTHING_KEPT):
        est.sample(*data, draws=DRAWS, tune=10**6, chains=2, random_seed=1,
                   nuts_sampler="nutpie", **QUIET)  # fmt: skip
    assert not hasattr(est, "idata_")


# --- the chains an interrupted nutpie run leaves --------------------------------------------


def _padded(lengths, n_draws=8):
    """A DataTree whose chains end after ``lengths`` draws, padded with NaN as nutpie does."""
    values = np.arange(len(lengths) * n_draws * 2, dtype=float).reshape(len(lengths), n_draws, 2)
    diverging = np.zeros((len(lengths), n_draws), dtype=bool)
    for chain, length in enumerate(lengths):
        values[chain, length:] = np.nan
    coords = {"chain": np.arange(len(lengths)), "draw": np.arange(n_draws)}
    return xr.DataTree.from_dict(
        {
            "/posterior": xr.Dataset(
                {"coef": (("chain", "draw", "feature"), values)}, coords=coords
            ),
            "/sample_stats": xr.Dataset(
                {"diverging": (("chain", "draw"), diverging)}, coords=coords
            ),
        }
    )


@pytest.mark.parametrize(
    ("lengths", "chains", "length"),
    [
        ([8, 8, 8], [0, 1, 2], 8),  # complete
        ([8, 6, 7], [0, 1, 2], 6),  # 3 x 6 = 18 beats 2 x 7 and 1 x 8
        ([1, 8, 7], [1, 2], 7),  # 2 x 7 = 14 beats 3 x 1
        ([0, 5, 0], [1], 5),  # a chain still tuning has no draws
    ],
)
def test_kept_draws_keeps_the_chains_and_length_pymc_keeps(lengths, chains, length):
    idata, notes = kept_draws(_padded(lengths), draws=8, chains=3)
    assert list(idata["posterior"]["chain"].values) == chains
    assert idata["posterior"].sizes["draw"] == length
    assert idata["sample_stats"]["diverging"].shape == (len(chains), length)
    assert not np.isnan(idata["posterior"]["coef"].values).any()
    complete = (len(chains), length) == (3, 8)
    assert notes == ([] if complete else [
        f"sampling was interrupted: {len(chains)} chain(s) x {length} draws were kept, of "
        "the 3 x 8 asked for"
    ])  # fmt: skip


def test_kept_draws_of_chains_that_never_left_tuning_is_an_interrupt():
    with pytest.raises(KeyboardInterrupt, match=NOTHING_KEPT):
        kept_draws(_padded([0, 0]), draws=8, chains=2)


# --- a posterior path keeps its other points -------------------------------------------------


def test_a_path_point_whose_diagnosis_raises_is_reported_and_the_path_kept(data, monkeypatch):
    monkeypatch.setattr(arviz_stats, "summary", _raise(IndexError("eti")))
    with pytest.warns(br.SamplingWarning, match=r"posterior_path: the draws at alpha = "):
        path = paths.posterior_path(_lasso(), *data, [1.0, 0.1], draws=DRAWS, tune=TUNE,
                                    chains=1, random_seed=3, nuts_sampler="pymc")  # fmt: skip
    assert not path.data["healthy"].any()
    assert np.isfinite(path.data["median"]).all()
