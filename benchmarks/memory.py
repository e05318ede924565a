"""Where a build's memory goes, process by process.

    python benchmarks/memory.py PROJECT [--interval 0.05] [--timeline 20]

Copies the project (without its ``.cache`` and ``_site``) to a temporary folder and
builds it there from scratch (``dossier build --no-search``, as the benchmark's cold
build): the project itself is left alone. Every
``--interval`` seconds it reads ``/proc/PID/smaps_rollup`` of the build and of each
process it forked, and prints, at the moment their summed PSS peaked, each process's
resident memory, the part of it that is its own (private, written since the fork or
allocated) and the part still shared between them; then the summed PSS over time.

A forked worker starts out sharing every page of its parent; each page either process
writes, or whose objects it reads (reading an object writes its reference count), is
copied. So ``own`` is the copied pages plus new allocations, and ``shared`` is what no
process has touched since the fork. Linux only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import _children_map  # noqa: E402

_FIELDS = {"Rss": "rss", "Pss": "pss", "Private_Dirty": "own", "Shared_Dirty": "shared"}


def parts_kib(pid: int) -> dict[str, int]:
    """Resident, proportional, private-dirty and shared-dirty KiB of one process ({} if gone)."""
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in _FIELDS:
                    found[_FIELDS[name]] = int(rest.split()[0])
    except OSError:
        return {}
    return found


def tree(pid: int) -> list[int]:
    """``pid`` and every process descended from it."""
    kids = _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def sample(cmd: list[str], cwd: Path, interval: float) -> tuple[int, float, list, list]:
    """Run ``cmd``; return its exit status, the time of the peak, each process's parts at
    the peak, and (seconds, summed PSS MiB) over the run."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak, at, parts, series = -1, 0.0, [], []
    while proc.poll() is None:
        now = [(p, parts_kib(p)) for p in tree(proc.pid)]
        now = [(p, x) for p, x in now if x]
        total = sum(x.get("pss", 0) for _, x in now)
        elapsed = time.perf_counter() - started
        series.append((elapsed, total / 1024))
        if total > peak:
            peak, at, parts = total, elapsed, now
        time.sleep(interval)
    _, err = proc.communicate()
    if proc.returncode:
        sys.stderr.write(err.decode("utf-8", "replace"))
    return proc.returncode, at, parts, series


def report(at: float, parts: list, series: list, rows: int) -> str:
    total = sum(x.get("pss", 0) for _, x in parts) / 1024
    end = series[-1][0] if series else 0.0
    lines = [f"peak: {total:.0f} MiB (summed PSS) at {at:.1f} s of {end:.1f} s"]
    lines.append("| process | rss MiB | pss MiB | own MiB | shared MiB |")
    lines.append("|---|---:|---:|---:|---:|")
    for index, (pid, x) in enumerate(parts):
        name = "build" if index == 0 else f"worker {pid}"
        cells = " | ".join(f"{x.get(k, 0) / 1024:.0f}" for k in ("rss", "pss", "own", "shared"))
        lines.append(f"| {name} | {cells} |")
    if series:
        step = max(1, len(series) // max(1, rows))
        points = series[::step]
        lines.append(
            "summed PSS over time (s: MiB): " + ", ".join(f"{t:.1f}: {m:.0f}" for t, m in points)
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="a dossier project")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between samples")
    parser.add_argument("--timeline", type=int, default=20, help="points of the timeline shown")
    args = parser.parse_args(argv)
    if not os.path.isdir("/proc"):
        parser.error("needs Linux's /proc")
    if not args.project.is_dir():
        parser.error(f"{args.project}: not a folder")
    with tempfile.TemporaryDirectory(prefix="dossier-memory-") as work:
        copy = Path(work) / "project"
        shutil.copytree(args.project, copy, ignore=shutil.ignore_patterns(".cache", "_site"))
        cmd = [sys.executable, "-m", "generator", "build", "--no-search", "-q"]
        status, at, parts, series = sample(cmd, copy, args.interval)
    if status:
        print(f"memory.py: the build failed (exit status {status})", file=sys.stderr)
        return 1
    print(report(at, parts, series, args.timeline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
