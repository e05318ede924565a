"""`dossier build` shows progress on a terminal only, and ends with the summary table."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path


def run_on_terminal(args: list[str]) -> str:
    """Run ``args`` with stdout on a pseudo-terminal; return everything it wrote there."""
    master, slave = pty.openpty()
    env = {
        **os.environ,
        "PAGEFIND_BINARY_PATH": "/nonexistent",
    }  # faster; search is tested elsewhere
    proc = subprocess.Popen(args, stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    assert proc.returncode == 0
    return b"".join(chunks).decode("utf-8")


def test_progress_on_a_terminal_then_summary(bundled: Path) -> None:
    out = run_on_terminal([sys.executable, "-m", "generator", "-C", str(bundled), "build"])
    assert "Rendering 1/" in out
    pages = out.split("Built ", 1)[1].split()[0]
    assert f"\rRendering {pages}/{pages} pages" in out.replace("\x1b[K", "")
    # The progress line is cleared before the summary, which starts a clean line.
    assert "\r\x1b[KBuilt " in out
    lines = out.split("\r\x1b[K")[-1].splitlines()
    assert lines[0].startswith("Built ") and lines[1].split() == ["pages", "count"]
    assert lines[-1].strip().startswith("time: check ")


def test_no_progress_when_quiet_or_not_a_terminal(bundled: Path) -> None:
    out = run_on_terminal([sys.executable, "-m", "generator", "-C", str(bundled), "-q", "build"])
    assert out == ""
    done = subprocess.run(
        [sys.executable, "-m", "generator", "-C", str(bundled), "build"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PAGEFIND_BINARY_PATH": "/nonexistent"},
    )
    assert "\r" not in done.stdout and "Rendering" not in done.stdout
    assert done.stdout.startswith("Built ")
