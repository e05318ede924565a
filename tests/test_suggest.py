"""What a new source brings (generator/report.py), dossier suggest, and dossier new --from
(generator/prefill.py), on articles in styles the seeds do not have."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_article import GUARDIAN, RELEASE, XINHUA
from test_ingest import REUTERS

from generator.build import check_project
from generator.cli import main
from generator.ingest import Input, add_sources
from generator.report import load_model, source_report, suggestions

SHEETS = {
    "content/people/wang-yi.yaml": "name: Wang Yi\nsurname: Wang\n",
    "content/people/ayman-safadi.yaml": "name: Ayman Safadi\n",
    "content/people/faisal-bin-farhan.yaml": "name: Faisal bin Farhan Al Saud\nhonorific: Prince\n",
    "content/countries/china.yaml": "name: China\ndemonyms: [Chinese]\ncapital: Beijing\n",
    "content/countries/jordan.yaml": "name: Jordan\ndemonyms: [Jordanian]\n",
    "content/countries/saudi-arabia.yaml": "name: Saudi Arabia\ndemonyms: [Saudi]\n",
    "content/organizations/oic.yaml": "name: Organisation of Islamic Cooperation\nshort: OIC\n",
    "seeds/000_aaaaaaaaaaaaaaaa.txt": (
        "Ministers meet in Riyadh\n\nSaudi Foreign Minister Prince Faisal bin Farhan Al Saud met "
        "Jordanian Foreign Minister Ayman Safadi in Riyadh.\n"
    ),
}

XINHUA_ID = "001_01d03b5d8dd4fbfd"
REUTERS_ID = "002_2fdbb3232e28ac58"
GUARDIAN_ID = "003_a69e200894b4c8f2"
RELEASE_ID = "004_b95b4c02c7677906"
XINHUA_P2 = (
    "Vice President Han Zheng also met with the delegation on Monday, according to Chinese "
    "Foreign Ministry spokesperson Mao Ning."
)
REUTERS_P1 = (
    "Foreign ministers from Saudi Arabia, Jordan and Indonesia met British Foreign Secretary "
    "David Cameron in London on Wednesday to press for a ceasefire in Gaza, a day after talks "
    "with Russian Foreign Minister Sergey Lavrov in Moscow."
)


@pytest.fixture
def project(make_site) -> Path:
    """A small project to which the four test articles have been added, in one batch."""
    root = make_site(SHEETS)
    result = add_sources(
        root,
        [
            Input("xinhua.txt", XINHUA.encode()),
            Input("reuters.txt", REUTERS.encode()),
            Input("guardian.txt", GUARDIAN.encode()),
            Input("release.txt", RELEASE.encode()),
        ],
    )
    assert [a.id for a in result.added] == [XINHUA_ID, REUTERS_ID, GUARDIAN_ID, RELEASE_ID]
    return root


def test_report_on_a_xinhua_wire(project: Path) -> None:
    report = source_report(load_model(project), XINHUA_ID)
    fields = {k: (f.value, f.basis, f.note) for k, f in report.fields.items()}
    assert fields == {
        "title": (
            "Chinese FM meets Arab, Islamic foreign ministers on Gaza conflict",
            "parsed",
            "from the title line",
        ),
        "outlet": ("Xinhua", "parsed", "from the dateline"),
        "published": (None, "missing", ""),
        "byline": (None, "missing", ""),
        "dateline_place": ("Beijing", "parsed", "from the dateline"),
        "dateline_date": (
            None,
            "missing",
            "the dateline gives Nov 20 without a year and the publication date is unknown",
        ),
    }
    assert [(e.kind, e.slug, e.spellings, e.count) for e in report.entities] == [
        ("countries", "china", ("Chinese",), 3),
        ("people", "wang-yi", ("Wang Yi",), 1),
    ]
    assert report.pages == (
        "",
        "countries/china/",
        "people/wang-yi/",
        "sources/",
        f"sources/{XINHUA_ID}/",
    )
    assert [(u.name, u.kind, u.context, u.sentence, u.block) for u in report.unknown] == [
        ("Han Zheng", "person", "Vice President", XINHUA_P2, "p2"),
        ("Chinese Foreign Ministry", "organization", "", XINHUA_P2, "p2"),
        ("Mao Ning", "person", "Foreign Ministry spokesperson", XINHUA_P2, "p2"),
    ]


def test_report_on_a_guardian_story_skips_captions(project: Path) -> None:
    site = load_model(project)
    report = source_report(site, GUARDIAN_ID)
    assert (report.fields["byline"].value, str(report.fields["published"].value)) == (
        "Jon Henley",
        "2023-11-23",
    )
    # Prince Faisal and Catherine Colonna are named only in photo captions.
    assert [(e.slug, e.spellings) for e in report.entities] == [
        ("jordan", ("Jordan",)),
        ("ayman-safadi", ("Ayman Safadi",)),
    ]
    assert {m.block for m in site.mentions[GUARDIAN_ID]} == {"p4"}
    assert [(u.name, u.context, u.block) for u in report.unknown] == [
        ("Emmanuel Macron", "president", "p3")
    ]
    assert [(r.text, str(r.date.value), r.date.basis) for r in report.relative_dates] == [
        ("on Wednesday", "2023-11-22", "derived")
    ]


def test_a_new_spelling_of_a_known_name_affects_the_discrepancies_page(make_site) -> None:
    root = make_site(SHEETS)
    text = (
        "Talks in Cairo\n\n"
        "Saudi Foreign Minister Faisal ibn Farhan Al-Saud met officials in Cairo.\n"
    )
    (added,) = add_sources(root, [Input("cairo.txt", text.encode())]).added
    report = source_report(load_model(root), added.id)
    assert [(e.slug, e.spellings) for e in report.entities] == [
        ("saudi-arabia", ("Saudi",)),
        ("faisal-bin-farhan", ("Faisal ibn Farhan Al-Saud",)),
    ]
    assert "discrepancies/" in report.pages


def test_add_prints_the_report(make_site, tmp_path: Path) -> None:
    root = make_site(SHEETS)
    path = tmp_path / "release.txt"
    path.write_text(RELEASE, encoding="utf-8")
    result = CliRunner().invoke(main, ["-C", str(root), "add", str(path)])
    assert result.exit_code == 0, result.output
    new = "001_b95b4c02c7677906"
    assert result.output == (
        f"Added {new} (text) from {path}: seeds/{new}.txt, original kept as "
        f"seeds/originals/{new}.txt\n"
        f"{new} (seeds/{new}.txt)\n"
        " parsed fields:\n"
        "  title: Norway receives Arab-Islamic ministerial committee in Oslo (parsed; from the "
        "title line)\n"
        "  outlet: — (missing)\n"
        "  published: — (missing)\n"
        "  byline: — (missing)\n"
        "  dateline_place: Oslo (parsed; from the dateline)\n"
        "  dateline_date: 2023-12-01 (parsed; from the dateline)\n"
        "  weekday p1: 'next Monday' -> 2023-12-04 (derived; the Monday after the dateline's "
        "date, Friday 2023-12-01)\n"
        " mentions 0 known entities:\n"
        " affects 3 pages:\n"
        "  /\n"
        "  /sources/\n"
        f"  /sources/{new}/\n"
        " names not covered by any fact sheet: 1\n"
        f'  {new}: p1: person "Espen Barth Eide" (Minister of Foreign Affairs): "Minister of '
        'Foreign Affairs Espen Barth Eide received the committee in Oslo today."\n'
        f"    dossier new person espen-barth-eide --from {new}\n"
    )
    # The command it prints writes the sheet.
    command = result.output.splitlines()[-1].split()[1:]
    result = CliRunner().invoke(main, ["-C", str(root), *command])
    assert result.exit_code == 0, result.output
    assert (root / "content/people/espen-barth-eide.yaml").is_file()


def test_report_survives_problems_in_other_files(project: Path) -> None:
    (project / "content" / "people" / "broken.yaml").write_text("name: [\n", encoding="utf-8")
    report = source_report(load_model(project), RELEASE_ID)
    assert report.unknown[0].name == "Espen Barth Eide"


# -- dossier suggest ---------------------------------------------------------------------------


def test_suggest_json_for_chosen_sources(project: Path) -> None:
    result = CliRunner().invoke(
        main, ["-C", str(project), "suggest", REUTERS_ID, RELEASE_ID, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    reuters_p2 = REUTERS.split("\n\n")[3].replace("\n", " ").strip()
    assert json.loads(result.output) == [
        {
            "name": "David Cameron",
            "kind": "person",
            "context": "Foreign Secretary",
            "source": REUTERS_ID,
            "sentence": REUTERS_P1,
            "block": "p1",
            "next": f"dossier new person david-cameron --from {REUTERS_ID}",
        },
        {
            "name": "Sergey Lavrov",
            "kind": "person",
            "context": "Foreign Minister",
            "source": REUTERS_ID,
            "sentence": REUTERS_P1,
            "block": "p1",
            "next": f"dossier new person sergey-lavrov --from {REUTERS_ID}",
        },
        {
            "name": "Security Council",
            "kind": "organization",
            "context": "",
            "source": REUTERS_ID,
            "sentence": reuters_p2,
            "block": "p2",
            "next": f"dossier new organization security-council --from {REUTERS_ID}",
        },
        {
            "name": "Espen Barth Eide",
            "kind": "person",
            "context": "Minister of Foreign Affairs",
            "source": RELEASE_ID,
            "sentence": "Minister of Foreign Affairs Espen Barth Eide received the committee in "
            "Oslo today.",
            "block": "p1",
            "next": f"dossier new person espen-barth-eide --from {RELEASE_ID}",
        },
    ]


def test_suggest_text_for_all_sources(project: Path) -> None:
    result = CliRunner().invoke(main, ["-C", str(project), "suggest"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f'  seeds/{XINHUA_ID}.txt: p2: person "Han Zheng" (Vice President): "{XINHUA_P2}"'
    )
    assert lines[1] == f"    dossier new person han-zheng --from {XINHUA_ID}"
    assert lines[-1] == "8 names not covered by any fact sheet."
    assert len(suggestions(load_model(project), [])) == 8


def test_suggest_unknown_source_is_a_usage_error(project: Path) -> None:
    result = CliRunner().invoke(main, ["-C", str(project), "suggest", "001_01d03b5d8dd4fbfe"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '[SOURCE]...': no such source in seeds/: "
        "001_01d03b5d8dd4fbfe (did you mean '001_01d03b5d8dd4fbfd'?)"
    )
    result = CliRunner().invoke(main, ["-C", str(project), "suggest", REUTERS_ID, "x", "y"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '[SOURCE]...': no such sources in seeds/: x, y"
    )


def test_new_from_an_unknown_source_is_a_usage_error(project: Path) -> None:
    result = CliRunner().invoke(
        main, ["-C", str(project), "new", "person", "jane-doe", "--from", "001_01d03b5d8dd4fbfe"]
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--from': no such source in seeds/: "
        "001_01d03b5d8dd4fbfe (did you mean '001_01d03b5d8dd4fbfd'?)"
    )
    assert not (project / "content" / "people" / "jane-doe.yaml").exists()


# -- dossier new --from ------------------------------------------------------------------------


def new_from(project: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["-C", str(project), "new", *args])
    assert result.exit_code == 0, result.output
    kind, slug = args[0], args[1]
    folder = {"person": "people", "meeting": "meetings", "country": "countries"}.get(
        kind, "organizations"
    )
    return (project / "content" / folder / f"{slug}.yaml").read_text(encoding="utf-8")


def head(source: str, schema: str) -> str:
    return (
        f"# yaml-language-server: $schema=../../schema/{schema}.schema.json\n"
        f"# Prefilled from {source} by dossier new --from; check every line against it.\n"
    )


def test_new_person_from_a_source_cites_the_role(project: Path) -> None:
    text = new_from(project, "person", "mao-ning", "--from", XINHUA_ID)
    assert text == head(XINHUA_ID, "person") + (
        'name: "Mao Ning"\n'
        "aliases: []\n"
        "country: china\n"
        "positions:\n"
        '  - title: "Foreign Ministry spokesperson"\n'
        "    of: china\n"
        "    cite:\n"
        f"      - source: {XINHUA_ID}\n"
        '        quote: "Chinese Foreign Ministry spokesperson Mao Ning"\n'
        "summary: ''\n"
        "summary_cite:\n"
        f"  - source: {XINHUA_ID}\n"
        f'    quote: "{XINHUA_P2}"\n'
    )
    checked = check_project(project)  # validation and citation verification pass
    assert all(c.location is not None for c in checked.site.citations)
    assert "mao-ning" in checked.site.people


def test_new_person_keeps_the_source_spelling_as_an_alias(project: Path) -> None:
    text = new_from(project, "person", "sergei-lavrov", "--from", REUTERS_ID)
    assert 'name: "Sergei Lavrov"\naliases:\n  - name: "Sergey Lavrov"\n' in text
    assert f"    sources: [{REUTERS_ID}]\n" in text
    assert '  - title: "Foreign Minister"\n' in text
    assert 'quote: "Foreign Minister Sergey Lavrov"\n' in text
    check_project(project)


def test_new_meeting_from_a_source(project: Path) -> None:
    text = new_from(project, "meeting", "paris-macron-2023-11-22", "--from", GUARDIAN_ID)
    assert text == head(GUARDIAN_ID, "meeting") + (
        'title: "Arab ministers take Gaza plea to Paris as Macron hosts delegation"\n'
        "kind: talks  # talks | meeting | summit | virtual-summit | phone-call | ...\n"
        "date:\n"
        "  value: 2023-11-22\n"
        "  basis: weekday\n"
        '  note: "on Wednesday: the Wednesday on or before the publication date, Thursday '
        '2023-11-23"\n'
        "  cite:\n"
        f"    - source: {GUARDIAN_ID}\n"
        '      quote: "The French president, Emmanuel Macron, received the foreign ministers at '
        'the Élysée on Wednesday evening."\n'
        "# place: the source has no dateline; add the place by hand\n"
        "hosts: []\n"
        "participants: []  # mentioned in the source: ayman-safadi\n"
        "summary: ''\n"
        "cite:\n"
        f"  - source: {GUARDIAN_ID}\n"
        '    quote: "Arab ministers take Gaza plea to Paris as Macron hosts delegation"\n'
    )
    check_project(project)


def test_new_meeting_from_a_dateline(project: Path) -> None:
    text = new_from(project, "meeting", "oslo-2023-12-01", "--from", RELEASE_ID)
    assert (
        "date:\n  value: 2023-12-01\n  basis: dateline\n"
        f'  note: "from the dateline of {RELEASE_ID} (parsed)"\n'
        'place:\n  name: "Oslo"\n  basis: dateline\n  cite:\n'
    ) in text
    check_project(project)


def test_new_country_and_organization_from_a_source(project: Path) -> None:
    country = new_from(project, "country", "britain", "--from", REUTERS_ID)
    assert 'name: "Britain"\naliases: []\ndemonyms: ["British"]\n' in country
    org = new_from(project, "organization", "chinese-foreign-ministry", "--from", XINHUA_ID)
    assert 'name: "Chinese Foreign Ministry"\nshort: ""\naliases: []\n' in org
    check_project(project)


def test_new_from_a_source_that_does_not_name_it(project: Path) -> None:
    result = CliRunner().invoke(
        main, ["-C", str(project), "new", "person", "hua-chunying", "--from", XINHUA_ID]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"{XINHUA_ID}: no person named like 'hua-chunying' in this source. Uncovered names "
        "there: Han Zheng, Chinese Foreign Ministry, Mao Ning.\n"
        "Error: 1 problem; nothing was written.\n"
    )
    assert not (project / "content" / "people" / "hua-chunying.yaml").exists()


def test_new_from_refuses_a_second_sheet_for_a_covered_name(bundled: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    result = CliRunner().invoke(
        main, ["-C", str(bundled), "new", "person", "wang-yi-2", "--from", "003_ab5f22e0f36654c7"]
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "content/people/wang-yi.yaml: already covers 'Wang Yi' in 003_ab5f22e0f36654c7; "
        "add what is new to that sheet instead"
    )
    assert not (bundled / "content/people/wang-yi-2.yaml").exists()


def test_new_meeting_from_a_dateline_without_a_year_says_how_to_date_it(make_site) -> None:
    article = (
        "Talks in Ankara\n\nANKARA, November 24 (Reuters) - Turkey's foreign minister met "
        "his Saudi counterpart to discuss a ceasefire, officials said.\n"
    )
    project = make_site({"seeds/000_ankara.txt": article})
    result = CliRunner().invoke(
        main, ["-C", str(project), "new", "meeting", "ankara-talks", "--from", "000_ankara"]
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "000_ankara: date: the source gives no date (the dateline gives November 24 without a "
        "year and the publication date is unknown); set its published date in "
        "content/sources.yaml, or write the sheet by hand"
    )
    # Done as it says, the dateline dates the meeting.
    (project / "content").mkdir(exist_ok=True)
    (project / "content/sources.yaml").write_text("000_ankara:\n  published: 2023-11-24\n")
    text = new_from(project, "meeting", "ankara-talks", "--from", "000_ankara")
    assert "date:\n  value: 2023-11-24\n" in text


def test_a_name_a_sheet_covers_under_a_longer_form_points_to_that_sheet(bundled: Path) -> None:
    """Seed 003 names the "Foreign Ministry" that a sheet covers as "Chinese Foreign
    Ministry": `dossier new` would refuse a second sheet, so the step shown is the alias."""
    result = CliRunner().invoke(main, ["-C", str(bundled), "suggest"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == (
        "    covered as 'Chinese Foreign Ministry' there? add it to the aliases in "
        "content/organizations/chinese-foreign-ministry.yaml"
    )


def test_a_sources_staff_credits_are_shown_on_its_page(project: Path) -> None:
    from generator.build import BuildOptions, build_project

    build_project(project, BuildOptions(search=False))
    page = (project / "_site/sources" / REUTERS_ID / "index.html").read_text(encoding="utf-8")
    assert (
        "<dt>Staff credits</dt><dd>Reporting by Andrew MacAskill; Editing by Alex Richardson</dd>"
        in page
    )
    # Not in the text: the parser set the line aside.
    text = page[page.index('<div class="text"') :]
    assert "Reporting by" not in text


def test_new_from_widens_a_quote_the_source_has_twice(make_site) -> None:  # type: ignore[no-untyped-def]
    """A headline repeated as the first sentence: its footnote could point at the first
    only, and the build would warn. The prefilled quote takes the sentence's full stop
    (or more), and the sheet checks clean."""
    article = (
        "Ministers meet in Paris\n\nPARIS, Nov 22, 2023 (Reuters) - Ministers meet in Paris. "
        "They talked for hours on Wednesday about the war.\n"
    )
    project = make_site({"seeds/000_paris.txt": article})
    text = new_from(project, "meeting", "paris-talks", "--from", "000_paris")
    assert 'quote: "Ministers meet in Paris."' in text
    checked = check_project(project, strict=True)
    assert not [w for w in checked.warnings if "more than once" in w.message]
