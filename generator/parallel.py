"""Spread pure, independent work over the machine's cores, keeping the input order.

Used for the per-article stages (parsing, mention matching) and for rendering.
Results come back in the order of the inputs, so the output never depends on
which worker finished first. Small batches stay in this process: starting
workers costs more than it saves.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

MIN_PARALLEL = 200


def workers() -> int:
    """Worker processes to use: DOSSIER_JOBS if set, else one per core."""
    try:
        wanted = int(os.environ.get("DOSSIER_JOBS", "0"))
    except ValueError:
        wanted = 0
    return max(1, wanted or (os.cpu_count() or 1))


def pmap(func: Callable[[T], R], items: Sequence[T], *, min_items: int = MIN_PARALLEL) -> list[R]:
    """``[func(x) for x in items]``, on several processes when it pays."""
    jobs = workers()
    if jobs < 2 or len(items) < min_items or multiprocessing.current_process().daemon:
        return [func(item) for item in items]
    # fork: workers inherit the loaded modules and read-only data for free.
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(items) // (jobs * 8))
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_watch_parent
    ) as pool:
        return list(pool.map(func, items, chunksize=chunk))


# The function and data a forked worker serves; set only inside worker processes
# (by _install), never in the main process.
_WORKER: list[Any] = []


def _install(func: Callable[[Any, int], Any], shared: Any) -> None:
    _WORKER[:] = [func, shared]
    _watch_parent()


def _watch_parent() -> None:
    """In a worker: exit as soon as the build that started it is gone.

    A build killed outright (SIGKILL, the OOM killer) cannot stop its workers, and they
    would wait for work forever, each holding its copy of the site.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="dossier-parent-watch", daemon=True).start()


def _call_span(start: int, stop: int) -> list[Any]:
    func, shared = _WORKER
    return [func(shared, i) for i in range(start, stop)]


def spans(count: int, jobs: int) -> Iterator[tuple[int, int]]:
    """Consecutive ranges covering ``range(count)``, handed out to ``jobs`` workers.

    About sixteen per worker, few enough that sending them costs little; the last ones
    shrink to single items so that the workers finish together: with fixed chunks, a
    last chunk of costly items (a site's longest pages) kept one worker busy for a
    second while the other waited.
    """
    base = max(1, count // (jobs * 16))
    start = 0
    while start < count:
        size = max(1, min(base, (count - start) // (jobs * 2)))
        yield start, min(count, start + size)
        start += size


@contextlib.contextmanager
def stopping(results: Iterable[Any]) -> Iterator[None]:
    """Close ``results`` (a generator fed by :func:`pmap_shared`) on the way out, even
    when the code consuming it fails: the work not begun is dropped and the workers
    stop, instead of rendering on while the error is reported (and writing staged cache
    entries after a failed build has thrown them away)."""
    try:
        yield
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()


def pmap_shared(
    func: Callable[[S, int], R], shared: S, count: int, *, min_items: int = MIN_PARALLEL
) -> Iterator[R]:
    """``func(shared, i)`` for i in range(count), in order, on several processes when it pays.

    ``shared`` (a renderer with the whole site, say) reaches the workers through
    fork, not pickling, so it may be large; only the results travel back.
    """
    jobs = workers()
    if jobs < 2 or count < min_items or multiprocessing.current_process().daemon:
        for i in range(count):
            yield func(shared, i)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_install, initargs=(func, shared)
    ) as pool:
        pending = collections.deque(
            pool.submit(_call_span, start, stop) for start, stop in spans(count, jobs)
        )
        try:
            while pending:
                yield from pending[0].result()
                pending.popleft()
        finally:
            # Closed early (an error, or a consumer that stopped): drop the work not begun.
            for future in pending:
                future.cancel()
