"""A long-lived dossier build session, the benchmark's counterpart of ``hugo server``.

Watches SITE as ``dossier serve`` does and reads commands on stdin, one per line:
``build`` waits until the watcher has reported a change (except for the first build),
then rebuilds SITE into OUT with the same in-memory session cache, change set and
carry-over that ``dossier serve`` uses, and prints one JSON line
``{"seconds": wall, "cpu": cpu, "pages": n, "rendered": n}`` measured inside the
process from the moment the watcher's report is taken (as Hugo's own "Total in"
is). ``quit`` ends it.
"""

from __future__ import annotations

import gc
import json
import sys
import threading
import time
from pathlib import Path

import watchfiles

from generator.build import BuildOptions, Carried, build_project
from generator.cache import FOLDER, Cache
from generator.load import Changed
from generator.serve import WATCHED_DIRS, InputFilter

WAIT_S = 30  # for the watcher to report a change the harness made


class Watcher:
    """The paths watchfiles reports under the project's input folders, as serve watches them."""

    def __init__(self, site: Path) -> None:
        self.paths: set[tuple[str, bool]] = set()
        self.cond = threading.Condition()
        self.stop = threading.Event()
        self.ready = threading.Event()
        dirs = [site / d for d in WATCHED_DIRS if (site / d).is_dir()]
        threading.Thread(target=self._run, args=(dirs,), daemon=True).start()
        if not self.ready.wait(10):
            raise SystemExit("the file watcher did not start")

    def _run(self, dirs: list[Path]) -> None:
        for changes in watchfiles.watch(
            *dirs,
            watch_filter=InputFilter(),
            stop_event=self.stop,
            rust_timeout=200,
            yield_on_timeout=True,
            step=100,
        ):
            self.ready.set()
            with self.cond:
                self.paths |= {(p, c != watchfiles.Change.modified) for c, p in changes}
                self.cond.notify_all()

    def take(self) -> set[tuple[str, bool]]:
        """Every path reported since the last call, once there is at least one."""
        with self.cond:
            self.cond.wait_for(lambda: bool(self.paths), timeout=WAIT_S)
            taken, self.paths = self.paths, set()
        return taken


def main() -> int:
    site, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    session = Cache(site / FOLDER, session=True)
    watcher = Watcher(site)
    first = True
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        changed = None if first else Changed.under(site, watcher.take())
        first = False
        gc.disable()  # as serve does: on again once the rebuild is served and collected
        wall, cpu = time.perf_counter(), time.process_time()
        carried = Carried()
        result = build_project(
            site,
            BuildOptions(
                output=out,
                search=False,
                session=session,
                carried=carried,
                changed=changed,
                own_output=True,  # as serve's: a folder only this session writes to
            ),
        )
        report = {
            "seconds": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
            "pages": result.pages,
            "rendered": carried.rendered,
        }
        print(json.dumps(report), flush=True)
        gc.collect(1)  # as serve does once a rebuild is served
        gc.enable()
    watcher.stop.set()
    return 0


if __name__ == "__main__":
    sys.exit(main())
