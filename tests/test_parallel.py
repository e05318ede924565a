"""Work spread over worker processes: results in input order, balanced, and stoppable."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.parallel import pmap_shared, spans


@given(st.integers(min_value=0, max_value=50_000), st.integers(min_value=1, max_value=16))
def test_spans_cover_every_index_once_in_order(count: int, jobs: int) -> None:
    ranges = list(spans(count, jobs))
    assert [i for start, stop in ranges for i in range(start, stop)] == list(range(count))
    assert all(stop > start for start, stop in ranges)


def test_spans_shrink_towards_the_end_so_workers_finish_together() -> None:
    sizes = [stop - start for start, stop in spans(13_293, 2)]
    assert sizes[0] == 13_293 // 32
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-4:] == [1, 1, 1, 1]
    assert len(sizes) < 70  # few enough messages between the processes


def _where(shared: tuple[str, int], index: int) -> tuple[int, str, int]:
    tag, offset = shared
    return index + offset, tag, os.getpid()


def test_results_come_back_in_input_order_from_several_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOSSIER_JOBS", "2")
    results = list(pmap_shared(_where, ("shared", 1000), 500))
    assert [(r[0], r[1]) for r in results] == [(1000 + i, "shared") for i in range(500)]
    pids = {r[2] for r in results}
    assert len(pids) == 2 and os.getpid() not in pids


def _slow(folder: Path, index: int) -> int:
    (folder / str(index)).touch()
    time.sleep(0.01)
    return index


def test_work_not_begun_is_dropped_when_the_consumer_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A build that fails while rendering stops consuming; the workers must not go on
    # rendering the rest of the site before the error is reported.
    monkeypatch.setenv("DOSSIER_JOBS", "2")
    results = pmap_shared(_slow, tmp_path, 800)
    assert next(results) == 0
    results.close()
    assert 0 < len(list(tmp_path.iterdir())) < 200
