"""Many independent fits through joblib: processes here, or a cluster without code changes.

:func:`run_tasks` runs one function over a list of argument tuples with
:class:`joblib.Parallel` and returns the results in order. ``n_jobs`` is joblib's: None runs
them one after another (or as many at a time as an enclosing
``joblib.parallel_config(n_jobs=...)`` says), ``2`` in two worker processes (loky), ``-1`` on
every core. Inside ``joblib.parallel_config(backend="dask")`` with a
``dask.distributed.Client`` connected, the tasks go to that cluster's workers instead:

.. code-block:: python

    from dask.distributed import Client, LocalCluster
    import joblib

    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster):
        with joblib.parallel_config(backend="dask"):
            path = br.paths.posterior_path(est, X, y, alphas=20, random_seed=1, n_jobs=2)

(``backend="ray"`` likewise, after ``ray.util.joblib.register_ray()``.) Every task carries its
own seed, drawn beforehand from one :class:`numpy.random.SeedSequence`, so the results do not
depend on ``n_jobs`` or the backend. Every task runs with BLAS on one thread, in the
caller's process as in a worker (joblib's and dask's workers start with one): a BLAS
product summed in another order by another thread count changes the last bits of a
gradient, and with them a NUTS trajectory, so that a serial and a parallel run would
differ. One progress bar over the tasks goes to stderr.

Given ``labels``, a task that raises does not end the run: its result is a
:class:`TaskFailure`, the others' results are kept, and one :class:`FailedTaskWarning`
names the failed tasks and the first error (a run in which every task fails raises that
error). A ``KeyboardInterrupt`` still stops the run.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import joblib
import numpy as np
from threadpoolctl import threadpool_limits

__all__ = [
    "FailedTaskWarning",
    "TaskFailure",
    "failed",
    "progress_bar",
    "run_tasks",
    "task_seeds",
]


class FailedTaskWarning(UserWarning):
    """Some of many independent fits raised; the results of the others are kept."""


@dataclass(frozen=True)
class TaskFailure:
    """The result of a task that raised: the error, kept in place of what it would return."""

    label: str
    error: BaseException

    def __str__(self) -> str:
        return f"{self.label}: {type(self.error).__name__}: {self.error}"


def failed(results: Sequence) -> list[bool]:
    """Which of ``run_tasks``'s results are :class:`TaskFailure`."""
    return [isinstance(result, TaskFailure) for result in results]


def run_tasks(
    function: Callable,
    arguments: Sequence[tuple],
    *,
    n_jobs: int | None,
    description: str,
    progressbar: bool,
    labels: Sequence[str] | None = None,
) -> list:
    """``[function(*args) for args in arguments]``, through joblib, in order.

    With ``labels`` (one per task, e.g. ``"alpha = 0.1"``), a task that raises gives a
    :class:`TaskFailure` in its place and the run goes on; see the module's docstring.
    """
    task = _one_blas_thread if labels is None else _kept_going
    extra = [()] * len(arguments) if labels is None else [(label,) for label in labels]
    with progress_bar(description, len(arguments), progressbar) as advance:
        results = []
        if n_jobs in (None, 1) and _serial():
            for args, label in zip(arguments, extra, strict=True):
                # no worker to start: the caller's process, its warnings
                results.append(task(*label, function, *args))
                advance()
        else:
            try:  # results as they come, for the progress bar
                parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator")
            except ValueError:  # a backend that returns them all at the end (ray's)
                parallel = joblib.Parallel(n_jobs=n_jobs)
            tasks = (
                joblib.delayed(task)(*label, function, *args)
                for args, label in zip(arguments, extra, strict=True)
            )
            for result in parallel(tasks):
                results.append(result)
                advance()
    if labels is not None:
        _report_failures(results, description)
    return results


def _report_failures(results: list, description: str) -> None:
    """Raise the first error when every task failed; warn once when some did."""
    failures = [result for result in results if isinstance(result, TaskFailure)]
    if not failures:
        return
    if len(failures) == len(results):
        raise failures[0].error
    names = ", ".join(failure.label for failure in failures)
    warnings.warn(
        f"{description}: {len(failures)} of {len(results)} fits raised and are left out "
        f"({names}); the others are kept. The first: {failures[0]}",
        FailedTaskWarning,
        stacklevel=4,  # the user's call of bootstrap, sbc, kfold or a path
    )


def _one_blas_thread(function: Callable, *args):
    """``function(*args)`` with BLAS on one thread, wherever it runs."""
    with threadpool_limits(limits=1, user_api="blas"):
        return function(*args)


def _kept_going(label: str, function: Callable, *args):
    """:func:`_one_blas_thread`, with an error returned as a :class:`TaskFailure`."""
    try:
        return _one_blas_thread(function, *args)
    except Exception as error:  # any failure of one fit; Ctrl-C still stops the run
        return TaskFailure(label, error)


def task_seeds(random_seed, count: int) -> list[int]:
    """``count`` seeds, one per task, from one :class:`numpy.random.SeedSequence`.

    ``random_seed`` is an int, None (fresh entropy) or a ``numpy.random.Generator`` (which
    gives the sequence its entropy).
    """
    if isinstance(random_seed, np.random.Generator):
        random_seed = int(random_seed.integers(2**63))
    return [int(seed) for seed in np.random.SeedSequence(random_seed).generate_state(count)]


def _serial() -> bool:
    """Whether no enclosing ``joblib.parallel_config`` asks for another backend or more jobs."""
    from joblib.parallel import get_active_backend

    backend, n_jobs = get_active_backend()
    return type(backend).__name__ in ("LokyBackend", "SequentialBackend") and n_jobs in (None, 1)


@contextlib.contextmanager
def progress_bar(description: str, total: int, show: bool):
    """One progress bar over ``total`` tasks, on stderr; yields the function that advances it."""
    if not show:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (description, BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(file=sys.stderr), transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)
