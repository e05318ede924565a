"""A long-lived dossier build session, the benchmark's counterpart of ``hugo server``.

Reads commands on stdin, one per line: ``build`` rebuilds SITE into OUT with the
same in-memory session cache and carry-over that ``dossier serve`` uses, and
prints one JSON line ``{"seconds": wall, "cpu": cpu, "pages": n, "rendered": n}``
measured inside the process (as Hugo's own "Total in" is). ``quit`` ends it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from generator.build import BuildOptions, Carried, build_project
from generator.cache import FOLDER, Cache


def main() -> int:
    site, out = Path(sys.argv[1]), Path(sys.argv[2])
    session = Cache(site / FOLDER, session=True)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        wall, cpu = time.perf_counter(), time.process_time()
        carried = Carried()
        result = build_project(
            site, BuildOptions(output=out, search=False, session=session, carried=carried)
        )
        report = {
            "seconds": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
            "pages": result.pages,
            "rendered": carried.rendered,
        }
        print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
