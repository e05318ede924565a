"""Spread pure, independent work over the machine's cores, keeping the input order.

Used for the per-article stages (parsing, mention matching) and for rendering.
Results come back in the order of the inputs, so the output never depends on
which worker finished first. Small batches stay in this process: starting
workers costs more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

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
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return list(pool.map(func, items, chunksize=chunk))
