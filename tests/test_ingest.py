"""dossier add (generator/ingest.py): the four input forms, ids, duplicates, refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.build import check_project
from generator.cli import main
from generator.ingest import Input, add_sources, normalised, text_digest
from generator.problems import DossierError

TASS = """\
Russia shares OIC assessments on need for ceasefire in Gaza

MOSCOW, November 21. /TASS/. Russia shares the assessments of the Organization of Islamic \
Cooperation on the need for a ceasefire in the Gaza Strip, Russian Foreign Minister Sergey \
Lavrov said.
"""

SOURCES_YAML = """\
# Curated metadata. This comment must survive every add.
000_aaaaaaaaaaaaaaaa:
  # TASS gives no year.
  published: 2023-11-21
"""

REUTERS = """\
Arab, Muslim ministers urge Britain to back Gaza ceasefire

By Andrew MacAskill

LONDON, Nov 22 (Reuters) - Foreign ministers from Saudi Arabia, Jordan and Indonesia met \
British Foreign Secretary David Cameron in London on Wednesday to press for a ceasefire in \
Gaza, a day after talks with Russian Foreign Minister Sergey Lavrov in Moscow.

"The world must act now," Jordanian Foreign Minister Ayman Safadi told reporters after the \
meeting, adding that the delegation would travel on to Paris and that it expected Britain to \
use its seat on the Security Council to push for an immediate and lasting halt to the fighting.

Reporting by Andrew MacAskill; Editing by Alex Richardson
"""

FRONT_MATTER = """\
---
title: Ministers carry Gaza message to Paris
date: 2023-11-22
outlet: Le Petit Journal
url: https://example.org/paris-gaza
---
# Ministers carry Gaza message to Paris

PARIS, Nov 22 (AFP) - The ministers met [President Emmanuel Macron](https://example.org/m) \
at the **Elysee** on Wednesday.
"""

NEWS_PAGE = """\
<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Arab ministers meet Cameron | The Daily Ledger</title>
<meta property="og:title" content="Arab and Muslim ministers press Cameron on Gaza ceasefire">
<meta property="og:site_name" content="The Daily Ledger">
<meta property="article:published_time" content="2023-11-22T14:05:00Z">
<script>window.dataLayer = []; function track() { console.log("tracking pixel"); }</script>
<style>.ad { display: block }</style>
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/politics">Politics</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<div class="ad-banner advertisement"><p>Advertisement: the best mattress today, 50% off!</p></div>
<main><article>
<h1>Arab and Muslim ministers press Cameron on Gaza ceasefire</h1>
<p class="byline">By Jane Holloway</p>
<p>LONDON, Nov 22 (Reuters) - Foreign ministers from Saudi Arabia, Jordan, Egypt and Indonesia \
met British Foreign Secretary David Cameron in London on Wednesday to press for an immediate \
ceasefire in Gaza.</p>
<p>The delegation, formed at the Riyadh summit of the Arab League and the Organisation of \
Islamic Cooperation, has already visited Beijing and Moscow.</p>
<p>"We are here to say clearly that this war must stop," Saudi Foreign Minister Prince Faisal \
bin Farhan told reporters outside the Foreign Office.</p>
<figure><img src="x.jpg" alt="">
<figcaption>Prince Faisal arrives. Photo: Reuters</figcaption></figure>
<p>Cameron said Britain supported humanitarian pauses but stopped short of calling for a \
ceasefire, a position that has drawn criticism from opposition parties in parliament.</p>
</article></main>
<aside class="comments"><h3>Comments</h3><div class="comment">
<p>Reader99: This is a disgrace, nobody listens to the people!</p></div></aside>
<footer><p>© 2023 The Daily Ledger. All rights reserved. Privacy policy.</p></footer>
<script>track()</script>
</body></html>
"""

NEWS_PAGE_TEXT = """\
Arab and Muslim ministers press Cameron on Gaza ceasefire

LONDON, Nov 22 (Reuters) - Foreign ministers from Saudi Arabia, Jordan, Egypt and Indonesia \
met British Foreign Secretary David Cameron in London on Wednesday to press for an immediate \
ceasefire in Gaza.

The delegation, formed at the Riyadh summit of the Arab League and the Organisation of \
Islamic Cooperation, has already visited Beijing and Moscow.

"We are here to say clearly that this war must stop," Saudi Foreign Minister Prince Faisal \
bin Farhan told reporters outside the Foreign Office.

Cameron said Britain supported humanitarian pauses but stopped short of calling for a \
ceasefire, a position that has drawn criticism from opposition parties in parliament.
"""


@pytest.fixture
def project(make_site) -> Path:
    return make_site(
        {
            "seeds/000_aaaaaaaaaaaaaaaa.txt": TASS,
            "content/sources.yaml": SOURCES_YAML,
        }
    )


def seeds_of(project: Path) -> list[str]:
    return sorted(
        p.relative_to(project).as_posix() for p in (project / "seeds").rglob("*") if p.is_file()
    )


def add(project: Path, *args: str, input: bytes | None = None):  # noqa: A002
    return CliRunner().invoke(main, ["-C", str(project), "add", *args], input=input)


def expected_id(number: int, text: str) -> str:
    """The id scheme, computed independently: NNN_ + 16 hex of SHA-256 of the normalised text."""
    return f"{number:03d}_" + hashlib.sha256(normalised(text).encode()).hexdigest()[:16]


def added_file(project: Path, path: Path, text: str, seed_text: str) -> tuple[str, str]:
    """Add ``text``, saved at ``path``, through the CLI; check that the seed holds
    ``seed_text`` and the original is kept as it was. The new id and the output."""
    path.write_text(text, encoding="utf-8")
    result = add(project, str(path))
    assert result.exit_code == 0, result.output
    new = expected_id(1, seed_text)
    assert (project / "seeds" / f"{new}.txt").read_text(encoding="utf-8") == seed_text
    original = project / "seeds" / "originals" / f"{new}{path.suffix}"
    assert original.read_text(encoding="utf-8") == text
    return new, result.output


# -- the four forms ----------------------------------------------------------------------------


def test_plain_text_is_stored_verbatim_with_the_next_number(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "reuters.txt"
    path.write_text(REUTERS, encoding="utf-8")
    result = add(project, str(path))
    assert result.exit_code == 0, result.output
    new = expected_id(1, REUTERS)
    assert (project / "seeds" / f"{new}.txt").read_text(encoding="utf-8") == REUTERS
    assert (project / "seeds" / "originals" / f"{new}.txt").read_bytes() == REUTERS.encode()
    # No metadata to curate: sources.yaml is left alone.
    assert (project / "content" / "sources.yaml").read_text(encoding="utf-8") == SOURCES_YAML
    assert f"Added {new} (text) from {path}: seeds/{new}.txt, original kept as " in result.output
    # The build reads the new seed and not the kept original.
    assert sorted(check_project(project).site.sources) == ["000_aaaaaaaaaaaaaaaa", new]


def test_the_id_is_stable_and_ignores_whitespace_quote_style_and_case(tmp_path: Path) -> None:
    assert text_digest(REUTERS) == text_digest(REUTERS.replace(" ", "  ").replace('"', "“"))
    assert text_digest(REUTERS) == text_digest(REUTERS.upper())
    assert text_digest(REUTERS) != text_digest(REUTERS.replace("Paris", "Oslo"))


def test_numbering_continues_after_the_highest_seed(make_site) -> None:
    project = make_site(
        {"seeds/000_aaaaaaaaaaaaaaaa.txt": TASS, "seeds/004_bbbbbbbbbbbbbbbb.txt": "Other text."}
    )
    result = add_sources(project, [Input("a.txt", REUTERS.encode())])
    assert [a.id for a in result.added] == [expected_id(5, REUTERS)]


def test_front_matter_becomes_curated_metadata_and_the_body_the_seed(
    project: Path, tmp_path: Path
) -> None:
    path = tmp_path / "paris.md"
    seed_text = (
        "Ministers carry Gaza message to Paris\n\n"
        "PARIS, Nov 22 (AFP) - The ministers met President Emmanuel Macron at the Elysee on "
        "Wednesday.\n"
    )
    new, _output = added_file(project, path, FRONT_MATTER, seed_text)
    assert (project / "content" / "sources.yaml").read_text(encoding="utf-8") == SOURCES_YAML + (
        f"\n{new}:\n"
        f'  # added by dossier add, from the front matter of "{path}"\n'
        '  title: "Ministers carry Gaza message to Paris"\n'
        '  outlet: "Le Petit Journal"\n'
        '  url: "https://example.org/paris-gaza"\n'
        "  published: 2023-11-22\n"
    )
    source = check_project(project).site.sources[new]
    assert (source.title.value, source.title.basis) == (
        "Ministers carry Gaza message to Paris",
        "curated",
    )
    assert (str(source.published.value), source.published.basis) == ("2023-11-22", "curated")
    assert (source.outlet.value, source.url) == (
        "Le Petit Journal",
        "https://example.org/paris-gaza",
    )
    assert source.article.dateline_place.value == "Paris"


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("tittle: X\n", "paris.md:2:1: tittle: unknown field. Did you mean 'title'?"),
        (
            "date: 22/11/2023\n",
            "paris.md:2:7: date: not a valid date: '22/11/2023'; write YYYY-MM-DD",
        ),
        ("url: example.org\n", "paris.md:2:6: url: must be an http:// or https:// URL"),
        (
            "published: 2023-13-45\n",
            "paris.md:2:12: published: no such date: '2023-13-45'",
        ),
        ("- a list\n", "paris.md:2: front matter must be a mapping (title: ..., date: ...)"),
        ("author: Jane Doe\n", "paris.md:2:1: author: unknown field. Did you mean 'byline'?"),
        ("source: AFP\n", "paris.md:2:1: source: unknown field. Did you mean 'outlet'?"),
        (
            "date: 2023-11-22\npublished: 2023-11-22\n",
            "paris.md:3:1: published: gives the date again ('date' and 'published' are the same "
            "field); keep one",
        ),
        (
            "language: fr FR\n",
            "paris.md:2:11: language: must be a language tag such as en or pt-BR",
        ),
    ],
)
def test_bad_front_matter_is_refused_at_its_line(project: Path, front: str, message: str) -> None:
    text = f"---\n{front}---\nSome body text.\n"
    with pytest.raises(DossierError) as exc:
        add_sources(project, [Input("paris.md", text.encode(), ".md")])
    assert [str(p) for p in exc.value.problems] == [message]
    assert seeds_of(project) == ["seeds/000_aaaaaaaaaaaaaaaa.txt"]


def test_front_matter_may_name_the_date_published_as_sources_yaml_does(
    project: Path,
) -> None:
    text = "---\ntitle: Paris talks\npublished: 2023-11-22\n---\nThe ministers met in Paris.\n"
    added = add_sources(project, [Input("paris.md", text.encode(), ".md")])
    new = added.added[0].id
    assert str(check_project(project).site.sources[new].published.value) == "2023-11-22"


def test_a_weekday_counted_from_the_first_day_of_the_calendar_is_left_undated(
    project: Path, tmp_path: Path
) -> None:
    path = tmp_path / "old.md"
    path.write_text(
        "---\ntitle: Talks\ndate: 0001-01-01\n---\n"
        "LONDON (Reuters) - Ministers met last Monday and will meet again.\n",
        encoding="utf-8",
    )
    result = add(project, str(path))
    assert result.exit_code == 0, result.output
    assert (
        "  weekday p1: 'last Monday' -> — (missing; “last Monday”: the publication date is at "
        "the edge of the calendar)"
    ) in result.output
    assert len(check_project(project).site.sources) == 2


def test_front_matter_gives_the_language_of_an_article(project: Path) -> None:
    text = "---\ntitle: Entretiens\nlanguage: fr\n---\nLes ministres se sont réunis à Paris.\n"
    new = add_sources(project, [Input("paris.md", text.encode(), ".md")]).added[0].id
    entry = (project / "content" / "sources.yaml").read_text(encoding="utf-8").split(f"{new}:")[1]
    assert entry.splitlines()[2:] == ['  title: "Entretiens"', "  language: fr"]
    assert check_project(project).site.sources[new].article.language == "fr"


def test_saved_news_page_keeps_the_article_and_drops_the_rest(
    project: Path, tmp_path: Path
) -> None:
    path = tmp_path / "ledger.html"
    path.write_text(NEWS_PAGE, encoding="utf-8")
    result = add(project, str(path))
    assert result.exit_code == 0, result.output
    new = expected_id(1, NEWS_PAGE_TEXT)
    seed_text = (project / "seeds" / f"{new}.txt").read_text(encoding="utf-8")
    assert seed_text == NEWS_PAGE_TEXT
    for junk in (
        "Home",
        "Sport",
        "Advertisement",
        "mattress",
        "dataLayer",
        "tracking",
        "Reader99",
        "disgrace",
        "All rights reserved",
        "Photo: Reuters",
    ):
        assert junk not in seed_text, junk
    assert (project / "seeds" / "originals" / f"{new}.html").read_text(
        encoding="utf-8"
    ) == NEWS_PAGE
    appended = (project / "content" / "sources.yaml").read_text(encoding="utf-8")
    assert appended.startswith(SOURCES_YAML)
    assert appended[len(SOURCES_YAML) :] == (
        f"\n{new}:\n"
        f'  # added by dossier add, from the saved HTML page of "{path}"\n'
        '  title: "Arab and Muslim ministers press Cameron on Gaza ceasefire"\n'
        '  outlet: "The Daily Ledger"\n'
        "  published: 2023-11-22\n"
        '  byline: "Jane Holloway"\n'
    )
    site = check_project(project).site
    assert sorted(site.sources) == ["000_aaaaaaaaaaaaaaaa", new]  # the .html original is not read
    assert (
        site.sources[new].article.title.value
        == "Arab and Muslim ministers press Cameron on Gaza ceasefire"
    )


def test_stdin_is_read_with_a_dash_and_its_form_detected(project: Path) -> None:
    result = add(project, "-", input=FRONT_MATTER.encode())
    assert result.exit_code == 0, result.output
    (original,) = (project / "seeds" / "originals").iterdir()
    assert original.suffix == ".md"
    assert original.read_bytes() == FRONT_MATTER.encode()
    assert "(front-matter) from <stdin>" in result.output


NEWS_API_JSON = """\
{
  "source": {"id": null, "name": "Reuters"},
  "author": ["Jane Doe", {"name": "Omar Khalil"}, "Jane Doe"],
  "title": "Arab ministers press Cameron on Gaza ceasefire",
  "url": "https://example.org/cameron-gaza",
  "urlToImage": "https://example.org/cameron.jpg",
  "publishedAt": "2023-11-22T14:05:00Z",
  "content": "<p>LONDON, Nov 22 (Reuters) - Foreign ministers met David Cameron &amp; his \
aides.</p><p>\\"This war must stop,\\" Prince Faisal bin Farhan said.</p>"
}
"""


def test_a_json_article_from_a_news_api_becomes_a_seed_and_curated_metadata(
    project: Path, tmp_path: Path
) -> None:
    path = tmp_path / "cameron.json"
    seed_text = (
        "Arab ministers press Cameron on Gaza ceasefire\n\n"
        "LONDON, Nov 22 (Reuters) - Foreign ministers met David Cameron & his aides.\n\n"
        '"This war must stop," Prince Faisal bin Farhan said.\n'
    )
    new, output = added_file(project, path, NEWS_API_JSON, seed_text)
    assert f"Added {new} (json) from {path}" in output
    # Names and objects as the API gives them; an author named twice is credited once.
    assert (project / "content" / "sources.yaml").read_text(encoding="utf-8") == SOURCES_YAML + (
        f"\n{new}:\n"
        f'  # added by dossier add, from the JSON of "{path}"\n'
        '  title: "Arab ministers press Cameron on Gaza ceasefire"\n'
        '  outlet: "Reuters"\n'
        '  url: "https://example.org/cameron-gaza"\n'
        "  published: 2023-11-22\n"
        '  byline: "Jane Doe, Omar Khalil"\n'
    )
    source = check_project(project).site.sources[new]
    assert (str(source.published.value), source.published.basis) == ("2023-11-22", "curated")
    assert (source.byline.value, source.url) == (
        "Jane Doe, Omar Khalil",
        "https://example.org/cameron-gaza",
    )
    assert source.article.dateline_place.value == "London"


def test_a_schema_org_news_article_gives_its_headline_body_publisher_and_language(
    project: Path,
) -> None:
    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Les ministres arabes à Paris",
        "datePublished": "Wed, 22 Nov 2023 09:30:00 +0100",
        "publisher": {"@type": "Organization", "name": "Le Petit Journal"},
        "inLanguage": "fr_FR",
        "articleBody": "PARIS, 22 novembre (AFP) - Les ministres ont rencontré Emmanuel Macron.",
    }
    raw = json.dumps(article, ensure_ascii=False).encode()
    (added,) = add_sources(project, [Input("paris.json", raw, ".json")]).added
    assert (added.form, added.original) == ("json", f"seeds/originals/{added.id}.json")
    assert added.meta == {
        "title": "Les ministres arabes à Paris",
        "published": "2023-11-22",
        "outlet": "Le Petit Journal",
        "language": "fr-FR",
    }
    assert (project / "seeds" / f"{added.id}.txt").read_text(encoding="utf-8") == (
        "Les ministres arabes à Paris\n\n"
        "PARIS, 22 novembre (AFP) - Les ministres ont rencontré Emmanuel Macron.\n"
    )


def test_json_on_stdin_is_recognised_and_a_bracket_alone_is_not_json(project: Path) -> None:
    # Nested beyond what the JSON reader follows: read as the text it is, not a crash.
    deep = ("[" * 100_000 + "]" * 100_000 + "\n\nMinisters met in London.\n").encode()
    assert add(project, "--dry-run", "-", input=deep).exit_code == 0
    result = add(project, "-", input=NEWS_API_JSON.encode())
    assert result.exit_code == 0, result.output
    assert "(json) from <stdin>" in result.output
    text = "[Updated] Ministers meet in London\n\nLONDON (Reuters) - The ministers met again.\n"
    result = add(project, "-", input=text.encode())
    assert result.exit_code == 0, result.output
    assert "(text) from <stdin>" in result.output


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('{\n  "title": "X",\n  "text" "body"\n}\n',
         "a.json:3:10: not valid JSON: Expecting ':' delimiter"),
        ('[{"text": "One."}, {"text": "Two."}]',
         "a.json: a JSON list of 2 items; give each article as its own JSON object, one per file"),
        ('"just a string"', "a.json: JSON must be an object (one article)"),
        ('{"title": "Talks", "summary": "Ministers met."}',
         "a.json: no article text in the JSON object; give it as 'text', 'body', 'content', "
         "'articleBody'"),
        ('{"status": "ok", "articles": [{"text": "Ministers met."}]}',
         "a.json: no article text in the JSON object; give it as 'text', 'body', 'content', "
         "'articleBody' (a news API's response: save each of its articles as a file)"),
        ("[" * 100_000 + "]" * 100_000,
         "a.json: JSON nested too deeply to be an article; refused"),
        ('{"id": ' + "9" * 5000 + ', "text": "Ministers met."}',
         "a.json: not valid JSON: Exceeds the limit (4300 digits) for integer string "
         "conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase "
         "the limit"),
        ('{"title": "T",\n "text": "Ministers met in \\ud800 London."}',
         "a.json:2:10: text: holds a lone surrogate (U+D800); refused"),
    ],
)  # fmt: skip
def test_a_json_article_that_cannot_be_read_is_refused_where_it_goes_wrong(
    in_parent: Path, data: str, message: str
) -> None:
    assert refused(in_parent, ("a.json", data.encode())) == (
        f"{message}\nError: 1 problem; nothing was written.\n"
    )


def test_invalid_json_on_stdin_is_refused_not_taken_for_text(project: Path) -> None:
    result = add(project, "-", input=b'{"title": "T", "text": "Ministers met.",}\n')
    assert result.exit_code == 1
    assert result.output.startswith(
        "<stdin>:1:41: not valid JSON: Expecting property name enclosed in double quotes\n"
    )
    assert seeds_of(project) == ["seeds/000_aaaaaaaaaaaaaaaa.txt"]


JSON_WITH_BAD_FIELDS = """\
{
  "date": "last week",
  "source": {"name": "Reuters", "url": "not checked: not the article's"},
  "publishedAt": 1700654700,
  "url": "https:///nowhere",
  "link": "https://example.org/talks",
  "author": 42,
  "lang": "english please",
  "text": "LONDON (Reuters) - Ministers met."
}
"""


def test_a_json_field_that_cannot_be_read_is_left_out_with_a_warning(
    project: Path, tmp_path: Path
) -> None:
    path = tmp_path / "a.json"
    path.write_text(JSON_WITH_BAD_FIELDS, encoding="utf-8")
    result = add(project, str(path))
    assert result.exit_code == 0, result.output
    # The next key with a usable value stands in (publishedAt: seconds since 1970, link).
    sources = check_project(project).site.sources
    (added,) = [s for sid, s in sources.items() if sid != "000_aaaaaaaaaaaaaaaa"]
    assert str(added.published.value) == "2023-11-22"
    assert added.url == "https://example.org/talks"
    assert added.outlet.value == "Reuters"
    assert (
        f"{path}:7:13: author: expected text, or an object with a 'name'; left out (warning)"
        in (result.output)
    )
    assert f"{path}:8:11: lang: must be a language tag such as en or pt-BR; left out (warning)" in (
        result.output
    )
    assert "date: not a date" not in result.output  # publishedAt stood in for it
    (tmp_path / "b.json").write_text(JSON_WITH_BAD_FIELDS.replace("Ministers", "Envoys"))
    strict = add(project, "--strict", str(tmp_path / "b.json"))
    assert strict.exit_code == 1
    assert (
        f"{tmp_path / 'b.json'}:7:13: author: expected text, or an object with a 'name'; "
        "left out (warning, an error under --strict)"
    ) in strict.output


def test_a_json_articles_html_and_entities_become_plain_paragraphs(project: Path) -> None:
    body = (
        "<p>LONDON (Reuters) - Ministers &amp; envoys met.<p>They spoke of a "
        "<em>truce</em>.<section>Talks</section><section>went on</section>"
        "<script>alert('x')</script><style>p{color:red}</style><!-- a > b --> late."
    )
    raw = json.dumps(
        {"title": "Talks &amp; envoys", "text": body, "byline": "<b>Jane</b> Doe\u0007"}
    )
    (added,) = add_sources(project, [Input("a.json", raw.encode(), ".json")]).added
    assert (project / "seeds" / f"{added.id}.txt").read_text(encoding="utf-8") == (
        "Talks & envoys\n\n"
        "LONDON (Reuters) - Ministers & envoys met.\n\n"
        "They spoke of a truce.\n\nTalks\n\nwent on\n\nlate.\n"
    )
    assert added.meta == {"title": "Talks & envoys", "byline": "Jane Doe"}


def test_a_json_text_with_single_line_breaks_has_a_paragraph_per_line(project: Path) -> None:
    raw = json.dumps({"text": "Ministers met.\nThey talked.\r\nThey left.\u0000"}).encode()
    (added,) = add_sources(project, [Input("a.json", raw, ".json")]).added
    article = check_project(project).site.sources[added.id].article
    assert [b.text for b in article.blocks] == ["Ministers met.", "They talked.", "They left."]


def test_json_keys_are_read_in_any_case_and_json_feed_items_too(project: Path) -> None:
    item = {
        "Title": "Talks in London",
        "DatePublished": "2023-11-22",
        "Authors": [{"name": "Jane Doe"}],
        "content_html": "<p>LONDON (Reuters) - Ministers met.</p>",
        "URL": "https://example.org/a",
    }
    raw = json.dumps(item).encode()
    (added,) = add_sources(project, [Input("item.json", raw, ".json")]).added
    assert added.meta == {
        "title": "Talks in London",
        "published": "2023-11-22",
        "url": "https://example.org/a",
        "byline": "Jane Doe",
    }
    warned = json.dumps({"Text": "Ministers met again.", "Author": 5}).encode()
    result = add_sources(project, [Input("b.json", warned, ".json")])
    assert [str(w) for w in result.warnings] == [
        "b.json:1:44: Author: expected text, or an object with a 'name'; left out (warning)"
    ]


def test_a_json_ld_file_is_read_as_json(project: Path) -> None:
    raw = json.dumps({"@type": "NewsArticle", "headline": "Talks", "articleBody": "Ministers met."})
    (added,) = add_sources(project, [Input("a.jsonld", raw.encode(), ".jsonld")]).added
    assert (added.form, added.meta) == ("json", {"title": "Talks"})


def test_a_json_text_of_many_unclosed_tags_is_read(project: Path) -> None:
    # Scanning from each "<" to the end of the text took minutes on a tenth of this.
    raw = json.dumps({"title": "T", "text": "Ministers met. " + "<p " * 200_000}).encode()
    (added,) = add_sources(project, [Input("a.json", raw, ".json")], dry_run=True).added
    assert added.form == "json"


# -- refusals ----------------------------------------------------------------------------------


def refused(project: Path, *files: tuple[str, bytes]) -> str:
    """Add the files in one batch through the CLI; it must fail and write nothing."""
    before = seeds_of(project)
    yaml_before = (project / "content" / "sources.yaml").read_bytes()
    paths = []
    for name, data in files:
        path = project.parent / name
        path.write_bytes(data)
        paths.append(name)
    result = CliRunner().invoke(main, ["-C", str(project), "add", *paths], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert seeds_of(project) == before
    assert (project / "content" / "sources.yaml").read_bytes() == yaml_before
    return result.output


@pytest.fixture
def in_parent(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(project.parent)
    return project


def test_exact_duplicate_is_refused_naming_the_existing_source(in_parent: Path) -> None:
    copy = TASS.replace("Lavrov said.", "Lavrov  said.").replace("\n", "\r\n").encode()
    assert refused(in_parent, ("copy.txt", copy)) == (
        "copy.txt: the same text as the existing source 000_aaaaaaaaaaaaaaaa "
        "(seeds/000_aaaaaaaaaaaaaaaa.txt); refused\n"
        "Error: 1 problem; nothing was written.\n"
    )


def test_a_duplicate_inside_the_batch_is_refused(in_parent: Path) -> None:
    new = expected_id(1, REUTERS)
    assert refused(in_parent, ("a.txt", REUTERS.encode()), ("b.txt", REUTERS.encode())) == (
        f"b.txt: the same text as {new} (added from a.txt in this batch); refused\n"
        "Error: 1 problem; nothing was written.\n"
    )


def test_not_utf8_binary_and_too_large_are_refused_and_nothing_is_written(in_parent: Path) -> None:
    big = b"word " * (2 * 1024 * 1024 // 5 + 1)
    output = refused(
        in_parent,
        ("good.txt", REUTERS.encode()),
        ("latin1.txt", "Caf\u00e9 talks in Gen\u00e8ve.".encode("latin-1")),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"),
        ("big.txt", big),
    )
    # A file over the limit is refused before it is read, so it comes first.
    assert output == (
        "big.txt: file is larger than 2048 KiB; refused\n"
        "latin1.txt:1:4: not valid UTF-8 (byte 0xe9); save the file as UTF-8\n"
        "photo.jpg:1: looks like a binary file (NUL byte); refused\n"
        "Error: 3 problems; nothing was written.\n"
    )


def test_empty_text_and_empty_page_are_refused(in_parent: Path) -> None:
    output = refused(
        in_parent,
        ("empty.txt", b"  \n\n"),
        ("blank.html", b"<html><body><nav><a href='/'>Home</a></nav></body></html>"),
        ("title.txt", b"Lavrov meets Faisal\n"),
    )
    assert output == (
        "empty.txt: no article text; refused\n"
        "blank.html: no article text found in the page; refused\n"
        "title.txt: only a title line, no article text; refused\n"
        "Error: 3 problems; nothing was written.\n"
    )


def test_stdin_over_the_limit_is_refused(project: Path) -> None:
    result = add(project, "-", input=b"x" * (2 * 1024 * 1024 + 10))
    assert result.exit_code == 1
    assert result.output == (
        "<stdin>: file is larger than 2048 KiB; refused\nError: 1 problem; nothing was written.\n"
    )


# -- near duplicates ----------------------------------------------------------------------------

REPUBLISHED = REUTERS.replace(
    "Arab, Muslim ministers urge Britain to back Gaza ceasefire",
    "Ministers urge UK to back ceasefire",
).replace("Reporting by Andrew MacAskill; Editing by Alex Richardson\n", "")


def test_near_duplicate_is_added_with_a_warning_naming_the_earlier_source(make_site) -> None:
    project = make_site({"seeds/000_aaaaaaaaaaaaaaaa.txt": REUTERS})
    result = add(project, "-", input=REPUBLISHED.encode())
    assert result.exit_code == 0, result.output
    new = expected_id(1, REPUBLISHED)
    assert (project / "seeds" / f"{new}.txt").is_file()
    assert (
        "<stdin>: nearly the same text as 000_aaaaaaaaaaaaaaaa (81% of word 5-grams shared): "
        "the same story republished? Added anyway. (warning)"
    ) in result.output
    # A dry run adds nothing, and says so.
    (project / "seeds" / f"{new}.txt").unlink()
    result = add(project, "--dry-run", "-", input=REPUBLISHED.encode())
    assert result.exit_code == 0, result.output
    assert "the same story republished? Would be added anyway. (warning)" in result.output
    assert not (project / "seeds" / f"{new}.txt").exists()


def test_near_duplicate_is_refused_with_strict(make_site) -> None:
    project = make_site({"seeds/000_aaaaaaaaaaaaaaaa.txt": REUTERS})
    result = add(project, "--strict", "-", input=REPUBLISHED.encode())
    assert result.exit_code == 1
    assert result.output == (
        "<stdin>: nearly the same text as 000_aaaaaaaaaaaaaaaa (81% of word 5-grams shared): "
        "the same story republished? Refused (--strict).\n"
        "Error: 1 problem; nothing was written.\n"
    )
    assert seeds_of(project) == ["seeds/000_aaaaaaaaaaaaaaaa.txt"]


def test_different_stories_on_the_same_event_are_not_near_duplicates(make_site) -> None:
    project = make_site({"seeds/000_aaaaaaaaaaaaaaaa.txt": TASS})
    result = add_sources(project, [Input("r.txt", REUTERS.encode())])
    assert result.warnings == () and result.added[0].near == ()


def test_existing_files_are_never_overwritten(project: Path) -> None:
    new = expected_id(1, REUTERS)
    (project / "seeds" / "originals").mkdir(parents=True)
    # A stray original with the number the next seed would take moves the numbering on.
    (project / "seeds" / "originals" / f"{new}.txt").write_text("stray", encoding="utf-8")
    result = add_sources(project, [Input("r.txt", REUTERS.encode())])
    assert result.added[0].id == expected_id(2, REUTERS)
    assert (project / "seeds" / "originals" / f"{new}.txt").read_text(encoding="utf-8") == "stray"


def test_dry_run_writes_nothing(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text(REUTERS, encoding="utf-8")
    result = add(project, "--dry-run", str(path))
    assert result.exit_code == 0, result.output
    assert f"Would add {expected_id(1, REUTERS)} (text)" in result.output
    assert seeds_of(project) == ["seeds/000_aaaaaaaaaaaaaaaa.txt"]
    # The report is the same as a real add's, and says that nothing was written.
    real = add(project, str(path))
    report = real.output.splitlines()[1:]
    assert report and result.output.splitlines()[1:-1] == report
    assert result.output.splitlines()[-1] == "Dry run: nothing was written."


def test_adds_started_together_each_get_their_own_number_and_metadata(project: Path) -> None:
    # Eight terminals (or a script's loop with &) adding at once: each takes the project's
    # lock in turn, so no seed number is taken twice and no sources.yaml entry is lost.
    files = []
    for i in range(8):
        path = project.parent / f"race{i}.md"
        path.write_text(
            f"---\ntitle: Race article {i}\noutlet: Outlet {i}\n---\n"
            f"Ministers met in city number {i} on a day of talks about item {i * 7919}.\n",
            encoding="utf-8",
        )
        files.append(path)
    command = [sys.executable, "-m", "generator", "-C", str(project), "add", "-q"]
    runs = [subprocess.Popen([*command, str(f)], stderr=subprocess.PIPE, text=True) for f in files]
    for run in runs:
        _out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    seeds = sorted(p.name for p in (project / "seeds").glob("*.txt"))
    numbers = [name[:3] for name in seeds]
    assert numbers == [f"{n:03d}" for n in range(9)]  # 000 was there; 001-008, once each
    meta = yaml.safe_load((project / "content/sources.yaml").read_text(encoding="utf-8"))
    outlets = sorted(e["outlet"] for key, e in meta.items() if key != "000_aaaaaaaaaaaaaaaa")
    assert outlets == [f"Outlet {i}" for i in range(8)]
    assert not (project / ".dossier-lock").exists()


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_file_name_cannot_write_entries_into_sources_yaml(
    project: Path, tmp_path: Path, separator: str
) -> None:
    """Browsers name a saved page after its title: a name holding what YAML reads as a
    line break would end the comment that names it, and the rest would be keys."""
    sep = separator
    name = f"z{sep}  title: ok{sep}000_aaaaaaaaaaaaaaaa:{sep}  outlet: INJECTED{sep}#.md"
    path = tmp_path / name
    path.write_text("---\ntitle: A title\n---\nMinisters met in Paris.\n", encoding="utf-8")
    result = add(project, str(path))
    assert result.exit_code == 0, result.output
    text = (project / "content/sources.yaml").read_text(encoding="utf-8")
    assert sep not in text
    entries = yaml.safe_load(text)
    assert entries["000_aaaaaaaaaaaaaaaa"] == {"published": dt.date(2023, 11, 21)}
    [new] = [key for key in entries if key != "000_aaaaaaaaaaaaaaaa"]
    assert entries[new] == {"title": "A title"}
    site = check_project(project).site
    assert site.sources["000_aaaaaaaaaaaaaaaa"].outlet.value != "INJECTED"


def test_a_character_no_page_should_hold_is_refused_where_it_is_written(project: Path) -> None:
    text = '---\ntitle: "A\\uffffB"\n---\nMinisters met in Paris.\n'
    with pytest.raises(DossierError) as exc:
        add_sources(project, [Input("fm.md", text.encode(), ".md")])
    assert [str(p) for p in exc.value.problems] == [
        "fm.md:2:8: title: character U+FFFF is not allowed; remove it"
    ]
    assert seeds_of(project) == ["seeds/000_aaaaaaaaaaaaaaaa.txt"]


def test_a_title_with_line_separators_stays_one_line(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "sep.md"
    path.write_text(
        '---\ntitle: "Line one\\u2028two\\u2029three"\n---\nMinisters met in Paris on Monday.\n',
        encoding="utf-8",
    )
    result = add(project, str(path))
    assert result.exit_code == 0, result.output
    [seed] = [p for p in (project / "seeds").glob("001_*.txt")]
    assert seed.read_text(encoding="utf-8").startswith(
        "Line one two three\n\nMinisters met in Paris on Monday.\n"
    )
    assert "title: Line one two three (curated; from the title line)" in result.output
    assert '  title: "Line one two three"\n' in (project / "content/sources.yaml").read_text()


def test_a_curated_outlet_is_not_said_to_come_from_the_dateline(project: Path) -> None:
    page = (
        "<html><head><title>Talks in Paris</title>"
        '<meta property="og:site_name" content="Le Monde"></head><body><article>'
        "<h1>Talks in Paris</h1><p>PARIS, Nov 22 (Reuters) - Foreign ministers from Saudi "
        "Arabia, Jordan and Indonesia met in Paris on Wednesday to discuss the war, officials "
        "said after the talks ended late in the day.</p><p>They said more talks would follow "
        "next week in another capital of the region.</p></article></body></html>"
    )
    new = add_sources(project, [Input("p.html", page.encode(), ".html")]).added[0].id
    outlet = check_project(project).site.sources[new].outlet
    assert (outlet.value, outlet.basis, outlet.note) == ("Le Monde", "curated", "")
