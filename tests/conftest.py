"""Fixtures that mirror the pipeline: a project tree, then its build."""

from __future__ import annotations

import shutil
import signal
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    # A shell without job control (a script) starts its background commands ("&") with
    # Ctrl-C ignored, and every process they start inherits that: the tests that press
    # Ctrl-C on a build or a server would press nothing. With a handler here, each
    # process a test starts gets Ctrl-C's default back, as in a terminal.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


MINIMAL_SITE = """\
title: Test dossier
base_url: https://example.org/repo/
"""


def write_tree(base: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


MakeSite = Callable[..., Path]


def corpus_project(dest: Path, articles: int) -> Path:
    """The dossier project of the benchmark's synthetic corpus of ``articles`` articles.

    Over about 150 articles its pages are rendered on worker processes.
    """
    import importlib.util
    import sys

    if "corpus" not in sys.modules:
        spec = importlib.util.spec_from_file_location("corpus", ROOT / "benchmarks" / "corpus.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["corpus"] = module  # its dataclasses look their module up there
        spec.loader.exec_module(module)
    corpus = sys.modules["corpus"]
    corpus.write_corpus(corpus.generate(articles), dest)
    return dest / "dossier"


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """A small project: site.yaml plus the given files (paths relative to the project)."""

    def make(files: dict[str, str | bytes] | None = None, *, site: str = MINIMAL_SITE) -> Path:
        project = tmp_path / "project"
        project.mkdir(exist_ok=True)
        write_tree(project, {"site.yaml": site, **(files or {})})
        return project

    return make


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    """A copy of the repository's own site (site.yaml, content/, seeds/, templates/)."""
    project = tmp_path / "bundled"
    project.mkdir()
    for name in ("content", "seeds", "templates"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "site.yaml", project / "site.yaml")
    return project
