"""Fact-sheet validation: every problem located as path:line:col: field: message."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import check_project
from generator.mentions import blocks_of, build_matcher, find_mentions
from generator.model import MentionRef, name_entries, sentence_at, sentence_of
from generator.problems import DossierError


def problems_of(project: Path) -> list[str]:
    with pytest.raises(DossierError) as info:
        check_project(project)
    return [str(p) for p in info.value.problems]


def test_unknown_field_suggests_the_right_one(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site({"content/people/lavrov.yaml": "name: Sergey Lavrov\nhonorfic: Mr\n"})
    assert problems_of(project) == [
        "content/people/lavrov.yaml:2:1: honorfic: unknown field. Did you mean 'honorific'?"
    ]


def test_a_source_field_named_as_other_tools_name_it_suggests_ours(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "seeds/000_a.txt": "Talks\n\nThe ministers met.\n",
            "content/sources.yaml": "000_a:\n  author: Jane Doe\n  lang: fr\n",
        }
    )
    assert problems_of(project) == [
        "content/sources.yaml:2:3: 000_a.author: unknown field. Did you mean 'byline'?",
        "content/sources.yaml:3:3: 000_a.lang: unknown field. Did you mean 'language'?",
    ]


def test_a_name_must_show_something_and_name_someone(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/people/x.yaml": 'name: "\\u200b"\n',
            "content/people/y.yaml": "name: Mohammed bin Salman\naliases: [Bin, MBS]\n",
        }
    )
    assert problems_of(project) == [
        "content/people/x.yaml:1:7: name: must hold a letter or a digit (this one shows "
        "nothing to read)",
        "content/people/y.yaml:2:11: aliases.0: 'Bin' names no one on its own; give the whole name",
    ]


def test_missing_required_field(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site({"content/meetings/m.yaml": "title: Talks\nkind: talks\n"})
    assert problems_of(project) == ["content/meetings/m.yaml:1:1: date: required field is missing"]


def test_impossible_date(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site({"content/meetings/m.yaml": "title: Talks\ndate: 2023-02-30\n"})
    assert problems_of(project) == ["content/meetings/m.yaml:2:7: date: no such date: '2023-02-30'"]


def test_enum_lists_the_choices(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {"content/meetings/m.yaml": "title: Talks\ndate: 2023-11-21\nkind: party\n"}
    )
    [message] = problems_of(project)
    assert message.startswith(
        "content/meetings/m.yaml:3:7: kind: must be one of 'talks', 'meeting'"
    )


def test_nested_field_is_located(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/countries/russia.yaml": "name: Russia\n",
            "content/people/lavrov.yaml": """\
                name: Sergey Lavrov
                positions:
                  - title: Foreign Minister
                    of: russa
                    as_of: soon
                """,
        }
    )
    assert problems_of(project) == [
        "content/people/lavrov.yaml:5:12: positions.0.as_of: not a valid date: 'soon'; "
        "write YYYY-MM-DD"
    ]


def test_unknown_reference_suggests_an_id(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/countries/russia.yaml": "name: Russia\n",
            "content/people/lavrov.yaml": """\
                name: Sergey Lavrov
                positions:
                  - title: Foreign Minister
                    of: russa
                """,
        }
    )
    assert problems_of(project) == [
        "content/people/lavrov.yaml:4:9: of: unknown country or organization id 'russa'. "
        "Did you mean 'russia'?"
    ]


def test_no_stays_a_string(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site({"content/countries/norway.yaml": "name: NO\naliases: [on, yes, '1.10']\n"})
    checked = check_project(project)
    sheet = checked.site.countries["norway"].sheet
    assert sheet.name == "NO"
    assert [a.name for a in sheet.aliases] == ["on", "yes", "1.10"]


def test_boolean_fields_accept_only_true_and_false(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site({"content/countries/x.yaml": "name: X\ncapital_names_country: yes\n"})
    assert problems_of(project) == [
        "content/countries/x.yaml:2:24: capital_names_country: must be true or false"
    ]


def test_url_must_be_http(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site({"content/organizations/x.yaml": "name: X\nurl: javascript:alert(1)\n"})
    assert problems_of(project) == [
        "content/organizations/x.yaml:2:6: url: must be an http:// or https:// URL"
    ]


def test_all_problems_in_all_files_are_collected(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/people/a.yaml": "name: A\nname: B\n",
            "content/people/b.yaml": "nme: B\n",
            "content/countries/c.yaml": "- not a mapping\n",
            "content/countries/Bad_Name.yaml": "name: X\n",
        }
    )
    assert problems_of(project) == [
        "content/countries/Bad_Name.yaml: file name is not a valid slug "
        "(lowercase letters, digits and single hyphens)",
        "content/countries/c.yaml:1:1: expected a mapping at the top level, got a list",
        "content/people/a.yaml:2:1: name: duplicate key 'name' (first defined on line 1)",
        "content/people/b.yaml:1:1: name: required field is missing",
        "content/people/b.yaml:1:1: nme: unknown field. Did you mean 'name'?",
    ]


def test_two_sheets_with_one_slug_are_an_error(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/people/wang-yi.yaml": "name: Wang Yi\n",
            "content/people/wang-yi.yml": "name: Wang Yi (a copy)\n",
            "content/sources.yml": "{}\n",
            # The same slug in two kinds is two records, not a clash.
            "content/countries/wang-yi.yaml": "name: Wang Yi Land\n",
        }
    )
    (project / "content/sources.yaml").write_text("{}\n")
    assert problems_of(project) == [
        "content/people/wang-yi.yml: the same slug as content/people/wang-yi.yaml: "
        "keep one of the two",
        "content/sources.yml: content/sources.yaml is there too: keep one of the two",
    ]


def test_sources_yaml_must_name_real_sources(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "seeds/001_abc.txt": "Title\n\nBody text here.\n",
            "content/sources.yaml": "001_abd:\n  outlet: TASS\n001_abc:\n  excerpt: maybe\n",
        }
    )
    assert problems_of(project) == [
        "content/sources.yaml:1:1: 001_abd: no such source in seeds/. Did you mean '001_abc'?",
        "content/sources.yaml:4:12: 001_abc.excerpt: must be true or false",
    ]


def test_curated_metadata_overrides_parsed_fields(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "seeds/001_abc.txt": " date 2023-11-20 Lavrov met ministers in Moscow today.\n",
            "content/sources.yaml": "001_abc:\n  outlet: TASS\n  published: 2023-11-21\n",
        }
    )
    source = check_project(project).site.sources["001_abc"]
    assert (source.outlet.value, source.outlet.basis) == ("TASS", "curated")
    assert (str(source.published.value), source.published.basis) == ("2023-11-21", "curated")
    assert source.title.basis == "derived"


def test_a_broken_sheet_causes_no_false_errors_elsewhere(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/meetings/beijing.yaml": "title: Beijing talks\ndate: 20-11-2023\n",
            # Valid itself, and it follows the broken sheet: no "unknown meeting id" here.
            "content/meetings/moscow.yaml": (
                "title: Moscow talks\ndate: 2023-11-21\nfollows: beijing\n"
            ),
            "content/meetings/riyadh.yaml": "title: Riyadh summit\ndate: 2023-11-31\n",
        }
    )
    assert problems_of(project) == [
        "content/meetings/beijing.yaml:2:7: date: not a valid date: '20-11-2023'; write YYYY-MM-DD",
        "content/meetings/riyadh.yaml:2:7: date: no such date: '2023-11-31'",
    ]


def test_curated_publication_date_gives_a_yearless_dateline_its_year(make_site) -> None:  # type: ignore[no-untyped-def]
    text = "Lavrov meets ministers\n\nMOSCOW, November 21. /TASS/. Lavrov met the ministers.\n"
    project = make_site({"seeds/s1.txt": text})
    source = check_project(project).site.sources["s1"]
    assert source.article.dateline_date.value is None
    assert "without a year" in source.article.dateline_date.note
    (project / "content").mkdir(exist_ok=True)
    (project / "content/sources.yaml").write_text("s1:\n  published: 2023-11-21\n")
    source = check_project(project).site.sources["s1"]
    assert str(source.article.dateline_date.value) == "2023-11-21"
    assert source.article.dateline_date.basis == "derived"


def test_files_in_seeds_that_are_not_seeds_are_named(bundled: Path) -> None:
    seed = next((bundled / "seeds").glob("003_*.txt"))
    (bundled / "seeds/005_new.md").write_text(seed.read_text())
    (bundled / "seeds/2023").mkdir()
    (bundled / "seeds/.gitkeep").write_text("")
    (bundled / "seeds/originals").mkdir()  # where `dossier add` keeps what it imported
    (bundled / "seeds/originals/005_new.md").write_text(seed.read_text())
    checked = check_project(bundled)
    because = (
        ": not read: seeds are the .txt files in seeds/ itself "
        "(`dossier add` imports Markdown and saved HTML pages as seeds) (warning)"
    )
    assert [str(p) for p in checked.warnings if p.path.startswith("seeds/")] == [
        "seeds/005_new.md" + because,
        "seeds/2023/" + because,
    ]
    assert len(checked.site.sources) == 5
    with pytest.raises(DossierError) as info:
        check_project(bundled, strict=True)
    strictly = because.replace("(warning)", "(warning, an error under --strict)")
    assert [str(p) for p in info.value.problems] == [
        "seeds/005_new.md" + strictly,
        "seeds/2023/" + strictly,
    ]


def test_a_session_names_files_that_are_not_seeds_as_the_watcher_reports_them(
    bundled: Path,
) -> None:
    """In a session, seeds/ is not listed again for a file the watcher reports added or
    deleted: the listing is patched, and so are the names of what is not a seed."""
    from generator.cache import Cache
    from generator.load import Changed, load_site

    session = Cache(None, session=True)
    seeds = bundled / "seeds"

    def warned(*reported: tuple[Path, bool]) -> list[str]:
        changed = Changed.under(bundled, [(str(p), added) for p, added in reported])
        inputs = load_site(bundled, session, changed)
        return [p.path for p in inputs.problems if p.path.startswith("seeds/")]

    assert warned() == []
    (seeds / "notes.md").write_text("to do\n")
    (seeds / "2023").mkdir()
    assert warned((seeds / "notes.md", True), (seeds / "2023", True)) == [
        "seeds/2023/",
        "seeds/notes.md",
    ]
    (seeds / "notes.md").unlink()
    (seeds / "notes.txt").write_text("A seed now.\n")
    assert warned((seeds / "notes.md", True), (seeds / "notes.txt", True)) == ["seeds/2023/"]
    (seeds / "2023").rmdir()
    assert warned((seeds / "2023", True)) == []
    assert warned() == []  # nothing reported: what was listed last stands


def test_cycles_of_meetings_and_organisations_are_refused(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/meetings/m1.yaml": "title: T1\ndate: 2024-01-01\npart_of: m2\nfollows: m3\n",
            "content/meetings/m2.yaml": "title: T2\ndate: 2024-01-02\npart_of: m1\nfollows: m1\n",
            "content/meetings/m3.yaml": "title: T3\ndate: 2024-01-03\nfollows: m2\n",
            "content/organizations/org-a.yaml": "name: A\nmember_of: [org-c, org-b]\n",
            "content/organizations/org-b.yaml": "name: B\nmember_of: [org-a]\n",
            "content/organizations/org-c.yaml": "name: C\nmember_of: [org-c]\n",
        }
    )
    with pytest.raises(DossierError) as info:
        check_project(project)
    assert [str(p) for p in info.value.problems] == [
        "content/meetings/m1.yaml:3:10: part_of: a cycle: m1 → m2 → m1",
        "content/meetings/m1.yaml:4:10: follows: a cycle: m1 → m3 → m2 → m1",
        "content/organizations/org-a.yaml:2:20: member_of.1: a cycle: org-a → org-b → org-a",
        "content/organizations/org-c.yaml:2:13: member_of.0: a cycle: org-c → org-c",
    ]


def test_each_mention_keeps_the_sentence_it_stands_in(bundled: Path) -> None:
    """The passages of entity pages are the sentences the names stand in, titles and
    articles whose title is made from their first sentence included."""
    (bundled / "seeds" / "900_untitled.txt").write_text(
        "Wang Yi met Sergey Lavrov in Moscow on Monday. They spoke of Gaza.\n\n"
        "Later,  Lavrov said more talks would follow.   \n",
        encoding="utf-8",
    )
    site = check_project(bundled).site
    assert site.sources["900_untitled"].article.title.basis == "derived"
    checked = 0
    for refs in site.mentioned.values():
        for ref in refs:
            article, m = site.sources[ref.source].article, ref.mention
            text = dict(blocks_of(article))[m.block]
            sentence = sentence_of(article, ref.sentence)
            assert sentence == sentence_at(text, m.start, m.end)
            assert m.text in sentence and sentence == sentence.strip()
            checked += 1
    assert checked > 100
    lavrov = [
        sentence_of(site.sources[r.source].article, r.sentence)
        for r in site.mentioned[("people", "sergey-lavrov")]
        if r.source == "900_untitled"
    ]
    assert lavrov == [
        "Wang Yi met Sergey Lavrov in Moscow on Monday.",
        "Later, Lavrov said more talks would follow.",
    ]


def test_mentions_kept_as_numbers_read_back_as_the_scan_found_them(bundled: Path) -> None:
    """Each source's mentions, and each entity's, are kept as arrays of ints and made into
    tuples when read: they must read back as exactly what the scanner found, in order."""
    site = check_project(bundled).site
    by_kind = {k: site.kind(k) for k in ("meetings", "people", "countries", "organizations")}
    matcher = build_matcher(name_entries(by_kind))
    expected: dict[tuple[str, str], list[MentionRef]] = {}
    for sid in sorted(site.sources):
        article = site.sources[sid].article
        found = find_mentions(matcher, article)
        kept = site.mentions[sid]
        assert list(kept) == found
        assert len(kept) == len(found)
        assert [kept[i] for i in range(len(kept))] == found
        if found:
            assert kept[-1] == found[-1] and kept[1:3] == found[1:3]
        for m in found:
            text = dict(blocks_of(article))[m.block]
            assert m.text == text[m.start : m.end]
        for i, m in enumerate(found):
            ref = site.mentions[sid].ref(i)
            assert sentence_of(article, ref.sentence) == sentence_at(
                dict(blocks_of(article))[m.block], m.start, m.end
            )
            expected.setdefault((m.kind, m.slug), []).append(ref)
    assert sum(len(v) for v in expected.values()) > 100
    assert sorted(site.mentioned) == sorted(expected)
    for key, refs in site.mentioned.items():
        assert list(refs) == expected[key], key
        assert refs.sources() == sorted({r.source for r in expected[key]})
        assert refs[0] == expected[key][0] and refs[-1] == expected[key][-1]
    with pytest.raises(IndexError):
        site.mentioned[("people", "sergey-lavrov")][10_000]
