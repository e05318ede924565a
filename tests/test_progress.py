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


def test_a_reader_that_stops_reading_changes_no_exit_code(bundled: Path) -> None:
    """`dossier build | head -1`: the pipe closes after the first line, the site is built
    all the same, and the exit code is the build's, with nothing on stderr."""
    for args, code in ((["build", "--no-search"], 0), (["check"], 0), (["--help"], 0)):
        read, write = os.pipe()
        os.close(read)  # the reader is gone before anything is written
        proc = subprocess.run(
            [sys.executable, "-m", "generator", "-C", str(bundled), *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
        os.close(write)
        assert (proc.returncode, proc.stderr) == (code, ""), args
    assert (bundled / "_site" / "index.html").is_file()
    # A problem in the input still fails, with its message, whoever reads stdout.
    (bundled / "content/people/wang-yi.yaml").write_text("nme: Wang Yi\n")
    read, write = os.pipe()
    os.close(read)
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "-C", str(bundled), "build"],
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    os.close(write)
    assert proc.returncode == 1
    assert "content/people/wang-yi.yaml:1:1: nme: unknown field" in proc.stderr
