"""What mention detection adds to the site: backlinks, variants, linked source pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build_project
from generator.cli import main
from generator.plan import post_author

TASS = "002_0c70cf7e982ea60c"


def quotations(project: Path, source: str) -> list[str]:
    """The items of a built source page's "Direct quotations", as HTML."""
    html = page(project / "_site", f"sources/{source}")
    start = html.index('id="quotes-title"')
    return re.findall(r"<li>(.*?)</li>", html[start : html.index("</section>", start)])


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_person_page_lists_spellings_with_their_sources(bundled: Path) -> None:
    build_project(bundled)
    html = page(bundled / "_site", "people/sergey-lavrov")
    variants = html[
        html.index('id="variants-title"') : html.index(
            "</section>", html.index('id="variants-title"')
        )
    ]
    assert (
        '<span dir="auto">Sergei Lavrov</span> <span class="meta">in '
        '<a href="../../sources/001_662a9fa97c2a1bbd/" dir="auto">' in variants
    )
    assert '<span dir="auto">Sergey Lavrov</span>' in variants
    assert "(surname alone)" in variants
    assert 'href="../../discrepancies/#variants-sergey-lavrov"' in variants


def test_person_page_shows_mentions_with_sentences_and_appears_with(bundled: Path) -> None:
    build_project(bundled)
    html = page(bundled / "_site", "people/ayman-safadi")
    section = html[html.index('id="mentioned-title"') :]
    assert (
        f'<a class="passage" href="../../sources/{TASS}/#p1">On November 21, Foreign Minister '
        "Sergey Lavrov held a meeting"
    ) in section
    assert "<strong>Ayman Safadi</strong>" in section
    with_section = html[html.index('id="with-title"') : html.index('id="mentioned-title"')]
    assert (
        '<a href="../sergey-lavrov/" dir="auto">Sergey Lavrov</a> '
        '<span class="meta">in 2 sources</span>' in with_section
    )
    assert with_section.index("faisal-bin-farhan") < with_section.index(
        "sergey-lavrov"
    )  # 3 shared first


def test_country_and_organisation_pages_have_mentioned_in(bundled: Path) -> None:
    build_project(bundled)
    russia = page(bundled / "_site", "countries/russia")
    assert 'id="mentioned-title"' in russia
    assert "<strong>Russian</strong>" in russia  # a demonym counts for the country
    oic = page(bundled / "_site", "organizations/oic")
    assert "<strong>Organization of Islamic Cooperation</strong>" in oic
    assert "<strong>Organisation of Islamic Cooperation</strong>" in oic


def test_source_page_links_every_recognised_name(bundled: Path) -> None:
    build_project(bundled)
    html = page(bundled / "_site", f"sources/{TASS}")
    assert '<a class="entity people" href="../../people/sameh-shoukry/">Sameh Shoukri</a>' in html
    assert (
        '<a class="entity people" href="../../people/hissein-brahim-taha/">Hissein Brahim Taha</a>'
        in html
    )
    assert (
        '<a class="entity countries" href="../../countries/saudi-arabia/">Saudi Arabia</a>' in html
    )
    # A cited passage is highlighted and links back to the fact that cites it.
    assert re.search(
        r'<mark id="q-p1-[^"]+"[^>]*>.*?</mark><span class="backrefs">'
        r'<a class="backref" href="\.\./\.\./meetings/',
        html,
    )


def test_discrepancies_page_lists_automatic_name_variants(bundled: Path) -> None:
    build_project(bundled)
    html = page(bundled / "_site", "discrepancies")
    taha = html[html.index('id="variants-hissein-brahim-taha"') :]
    taha = taha[: taha.index("</section>")]
    assert "Hussein Ibrahim Taha" in taha and "Hissein Brahim Taha" in taha
    shoukry = (
        html[html.index('id="variants-sameh-shoukry"') - 200 :]
        if 'id="variants-sameh-shoukry"' in html
        else ""
    )
    # Shoukry is spelled one way in the seeds (Shoukri), so he is not a variant there.
    assert shoukry == "" or "Sameh Shoukri" in shoukry


def test_check_lists_names_no_fact_sheet_covers(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "seeds/s1.txt": (
                "Talks\n\nForeign Ministry Spokesperson Hua Chunying said the talks went well. "
                "Wang Yi agreed.\n"
            ),
            "content/people/wang-yi.yaml": "name: Wang Yi\nsurname: Wang\n",
        }
    )
    result = CliRunner().invoke(main, ["-C", str(project), "check"])
    assert result.exit_code == 0, result.output
    assert "names not covered by any fact sheet: 2" in result.stdout
    assert '  seeds/s1.txt: p1: organization "Foreign Ministry": ' in result.stdout
    assert (
        '  seeds/s1.txt: p1: person "Hua Chunying" (Foreign Ministry Spokesperson): '
        '"Foreign Ministry Spokesperson Hua Chunying said the talks went well."'
    ) in result.stdout


def test_meeting_page_mentioned_in_uses_aliases_and_citations(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "seeds/s1.txt": (
                "Summit\n\nThe Riyadh summit formed a committee. It met on 11 November.\n"
            ),
            "content/meetings/riyadh.yaml": """\
                title: Joint Arab-Islamic Extraordinary Summit
                aliases: [Riyadh summit]
                kind: summit
                date:
                  value: 2023-11-11
                  cite:
                    - source: s1
                      quote: It met on 11 November
                """,
        }
    )
    build_project(project)
    html = page(project / "_site", "meetings/riyadh")
    section = html[html.index('id="mentioned-title"') :]
    assert "The <strong>Riyadh summit</strong> formed a committee." in section
    assert "It met on 11 November." in section


def test_a_page_no_source_names_says_so_in_its_own_words(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "seeds/s1.txt": "Talks\n\nThe ministers met in Amman on Monday.\n",
            "content/people/ayman-safadi.yaml": "name: Ayman Safadi\n",
            "content/countries/jordan.yaml": "name: Jordan\n",
        }
    )
    build_project(project)
    site = project / "_site"
    assert "<p>No source article names this person yet.</p>" in page(site, "people/ayman-safadi")
    assert "<p>No source article names this country yet.</p>" in page(site, "countries/jordan")
    # What the footer claims holds on a page with uncited details too.
    footer = page(site, "countries/jordan").split('<footer class="sitefoot">')[1]
    assert "A fact with a footnote is quoted from a source article" in footer
    assert "Every fact on this site is cited" not in footer


def test_a_position_links_the_body_it_names_once(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/people/wang-yi.yaml": """\
                name: Wang Yi
                positions:
                  - title: Member of the Political Bureau of the CPC Central Committee
                    of: politburo
                  - title: Foreign Minister
                    of: china
                  - title: Envoy to the <Board>
                    of: board
                """,
            "content/organizations/politburo.yaml": (
                "name: Political Bureau of the CPC Central Committee\n"
            ),
            "content/organizations/board.yaml": "name: <Board>\n",
            "content/countries/china.yaml": "name: China\n",
        }
    )
    build_project(project)
    html = page(project / "_site", "people/wang-yi")
    items = re.findall(r"<li>(.*?)</li>", html[html.index('id="positions-title"') :])
    assert items[:3] == [
        'Member of the <a href="../../organizations/politburo/" dir="auto">'
        "Political Bureau of the CPC Central Committee</a>",
        'Foreign Minister, <a href="../../countries/china/" dir="auto">China</a>',
        'Envoy to the <a href="../../organizations/board/" dir="auto">&lt;Board&gt;</a>',
    ]


def test_two_people_with_one_name_are_flagged(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/people/wang-yi.yaml": "name: Wang Yi\n",
            "content/people/wang-yi-2.yaml": "name: Wang Y.\naliases: [Wang Yi]\n",
        }
    )
    result = CliRunner().invoke(main, ["-C", str(project), "check"])
    assert result.exit_code == 0
    assert (
        "content/people/wang-yi-2.yaml:2:11: aliases.0: 'Wang Yi' is also a name of "
        "content/people/wang-yi.yaml; mentions of it cannot tell the two apart (warning)"
    ) in result.stderr
    assert CliRunner().invoke(main, ["-C", str(project), "check", "--strict"]).exit_code == 1


def test_passages_of_one_paragraph_are_listed_in_reading_order(bundled: Path) -> None:
    import html as htmllib

    from generator.build import check_project

    build_project(bundled)
    sources = check_project(bundled).site.sources
    blocks = {sid: {b.id: b.text for b in s.article.blocks} for sid, s in sources.items()}
    passage = re.compile(r'<a class="passage" href="[./]*sources/([^/]+)/#([^"]+)">(.*?)</a>')
    pairs = 0
    for file in (bundled / "_site").glob("*/*/index.html"):
        found = passage.findall(file.read_text(encoding="utf-8"))
        for (sid, block, inner), (sid2, block2, inner2) in zip(found, found[1:], strict=False):
            if (sid, block) != (sid2, block2):
                continue
            text = blocks[sid][block]
            first = text.index(htmllib.unescape(re.sub("<[^>]+>", "", inner)))
            second = text.index(htmllib.unescape(re.sub("<[^>]+>", "", inner2)))
            assert first < second, f"{file}: {sid} {block}"
            pairs += 1
    assert pairs >= 5  # the bundled site has such passages (the Moscow meeting's, say)


def test_a_persons_meetings_are_listed_by_date(bundled: Path) -> None:
    moscow = bundled / "content/meetings/moscow-lavrov-2023-11-21.yaml"
    later = moscow.read_text().replace("value: 2023-11-21", "value: 2023-12-01", 1)
    # First by slug, last by date.
    (bundled / "content/meetings/amman-follow-up.yaml").write_text(later)
    build_project(bundled)
    html = page(bundled / "_site", "people/ayman-safadi")
    section = html[
        html.index('id="meetings-title"') : html.index(
            "</section>", html.index('id="meetings-title"')
        )
    ]
    listed = re.findall(r'href="\.\./\.\./meetings/([^/]+)/"', section)
    assert listed == [
        "beijing-han-zheng-2023-11-20",
        "beijing-wang-yi-2023-11-20",
        "moscow-lavrov-2023-11-21",
        "amman-follow-up",
    ]


def test_a_pronoun_that_could_stand_for_someone_named_since_leaves_the_speaker_unstated(
    bundled: Path,
) -> None:
    (bundled / "seeds/005_new.txt").write_text(
        "Talks go on\n\n"
        '"Every day without a ceasefire costs lives," Indonesian Foreign Minister Retno '
        "Marsudi told a news conference. Jordan's Ayman Safadi, speaking in Amman, agreed. "
        '"Israel must stop," he said.\n\n'
        "Sergey Lavrov noted that Vladimir Putin had spoken to Mahmoud Abbas. "
        '"We are in contact," he said. Maria Zakharova said: "Netanyahu was not called." '
        '"The talks go on," she said.\n',
        encoding="utf-8",
    )
    build_project(bundled)
    items = [re.sub(r"<[^>]+>", "", li).strip() for li in quotations(bundled, "005_new")]
    assert items == [
        "Every day without a ceasefire costs lives — Retno Marsudi ¶",
        # Safadi opens the sentence in between: the "he" is not Marsudi for sure.
        "Israel must stop — speaker not stated the pronoun could stand for Ayman Safadi as "
        "well as Retno Marsudi ¶",
        # Putin and Abbas are named after "Lavrov noted that", not as subjects.
        "We are in contact — Sergey Lavrov speaker resolved from a pronoun ¶",
        "Netanyahu was not called. — Maria Zakharova ¶",
        # A name inside quotation marks is nobody who could be speaking.
        "The talks go on — Maria Zakharova speaker resolved from a pronoun ¶",
    ]


def test_quotations_link_their_speaker_and_leave_out_marked_terms(bundled: Path) -> None:
    (bundled / "seeds/005_new.txt").write_text(
        "Talks go on\n\n"
        'Sergey Lavrov rejected Israel\'s claim of "self-defence" and its "window of '
        'legitimacy". "The fighting must stop now," Lavrov said. "We disagree," said Wang, '
        "who was not named in full.\n",
        encoding="utf-8",
    )
    build_project(bundled)
    items = quotations(bundled, "005_new")
    assert [re.sub(r"<[^>]+>", "", li).strip() for li in items] == [
        "The fighting must stop now — Lavrov ¶",
        "We disagree — Wang ¶",
    ]
    # "Lavrov" is the Sergey Lavrov the article names; no Wang is named, so no link.
    assert '— <a href="../../people/sergey-lavrov/" dir="auto">Lavrov</a>' in items[0]
    assert "— Wang <a" in items[1]
    assert 'aria-label="The paragraph of this quotation">¶</a>' in items[0]


def test_a_sentence_naming_someone_hundreds_of_times_is_emphasised_as_any_other() -> None:
    from generator.render import _emphasise

    def reference(sentence: str, words: tuple[str, ...]) -> str:
        spans: list[tuple[int, int]] = []
        for word in words:
            at = sentence.find(word)
            while at >= 0:
                if not any(s < at + len(word) and at < e for s, e in spans):
                    spans.append((at, at + len(word)))
                at = sentence.find(word, at + len(word))
        out, pos = [], 0
        for s, e in sorted(spans):
            out += [sentence[pos:s].replace("&", "&amp;"), f"<strong>{sentence[s:e]}</strong>"]
            pos = e
        return "".join(out) + sentence[pos:].replace("&", "&amp;")

    # Past a few names the spans are kept as a map of the characters taken (a hostile
    # article naming someone thousands of times made the pairwise test quadratic).
    for count in (3, 40, 400):
        sentence = "Sergey Lavrov & Lavrov met Wang Yi; " * count
        words = ("Sergey Lavrov", "Lavrov", "Wang Yi", "Yi")
        out: list[str] = []
        _emphasise(sentence, words, out, {})
        assert "".join(out) == reference(sentence, words), count
        assert "".join(out).count("<strong>") == 3 * count


def test_an_organisation_named_inside_a_meeting_s_name_is_mentioned(bundled: Path) -> None:
    # 003 names BRICS only inside "the BRICS extraordinary virtual summit", an alias of the
    # meeting: the organisation's page lists the passage, and the source page still links
    # the meeting's name once, with no link inside it.
    build_project(bundled)
    site = bundled / "_site"
    brics = page(site, "organizations/brics")
    assert "No source article names this organisation yet" not in brics
    assert "<strong>BRICS</strong> extraordinary virtual summit" in brics
    source = page(site, "sources/003_ab5f22e0f36654c7")
    text = source[
        source.index('<div class="text"') : source.index(
            "</div>", source.index('<div class="text"')
        )
    ]
    assert 'class="entity organizations" href="../../organizations/brics/"' not in text
    assert ">BRICS extraordinary virtual summit</a>" in text
    party = page(site, "organizations/communist-party-of-china")
    assert "Political Bureau of the <strong>CPC</strong> Central Committee" in party


@pytest.mark.parametrize(
    ("signature", "person"),
    [
        ("Shen Shiwei 沈诗伟", "shen-shiwei"),  # the name, then the same in Chinese
        ("沈诗伟", "shen-shiwei"),  # an alias as the whole signature
        ("SHEN  Shiwei", "shen-shiwei"),  # case and spaces do not matter
        ("Embassy staff quoting Shen Shiwei", "shen-shiwei"),
        ("Lavrov", None),  # a surname alone names no one
        ("Lavrov fans", None),
        ("Egypt MFA Spokesperson", None),
        ("Shen", None),
    ],
)
def test_a_post_is_signed_by_the_person_its_signature_names(
    signature: str, person: str | None
) -> None:
    authors = {"shen shiwei": "shen-shiwei", "沈诗伟": "shen-shiwei", "sergey lavrov": "lavrov"}
    assert post_author(signature, authors) == person
