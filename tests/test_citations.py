"""Citations: quotes are verified against their source and linked to the passage."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.article import Article, Paragraph
from generator.build import build_project, check_project
from generator.citations import _QUOTES, Location, find_quote, normalise, source_passages
from generator.problems import DossierError


def article(*texts: str) -> Article:
    return Article(id="x", blocks=tuple(Paragraph(f"p{i + 1}", t) for i, t in enumerate(texts)))


def test_normalise_forgives_only_whitespace_quotes_and_dashes() -> None:
    assert normalise("“Peace”  —\n now ‘please’") == "\"Peace\" - now 'please'"
    assert normalise("Ceasefire") != normalise("ceasefire")
    assert normalise("stop.") != normalise("stop")


def test_find_quote_returns_offsets_in_the_original_text() -> None:
    text = "He said: “the war  must stop” – now."
    loc = find_quote(article("Intro.", text), '"the war must stop" - now')
    assert loc is not None
    assert loc.block == "p2"
    assert text[loc.start : loc.end] == "“the war  must stop” – now"


def test_find_quote_misses_a_changed_word() -> None:
    assert (
        find_quote(article("the war must stop immediately"), "the war must end immediately") is None
    )


@given(st.text(), st.text())
def test_normalise_never_raises_and_is_idempotent(a: str, b: str) -> None:
    once = normalise(a + b)
    assert normalise(once) == once


def _find_by_map(article: Article, quote: str) -> Location | None:
    """find_quote the slow, obvious way: normalise each passage a character at a time,
    keeping where each character came from."""
    needle = normalise(quote)
    if not needle:
        return None
    for block, text in source_passages(article):
        out: list[str] = []
        index: list[int] = []
        pending = False
        for i, ch in enumerate(text.translate(_QUOTES)):
            if ch.isspace():
                pending = bool(out)
                continue
            if pending:
                out.append(" ")
                index.append(i - 1)
                pending = False
            out.append(ch)
            index.append(i)
        at = "".join(out).find(needle)
        if at >= 0:
            return Location(block, index[at], index[at + len(needle) - 1] + 1)
    return None


_TRICKY = st.text(alphabet=st.sampled_from(" \t\n\u00a0\u2003\x1c\u2029ab.\u201c\u2014-'\""))


@given(st.lists(_TRICKY, min_size=1, max_size=3), st.data())
def test_find_quote_finds_what_a_character_by_character_map_finds(
    texts: list[str], data: st.DataObject
) -> None:
    art = article(*texts)
    text = data.draw(st.sampled_from(texts))
    start = data.draw(st.integers(0, len(text)))
    quote = data.draw(
        st.one_of(st.just(text[start : data.draw(st.integers(start, len(text)))]), _TRICKY)
    )
    expected = _find_by_map(art, quote)
    assert find_quote(art, quote) == expected
    # With a memo that already holds another article of the same id: redone, not reused.
    memo: dict[str, Any] = {}
    find_quote(article("the war must stop", *texts), "the war", memo)
    assert find_quote(art, quote, memo) == expected
    assert find_quote(art, quote, memo) == expected  # and now from the memo


def test_what_shows_nothing_and_how_accents_are_encoded_are_forgiven() -> None:
    """Text copied from the web carries soft hyphens, zero-width spaces and accents as a
    letter and a combining mark; a quote typed or copied elsewhere has none of them."""
    text = "Wang\u200bYi met Se\u0301rgey Lavrov and Ayman Saf\u00adadi in Moscow."
    art = article("Intro.", text)
    for quote in ("WangYi met Sérgey Lavrov", "Sérgey Lavrov and Ayman Safadi", "Safadi in"):
        loc = find_quote(art, quote)
        assert loc is not None and loc.block == "p2", quote
        assert normalise(text[loc.start : loc.end]) == normalise(quote)
    loc = find_quote(art, "Sérgey")
    assert loc is not None and text[loc.start : loc.end] == "Se\u0301rgey"
    # And the other way round: the source composed, the quote not.
    loc = find_quote(article("Sérgey Lavrov said."), "Se\u0301rgey Lavrov")
    assert loc == Location("p1", 0, 13)


_INVISIBLE_TEXT = st.text(
    alphabet=st.sampled_from(" \n\u00a0ab\u00e9e\u0301\u0327\u00ad\u200b\u200d\u2060\u201c-\u2014")
)


@given(_INVISIBLE_TEXT, st.data())
def test_any_stretch_of_a_text_with_invisible_characters_and_accents_is_found(
    text: str, data: st.DataObject
) -> None:
    # A stretch that does not cut a letter from its combining marks (with characters that
    # show nothing between them or not).
    def boundary(i: int) -> bool:
        rest = text[i:].lstrip("\u00ad\u200b\u200d\u2060")
        return not rest or not unicodedata.combining(rest[0])

    bounds = [i for i in range(len(text) + 1) if boundary(i)]
    start = data.draw(st.sampled_from(bounds))
    end = data.draw(st.sampled_from([b for b in bounds if b >= start]))
    quote = text[start:end]
    loc = find_quote(article(text), quote)
    if not normalise(quote):
        assert loc is None
        return
    assert loc is not None
    assert normalise(text[loc.start : loc.end]) == normalise(quote)
    assert normalise(text[: loc.start] + quote).endswith(normalise(quote))


def test_every_shipped_citation_verifies(bundled: Path) -> None:
    checked = check_project(bundled, strict=True)
    assert checked.coverage.citations > 0
    assert checked.coverage.verified == checked.coverage.citations
    assert all(use.location is not None for use in checked.site.citations)


def test_a_changed_word_fails_with_file_line_and_closest_passage(bundled: Path) -> None:
    sheet = bundled / "content/meetings/moscow-lavrov-2023-11-21.yaml"
    text = sheet.read_text()
    good = "On November 21, Foreign Minister Sergey Lavrov held a meeting in Moscow"
    assert good in text
    sheet.write_text(text.replace(good, good.replace("held", "hosted"), 1))
    line = next(i for i, t in enumerate(sheet.read_text().splitlines(), 1) if "hosted" in t)
    col = sheet.read_text().splitlines()[line - 1].index("On November") + 1
    with pytest.raises(DossierError) as info:
        check_project(bundled)
    messages = [str(p) for p in info.value.problems]
    assert messages == [
        f"content/meetings/moscow-lavrov-2023-11-21.yaml:{line}:{col}: date.cite.0.quote: not "
        'found in source 002_0c70cf7e982ea60c; closest passage: "On November 21, Foreign Minister '
        'Sergey Lavrov held a meeting in Moscow"'
    ]


def test_a_closest_passage_is_shown_as_the_source_writes_it(bundled: Path) -> None:
    sheet = bundled / "content/meetings/moscow-lavrov-2023-11-21.yaml"
    good = "On November 21, Foreign Minister Sergey Lavrov held a meeting in Moscow"
    text = sheet.read_text()
    sheet.write_text(text.replace(good, "a meeting in Moscow with the foreign minister of", 1))
    with pytest.raises(DossierError) as info:
        check_project(bundled)
    (problem,) = info.value.problems
    assert problem.message.startswith("not found in source 002_0c70cf7e982ea60c; closest passage")
    closest = problem.message.split('closest passage: "', 1)[1][:-1]
    seed = next((bundled / "seeds").glob("002_*.txt")).read_text()
    assert closest in " ".join(seed.split())  # its own quote marks and dashes, copyable


def test_a_quote_outside_the_text_or_across_paragraphs_says_so(make_site) -> None:  # type: ignore[no-untyped-def]
    seed = (
        "Talks in Amman\n\nBy Ivan Petrov\n\nAMMAN, Jan 5 (Reuters) - Jordan's Ayman Safadi "
        "met his counterpart.\n\nThey spoke for an hour. Then they left.\n"
    )
    sheet = (
        "title: Talks\ndate:\n  value: 2024-01-05\n"
        "  cite:\n    - source: 000_amman\n      quote: {}\n"
    )
    project = make_site({"seeds/000_amman.txt": seed})
    for quote, why in [
        ("By Ivan Petrov", "it is in the file but not in the article's text"),
        ("AMMAN, Jan 5 (Reuters)", "it is in the file but not in the article's text"),
        ("met his counterpart. They spoke", "it runs across paragraphs"),
    ]:
        (project / "content/meetings").mkdir(parents=True, exist_ok=True)
        (project / "content/meetings/talks.yaml").write_text(sheet.format(quote))
        with pytest.raises(DossierError) as info:
            check_project(project)
        (problem,) = info.value.problems
        assert problem.message.startswith("not found in source 000_amman; " + why), quote


def test_a_quote_unlike_any_passage_gets_no_closest_passage(bundled: Path) -> None:
    sheet = bundled / "content/meetings/moscow-lavrov-2023-11-21.yaml"
    good = "On November 21, Foreign Minister Sergey Lavrov held a meeting in Moscow"
    sheet.write_text(sheet.read_text().replace(good, "(Reporting by Ayla Demir)", 1))
    with pytest.raises(DossierError) as info:
        check_project(bundled)
    (problem,) = info.value.problems
    assert problem.message == "not found in source 002_0c70cf7e982ea60c"


def test_footnote_links_to_the_highlighted_passage(bundled: Path) -> None:
    build_project(bundled)
    site = bundled / "_site"
    meeting = (site / "meetings/moscow-lavrov-2023-11-21/index.html").read_text()
    links = re.findall(r'href="\.\./\.\./sources/002_0c70cf7e982ea60c/#(q-[^"]+)"', meeting)
    assert links
    source = (site / "sources/002_0c70cf7e982ea60c/index.html").read_text()
    for anchor in set(links):
        match = re.search(rf'<mark id="{anchor}"[^>]*>(.*?)</mark>', source) or re.search(
            rf'<span id="{anchor}"></span>', source
        )
        assert match, anchor
    mark = re.search(r'<mark id="q-p1-[^"]*"[^>]*>(.*?)</mark>', source)
    assert mark
    assert re.sub(r"<[^>]+>", "", mark.group(1)).startswith(
        "On November 21, Foreign Minister Sergey"
    )
    # The highlighted passage links back to the fact that cites it.
    assert 'class="backref" href="../../meetings/moscow-lavrov-2023-11-21/"' in source
    # Labelled in the site's spelling, as the masthead's "Organisations".
    assert re.search(
        r'class="backref" href="\.\./\.\./organizations/[^"]+"[^>]*>↩ organisation<', source
    )


def test_a_footnote_used_twice_links_back_to_each_use(bundled: Path) -> None:
    build_project(bundled)
    html = (bundled / "_site/meetings/moscow-lavrov-2023-11-21/index.html").read_text()
    notes = html[html.index('class="footnotes"') :]
    for n in re.findall(r'<li id="fn-(\d+)">', notes):
        uses = re.findall(rf'id="fnref-{n}-(\d+)"', html)
        backs = re.findall(rf'<a class="back" href="#fnref-{n}-(\d+)"', notes)
        assert uses and backs == uses, n  # one way back to every place that cites it
    # The date and the hosts cite the same words of 002: two ways back, each labelled.
    assert (
        '<a class="back" href="#fnref-4-2" aria-label="Back to text, place 2 of 2">2</a>' in notes
    )


def test_a_footnote_citing_a_headline_lands_on_the_highlighted_headline(bundled: Path) -> None:
    sheet = bundled / "content/meetings/beijing-wang-yi-2023-11-20.yaml"
    headline = "China leads diplomatic push for immediate ceasefire in the Gaza strip"
    sheet.write_text(
        sheet.read_text().replace(
            "      quote: a meeting took place in Beijing between Wang Yi\n",
            "      quote: a meeting took place in Beijing between Wang Yi\n"
            f"    - source: 003_ab5f22e0f36654c7\n      quote: {headline}\n",
            1,
        )
    )
    build_project(bundled)
    site = bundled / "_site"
    meeting = (site / "meetings/beijing-wang-yi-2023-11-20/index.html").read_text()
    anchor = "q-title-0-69"
    assert f'href="../../sources/003_ab5f22e0f36654c7/#{anchor}"' in meeting
    source = (site / "sources/003_ab5f22e0f36654c7/index.html").read_text()
    h1 = source[source.index('<h1 dir="auto" id="title">') : source.index("</h1>")]
    mark = re.search(rf'<mark id="{anchor}"[^>]*>(.*?)</mark>', h1)
    assert mark is not None and re.sub(r"<[^>]+>", "", mark.group(1)) == headline
    assert 'class="backref" href="../../meetings/beijing-wang-yi-2023-11-20/"' in h1


def test_coverage_report_lists_uncited_facts(make_site) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from generator.cli import main

    project = make_site(
        {
            "seeds/s1.txt": "Talks in Moscow\n\nLavrov met the ministers in Moscow on Tuesday.\n",
            "content/meetings/talks.yaml": """\
                title: Talks
                date:
                  value: 2023-11-21
                  cite:
                    - source: s1
                      quote: Lavrov met the ministers in Moscow
                place: Moscow
                """,
        }
    )
    result = CliRunner().invoke(main, ["-C", str(project), "check"])
    assert result.exit_code == 0, result.output
    assert (
        result.stderr == "content/meetings/talks.yaml:7:8: place: fact has no citation (warning)\n"
    )
    assert result.stdout.splitlines()[:3] == [
        "facts: 2, cited: 1, uncited: 1",
        "citations: 1, verified: 1",
        "sources cited: 1 of 1",
    ]


def test_a_quote_found_twice_is_named_and_refused_under_strict(make_site) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from generator.cli import main

    project = make_site(
        {
            "seeds/s1.txt": (
                "Talks\n\nThe ministers met. Talks went on.\n\nThe ministers met again.\n"
            ),
            "content/people/x.yaml": "name: X\nsummary_cite:\n"
            "  - source: s1\n    quote: The ministers met\n"
            "  - source: s1\n    quote: The ministers met again\n",
        }
    )
    result = CliRunner().invoke(main, ["-C", str(project), "check"])
    assert result.exit_code == 0
    warned = [line for line in result.output.splitlines() if "more than once" in line]
    assert warned == [
        "content/people/x.yaml:4:12: summary_cite.0.quote: found more than once in source s1, "
        "and the footnote can point at the first only; quote enough words to tell the passage "
        "(warning)"
    ]
    result = CliRunner().invoke(main, ["-C", str(project), "check", "--strict"])
    assert result.exit_code == 1


def test_overlapping_quotes_each_show_their_own_words_when_targeted(bundled: Path) -> None:
    import html as html_module

    checked = check_project(bundled)
    build_project(bundled)
    site = bundled / "_site"
    merged = 0
    for sid, source in checked.site.sources.items():
        page = (site / f"sources/{sid}/index.html").read_text()
        style = page[page.index("<head>") : page.index("</head>")]
        texts = dict(source_passages(source.article))
        for use in checked.site.citations:
            if use.source != sid or use.location is None:
                continue
            loc, anchor = use.location, use.anchor
            assert f'id="{anchor}"' in page, anchor
            pieces = re.findall(
                rf'<span class="q" data-q="[^"]*\b{anchor}\b[^"]*">(.*?)</span>', page
            )
            if not pieces:
                # A quote with a highlight of its own: the outlined <mark> is exactly it.
                assert re.search(rf'<mark id="{anchor}" title="[^"]*">', page), anchor
                continue
            merged += 1
            # Its pieces, end to end, are its words; the page has the rule that shows them.
            shown = html_module.unescape(re.sub(r"<[^>]+>", "", "".join(pieces)))
            assert shown == texts[loc.block][loc.start : loc.end], anchor
            assert f'.text:has(#{anchor}:target) .q[data-q~="{anchor}"]' in style
    assert merged > 20  # the bundled site has many: 002's first paragraph alone is cited 11 ways


def test_a_name_cut_by_overlapping_quotes_is_one_link(bundled: Path) -> None:
    # 004 links "summit convened by the Egyptian president" (the meeting's alias), and a
    # quote begins inside it: one link holding both pieces, not two links to one page.
    build_project(bundled)
    for page in sorted((bundled / "_site/sources").glob("*/index.html")):
        html = page.read_text()
        links = list(re.finditer(r'<a class="entity [^"]+" href="([^"]+)">', html))
        for one, two in zip(links, links[1:], strict=False):
            after = html.index("</a>", one.end()) + len("</a>")
            between = re.sub(r"<[^>]+>", "", html[after : two.start()])
            if one[1] == two[1]:
                assert between.strip(), f"{page}: {one[1]} linked twice in a row"
    tass = (bundled / "_site/sources/004_a0d9051ab7e3cd86/index.html").read_text()
    link = re.search(
        r'<a class="entity meetings" href="\.\./\.\./meetings/egyptian-president-summit/">'
        r"(.*?)</a>",
        tass,
    )
    assert link and re.sub(r"<[^>]+>", "", link[1]) == "summit convened by the Egyptian president"
    assert '<span class="q" data-q="' in link[1]  # its pieces, inside the one link
