"""The whole pipeline on the bundled site: links, determinism, base URLs, safe output."""

from __future__ import annotations

import filecmp
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from generator.build import BuildOptions, build_project
from generator.problems import DossierError
from generator.write import exclusive
from tests.linkcheck import broken_links


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_bundled_site_builds_with_every_page_kind(bundled: Path) -> None:
    result = build_project(bundled)
    out = bundled / "_site"
    assert result.output == out
    for url in (
        "index.html",
        "404.html",
        "meetings/index.html",
        "meetings/moscow-lavrov-2023-11-21/index.html",
        "people/sergey-lavrov/index.html",
        "countries/russia/index.html",
        "organizations/oic/index.html",
        "sources/002_0c70cf7e982ea60c/index.html",
        "static/style.css",
        ".nojekyll",
    ):
        assert (out / url).is_file(), url
    assert result.pages == len(list(out.rglob("*.html")))


def test_no_broken_internal_links_at_root(bundled: Path) -> None:
    build_project(bundled, BuildOptions(base_url="https://example.org/"))
    assert broken_links(bundled / "_site", "/") == []


def test_no_broken_internal_links_under_project_path(bundled: Path) -> None:
    build_project(bundled, BuildOptions(base_url="https://user.github.io/repo/"))
    site = bundled / "_site"
    assert broken_links(site, "/repo/") == []
    # The 404 page is served at any depth, so its links are rooted at the base path.
    assert 'href="/repo/static/style.css"' in (site / "404.html").read_text()
    assert (
        'href="https://user.github.io/repo/people/sergey-lavrov/"'
        in (site / "people/sergey-lavrov/index.html").read_text()
    )


def test_two_builds_are_byte_identical(bundled: Path, tmp_path: Path) -> None:
    build_project(bundled, BuildOptions(output=tmp_path / "a"))
    build_project(bundled, BuildOptions(output=tmp_path / "b"))
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    cmp = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    assert not cmp.diff_files


def test_output_files_and_folders_have_safe_modes(bundled: Path) -> None:
    build_project(bundled)
    for path in (bundled / "_site").rglob("*"):
        assert not path.is_symlink()
        mode = path.stat().st_mode & 0o777
        assert mode == (0o755 if path.is_dir() else 0o644), path


def test_failed_build_leaves_previous_site_byte_identical(bundled: Path) -> None:
    build_project(bundled)
    before = tree(bundled / "_site")
    sheet = bundled / "content/people/wang-yi.yaml"
    sheet.write_text(sheet.read_text().replace("country: china", "country: chna"))
    with pytest.raises(DossierError):
        build_project(bundled)
    assert tree(bundled / "_site") == before
    assert not [p for p in bundled.iterdir() if p.name.startswith("._site")]


def test_error_while_writing_keeps_previous_site(
    bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_project(bundled)
    before = tree(bundled / "_site")
    import generator.build as build_module

    real = build_module.Renderer.render
    calls = {"n": 0}

    def failing(self, page):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        return real(self, page)

    monkeypatch.setattr(build_module.Renderer, "render", failing)
    # A real change, so that the rebuild renders (an unchanged site has nothing to do).
    base = bundled / "templates/base.html"
    base.write_text(base.read_text().replace("Skip to content", "Skip to the content"))
    with pytest.raises(OSError):
        build_project(bundled)
    assert tree(bundled / "_site") == before
    assert not [p for p in bundled.iterdir() if p.name.startswith("._site")]


def test_refuses_to_write_into_the_project_or_its_parent(bundled: Path) -> None:
    for target in (bundled, bundled.parent):
        with pytest.raises(DossierError) as info:
            build_project(bundled, BuildOptions(output=target))
        assert "output folder is the project or contains it; refused" in str(info.value)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("seeds", "output folder is the project's seeds/; refused"),
        ("content", "output folder is the project's content/; refused"),
        ("content/people", "output folder is inside the project's content/; refused"),
        ("templates", "output folder is the project's templates/; refused"),
        (".cache", "output folder is the project's .cache/; refused"),
        (".git", "output folder is the project's .git/; refused"),
    ],
)
def test_never_replaces_what_the_project_is_made_of_even_forced(
    bundled: Path, target: str, message: str
) -> None:
    (bundled / ".git").mkdir()
    (bundled / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = tree(bundled)
    with pytest.raises(DossierError) as info:
        build_project(bundled, BuildOptions(output=bundled / target, force=True))
    assert str(info.value) == f"{bundled / target}: {message}"
    assert tree(bundled) == before


def test_never_replaces_a_git_working_tree_even_forced(bundled: Path, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / ".git").write_text("gitdir: /elsewhere/.git/worktrees/pages\n")  # a worktree
    with pytest.raises(DossierError) as info:
        build_project(bundled, BuildOptions(output=pages, force=True))
    assert str(info.value) == (
        f"{pages}: output folder is a git working tree (it holds .git); refused"
    )
    assert (pages / ".git").is_file()


def test_refuses_a_folder_it_did_not_write_unless_forced(bundled: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious")
    with pytest.raises(DossierError) as info:
        build_project(bundled, BuildOptions(output=foreign))
    assert "holds files dossier did not write" in str(info.value)
    assert (foreign / "thesis.txt").read_text() == "precious"
    build_project(bundled, BuildOptions(output=foreign, force=True))
    assert (foreign / ".dossier-site").is_file()
    assert not (foreign / "thesis.txt").exists()


def test_leftover_staging_folder_is_cleared(bundled: Path) -> None:
    stale = bundled / "._site.dossier-staging"
    stale.mkdir()
    (stale / "half.html").write_text("half")
    build_project(bundled)
    assert not stale.exists()
    assert (bundled / "_site/index.html").is_file()


def test_output_path_from_site_yaml(bundled: Path) -> None:
    config = bundled / "site.yaml"
    config.write_text(config.read_text().replace("output: _site", "output: public"))
    build_project(bundled)
    assert (bundled / "public/index.html").is_file()
    assert not (bundled / "_site").exists()


def test_every_page_is_well_formed_html5(bundled: Path) -> None:
    import re

    import html5lib

    build_project(bundled)
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    for page in sorted((bundled / "_site").rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert text.startswith("<!doctype html>\n"), page
        parser.parse(text)  # raises on any HTML5 parse error
        ids = re.findall(r'\sid="([^"]+)"', text)
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        assert not duplicates, f"{page}: duplicate ids {duplicates}"
        assert len(re.findall(r"<h1[ >]", text)) == 1, page
        levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", text)]
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (page, levels)


def test_rendering_a_page_leaves_nothing_for_the_cycle_collector(bundled: Path) -> None:
    # A build keeps the collector off: a page that left a reference cycle behind would
    # keep its whole context (every passage an entity page lists) until the build ended,
    # on every worker (at 10,000 articles, 300 MB more at the peak).
    import gc

    from generator.build import _render_indexed, check_project
    from generator.render import Renderer

    checked = check_project(bundled)
    renderer = Renderer(checked.site, search=False)
    pages = list(checked.pages)
    job = (renderer, pages, checked.related, [], False, None, None)
    for i in range(len(pages)):  # templates compiled, caches filled
        _render_indexed(job, i)
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for i in range(len(pages)):
            _render_indexed(job, i)
        gc.collect()
        ours = [o for o in gc.garbage if type(o).__module__.startswith("generator")]
        assert ours == []
        # Python-Markdown leaves one small closure (five objects) per conversion.
        assert len(gc.garbage) <= 5 * len(pages)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if enabled:
            gc.enable()


def test_a_build_puts_the_cycle_collector_back_as_it_was(bundled: Path) -> None:
    # A build keeps the collector from running; a program that builds gets its own
    # setting back, whether the build succeeds or fails, and enabled or not.
    import gc

    assert gc.isenabled()
    build_project(bundled, BuildOptions(search=False))
    assert gc.isenabled()
    (bundled / "content/people/broken.yaml").write_text("name: [unclosed\n")
    with pytest.raises(DossierError):
        build_project(bundled, BuildOptions(search=False))
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(DossierError):
            build_project(bundled, BuildOptions(search=False))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_build_waits_while_another_build_of_the_project_runs(bundled: Path) -> None:
    waiting = threading.Event()
    built: list[int] = []
    with exclusive(bundled):  # as another build would hold it
        worker = threading.Thread(
            target=lambda: built.append(
                build_project(bundled, BuildOptions(search=False, waiting=waiting.set)).pages
            )
        )
        worker.start()
        assert waiting.wait(60), "the build did not say it was waiting"
        worker.join(0.5)
        assert worker.is_alive() and not (bundled / "_site").exists()
    worker.join(120)
    assert built == [77]
    assert broken_links(bundled / "_site", "/dossier/") == []


def test_builds_started_together_each_finish_and_leave_a_whole_site(
    bundled: Path, tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "generator", "-C", str(bundled), "build", "--no-cache"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]  # fmt: skip
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
        assert "Traceback" not in err
        assert out.startswith("Built 77 pages")
    build_project(bundled, BuildOptions(output=tmp_path / "alone", cache=False))
    assert tree(bundled / "_site") == tree(tmp_path / "alone")
    # No staging folder (._site.dossier-...) left, and no lock file: it is there only while
    # a build runs.
    assert not [p.name for p in bundled.iterdir() if p.name.startswith(".")]
