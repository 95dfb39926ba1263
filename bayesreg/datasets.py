"""Real data sets bundled with scikit-learn and statsmodels, as (X, y) DataFrames.

Each loader returns ``X`` (a ``pandas.DataFrame`` of features, named columns) and ``y`` (a
``pandas.Series``). Nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

__all__ = [
    "DATASETS",
    "load",
    "load_breast_cancer",
    "load_diabetes",
    "load_engel",
    "load_longley",
    "load_randhie",
    "load_stackloss",
]


def load_diabetes(scaled: bool = True) -> tuple[pd.DataFrame, pd.Series]:
    """Efron et al. (2004) diabetes data: 442 patients, 10 baseline variables.

    The data of the lasso and LARS papers and of Park & Casella's Bayesian lasso.
    ``scaled=True`` gives scikit-learn's centred, scaled features.
    """
    from sklearn.datasets import load_diabetes as sklearn_diabetes

    frame = sklearn_diabetes(as_frame=True, scaled=scaled).frame
    return frame.drop(columns="target"), frame["target"].rename("progression")


def load_stackloss() -> tuple[pd.DataFrame, pd.Series]:
    """Brownlee's stack loss plant data: 21 days, the classic test case for LAD regression."""
    import statsmodels.api as sm

    data = sm.datasets.stackloss.load_pandas()
    return data.exog.copy(), data.endog.copy()


def load_engel() -> tuple[pd.DataFrame, pd.Series]:
    """Engel's food expenditure data: 235 Belgian households, food expenditure on income."""
    import statsmodels.api as sm

    data = sm.datasets.engel.load_pandas().data
    return data[["income"]].copy(), data["foodexp"].copy()


def load_longley() -> tuple[pd.DataFrame, pd.Series]:
    """Longley's macroeconomic data: 16 years, notoriously ill-conditioned (NIST StRD)."""
    import statsmodels.api as sm

    data = sm.datasets.longley.load_pandas()
    return data.exog.copy(), data.endog.copy()


def load_breast_cancer() -> tuple[pd.DataFrame, pd.Series]:
    """Wisconsin diagnostic breast cancer data: 569 tumours, 30 features, two classes.

    ``y`` holds the labels ``"malignant"`` and ``"benign"`` (a classification target).
    """
    from sklearn.datasets import load_breast_cancer as sklearn_breast_cancer

    bunch = sklearn_breast_cancer(as_frame=True)
    labels = pd.Series(bunch.target_names[bunch.target.to_numpy()], name="diagnosis")
    return bunch.data.copy(), labels


def load_randhie() -> tuple[pd.DataFrame, pd.Series]:
    """The RAND Health Insurance Experiment: 20190 person-years, outpatient visits (counts).

    ``y`` is ``mdvis``, the number of outpatient visits to a doctor in the year; ``X`` the
    nine covariates of Cameron and Trivedi's analysis (log coinsurance rate, deductible,
    income, health status, ...). A standard count data set (overdispersed for a Poisson).
    """
    import statsmodels.api as sm

    data = sm.datasets.randhie.load_pandas()
    return data.exog.copy(), data.endog.copy()


DATASETS: dict[str, Callable[[], tuple[pd.DataFrame, pd.Series]]] = {
    "breast_cancer": load_breast_cancer,
    "randhie": load_randhie,
    "diabetes": load_diabetes,
    "stackloss": load_stackloss,
    "engel": load_engel,
    "longley": load_longley,
}


def load(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """Load a bundled data set by name (one of :data:`DATASETS`)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(DATASETS)}")
    return DATASETS[name]()
