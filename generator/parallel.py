"""Spread pure, independent work over the machine's cores, keeping the input order.

Used for the per-article stages (parsing, mention matching) and for rendering.
Results come back in the order of the inputs, so the output never depends on
which process finished first. Small batches stay in this process: starting
workers costs more than it saves.

This process takes part in the work: on N cores it forks N - 1 workers and, while
the next result in order is not ready, works through spans of its own. It would
otherwise mostly wait; and each worker ends up holding a copy of most of the site
(fork shares memory only until the worker touches it), so one worker fewer saves
that copy at no cost in speed. This process reads the workers' results itself,
between its own items: a reader thread would have to win the interpreter lock from
it for each pipe-full, and a worker's send would stall meanwhile.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import fcntl
import functools
import multiprocessing
import os
import pickle
import platform
import select
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any, TypeVar

R = TypeVar("R")
S = TypeVar("S")

MIN_PARALLEL = 200
# Spans handed to each worker ahead of the one it is working on.
_AHEAD = 2
_DONE = object()  # what next() gives for a ``meanwhile`` run to its end
_INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


def workers() -> int:
    """Processes to share the work, this one included: DOSSIER_JOBS if set, else one
    per core."""
    try:
        wanted = int(os.environ.get("DOSSIER_JOBS", "0"))
    except ValueError:
        wanted = 0
    return max(1, wanted or (os.cpu_count() or 1))


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


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None elsewhere."""
    if sys.platform != "linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def _hand_back_free_memory() -> None:
    """Return the heap's free pages to the system before forking.

    Pages freed by earlier stages (a seed's text, once parsed) stay resident; a worker
    that allocates into its copy of them copies them, and both processes count them.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class WorkerError(Exception):
    """An error met on a worker that could not be sent back as itself (it does not
    pickle), or, as the cause of one that could, the worker's traceback."""


def _error_reply(exc: Exception) -> bytes:
    """The reply sending ``exc`` back: itself if it survives pickling, with the
    worker's traceback as text, which the main process attaches as its cause."""
    trace = traceback.format_exc()
    try:
        reply = pickle.dumps((False, (exc, trace)), pickle.HIGHEST_PROTOCOL)
        pickle.loads(reply)  # an exception whose __init__ cannot take its args fails here
    except Exception:
        reply = pickle.dumps((False, (WorkerError(trace), trace)), pickle.HIGHEST_PROTOCOL)
    return reply


def _serve(
    func: Callable[[Any, int], Any],
    shared: Any,
    tasks: Connection,
    results: Connection,
    others: list[int],
) -> None:
    """A worker's life: compute each span it is sent, send back its results, until the
    task pipe closes. ``func`` and ``shared`` came through fork, never pickled.
    ``others``: the main process's ends of this worker's pipes and of those of workers
    forked before it."""
    for fd in others:
        # A copy of the main process's end of a task pipe, held open here, would keep
        # the worker reading it from ever seeing it closed.
        os.close(fd)
    # The command's SIGTERM handler unwinds its build; a worker has nothing to unwind.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _watch_parent()
    status = 1
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _INTERRUPTS)  # held over the fork
        while True:
            try:
                start, stop = tasks.recv()
            except EOFError:
                status = 0
                break
            try:
                reply = pickle.dumps(
                    (True, [func(shared, i) for i in range(start, stop)]), pickle.HIGHEST_PROTOCOL
                )
            except Exception as exc:  # sent back, and raised where the result is wanted
                reply = _error_reply(exc)
            results.send_bytes(reply)
    except (KeyboardInterrupt, BrokenPipeError):
        pass  # the build is stopping, and reports why
    finally:
        # No interpreter teardown: the copy of the site dies with the process.
        os._exit(status)


def _widen(conn: Connection) -> None:
    """Make a result pipe hold a megabyte, so that a worker sends a span's pages in a
    few writes rather than waiting for this process to empty 64 KiB at a time."""
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)


class _Slot:
    """One span's place in the output order: its results once known, or its error."""

    __slots__ = ("results", "error")

    def __init__(self) -> None:
        self.results: list[Any] | None = None
        self.error: BaseException | None = None


class _Worker:
    __slots__ = ("process", "tasks", "results", "waiting")

    def __init__(
        self, context: Any, func: Callable[[Any, int], Any], shared: Any, others: list[int]
    ) -> None:
        task_out, self.tasks = context.Pipe(duplex=False)
        self.results, result_in = context.Pipe(duplex=False)
        _widen(self.results)
        self.process = context.Process(
            target=_serve,
            args=(func, shared, task_out, result_in, [*others, *self._ends()]),
            daemon=True,
        )
        self.process.start()
        task_out.close()
        result_in.close()
        self.waiting: collections.deque[_Slot] = collections.deque()  # sent, not yet back

    def _ends(self) -> list[int]:
        """This process's ends of the worker's pipes."""
        return [self.tasks.fileno(), self.results.fileno()]


class _Crew:
    """This process and its forked workers, working through ``spans`` of a count."""

    def __init__(
        self,
        func: Callable[[Any, int], Any],
        shared: Any,
        count: int,
        jobs: int,
        meanwhile: Iterator[None] | None,
        largest: int | None = None,
    ) -> None:
        self.func, self.shared, self.meanwhile = func, shared, meanwhile
        self.todo = collections.deque(spans(count, jobs, largest))
        self.slots: collections.deque[_Slot] = collections.deque()  # in span order
        context = multiprocessing.get_context("fork")
        self.workers: list[_Worker] = []
        self.by_fd: dict[int, _Worker] = {}
        self.poller = select.poll()
        _hand_back_free_memory()
        try:
            for _ in range(jobs - 1):
                others = [fd for w in self.workers for fd in w._ends()]
                # Ctrl-C landing during the fork would be raised in one of the interpreter's
                # after-fork hooks, which drop exceptions: the build would go on. Held over
                # the fork, it is raised once the worker is one of the crew, which stops.
                mask = signal.pthread_sigmask(signal.SIG_BLOCK, _INTERRUPTS)
                try:
                    worker = _Worker(context, func, shared, others)
                    self.workers.append(worker)
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                self.by_fd[worker.results.fileno()] = worker
                self.poller.register(worker.results.fileno(), select.POLLIN)
                self._feed(worker)
        except BaseException:
            self.stop()
            raise

    def _feed(self, worker: _Worker) -> None:
        """Keep the worker a couple of spans ahead, so it never waits for this process."""
        while self.todo and len(worker.waiting) < _AHEAD:
            span = self.todo.popleft()
            slot = _Slot()
            self.slots.append(slot)
            worker.waiting.append(slot)
            worker.tasks.send(span)

    def _collect(self, timeout: int | None) -> None:
        """Take in the results workers have sent, waiting up to ``timeout`` ms for one
        (None: until one comes). Called between every two items this process works
        on, so it is one poll() when nothing came."""
        for fd, _event in self.poller.poll(timeout):
            worker = self.by_fd[fd]
            try:
                ok, value = pickle.loads(worker.results.recv_bytes())
            except (EOFError, OSError) as exc:
                worker.process.join(1)
                raise RuntimeError(
                    f"a worker process ended unexpectedly (exit code {worker.process.exitcode})"
                ) from exc
            slot = worker.waiting.popleft()
            if ok:
                slot.results = value
            else:
                error, trace = value
                if not isinstance(error, WorkerError):
                    error.__cause__ = WorkerError(f"on a worker process:\n{trace}")
                slot.error = error
            self._feed(worker)

    def _own_span(self) -> None:
        """Work through the next span here, taking in workers' results between items."""
        start, stop = self.todo.popleft()
        slot = _Slot()
        self.slots.append(slot)
        func, shared, out = self.func, self.shared, []
        try:
            for i in range(start, stop):
                out.append(func(shared, i))
                self._collect(0)
        except Exception as exc:  # raised in order, as a worker's would be
            slot.error = exc
            self.todo.clear()  # nothing after it will be wanted
            return
        slot.results = out

    def results(self) -> Iterator[Any]:
        """Every result in order. While the next one is not in, this process takes in
        what workers sent, then does a step of ``meanwhile`` or a span of its own, and
        waits only when neither is left."""
        slots = self.slots
        while slots or self.todo:
            head = slots[0] if slots else None
            if head is not None and head.results is None and head.error is None:
                self._collect(0)
                if head.results is None and head.error is None:
                    if self.meanwhile is not None:
                        if next(self.meanwhile, _DONE) is _DONE:
                            self.meanwhile = None
                        continue
                    if self.todo:
                        self._own_span()
                    else:
                        self._collect(None)
                    continue
            if head is None:  # every span left is this process's
                self._own_span()
                continue
            slots.popleft()
            if head.error is not None:
                raise head.error
            assert head.results is not None
            yield from head.results

    def stop(self) -> None:
        """End the workers: each finishes the span it is on (it may be staging cache
        entries), then exits, finding its pipes closed."""
        self.todo.clear()
        for worker in self.workers:
            worker.tasks.close()
            # A worker stopped early may be sending a span nobody will read: with its
            # pipe closed, the send fails and the worker exits instead of waiting.
            worker.results.close()
        for worker in self.workers:
            worker.process.join()


def spans(count: int, jobs: int, largest: int | None = None) -> Iterator[tuple[int, int]]:
    """Consecutive ranges covering ``range(count)``, handed out to ``jobs`` workers.

    About sixteen per worker, few enough that sending them costs little; the last ones
    shrink to single items so that the workers finish together: with fixed chunks, a
    last chunk of costly items (a site's longest pages) kept one worker busy for a
    second while the other waited. None longer than ``largest`` items, if given.
    """
    base = max(1, count // (jobs * 16))
    if largest is not None:
        base = max(1, min(base, largest))
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
    func: Callable[[S, int], R],
    shared: S,
    count: int,
    *,
    min_items: int = MIN_PARALLEL,
    meanwhile: Iterator[None] | None = None,
    span: int | None = None,
) -> Iterator[R]:
    """``func(shared, i)`` for i in range(count), in order, on several processes when it pays.

    ``shared`` (a renderer with the whole site, say) reaches the workers through
    fork, not pickling, so it may be large; only the results travel back. An error
    is raised where its item comes in the order, so the same one is reported
    whichever process met it first.

    ``meanwhile``: work of this process's own, in steps, done first whenever it would
    otherwise wait for a worker or work through a span itself: it is then done beside
    the workers rather than before or after them. Not necessarily to its end (nor at
    all, when the items stay in this process): the caller finishes it.

    ``span``: the most items handed out at once. Results that come in ahead of their
    turn wait in this process's memory, a span's worth per worker: large results (a
    site's pages) want short spans.
    """
    jobs = workers()
    if jobs < 2 or count < min_items or multiprocessing.current_process().daemon:
        for i in range(count):
            yield func(shared, i)
        return
    crew = _Crew(func, shared, count, jobs, meanwhile, span)
    try:
        yield from crew.results()
    finally:
        crew.stop()
