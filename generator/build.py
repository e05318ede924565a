"""The pipeline in one place: load -> model -> checks -> plan -> render -> write.

Each stage is a function of the previous one's output. Problems from all stages
are gathered and the run fails once, so an editor sees every mistake at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator.checks import Coverage, check_site
from generator.load import load_site
from generator.model import Site, build_model
from generator.plan import Page, plan_pages
from generator.problems import DossierError, Problem
from generator.render import Renderer, theme_dir
from generator.write import write_site


@dataclass(frozen=True)
class BuildOptions:
    output: Path | None = None
    base_url: str | None = None
    strict: bool = False
    force: bool = False


@dataclass(frozen=True)
class Checked:
    """A site that passed the checks, with what the checks found."""

    site: Site
    pages: list[Page]
    warnings: list[Problem]
    coverage: Coverage


@dataclass(frozen=True)
class BuildResult:
    output: Path
    files: int
    pages: int
    seconds: float
    warnings: list[Problem] = field(default_factory=list)
    coverage: Coverage | None = None


def check_project(root: Path, *, strict: bool = False, base_url: str | None = None) -> Checked:
    """Run every stage but rendering and writing; raise DossierError if anything is wrong."""
    inputs = load_site(root)
    site, problems = build_model(inputs)
    pages: list[Page] = []
    cov = None
    if site is not None:
        if base_url:
            site = _with_base_url(site, base_url, problems)
        found, cov = check_site(site)
        problems.extend(found)
        pages, collisions = plan_pages(site)
        problems.extend(collisions)
    errors = [p for p in problems if p.is_error or strict]
    if errors or site is None or cov is None:
        raise DossierError(sorted(errors, key=_order))
    return Checked(site, pages, sorted(problems, key=_order), cov)


def _order(p: Problem) -> tuple[str, int, int, str]:
    return (p.path, p.line, p.col, p.message)


def _with_base_url(site: Site, base_url: str, problems: list[Problem]) -> Site:
    from dataclasses import replace

    from pydantic import ValidationError

    try:
        config = site.config.model_validate({**site.config.model_dump(), "base_url": base_url})
    except ValidationError:
        problems.append(Problem("--base-url", message=f"{base_url!r} must be an http:// or https:// URL"))
        return site
    return replace(site, config=config)


def static_files(root: Path) -> dict[str, bytes]:
    """Assets from the bundled theme, overridden file by file by the project's templates/static."""
    files: dict[str, bytes] = {}
    for base in (theme_dir() / "static", root / "templates" / "static"):
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    files["static/" + path.relative_to(base).as_posix()] = path.read_bytes()
    return files


def render_files(checked: Checked) -> Iterator[tuple[str, bytes]]:
    site = checked.site
    renderer = Renderer(site)
    for page in checked.pages:
        yield page.output, renderer.render(page)
    yield from sorted(static_files(site.root).items())
    # GitHub Pages would otherwise run Jekyll, which hides files starting with '_'.
    yield ".nojekyll", b""
    if site.config.domain:
        yield "CNAME", (site.config.domain.strip() + "\n").encode("ascii", "replace")


def build_project(root: Path, options: BuildOptions | None = None) -> BuildResult:
    """Build the site of the project at ``root``; raise DossierError on any problem."""
    options = options or BuildOptions()
    started = time.perf_counter()
    checked = check_project(root, strict=options.strict, base_url=options.base_url)
    output = options.output or (root / checked.site.config.output)
    count = write_site(output, render_files(checked), root, force=options.force)
    return BuildResult(
        output=output,
        files=count,
        pages=len(checked.pages),
        seconds=time.perf_counter() - started,
        warnings=checked.warnings,
        coverage=checked.coverage,
    )
