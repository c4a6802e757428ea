"""The Dask cluster a farm render uses: N local worker processes, or an existing scheduler."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Iterator

from ..errors import UserError


@contextmanager
def dask_client(*, workers: int | None = None, scheduler: str | None = None) -> Iterator[object]:
    """A ``distributed.Client``: ``workers`` starts a LocalCluster of that many single-threaded
    worker processes (closed at the end); ``scheduler`` (``tcp://HOST:PORT``) joins a running one."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as err:
            raise UserError(f"--scheduler {scheduler}: cannot connect ({err})") from None
        try:
            yield client
        finally:
            client.close()
        return
    with warnings.catch_warnings():  # "port 8787 in use": its status page moves, nothing to act on
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()
