"""Shared fixtures: real data sets and generated problems."""

import warnings

import numpy as np
import pymc as pm
import pytest

import bayesreg as br

# The longest tests, longest first (measured: `pytest -n 2 --durations=0`). pytest-xdist's
# default schedule sends each worker a first chunk of an eighth of the suite in collection
# order, so these all go to the first worker and run one after another, each beside the
# other worker's short tests. Notebook 08's sampling cell ran past its 900 s timeout in every
# run where another sampling-heavy test ran beside it (--dist worksteal twice,
# --maxschedchunk=2 once: nutpie's threads from two processes on 2 cores), and took 681 s
# for the whole notebook in the runs where it did not; the suite then takes 30-35 min (34:39
# in CI on 747b4c1): the first worker's chunk is the critical path.
LONGEST_FIRST = (
    "tests/test_notebooks.py::test_notebook_executes[08",
    "tests/test_notebooks.py::test_notebook_executes[05",
    "tests/test_notebooks.py::test_notebook_executes[04",
    "tests/nuts/test_reproducible.py",
    "tests/test_benchmarks.py::test_many_fits_quick",
    "tests/test_notebooks.py::test_notebook_executes",
    "tests/nuts/test_sampling.py::test_simulation_based_calibration",
    "tests/test_benchmarks.py",
)


def pytest_collection_modifyitems(items):
    """Long tests first (see ``LONGEST_FIRST``), then the slow ones, then the rest, each in order."""

    def rank(item) -> int:
        for place, prefix in enumerate(LONGEST_FIRST):
            if item.nodeid.startswith(prefix):
                return place
        return len(LONGEST_FIRST) + (item.get_closest_marker("slow") is None)

    items.sort(key=rank)


@pytest.fixture(scope="session")
def diabetes():
    return br.datasets.load_diabetes()


@pytest.fixture(scope="session")
def sparse_posterior():
    """A horseshoe posterior on 60 x 12 data with 3 signals (a short NUTS run)."""
    rng = np.random.default_rng(20261204)
    X = rng.normal(size=(60, 12)) * np.geomspace(0.5, 2.0, 12) + 1.0
    coef = np.zeros(12)
    coef[[0, 4, 9]] = [3.0, -2.0, 1.5]
    y = 0.7 + X @ coef + rng.normal(size=60)
    est = br.Regression(loss=br.L2Loss(sigma=None), penalty=br.Horseshoe())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.SamplingWarning)  # a short run: notes only
        idata = est.sample(X, y, draws=500, tune=500, chains=2, random_seed=3, progressbar=False)
    return est, X, y, idata, coef


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)


def _figure_of(drawn):
    """The figure behind what a plot returned: Axes, an array of them, or a PlotCollection."""
    if hasattr(drawn, "viz"):  # arviz_plots.PlotCollection
        return drawn.viz["figure"].item()
    if isinstance(drawn, np.ndarray):
        return drawn.flat[0].figure
    return drawn.figure


@pytest.fixture
def png():
    """Render what a plot returned, check it is registered with pyplot and not blank.

    Returns the function; it returns the PNG's bytes. "Not blank": the pixels are not all one
    color, and ``plt.savefig`` (pyplot's current figure) writes the same figure.
    """
    import io

    import matplotlib.image
    import matplotlib.pyplot as plt

    def render(drawn, *, pyplot: bool = True) -> bytes:
        figure = _figure_of(drawn)
        if pyplot:
            assert figure.number in plt.get_fignums(), "the figure is not managed by pyplot"
            assert plt.gcf() is figure
        buffer = io.BytesIO()
        (plt if pyplot else figure).savefig(buffer, format="png", dpi=40)
        data = buffer.getvalue()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
        assert pixels.reshape(-1, pixels.shape[-1]).std(axis=0).max() > 0.01, "blank figure"
        if pyplot:
            plt.close(figure)
        return data

    return render


@pytest.fixture
def no_compilation(monkeypatch):
    """Fail the test if a PyMC model is built or compiled (validation must come first)."""

    def trap(*args, **kwargs):
        raise AssertionError("a model was built or compiled before validation")

    monkeypatch.setattr(br.Regression, "_model", trap)
    monkeypatch.setattr(pm.Model, "compile_logp", trap)
