"""Fixtures that mirror the pipeline: a project tree, then its build."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

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
