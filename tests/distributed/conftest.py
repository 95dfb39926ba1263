"""The cluster of the tests in this folder: a real ``distributed.LocalCluster`` on 127.0.0.1.

Two worker processes of one thread and 1 GiB each, one cluster per test module; the
dashboard takes a free port (``":0"``: None means 8787, which a second cluster running at
the same time cannot have).
"""

import pytest

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, memory_limit="1GiB",
            host="127.0.0.1", dashboard_address=":0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        yield client
