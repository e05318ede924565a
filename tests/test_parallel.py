"""Work spread over worker processes: results in input order, balanced, and stoppable."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.parallel import WorkerError, pmap_shared, spans


@given(st.integers(min_value=0, max_value=50_000), st.integers(min_value=1, max_value=16))
def test_spans_cover_every_index_once_in_order(count: int, jobs: int) -> None:
    ranges = list(spans(count, jobs))
    assert [i for start, stop in ranges for i in range(start, stop)] == list(range(count))
    assert all(stop > start for start, stop in ranges)


def test_spans_can_be_kept_short_and_still_cover_every_index_once_in_order() -> None:
    ranges = list(spans(13211, 2, 64))
    assert [i for start, stop in ranges for i in range(start, stop)] == list(range(13211))
    assert max(stop - start for start, stop in ranges) == 64
    assert max(stop - start for start, stop in spans(13211, 2)) > 64


def test_spans_shrink_towards_the_end_so_workers_finish_together() -> None:
    sizes = [stop - start for start, stop in spans(13_293, 2)]
    assert sizes[0] == 13_293 // 32
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-4:] == [1, 1, 1, 1]
    assert len(sizes) < 70  # few enough messages between the processes


def _where(shared: tuple[str, int], index: int) -> tuple[int, str, int]:
    tag, offset = shared
    return index + offset, tag, os.getpid()


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_results_come_back_in_input_order_from_this_process_and_its_workers(
    monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    monkeypatch.setenv("DOSSIER_JOBS", str(jobs))
    results = list(pmap_shared(_where, ("shared", 1000), 500))
    assert [(r[0], r[1]) for r in results] == [(1000 + i, "shared") for i in range(500)]
    # This process works too, beside one worker fewer than the jobs asked for (none for 1).
    pids = {r[2] for r in results}
    assert len(pids) == jobs and os.getpid() in pids
    assert multiprocessing.active_children() == []


def _fails_at(shared: tuple[int, ...], index: int) -> int:
    if index in shared:
        raise ValueError(f"item {index} failed")
    time.sleep(0.0005)
    return index


def test_the_first_error_in_input_order_is_raised_whichever_process_met_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOSSIER_JOBS", "2")
    for failing in [(3,), (150, 3), (400, 150), (450,)]:
        with pytest.raises(ValueError, match=f"^item {min(failing)} failed$") as caught:
            list(pmap_shared(_fails_at, failing, 500))
        assert multiprocessing.active_children() == []
        # Met on a worker (the first spans always go to one): its traceback comes along.
        if min(failing) == 3:
            assert isinstance(caught.value.__cause__, WorkerError)
            assert "_fails_at" in str(caught.value.__cause__)


class _Unpicklable(Exception):
    def __init__(self, what: str, extra: int) -> None:
        super().__init__(f"{what} ({extra})")


def _worker_trouble(kind: str, index: int) -> int:
    if index == 0 and multiprocessing.current_process().daemon:  # on a worker only
        if kind == "unpicklable":
            raise _Unpicklable("odd error", 7)
        os._exit(9)
    return index


def test_an_error_that_cannot_travel_arrives_as_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOSSIER_JOBS", "2")
    with pytest.raises(WorkerError, match="_Unpicklable: odd error \\(7\\)"):
        list(pmap_shared(_worker_trouble, "unpicklable", 500))
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_is_reported_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSSIER_JOBS", "2")
    with pytest.raises(
        RuntimeError, match="^a worker process ended unexpectedly \\(exit code 9\\)$"
    ):
        list(pmap_shared(_worker_trouble, "exit", 500))
    assert multiprocessing.active_children() == []


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
    assert multiprocessing.active_children() == []


def _slow_where(shared: str, index: int) -> tuple[int, int]:
    time.sleep(0.004)
    return index, os.getpid()


def test_work_of_its_own_is_done_beside_the_workers_and_left_to_finish_when_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOSSIER_JOBS", "2")
    taken: list[int] = []

    def steps(log: list[str]) -> Iterator[None]:
        for k in range(5):
            log.append(f"step {k} after {len(taken)} results")
            yield

    log: list[str] = []
    for index, _pid in pmap_shared(_slow_where, "", 400, meanwhile=steps(log)):
        taken.append(index)
    assert taken == list(range(400))
    # Done at once, while the worker's first span (fifteen slow items) ran.
    assert log == [f"step {k} after 0 results" for k in range(5)]
    # Too few items for workers: none of it is done, and the caller finishes it.
    log.clear()
    taken.clear()
    rest = steps(log)
    assert [i for i, _pid in pmap_shared(_slow_where, "", 10, meanwhile=rest)] == list(range(10))
    assert log == []
    assert len(list(rest)) == 5 and len(log) == 5


_ARMED: list[bool] = []  # a Ctrl-C to send during the next fork (see below)


def _interrupt_in_the_fork() -> None:
    if _ARMED:
        _ARMED.clear()
        os.kill(os.getpid(), signal.SIGINT)


# Hooks cannot be unregistered: this one does nothing unless a test arms it.
os.register_at_fork(after_in_parent=_interrupt_in_the_fork)


def test_ctrl_c_during_a_workers_fork_stops_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C landing while a worker is forked, in the interpreter's after-fork hooks
    (which print and drop exceptions), is not lost: the work stops as at any moment."""
    monkeypatch.setenv("DOSSIER_JOBS", "2")
    _ARMED.append(True)
    with pytest.raises(KeyboardInterrupt):
        list(pmap_shared(_where, ("shared", 0), 500))
    assert not _ARMED
    assert multiprocessing.active_children() == []
