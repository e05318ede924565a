"""Incremental builds: after any series of changes, the site equals a clean build, byte for byte."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from generator.build import BuildOptions, build_project
from generator.load import Changed
from generator.problems import DossierError
from tests.conftest import corpus_project

NEW_ARTICLE = """ date 2023-11-22 Jordanian Foreign Minister Ayman Safadi said in Amman \
that the committee would travel on to London.

“We will carry the same message to every capital,” Safadi said.
"""


def entries(project: Path, namespace: str) -> list[Path]:
    """The files of one namespace of the project's cache, by path."""
    return sorted(p for p in (project / ".cache" / namespace).rglob("*") if p.is_file())


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def clean_build(project: Path, tmp: Path) -> dict[str, bytes]:
    """The same inputs built from scratch, without any cache, elsewhere."""
    fresh = tmp / "fresh"
    if fresh.exists():
        shutil.rmtree(fresh)
    fresh.mkdir()
    for name in ("content", "seeds", "templates", "site.yaml"):
        src = project / name
        if src.is_dir():
            shutil.copytree(src, fresh / name)
        elif src.exists():
            shutil.copy(src, fresh / name)
    build_project(fresh, BuildOptions(search=False, cache=False))
    return tree(fresh / "_site")


SESSION: dict[str, object] = {}


def step(
    project: Path, tmp: Path, rendered_pages: list[str] | None = None, *, compare: bool = True
) -> tuple[int, int]:
    """Build incrementally, compare with a clean build (unless not ``compare``); return
    (pages re-rendered, reused).

    With a session in ``SESSION`` (see the ``mode`` fixture), builds the way ``serve`` does:
    one in-memory cache for every build, the site updated in place.
    """
    from generator.build import Carried

    carried = Carried()
    options = BuildOptions(search=False, carried=carried, session=SESSION.get("cache"))  # type: ignore[arg-type]
    if "seen" in SESSION:
        # As serve's watcher would report them: the input files changed since the last build.
        now = input_stats(project)
        seen: dict[str, tuple[int, ...]] = SESSION["seen"]  # type: ignore[assignment]
        changed = {
            (p, p not in now or p not in seen)  # added or deleted, or just modified
            for p in now.keys() | seen.keys()
            if now.get(p) != seen.get(p)
        }
        options = replace(
            options, changed=Changed.under(project, changed), own_output="own" in SESSION
        )
        SESSION["seen"] = now
    result = build_project(project, options)
    if compare:
        assert tree(project / "_site") == clean_build(project, tmp)
    assert result.pages > 0
    if rendered_pages is not None:
        rendered_pages[:] = carried.rendered_pages
    return carried.rendered, carried.reused


def input_stats(project: Path) -> dict[str, tuple[int, ...]]:
    """Every file and folder under the watched inputs, with what a watcher would see change."""
    found = {}
    for name in ("seeds", "content", "templates", "site.yaml"):
        for path in [project / name, *(project / name).rglob("*")]:
            st = path.stat()
            found[str(path.resolve())] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return found


@pytest.fixture(params=["build", "session", "watched", "serve"])
def mode(request: pytest.FixtureRequest, bundled: Path) -> Iterator[str]:
    """Each build on its own (``dossier build``), or all in one session: looking at every
    input, at what the file watcher reported only ("watched"), or that and an output
    folder only the session writes to ("serve", as ``dossier serve`` builds)."""
    from generator.cache import FOLDER, Cache

    if request.param != "build":
        SESSION["cache"] = Cache(bundled / FOLDER, session=True)
    if request.param in ("watched", "serve"):
        SESSION["seen"] = input_stats(bundled)
    if request.param == "serve":
        SESSION["own"] = True
    yield request.param
    SESSION.clear()


def test_incremental_builds_equal_clean_builds(bundled: Path, tmp_path: Path, mode: str) -> None:
    first, _ = step(bundled, tmp_path)
    # Nothing changed: no entity or source page is rendered again.
    rendered, reused = step(bundled, tmp_path)
    assert rendered == 0 and reused == first

    # Add an article: its page and the pages of what it names are rendered, not the rest.
    (bundled / "seeds/005_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    pages: list[str] = []
    rendered, reused = step(bundled, tmp_path, pages)
    assert sorted(pages) == [
        "countries/jordan/index.html",  # "Jordanian" names the country
        "index.html",  # the home page counts the sources
        "people/ayman-safadi/index.html",
        "sources/005_new/index.html",
        "sources/index.html",
    ]

    # Edit an article without touching any cited passage.
    seed = bundled / "seeds/001_662a9fa97c2a1bbd.txt"
    seed.write_text(seed.read_text().replace("alleviate the suffering", "ease the suffering"))
    rendered, _ = step(bundled, tmp_path)
    assert rendered < first // 2

    # Edit a fact sheet: a person's name shows on many pages, all of which change.
    sheet = bundled / "content/people/ayman-safadi.yaml"
    sheet.write_text(sheet.read_text().replace("name: Ayman Safadi", "name: Ayman al-Safadi"))
    step(bundled, tmp_path)

    # Move a meeting's date: every page that lists the meeting shows the new date.
    meeting = bundled / "content/meetings/moscow-lavrov-2023-11-21.yaml"
    meeting.write_text(meeting.read_text().replace("value: 2023-11-21", "value: 2023-11-22", 1))
    step(bundled, tmp_path)

    # Change the site's title in site.yaml.
    config = bundled / "site.yaml"
    config.write_text(config.read_text().replace("title: ", "title: Draft of ", 1))
    step(bundled, tmp_path)

    # Edit a template and the stylesheet.
    base = bundled / "templates/base.html"
    base.write_text(base.read_text().replace("Skip to content", "Skip to the content"))
    css = bundled / "templates/static/style.css"
    css.write_text(css.read_text() + "\n/* local change */\n")
    step(bundled, tmp_path)

    # Delete the new article and a fact sheet: their pages are gone.
    (bundled / "seeds/005_new.txt").unlink()
    (bundled / "content/organizations/tass.yaml").unlink()
    step(bundled, tmp_path)
    assert not (bundled / "_site/sources/005_new").exists()
    assert not (bundled / "_site/organizations/tass").exists()

    # A hand-edited output file is never carried over as if it were ours (serve's output
    # is a temporary folder nobody else writes to: it does not look).
    if mode == "serve":
        return
    page = bundled / "_site/people/wang-yi/index.html"
    page.write_text("tampered")
    os.utime(page, ns=(1, 1))
    step(bundled, tmp_path)
    assert "tampered" not in page.read_text()


TASS_REPORT = """MOSCOW, November 22. /TASS/. Russian Foreign Minister Sergey Lavrov said \
the committee's visit was useful.

A useful visit by the ministers to Moscow today. — Shen Shiwei 沈诗伟 (@shen_shiwei) \
November 22, 2023
"""


def test_outlets_and_post_authors_pages_follow_the_sources_that_credit_them(
    bundled: Path, tmp_path: Path, mode: str
) -> None:
    tass = bundled / "_site/organizations/tass/index.html"
    shen = bundled / "_site/people/shen-shiwei/index.html"
    step(bundled, tmp_path)
    # A new article whose dateline names TASS and which embeds a post Shen Shiwei
    # signed: both pages list it, though its text names neither.
    seed = bundled / "seeds/005_tass.txt"
    seed.write_text(TASS_REPORT, encoding="utf-8")
    pages: list[str] = []
    step(bundled, tmp_path, pages)
    assert {"organizations/tass/index.html", "people/shen-shiwei/index.html"} <= set(pages)
    assert 'href="../../sources/005_tass/"' in tass.read_text()
    assert 'href="../../sources/005_tass/#post1"' in shen.read_text()
    # The editors give another source TASS as its outlet, then another organisation.
    listing = bundled / "content/sources.yaml"
    original = listing.read_text()
    listing.write_text(original + "002_0c70cf7e982ea60c:\n  outlet: TASS\n")
    step(bundled, tmp_path)
    assert 'href="../../sources/002_0c70cf7e982ea60c/"' in tass.read_text()
    listing.write_text(original + "002_0c70cf7e982ea60c:\n  outlet: RIA\n")
    step(bundled, tmp_path)
    assert 'href="../../sources/002_0c70cf7e982ea60c/"' not in tass.read_text()
    ria = (bundled / "_site/organizations/ria/index.html").read_text()
    assert 'href="../../sources/002_0c70cf7e982ea60c/"' in ria.split("published-title", 1)[1]
    # The article edited to name no outlet, and its post signed by someone else.
    seed.write_text(
        TASS_REPORT.replace("MOSCOW, November 22. /TASS/. ", "").replace(
            "Shen Shiwei 沈诗伟 (@shen_shiwei)", "A Reader (@reader)"
        ),
        encoding="utf-8",
    )
    step(bundled, tmp_path)
    assert 'href="../../sources/005_tass/' not in tass.read_text()
    assert 'href="../../sources/005_tass/' not in shen.read_text()
    seed.write_text(TASS_REPORT, encoding="utf-8")
    step(bundled, tmp_path)
    seed.unlink()
    step(bundled, tmp_path)
    assert 'href="../../sources/005_tass/' not in shen.read_text()


def test_rebuilds_follow_what_lists_show_of_meetings_and_sources(
    bundled: Path, tmp_path: Path, mode: str
) -> None:
    step(bundled, tmp_path)
    # A meeting only announced: every list that shows it says so (the home page, the
    # timeline, the pages of its people and countries).
    meeting = bundled / "content/meetings/moscow-lavrov-2023-11-21.yaml"
    meeting.write_text(
        meeting.read_text().replace("kind: talks\n", "kind: talks\nstatus: announced\n")
    )
    step(bundled, tmp_path)
    assert "talks (announced)" in (bundled / "_site/index.html").read_text()
    # A participant's role, which only the meeting's page and the timeline show.
    wang = bundled / "content/meetings/beijing-wang-yi-2023-11-20.yaml"
    text = wang.read_text()
    assert "    role: Foreign Minister\n" in text
    wang.write_text(
        text.replace("    role: Foreign Minister\n", "    role: Foreign Minister and envoy\n", 1)
    )
    step(bundled, tmp_path)
    assert "Foreign Minister and envoy" in (bundled / "_site/timeline/index.html").read_text()
    # A curated title: the pages that list the source's mentions show the new one.
    listing = bundled / "content/sources.yaml"
    listing.write_text(listing.read_text() + "001_662a9fa97c2a1bbd:\n  title: A curated title\n")
    step(bundled, tmp_path)
    assert (
        ">A curated title</a></h3>" in (bundled / "_site/countries/jordan/index.html").read_text()
    )


def test_rebuilds_follow_the_language_of_the_site_and_of_each_source(
    bundled: Path, tmp_path: Path, mode: str
) -> None:
    step(bundled, tmp_path)
    jordan = bundled / "_site/countries/jordan/index.html"
    # A source in another language: its page, and its passages on the pages naming it.
    listing = bundled / "content/sources.yaml"
    original = listing.read_text()
    listing.write_text(original + "001_662a9fa97c2a1bbd:\n  language: fr\n")
    step(bundled, tmp_path)
    assert '<li lang="fr"><a class="passage" href="../../sources/001_662a9fa97c2a1bbd/' in (
        jordan.read_text()
    )
    # The site's language: the sources without one of their own follow it.
    config = bundled / "site.yaml"
    config.write_text(config.read_text().replace("language: en", "language: zh"))
    step(bundled, tmp_path)
    source = (bundled / "_site/sources/000_b28059a2c29d0bad/index.html").read_text()
    assert '<div class="text" lang="zh">' in source
    assert '<span lang="zh">' not in source
    listing.write_text(original)
    step(bundled, tmp_path)
    assert "<li lang=" not in jordan.read_text()


def test_a_refused_seed_stays_refused_until_it_is_fixed(
    bundled: Path, tmp_path: Path, mode: str
) -> None:
    # Files written in the last 100 ms are always read again: let the copy age.
    time.sleep(0.2)
    step(bundled, tmp_path)
    seed = bundled / "seeds/001_662a9fa97c2a1bbd.txt"
    text = seed.read_text()
    seed.write_text("   \n")
    for _ in range(2):  # the second build is told only of another file's change
        with pytest.raises(DossierError) as refused:
            step(bundled, tmp_path, compare=False)
        assert str(refused.value.problems[-1]) == (
            "seeds/001_662a9fa97c2a1bbd.txt: no article text; refused"
        )
        (bundled / "templates/static/extra.css").write_text("/* another change */\n")
    seed.write_text(text)
    step(bundled, tmp_path)
    # Likewise a fact sheet replaced by a link out of the project.
    sheet = bundled / "content/people/hua-chunying.yaml"
    outside = tmp_path / "outside.yaml"
    outside.write_text(sheet.read_text())
    sheet.unlink()
    sheet.symlink_to(outside)
    for _ in range(2):
        with pytest.raises(DossierError) as refused:
            step(bundled, tmp_path, compare=False)
        assert "content/people/hua-chunying.yaml: " in str(refused.value.problems[0])
        (bundled / "templates/static/extra.css").write_text("/* yet another change */\n")


def test_unchanged_pages_keep_their_files(bundled: Path) -> None:
    build_project(bundled, BuildOptions(search=False))
    page = bundled / "_site/people/wang-yi/index.html"
    before = page.stat()
    seed = bundled / "seeds/001_662a9fa97c2a1bbd.txt"
    seed.write_text(seed.read_text().replace("alleviate the suffering", "ease the suffering"))
    build_project(bundled, BuildOptions(search=False))
    after = page.stat()
    # Not rewritten: the same file (inode) was carried into the new site.
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.parametrize(
    "damage",
    [
        b"not a pickle",
        # A flipped length byte: a frame, or a byte string, longer than memory can hold.
        b"\x80\x05\x95" + (2**63).to_bytes(8, "little") + b"\x8c\x01x.",
        b"\x80\x05\x8e" + (2**62).to_bytes(8, "little") + b"ab",
    ],
)
def test_cache_folder_is_used_and_corrupt_entries_are_ignored(bundled: Path, damage: bytes) -> None:
    build_project(bundled, BuildOptions(search=False))
    cache = bundled / ".cache"
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert files
    for entry in files:
        entry.write_bytes(damage)
    before = tree(bundled / "_site")
    shutil.rmtree(bundled / "_site")
    build_project(bundled, BuildOptions(search=False))
    assert tree(bundled / "_site") == before


def test_a_build_after_one_edit_reuses_what_it_encoded_of_the_other_articles(
    bundled: Path, tmp_path: Path
) -> None:
    def pieces() -> set[str]:
        return {p.name for p in entries(bundled, "pieces")}

    build_project(bundled, BuildOptions(search=False))
    first = pieces()
    assert len(first) == len(list((bundled / "seeds").glob("*.txt")))
    assert len(entries(bundled, "quotes")) == 1
    seed = bundled / "seeds/001_662a9fa97c2a1bbd.txt"
    seed.write_text(seed.read_text().replace("alleviate the suffering", "ease the suffering"))
    build_project(bundled, BuildOptions(search=False))
    # One article's entry of /data/site.json made again; the old one pruned.
    assert len(pieces() - first) == 1 and len(pieces()) == len(first)
    assert tree(bundled / "_site") == clean_build(bundled, tmp_path)
    # Curated metadata is part of an article's entry too.
    meta = bundled / "content/sources.yaml"
    meta.write_text(meta.read_text().replace("published: 2023-11-21", "published: 2023-11-20", 1))
    build_project(bundled, BuildOptions(search=False))
    assert b'"published":"2023-11-20"' in (bundled / "_site/data/site.json").read_bytes()
    assert tree(bundled / "_site") == clean_build(bundled, tmp_path)


def built_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A 220-article corpus built once with a cache, on two workers (over 200 pages)."""
    monkeypatch.setenv("DOSSIER_JOBS", "2")
    project = corpus_project(tmp_path / "corpus", 220)
    build_project(project, BuildOptions(search=False))
    return project


def test_encoded_entries_of_site_json_are_kept_across_rebuilds_and_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.cache import FOLDER, Cache

    project = built_corpus(tmp_path, monkeypatch)

    def pieces() -> dict[str, tuple[int, int]]:
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in entries(project, "pieces")}

    first = pieces()
    assert len(first) == 220
    # A new title re-renders every page on the workers; the articles' entries are read
    # from the cache, not encoded and written again.
    config = project / "site.yaml"
    config.write_text(config.read_text().replace("title: ", "title: Draft of ", 1))
    build_project(project, BuildOptions(search=False))
    assert pieces() == first
    assert tree(project / "_site") == clean_build(project, tmp_path)
    # A serve session keeps them in memory and leaves those on disk alone.
    session = Cache(project / FOLDER, session=True)
    build_project(project, BuildOptions(search=False, session=session, output=tmp_path / "s"))
    assert pieces() == first


def test_site_json_of_a_first_build_is_written_from_what_the_workers_staged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first build of over 200 pages: the workers encode the sources of /data/site.json
    # and stage them in the cache; the writer reads each back as it writes the file (the
    # build never holds them all), or, if one cannot be read back, encodes it again.
    from generator.cache import Cache

    monkeypatch.setenv("DOSSIER_JOBS", "2")
    project = corpus_project(tmp_path / "corpus", 220)
    read_back = Cache.staged_value
    asked: list[str] = []

    def staged_value(self: Cache, namespace: str, key: str) -> object:
        asked.append(namespace)
        return read_back(self, namespace, key)

    monkeypatch.setattr(Cache, "staged_value", staged_value)
    build_project(project, BuildOptions(search=False))
    assert asked == ["pieces"] * 220
    expected = clean_build(project, tmp_path)
    assert tree(project / "_site") == expected
    # Staged entries that cannot be read back are encoded again: the same bytes.
    shutil.rmtree(project / ".cache")
    shutil.rmtree(project / "_site")
    monkeypatch.setattr(Cache, "staged_value", lambda self, namespace, key: None)
    build_project(project, BuildOptions(search=False))
    assert tree(project / "_site") == expected


def test_seeds_read_on_workers_use_the_cache_and_report_unreadable_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Over 200 seeds: the workers read, hash and parse them, or send back cache entries.
    project = built_corpus(tmp_path, monkeypatch)
    site = tree(project / "_site")
    articles = entries(project, "articles")
    assert len(articles) == 220
    # Entries that no longer unpickle are parsed again, and the site is the same.
    for entry in articles[:110]:
        entry.write_bytes(b"not a pickle")
    shutil.rmtree(project / "_site")
    build_project(project, BuildOptions(search=False))
    assert tree(project / "_site") == site
    seed = sorted((project / "seeds").glob("*.txt"))[150]
    seed.write_bytes(b"Title\n\nA caf\xe9 in Riyadh.\n")
    with pytest.raises(DossierError) as failed:
        build_project(project, BuildOptions(search=False))
    found = [str(p) for p in failed.value.problems]
    assert f"seeds/{seed.name}:3:6: not valid UTF-8 (byte 0xe9); save the file as UTF-8" in found
    # The rest: the sheets that cite the article it should have been.
    assert all(f"unknown source id '{seed.stem}'" in p for p in found if "UTF-8" not in p)
    assert tree(project / "_site") == site


def test_a_write_that_fails_stops_the_workers_before_the_cache_is_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.write

    # A first build of 220 articles renders on two workers, which also encode and stage
    # /data/site.json's entries; the writer fails at its 5th file.
    monkeypatch.setenv("DOSSIER_JOBS", "2")
    project = corpus_project(tmp_path / "corpus", 220)
    place, count = generator.write._place, [0]

    def failing(*args: object) -> None:
        count[0] += 1
        if count[0] == 5:
            raise OSError(28, "No space left on device")
        place(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(generator.write, "_place", failing)
    with pytest.raises(OSError, match="No space left") as failed:
        build_project(project, BuildOptions(search=False))
    # While the error is still held (as the command line does to report it), long
    # enough for a worker left running to finish and stage more:
    time.sleep(1.5)
    # Nothing staged or cached is left (compiled templates may be).
    assert sorted(p.name for p in (project / ".cache").iterdir()) == ["jinja"]
    assert not (project / "_site").exists()
    assert failed.value.errno == 28


def test_a_failed_build_adds_nothing_to_the_cache(bundled: Path) -> None:
    sheet = bundled / "content/people/ayman-safadi.yaml"
    good = sheet.read_text(encoding="utf-8")
    sheet.write_text(good + "bad: [\n", encoding="utf-8")
    # The articles were parsed and their entries staged before the sheet was found broken.
    with pytest.raises(DossierError, match="ayman-safadi.yaml:"):
        build_project(bundled, BuildOptions(search=False))
    assert not (bundled / ".cache").exists()
    sheet.write_text(good, encoding="utf-8")
    build_project(bundled, BuildOptions(search=False))
    cache = tree(bundled / ".cache")
    assert any(name.startswith("articles/") for name in cache)
    # A new article parses; a broken sheet fails the build; the cache is as it was.
    (bundled / "seeds/009_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    sheet.write_text(good + "bad: [\n", encoding="utf-8")
    with pytest.raises(DossierError, match="ayman-safadi.yaml:"):
        build_project(bundled, BuildOptions(search=False))
    assert tree(bundled / ".cache") == cache


def test_what_a_killed_build_staged_is_removed_by_the_next_build(bundled: Path) -> None:
    build_project(bundled, BuildOptions(search=False))
    old, running = bundled / ".cache/.staging-999999999-0a", bundled / ".cache/.staging-7-0b"
    for folder in (old, running):
        (folder / "articles/ab").mkdir(parents=True)
        (folder / "articles/ab" / ("ab" + "0" * 62)).write_bytes(b"half a pickle")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (two_days_ago, two_days_ago))
    build_project(bundled, BuildOptions(search=False))  # nothing changed: up to date
    assert not old.exists()
    assert running.is_dir()  # another build's, running now: kept


def test_a_session_writes_what_a_failed_build_staged_at_its_next_build(bundled: Path) -> None:
    from generator.cache import FOLDER, Cache

    session = Cache(bundled / FOLDER, session=True)
    build_project(bundled, BuildOptions(search=False, session=session))
    articles = bundled / FOLDER / "articles"
    before = {p.name for p in articles.rglob("*") if p.is_file()}
    sheet = bundled / "content/people/ayman-safadi.yaml"
    good = sheet.read_text(encoding="utf-8")
    (bundled / "seeds/009_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    sheet.write_text(good + "bad: [\n", encoding="utf-8")
    with pytest.raises(DossierError):
        build_project(bundled, BuildOptions(search=False, session=session))
    assert {p.name for p in articles.rglob("*") if p.is_file()} == before
    sheet.write_text(good, encoding="utf-8")
    build_project(bundled, BuildOptions(search=False, session=session))
    # The new article was parsed by the failed build, and is in the cache now.
    assert len({p.name for p in articles.rglob("*") if p.is_file()} - before) == 1


def test_a_cache_that_cannot_be_written_costs_only_speed(bundled: Path) -> None:
    (bundled / ".cache").mkdir()
    (bundled / ".cache/mentions").write_text("a file where a folder goes")
    build_project(bundled, BuildOptions(search=False))
    assert (bundled / "_site/index.html").is_file()
    assert any((bundled / ".cache/articles").rglob("*"))


def test_an_unchanged_site_is_up_to_date_at_once(bundled: Path) -> None:
    from generator.build import Carried

    build_project(bundled, BuildOptions(search=False))
    before = tree(bundled / "_site")
    carried = Carried()
    result = build_project(bundled, BuildOptions(search=False, carried=carried))
    assert carried.rendered == 0 and carried.reused > 50
    assert result.pages > 0 and tree(bundled / "_site") == before
    # Any change to the output folder by hand takes the normal path, which repairs it.
    (bundled / "_site/people/wang-yi/index.html").write_text("tampered")
    (bundled / "_site/stray.html").write_text("stray")
    build_project(bundled, BuildOptions(search=False))
    assert tree(bundled / "_site") == before
    # So does any change to an input, even one that changes no page (a final newline):
    # the pipeline runs (pages are fingerprinted), finds nothing to render, and the site
    # stays byte for byte the same.
    seed = bundled / "seeds/001_662a9fa97c2a1bbd.txt"
    seed.write_text(seed.read_text() + "\n")
    carried = Carried()
    build_project(bundled, BuildOptions(search=False, carried=carried))
    assert carried.fingerprints and carried.rendered == 0
    assert tree(bundled / "_site") == before


def test_the_stats_recorded_for_the_up_to_date_check_are_those_of_the_site(
    bundled: Path,
) -> None:
    from generator.cache import FOLDER, Cache
    from generator.uptodate import output_stats, state_key

    (bundled / "_site").mkdir()
    (bundled / "_site/stray.html").write_text("not dossier's")  # replaced, not kept
    build_project(bundled, BuildOptions(search=False, force=True))
    state = Cache(bundled / FOLDER).get("state", state_key(bundled / "_site"))
    # Taken as the files were written, and equal to a walk of the finished site.
    assert state["stats"] == output_stats(bundled / "_site")
    assert "stray.html" not in state["stats"] and ".dossier-site" in state["stats"]
    again = build_project(bundled, BuildOptions(search=False))
    assert set(again.timings) == {"check"}  # up to date: nothing else ran


@pytest.mark.parametrize(
    ("name", "text", "shows"),
    [
        ("templates/static/extra.css", "p { color: teal; }\n", "static/extra.css"),
        ("templates/static/deep/er.js", "// new\n", "static/deep/er.js"),
        ("content/countries/nauru.yaml", "name: Nauru\n", "countries/nauru/index.html"),
    ],
)
def test_a_new_input_anywhere_makes_a_site_out_of_date(
    bundled: Path, name: str, text: str, shows: str
) -> None:
    build_project(bundled, BuildOptions(search=False))
    build_project(bundled, BuildOptions(search=False))  # up to date
    (bundled / name).parent.mkdir(parents=True, exist_ok=True)
    (bundled / name).write_text(text, encoding="utf-8")
    build_project(bundled, BuildOptions(search=False))
    assert (bundled / "_site" / shows).is_file()


def test_an_edit_in_a_linked_input_folder_makes_a_site_out_of_date(
    bundled: Path, tmp_path: Path
) -> None:
    # A folder of the project linked in as another (links out of it are refused).
    elsewhere = bundled / "shared-people"
    shutil.move(bundled / "content/people", elsewhere)
    (bundled / "content/people").symlink_to(elsewhere, target_is_directory=True)
    build_project(bundled, BuildOptions(search=False))
    sheet = elsewhere / "ayman-safadi.yaml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("Ayman", "Aiman", 1))
    build_project(bundled, BuildOptions(search=False))
    assert "Aiman" in (bundled / "_site/people/ayman-safadi/index.html").read_text()


@pytest.mark.parametrize("which", ["first", "last"])
def test_a_session_that_fails_while_writing_keeps_the_previous_site(
    bundled: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    from generator import write as write_module
    from generator.cache import FOLDER, Cache

    session = Cache(bundled / FOLDER, session=True)
    build_project(bundled, BuildOptions(search=False, session=session))
    before = tree(bundled / "_site")
    # A new article changes its own page, the pages of what it names and the indexes.
    (bundled / "seeds/005_new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    real = write_module._write_beside
    calls: list[Path] = []

    def failing(target: Path, data: bytes) -> str:
        calls.append(target)
        if which == "first" or len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real(target, data)

    monkeypatch.setattr(write_module, "_write_beside", failing)
    with pytest.raises(OSError, match="No space left"):
        build_project(bundled, BuildOptions(search=False, session=session))
    assert len(calls) == (1 if which == "first" else 4)
    # Not a file changed, no temporary file left, no new folder made.
    assert tree(bundled / "_site") == before
    assert not list((bundled / "_site").rglob(".dossier-tmp-*"))
    assert not (bundled / "_site/sources/005_new").exists()
    monkeypatch.undo()
    build_project(bundled, BuildOptions(search=False, session=session))
    assert (bundled / "_site/sources/005_new/index.html").is_file()


def test_a_session_finds_entries_another_build_wrote_once_it_has_saved_its_own(
    tmp_path: Path,
) -> None:
    # A build that finds a namespace missing stops looking it up on disk (a cold build
    # asks for tens of thousands of entries that cannot be there) until it saves.
    from generator.cache import Cache

    session = Cache(tmp_path / "cache", session=True)
    key = session.key("entry")
    assert session.get("articles", key) is None and not session.has("articles", key)
    other = Cache(tmp_path / "cache")
    other.put("articles", key, ["parsed"])
    other.flush()
    session.put("mentions", session.key("m"), ["found"])
    session.flush()
    assert session.has("articles", key)
    assert session.get("articles", key) == ["parsed"]
