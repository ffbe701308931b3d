"""Running matrix chunks on Dask: connecting, local clusters, scatter once, gather as done.

Workers must be able to import qjnet (install it in the workers' environment,
or start them from a checkout with ``PYTHONPATH`` set): tasks are qjnet
functions, sent by reference.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..geodata.errors import OptionError, QjnetError, require

log = logging.getLogger(__name__)

__all__ = ["ClusterError", "connect", "local_client", "run_chunks"]

#: Seconds to wait for a scheduler before giving up.
CONNECT_TIMEOUT = 5.0
#: Times a chunk is retried after an error inside it (a lost worker is retried by Dask anyway).
RETRIES = 2

_ADDRESS = re.compile(r"^(tcp|tls|inproc|ucx|ws|wss)://[^\s/:]+(:\d+)?$")


class ClusterError(QjnetError, RuntimeError):
    """The Dask cluster failed a run (every worker gone, a task failed repeatedly, ...)."""


def connect(address: str, *, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A ``dask.distributed.Client`` for the scheduler at ``address`` (``tcp://HOST:8786``).

    Raises
    ------
    OptionError
        A malformed address, or no scheduler answering within ``timeout`` seconds.
    """
    if not isinstance(address, str) or not _ADDRESS.match(address.strip()):
        raise OptionError(f"scheduler address {address!r} is not like tcp://HOST:8786")
    _require_dask()
    from distributed import Client

    try:
        client = Client(address.strip(), timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise OptionError(
            f"scheduler {address}: no answer within {timeout:g} s ({type(exc).__name__}); "
            "start one with `dask scheduler` and `dask worker`, or use --workers N for a local cluster"
        ) from None
    log.info("Connected to %s: %d workers", address, len(client.scheduler_info().get("workers", {})))
    return client


def _require_dask() -> None:
    require("distributed", extra="dist", purpose="running on a Dask cluster (--scheduler, --workers)",
            alternative="run without --scheduler and --workers")


@contextlib.contextmanager
def local_client(workers: int) -> Iterator[Any]:
    """A ``LocalCluster`` of ``workers`` single-threaded processes and its client; closed on exit."""
    if not isinstance(workers, int) or workers < 1:
        raise OptionError(f"--workers {workers!r} must be a whole number >= 1")
    _require_dask()
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster, set_as_default=False)
    try:
        log.info("Started a local cluster: %d workers", workers)
        yield client
    finally:
        client.close()
        cluster.close()


def run_chunks(
    client: Any,
    fn: Callable,
    payload: Any,
    chunks: Sequence[Any],
    *,
    dense: bool,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[int, Any]]:
    """Run ``fn(payload, chunk, dense)`` for each chunk on ``client``'s workers.

    ``payload`` (the compiled matrix) is scattered to every worker once.
    Yields ``(chunk number, result)`` as chunks finish, each exactly once;
    results are released as soon as they are yielded.
    """
    from distributed import as_completed

    if not client.scheduler_info().get("workers"):
        raise ClusterError("the Dask cluster has no workers; start some with `dask worker SCHEDULER`")
    scattered = [client.scatter([payload], broadcast=True, hash=False)[0]]  # a list: a dict scatters per key
    token = uuid.uuid4().hex[:12]
    futures: dict = {}
    attempts = [0] * len(chunks)

    def submit(i: int) -> Any:
        key = f"qjnet-matrix-{token}-{i:05d}" + (f"-again{attempts[i]}" if attempts[i] else "")
        fut = client.submit(fn, scattered[-1], chunks[i], dense, key=key, retries=RETRIES)
        futures[fut.key] = (i, fut)
        return fut

    pending = as_completed([submit(i) for i in range(len(chunks))], with_results=True, raise_errors=False,
                           loop=client.loop)
    done = 0
    try:
        for fut, result in pending:
            i, _ = futures.pop(fut.key)
            if fut.status == "error":
                exc = fut.exception()
                raise ClusterError(f"matrix chunk {i} failed on the cluster: {type(exc).__name__}: {exc}")
            if fut.status != "finished":  # cancelled or lost with a worker: run the chunk again, once more
                attempts[i] += 1
                if attempts[i] > RETRIES:
                    raise ClusterError(f"matrix chunk {i} was lost on the cluster {attempts[i]} times; "
                                       "check the workers' logs")
                log.info("Matrix chunk %d %s on the cluster; running it again", i, fut.status)
                scattered.append(client.scatter([payload], broadcast=True, hash=False)[0])
                pending.add(submit(i))
                continue
            fut.release()
            done += 1
            if progress:
                progress(done, len(chunks))
            yield i, result
    finally:
        for _, fut in futures.values():
            fut.cancel()
        for shared in scattered:
            shared.release()
