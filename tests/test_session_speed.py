"""What a session keeps between builds to make a small change cheap on a large site: the
reference checks and the rows of the long lists are made again only for what changed,
and always come out exactly as a fresh check or render would make them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.cache import Cache
from generator.checks import check_references, check_site
from generator.load import load_site
from generator.model import Site, build_model
from generator.plan import plan_pages
from generator.render import Renderer
from tests.conftest import MakeSite, corpus_project

NEW_ARTICLE = """ date 2023-11-22 Sergei Lavrov and Wang Yi met again in Moscow

Sergey Lavrov said the talks with Wang Yi went well.
"""


def model(project: Path, session: Cache) -> Site:
    site, _ = build_model(load_site(project, session), session)
    assert site is not None
    return site


def render(
    site: Site, kept: dict[str, Any] | None = None, planned: dict[str, Any] | None = None
) -> dict[str, bytes]:
    """The sources index and the disagreements page (the lists with a row per source);
    ``kept`` and ``planned``: the renderer's and the plan's memos of a session."""
    renderer = Renderer(site, kept=kept)
    pages, _, _ = plan_pages(site, planned, remember=planned is not None)
    wanted = ("sources/index.html", "discrepancies/index.html")
    return {p.output: renderer.render(p) for p in pages if p.output in wanted}


def test_checks_after_adding_an_article_are_those_of_a_fresh_check(bundled: Path) -> None:
    session = Cache(None, session=True)
    kept: dict[str, Any] = {}
    before = model(bundled, session)
    check_site(before, kept)
    (bundled / "seeds" / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    after = model(bundled, session)
    assert after.sheets_token is before.sheets_token  # no sheet changed: the kept path
    assert check_site(after, kept) == check_site(after)


def test_a_reference_to_a_source_is_checked_again_when_the_sources_change(
    make_site: MakeSite,
) -> None:
    project = make_site(
        {
            "content/people/ann.yaml": "name: Ann Example\n"
            "aliases:\n  - name: Anne Example\n    sources: [later, lates]\n",
            "seeds/early.txt": " date 2023-11-20 Anne Example spoke\n\nShe spoke.\n",
        }
    )
    session = Cache(None, session=True)
    kept: dict[str, Any] = {}
    seen = []
    for seed in ("latest", "later", "lates"):
        site = model(project, session)
        problems = check_references(site, kept)
        assert problems == check_references(site)
        seen.append([(p.message, p.hint) for p in problems])
        (project / "seeds" / f"{seed}.txt").write_text(" date 2023-11-21 News\n\nText.\n")
    site = model(project, session)
    assert check_references(site, kept) == check_references(site) == []
    latest = "Did you mean 'latest'?"
    assert seen == [
        [("unknown source id 'later'.", ""), ("unknown source id 'lates'.", "")],
        [("unknown source id 'later'.", latest), ("unknown source id 'lates'.", latest)],
        [("unknown source id 'lates'.", latest)],
    ]


def test_long_lists_are_rendered_again_only_where_a_source_changed(bundled: Path) -> None:
    session = Cache(None, session=True)
    kept: dict[str, Any] = {}
    planned: dict[str, Any] = {}
    first = model(bundled, session)
    assert render(first, kept, planned) == render(first)
    rows = dict(kept["source_rows"]["sources/"])
    spellings = dict(kept["spellings"]["discrepancies/"])
    assert rows and spellings

    (bundled / "seeds" / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    seed = bundled / "seeds" / "004_a0d9051ab7e3cd86.txt"
    seed.write_text(seed.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    second = model(bundled, session)
    assert render(second, kept, planned) == render(second)

    now = kept["source_rows"]["sources/"]
    changed = {"new", "004_a0d9051ab7e3cd86"}
    assert now.keys() == rows.keys() | {"new"}
    assert all(now[s] is rows[s] for s in rows.keys() - changed)
    assert now["004_a0d9051ab7e3cd86"] is not rows["004_a0d9051ab7e3cd86"]
    again = kept["spellings"]["discrepancies/"]
    kept_people = [p for p in spellings if p in again and again[p][1] is spellings[p][1]]
    assert kept_people == ["faisal-bin-farhan", "hissein-brahim-taha"]  # not Lavrov


def test_a_row_kept_over_a_build_it_missed_is_checked_against_every_source(
    bundled: Path,
) -> None:
    """A page rendered elsewhere in one build (a worker process, on a large rebuild) leaves
    the session's memo a build behind; a source retitled in that build still shows."""
    session = Cache(None, session=True)
    kept: dict[str, Any] = {}
    planned: dict[str, Any] = {}
    before = render(model(bundled, session), kept, planned)
    meta = bundled / "content" / "sources.yaml"
    titles = "".join(
        f"{sid}:\n  title: Retitled {sid}\n"
        for sid in ("000_b28059a2c29d0bad", "001_662a9fa97c2a1bbd", "002_0c70cf7e982ea60c")
    )
    meta.write_text(meta.read_text(encoding="utf-8") + titles, encoding="utf-8")
    Renderer(model(bundled, session), kept=kept)  # this build renders neither page here
    after = model(bundled, session)
    assert render(after, kept, planned) == render(after) != before
    assert b"Retitled" in render(after, kept, planned)["discrepancies/index.html"]


def test_site_json_blocks_other_than_the_changed_one_are_reused() -> None:
    from generator.feeds import _blocks

    items = [f'{{"id":"s{i:05d}","text":"{"x" * (i % 7)}"}}'.encode() for i in range(3000)]
    first: list[bytes] = []
    kept: dict[tuple[bytes, ...], bytes] = {}
    _blocks(first, items, {}, kept)
    assert b"".join(first) == b",".join(items)
    assert len(kept) > 10  # the items are joined in many blocks, not as one

    # An item that does not end a block itself (one in 64 would, as hashes are seeded
    # per process): only its own block is then joined again.
    new = next(c for n in range(100) if hash(c := b'{"id":"new%d"}' % n) % 64)
    added = [*items[:1500], new, *items[1500:]]
    second: list[bytes] = []
    now: dict[tuple[bytes, ...], bytes] = {}
    _blocks(second, added, kept, now)
    assert b"".join(second) == b",".join(added)
    old = {id(b) for b in kept.values()}
    joined_again = [b for b in now.values() if id(b) not in old]
    assert len(joined_again) == 1 and new in joined_again[0]


def test_pieces_are_written_whole_in_place_and_in_a_new_site(tmp_path: Path) -> None:
    from generator.write import Pieces, update_site, write_site

    parts = [f"{i:06d}\n".encode() for i in range(5000)]  # more than one writev takes
    data = Pieces(parts)
    project = tmp_path / "project"
    project.mkdir()
    output = tmp_path / "site"
    write_site(output, [("data/site.json", data)], project)
    assert (output / "data" / "site.json").read_bytes() == b"".join(parts)
    changed = Pieces([b"head\n", *parts[1:]])
    same: dict[str, Any] = {}
    update_site(output, [("data/site.json", changed)], project, same=same)
    assert (output / "data" / "site.json").read_bytes() == bytes(changed)
    assert same["data/site.json"][0] is changed


def test_pieces_read_only_when_written_give_the_same_file_and_a_wrong_size_is_refused(
    tmp_path: Path,
) -> None:
    from generator.write import Later, Pieces, write_site

    parts = [f"{i:06d}\n".encode() for i in range(3000)]
    loads: list[int] = []

    def later(i: int) -> Later:
        def load() -> bytes:
            loads.append(i)
            return parts[i]

        return Later(len(parts[i]), load)

    data = Pieces([later(i) if i % 2 else p for i, p in enumerate(parts)])
    assert len(data) == sum(map(len, parts)) and not loads
    project = tmp_path / "project"
    project.mkdir()
    write_site(tmp_path / "site", [("data/site.json", data)], project)
    assert (tmp_path / "site" / "data" / "site.json").read_bytes() == b"".join(parts)
    assert loads == list(range(1, 3000, 2))
    # A piece that reads back as other than the size counted on fails the build; the
    # site already there is left as it was.
    wrong = Pieces([b"head\n", Later(5, lambda: b"four")])
    with pytest.raises(OSError, match="a piece of 5 bytes read back as 4"):
        write_site(tmp_path / "site", [("data/site.json", wrong)], project)
    assert (tmp_path / "site" / "data" / "site.json").read_bytes() == b"".join(parts)


def test_a_session_rebuild_of_a_large_site_after_a_sheet_change_equals_a_clean_build(
    tmp_path: Path,
) -> None:
    # Over 200 pages rendered: the workers render them and encode /data/site.json's
    # sources, also in a session whose fact sheets changed (nothing of it can be kept).
    import filecmp

    from generator.build import BuildOptions, Carried, build_project

    project = corpus_project(tmp_path / "corpus", 220)
    session = Cache(project / ".cache", session=True)
    served = tmp_path / "served"

    def rebuild() -> Carried:
        carried = Carried()
        build_project(
            project,
            BuildOptions(output=served, search=False, session=session, carried=carried),
        )
        return carried

    rebuild()
    sheet = sorted((project / "content" / "people").glob("*.yaml"))[0]
    text = sheet.read_text(encoding="utf-8")
    sheet.write_text(text.replace("aliases:\n", 'aliases:\n  - "Zq Unheard"\n', 1))
    assert rebuild().rendered >= 200
    clean = tmp_path / "clean"
    build_project(project, BuildOptions(output=clean, search=False, cache=False))

    def same(a: Path, b: Path) -> bool:
        cmp = filecmp.dircmp(a, b)
        _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
        return not (cmp.left_only or cmp.right_only or mismatch or errors) and all(
            same(a / d, b / d) for d in cmp.common_dirs
        )

    assert same(served, clean)
    # And /data/site.json is what the plain encoder makes of the whole site at once.
    from functools import partial
    from urllib.parse import urljoin

    from generator.build import check_project
    from generator.feeds import site_data

    checked = check_project(project)
    whole = site_data(checked.site, partial(urljoin, checked.site.config.base_url))
    expected = json.dumps(whole, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert (served / "data" / "site.json").read_text(encoding="utf-8") == expected
    assert "Zq Unheard" in expected


def test_a_session_keeps_what_its_first_build_made_of_the_site_wide_pages(
    tmp_path: Path,
) -> None:
    # A first build of over 200 pages renders them on the workers, except the site-wide
    # pages, rendered where the session lives: the sources index's rows are kept, so the
    # first rebuild (which renders the index again) does not make 220 rows afresh.
    from generator.build import BuildOptions, build_project

    project = corpus_project(tmp_path / "corpus", 220)
    session = Cache(project / ".cache", session=True)
    build_project(project, BuildOptions(output=tmp_path / "served", search=False, session=session))
    rows = session.kept["render"]["source_rows"]["sources/"]
    assert sorted(rows) == sorted(p.stem for p in (project / "seeds").glob("*.txt"))
