"""The Dask client the distributed sweep runs on: a real cluster's scheduler, or a LocalCluster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster

from components.engine.validation import check_int

__all__ = ["SCHEDULER_ENVIRONMENT_VARIABLE", "dask_client", "describe_client"]

SCHEDULER_ENVIRONMENT_VARIABLE = "GEOCLUSTER_DASK_SCHEDULER"


@contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    n_workers: int = 2,
    threads_per_worker: int = 1,
    processes: bool = True,
    memory_limit: str | float = "auto",
) -> Iterator[Client]:
    """Connect to a Dask scheduler, or start a LocalCluster, and close it all on exit.

    Parameters
    ----------
    scheduler : str, optional
        The scheduler's address (e.g. ``tcp://10.0.0.5:8786``). Default: the value of the
        environment variable ``GEOCLUSTER_DASK_SCHEDULER``; when neither is set, a LocalCluster
        is started on this machine.
    n_workers : int
        LocalCluster only: workers, in [1, 256].
    threads_per_worker : int
        LocalCluster only: threads per worker, in [1, 256].
    processes : bool
        LocalCluster only: workers in their own processes (True) or threads of this one.
    memory_limit : str or float
        LocalCluster only: each worker's memory limit (Dask's notation, e.g. ``"4GiB"``).

    Yields
    ------
    distributed.Client
        The client, set as Dask's default while the block runs.
    """
    workers = check_int(n_workers, "n_workers", 1, 256)
    threads = check_int(threads_per_worker, "threads_per_worker", 1, 256)
    address = scheduler or os.environ.get(SCHEDULER_ENVIRONMENT_VARIABLE) or None
    if address:
        with Client(address, timeout="30s") as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=threads,
            processes=processes,
            memory_limit=memory_limit,
            dashboard_address=":0",  # a free port: never clashes with another cluster
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def describe_client(client: Client) -> tuple[str, int]:
    """Return where a client runs (its scheduler's address, or "LocalCluster") and its workers.

    Parameters
    ----------
    client : distributed.Client
        A connected client.

    Returns
    -------
    tuple[str, int]
        The scheduler's description and the number of workers.
    """
    info = client.scheduler_info(n_workers=-1)
    workers = info["workers"]
    threads = sum(int(worker.get("nthreads", 0)) for worker in workers.values())
    local = isinstance(client.cluster, LocalCluster)
    return f"LocalCluster ({threads} threads)" if local else str(info["address"]), len(workers)
