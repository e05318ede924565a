"""Bad, hostile and faulty input (issue 8): clear errors, nothing lost, nothing injected.

A table-driven battery, one section per kind of threat:

1. untrusted HTML -- sanitiser, Markdown prose, article text, templates, JSON-LD, URL fields
2. YAML           -- tags, aliases, duplicate keys, implicit types, dates, shapes, depth
3. text input     -- encodings, BOM, newlines, control characters, pathological Markdown, size
4. paths          -- slugs and ids, containment, case and Unicode collisions
5. output safety  -- faults while writing, a killed build, dangerous output folders, modes
6. determinism    -- hash seed, time zone, locale, listing order, no machine paths or clock
7. properties     -- Hypothesis: only DossierError, safe and stable slugs
8. README         -- the Safety section

Each case asserts what a user would notice: the exact error text, the exit code,
what a page contains or does not contain. Unit cases of the YAML loader live in
tests/test_yamlstrict.py; here the same threats go through the whole tool.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import generator.write as write_module
from generator.article import parse_article
from generator.build import BuildOptions, build_project, check_project
from generator.citations import find_quote, normalise
from generator.cli import main
from generator.plan import Page, find_collisions
from generator.problems import DossierError
from generator.render import Renderer, sanitize, theme_dir
from generator.schema import SLUG_RE
from generator.slugs import is_reserved, slugify
from generator.textio import decode_text
from generator.write import Carry, write_site
from generator.yamlstrict import load_yaml
from tests.conftest import ROOT, MakeSite, write_tree

SITE_YAML = "title: Test dossier\nbase_url: https://example.org/repo/\n"
QUIET = BuildOptions(search=False)


def problems_of(project: Path) -> list[str]:
    with pytest.raises(DossierError) as info:
        check_project(project)
    return [str(p) for p in info.value.problems]


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def text_files(folder: Path) -> dict[str, str]:
    """Every page and data file of a built site as text (the Pagefind bundle is binary)."""
    return {
        rel: data.decode("utf-8")
        for rel, data in tree(folder).items()
        if rel.endswith((".html", ".xml", ".json", ".txt", ".css", ".js"))
        and not rel.startswith("pagefind/")
    }


class Audit(HTMLParser):
    """Collects anything on a page that could run script or leave the site unsafely."""

    URL_ATTRS = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster", "data"})
    FORBIDDEN = frozenset(
        {"iframe", "frame", "style", "form", "object", "embed", "base", "input", "button"}
    )

    def __init__(self, allow: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.allow = allow
        self.found: list[str] = []
        self.script: str | None = None
        self.jsonld: list[Any] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag in self.FORBIDDEN - self.allow:
            self.found.append(f"<{tag}>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        if tag == "script":
            kind = values.get("type", "")
            src = values.get("src", "")
            if kind == "application/ld+json":
                self.script = ""
            elif src and ":" not in src and src.endswith(".js") and not kind:
                pass  # the theme's own script, by relative URL
            else:
                self.found.append(f"<script {values}>")
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name in self.URL_ATTRS or name == "style":
                if name == "style":
                    self.found.append(f"{tag} style=")
                    continue
                bare = re.sub(r"[\x00-\x20]+", "", value).lower()
                scheme = re.match(r"^([a-z][a-z0-9+.-]*):", bare)
                if scheme and scheme.group(1) not in ("http", "https", "mailto"):
                    self.found.append(f"{tag} {name}={value!r}")
        if tag == "a" and re.match(r"^\s*https?:", values.get("href", "")):
            rel = set(values.get("rel", "").split())
            if not {"noopener", "noreferrer"} <= rel:
                self.found.append(f"external link without rel=noopener noreferrer: {values}")

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.script is not None:
            try:
                self.jsonld.append(json.loads(self.script))
            except ValueError:
                self.found.append(f"JSON-LD is not JSON: {self.script[:80]!r}")
            self.script = None


def audit(page: str, allow: frozenset[str] = frozenset()) -> Audit:
    auditor = Audit(allow)
    auditor.feed(page)
    auditor.close()
    return auditor


# =============================================================================================
# 1. Untrusted HTML
# =============================================================================================

SANITIZE_CASES = [
    # (id, untrusted HTML, must not be in the output, must be in the output)
    ("script", "<p>a<script>alert(1)</script>b</p>", ["<script", "alert"], ["<p>ab</p>"]),
    ("event-handler", '<p onclick="alert(1)">t</p>', ["onclick", "alert"], ["<p>t</p>"]),
    ("img-onerror", "<img src=x onerror=alert(1)>ok", ["<img", "onerror"], ["ok"]),
    ("iframe", '<iframe src="https://e.org/"></iframe>x', ["<iframe"], ["x"]),
    ("style", "<style>body{display:none}</style>x", ["<style", "display"], ["x"]),
    ("style-attribute", '<p style="position:fixed">x</p>', ["style="], ["<p>x</p>"]),
    ("form", '<form action="https://e.org/"><input name=a></form>x', ["<form", "<input"], ["x"]),
    ("svg-script", "<svg><script>alert(1)</script></svg>x", ["<svg", "<script", "alert"], ["x"]),
    ("math-xlink", '<math><mi xlink:href="javascript:alert(1)">x</mi></math>', ["javascript"], []),
    ("object-embed", "<object data=x></object><embed src=x>x", ["<object", "<embed"], ["x"]),
    ("base", '<base href="https://evil.example/">x', ["<base"], ["x"]),
    (
        "meta-refresh",
        '<meta http-equiv="refresh" content="0;url=https://e.org">x',
        ["<meta"],
        ["x"],
    ),
    ("js-mixed-case", '<a href="JaVaScRiPt:alert(1)">x</a>', ["href", "alert"], [">x</a>"]),
    ("js-entity", '<a href="&#x6A;avascript:alert(1)">x</a>', ["href", "alert"], [">x</a>"]),
    ("js-decimal-entity", '<a href="&#106;&#97;vascript:alert(1)">x</a>', ["href"], [">x</a>"]),
    ("js-named-colon", '<a href="javascript&colon;alert(1)">x</a>', ["href", "alert"], [">x</a>"]),
    ("js-tab", '<a href="java&#9;script:alert(1)">x</a>', ["href", "alert"], [">x</a>"]),
    ("js-leading-spaces", '<a href="   javascript:alert(1)">x</a>', ["href", "alert"], [">x</a>"]),
    ("data-url", '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', ["href", "data:"], []),
    ("vbscript", '<a href="vbscript:msgbox(1)">x</a>', ["href", "vbscript"], []),
    (
        "https-kept",
        '<a href="https://example.org/a" target="_blank">x</a>',
        ["target"],
        ['<a href="https://example.org/a" rel="noopener noreferrer">x</a>'],
    ),
    (
        "mailto-kept",
        '<a href="mailto:press@example.org">m</a>',
        [],
        ['<a href="mailto:press@example.org" rel="noopener noreferrer">m</a>'],
    ),
    (
        "rel-replaced",
        '<a href="http://example.org/" rel="opener">x</a>',
        ['rel="opener"'],
        ['rel="noopener noreferrer"'],
    ),
    (
        "noscript-mxss",
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        ["<img"],
        [],
    ),
]


@pytest.mark.parametrize(
    ("html_in", "absent", "present"),
    [c[1:] for c in SANITIZE_CASES],
    ids=[c[0] for c in SANITIZE_CASES],
)
def test_sanitiser(html_in: str, absent: list[str], present: list[str]) -> None:
    out = str(sanitize(html_in))
    for bad in absent:
        assert bad not in out, out
    for good in present:
        assert good in out, out
    assert audit(out).found == []


# Markdown prose in a fact sheet, one person per payload; the whole site is built once.
MARKDOWN_PAYLOADS = [
    # (slug, summary, text that must show on the page)
    ("md-script", "Before <script>alert('md1')</script> after.", "Before"),
    ("md-img", 'Pic <img src="x" onerror="alert(2)"> done.', "Pic"),
    ("md-iframe", 'Frame <iframe src="https://e.org/"></iframe> done.', "Frame"),
    ("md-style", "Styled <style>*{display:none}</style> done.", "Styled"),
    ("md-form", '<form action="https://e.org/"><button>Go</button></form> Form done.', "Form done"),
    ("md-svg", "Vector <svg><script>alert(3)</script></svg> done.", "Vector"),
    ("md-js-link", "[click](javascript:alert(4)) done.", "click"),
    ("md-js-case", "[click](JaVaScRiPt:alert(5)) done.", "click"),
    ("md-js-entity", '<a href="&#x6A;avascript:alert(6)">click</a> done.', "click"),
    ("md-js-colon", '<a href="javascript&colon;alert(7)">click</a> done.', "click"),
    ("md-js-tab", '<a href="java&#9;script:alert(8)">click</a> done.', "click"),
    ("md-js-spaces", '<a href="  javascript:alert(9)">click</a> done.', "click"),
    ("md-data", "[click](data:text/html;base64,PHNjcmlwdD4=) done.", "click"),
    ("md-autolink", "<javascript:alert(10)> done.", "done"),
    ("md-handler", '<p onmouseover="alert(11)">Hover</p>', "Hover"),
    (
        "md-good-link",
        "Read [the report](https://example.org/report) or [write](mailto:a@example.org).",
        '<a href="https://example.org/report" rel="noopener noreferrer">the report</a>',
    ),
]

HOSTILE = "<b>ESC</b>"
BREAKOUT = "</script><script>alert('ld')</script>"


def hostile_files() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        "site.yaml": f"title: 'Site {HOSTILE}'\nbase_url: https://example.org/\n",
        "seeds/src-evil.txt": (
            f"Headline {HOSTILE}\n\n"
            "MOSCOW, November 21. Text <script>alert('seed')</script> & more "
            '<img src=x onerror="alert(1)"> here.\n\n'
            "Second paragraph says Evil Person met Other Person.\n"
        ),
        "content/countries/c-evil.yaml": f"name: 'Country {HOSTILE}'\n",
        "content/organizations/o-evil.yaml": (
            f"name: 'Org {HOSTILE}'\nurl: https://example.org/org\nmembers: [c-evil]\n"
        ),
        "content/people/evil-person.yaml": f'name: "Evil Person {BREAKOUT}"\ncountry: c-evil\n',
        "content/people/other-person.yaml": f"name: 'Other Person {HOSTILE}'\n",
        "content/meetings/m-evil.yaml": f"""\
            title: 'Meeting {HOSTILE}'
            kind: talks
            date: 2023-11-21
            place: 'Moscow {HOSTILE}'
            hosts:
              - person: evil-person
                role: 'host {HOSTILE}'
            participants:
              - person: other-person
            outcomes:
              - text: 'Outcome {HOSTILE}'
            summary: "Met. <script>alert('meeting')</script>"
            disagreements:
              - about: 'Date {HOSTILE}'
                note: 'Note {HOSTILE}'
                sides:
                  - claim: 'Claim {HOSTILE}'
            """,
    }
    for slug, summary, _ in MARKDOWN_PAYLOADS:
        files[f"content/people/{slug}.yaml"] = (
            f"name: Person {slug}\nsummary: {json.dumps(summary)}\n"
        )
    return files


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project full of hostile values, built once (with the search index when available)."""
    project = tmp_path_factory.mktemp("hostile") / "project"
    write_tree(project, hostile_files())
    build_project(project)
    return project / "_site"


@pytest.mark.parametrize(
    ("slug", "summary", "shown"), MARKDOWN_PAYLOADS, ids=[p[0] for p in MARKDOWN_PAYLOADS]
)
def test_markdown_summary_payload_never_reaches_the_page(
    hostile_site: Path, slug: str, summary: str, shown: str
) -> None:
    page = (hostile_site / "people" / slug / "index.html").read_text(encoding="utf-8")
    summary_html = page[
        page.index('<div class="summary">') : page.index(
            "</div>", page.index('<div class="summary">')
        )
    ]
    assert shown in summary_html
    assert audit(page).found == []
    for bad in (
        "<script",
        "<iframe",
        "<style",
        "<form",
        "<svg",
        "onerror",
        "onmouseover",
        "javascript",
        "data:",
    ):
        assert bad not in summary_html.lower(), summary_html


def test_no_page_of_the_hostile_site_can_run_script(hostile_site: Path) -> None:
    pages = {rel: text for rel, text in text_files(hostile_site).items() if rel.endswith(".html")}
    assert len(pages) > 20
    for rel, page in pages.items():
        # The theme's own search box is the one form on the site.
        allow = (
            frozenset({"form", "input", "button"}) if rel == "search/index.html" else frozenset()
        )
        assert audit(page, allow).found == [], rel
        assert HOSTILE not in page, rel  # every hostile value was escaped
        assert "<script>alert" not in page, rel


def test_article_text_is_escaped_on_the_source_page(hostile_site: Path) -> None:
    page = (hostile_site / "sources/src-evil/index.html").read_text(encoding="utf-8")
    assert "Text &lt;script&gt;alert(&#39;seed&#39;)&lt;/script&gt; &amp; more " in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; here." in page
    assert "Headline &lt;b&gt;ESC&lt;/b&gt;" in page
    assert audit(page).found == []


# Which output shows each template, so a template that stops escaping is caught by name.
TEMPLATE_OUTPUT = {
    "404.html": "404.html",
    "country.html": "countries/c-evil/index.html",
    "discrepancies.html": "discrepancies/index.html",
    "feed.xml": "feed.xml",
    "graph.html": "graph/index.html",
    "home.html": "index.html",
    "index.html": "people/index.html",
    "meeting.html": "meetings/m-evil/index.html",
    "organization.html": "organizations/o-evil/index.html",
    "person.html": "people/other-person/index.html",
    "search.html": "search/index.html",
    "sitemap.xml": "sitemap.xml",
    "source.html": "sources/src-evil/index.html",
    "timeline.html": "timeline/index.html",
}
INCLUDED_ONLY = {"base.html", "macros.html"}  # rendered as part of every page above


def theme_templates() -> list[str]:
    return sorted(p.name for p in theme_dir().iterdir() if p.suffix in (".html", ".xml"))


def test_every_template_is_in_the_escaping_table() -> None:
    assert set(theme_templates()) == set(TEMPLATE_OUTPUT) | INCLUDED_ONLY


@pytest.mark.parametrize("name", sorted(TEMPLATE_OUTPUT))
def test_template_autoescapes_hostile_values(hostile_site: Path, tmp_path: Path, name: str) -> None:
    from generator.build import check_project as check

    project = hostile_site.parent
    renderer = Renderer(check(project).site)
    assert (
        renderer.env.autoescape(name)
        if callable(renderer.env.autoescape)
        else renderer.env.autoescape
    )
    text = (hostile_site / TEMPLATE_OUTPUT[name]).read_text(encoding="utf-8")
    assert HOSTILE not in text
    if name != "sitemap.xml":  # the sitemap lists URLs only, which come from safe slugs
        assert "&lt;b&gt;ESC&lt;/b&gt;" in text
    if name.endswith(".xml"):
        import xml.dom.minidom

        xml.dom.minidom.parseString(text.encode("utf-8"))  # still well-formed XML


def test_jsonld_cannot_be_broken_out_of(hostile_site: Path) -> None:
    page = (hostile_site / "people/evil-person/index.html").read_text(encoding="utf-8")
    result = audit(page)
    assert result.found == []
    assert page.count("<script") == page.count("</script>") == 1
    [data] = result.jsonld
    assert json.dumps(data, ensure_ascii=False).count(BREAKOUT) == 1  # the name, intact as data


def _template_sources() -> dict[str, str]:
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(theme_dir().iterdir())
        if p.suffix in (".html", ".xml")
    }


def test_templates_never_mark_values_safe_or_turn_escaping_off() -> None:
    for name, source in _template_sources().items():
        assert not re.search(r"\|\s*safe\b", source), name
        assert "autoescape false" not in source, name
        assert "Markup" not in source, name


# Every Markup(...) in the generator whose argument is not a string literal (a literal is a
# template: .format(), % and .join() escape what they are given) must be here, with the reason
# it is safe. A new one fails this test until someone looks at it.
TRUSTED_MARKUP = {
    ("render.py", "clean"): "output of nh3 in sanitize(), the one gate",
    ("render.py", "dumps_html(data)"): "htmlsafe_json_dumps, what Jinja's tojson uses",
    ("render.py", 'str(body).replace("\\n", "<br>\\n")'): "body is escaped Markup already",
    ("render.py", '"".join(parts)'): "_html(): every piece escaped by _esc or a tag written there",
}


def _call_argument(source: str, open_paren: int) -> str:
    """The text between the parenthesis at ``open_paren`` and its match (strings respected)."""
    depth, i, quote = 0, open_paren, ""
    while i < len(source):
        ch = source[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return source[open_paren + 1 : i].strip()
        i += 1
    raise AssertionError("unbalanced parentheses")


def test_markup_is_built_only_from_literals_or_the_sanitiser() -> None:
    found = set()
    for path in sorted((ROOT / "generator").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"import\s+Markup\s+as|mark_safe|\|\s*safe\b", source), path.name
        for m in re.finditer(r"\bMarkup\(", source):
            argument = _call_argument(source, m.end() - 1)
            literal = re.fullmatch(
                r"""(\s*("[^"\\]*(\\.[^"\\]*)*"|'[^'\\]*(\\.[^'\\]*)*'))+\s*""", argument
            )
            if not literal:
                found.add((path.name, argument))
    assert found == set(TRUSTED_MARKUP)


@given(
    st.text(alphabet=st.sampled_from("a <>&\"'=/ 沈诗伟、东京タワー김정은Сергейأيمن\u200c\u3000"))
)
@example('<a title="沈诗伟">沈诗伟</a>')
def test_marking_the_language_of_parts_only_adds_spans(text: str) -> None:
    """lang_parts() wraps runs of escaped text in <span lang=...>: removing those spans
    gives back exactly what it was given, tags and attributes untouched."""
    from generator.render import _esc, lang_parts

    for html in (_esc(text), f'<a title="{_esc(text)}" href="x">{_esc(text)}</a>'):
        marked = lang_parts(html, "en")
        assert (
            re.sub(r'<span lang="(zh|ja|ko|ru|ar|he|el|th)"( dir="rtl")?>|</span>', "", marked)
            == html
        )
        assert marked.count("<span") == marked.count("</span>")
    assert 'lang="zh"' not in lang_parts(_esc(text), "zh-Hans")


def test_no_value_lands_in_an_unquoted_attribute() -> None:
    for name, source in _template_sources().items():
        text = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
        text = re.sub(r"\{%.*?%\}", "", text, flags=re.S)
        text = re.sub(r"\{\{.*?\}\}", "VALUE", text, flags=re.S)
        for tag in re.finditer(r"<[a-zA-Z][^<>]*>", text):
            for attr in re.finditer(
                r"""\s([\w:.-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]*)""", tag.group()
            ):
                assert attr.group(2)[:1] in ("'", '"'), (
                    f"{name}: unquoted attribute in {tag.group()!r}"
                )
    for path in sorted((ROOT / "generator").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\w=\{\d*\}", source), f"{path.name}: unquoted attribute placeholder"


URL_FIELDS = [
    # (file, text, expected problem)
    (
        "content/organizations/o.yaml",
        "name: O\nurl: javascript:alert(1)\n",
        "content/organizations/o.yaml:2:6: url: must be an http:// or https:// URL",
    ),
    (
        "content/organizations/o.yaml",
        "name: O\nurl: ' https://example.org'\n",
        "content/organizations/o.yaml:2:6: url: must be an http:// or https:// URL",
    ),
    (
        "content/organizations/o.yaml",
        "name: O\nurl: //evil.example/\n",
        "content/organizations/o.yaml:2:6: url: must be an http:// or https:// URL",
    ),
    (
        "content/sources.yaml",
        "a:\n  url: data:text/html,<script>alert(1)</script>\n",
        "content/sources.yaml:2:8: a.url: must be an http:// or https:// URL",
    ),
    (
        "content/sources.yaml",
        "a:\n  url: ftp://example.org/a\n",
        "content/sources.yaml:2:8: a.url: must be an http:// or https:// URL",
    ),
    (
        "site.yaml",
        "title: T\nbase_url: JAVASCRIPT:alert(1)\n",
        "site.yaml:2:11: base_url: must be an http:// or https:// URL",
    ),
]


@pytest.mark.parametrize(
    ("path", "text", "expected"), URL_FIELDS, ids=[f"{c[0]}-{i}" for i, c in enumerate(URL_FIELDS)]
)
def test_url_field_that_is_not_http_is_an_error(
    make_site: MakeSite, path: str, text: str, expected: str
) -> None:
    project = make_site({path: text, "seeds/a.txt": "Title\n\nText.\n"})
    assert problems_of(project) == [expected]


# =============================================================================================
# 2. YAML
# =============================================================================================

P = "content/people/x.yaml"
YAML_CASES = [
    # (id, text of content/people/x.yaml, expected problems)
    (
        "python-tag",
        "name: !!python/object/apply:os.system ['echo pwned']\n",
        [f"{P}:1:7: name: tags are not allowed ('!!python/object/apply:os.system')"],
    ),
    (
        "python-name-tag",
        "name: X\nsummary: !!python/name:os.system\n",
        [f"{P}:2:10: summary: tags are not allowed ('!!python/name:os.system')"],
    ),
    (
        "local-tag",
        "name: !x Y\n",
        [f"{P}:1:7: name: tags are not allowed ('!x')"],
    ),
    (
        "duplicate-key",
        "name: X\nsummary: a\nname: Y\n",
        [f"{P}:3:1: name: duplicate key 'name' (first defined on line 1)"],
    ),
    (
        "impossible-date",
        "name: X\npositions:\n  - title: FM\n    as_of: 2023-02-30\n",
        [f"{P}:4:12: positions.0.as_of: no such date: '2023-02-30'"],
    ),
    (
        "two-documents",
        "name: X\n---\nname: Y\n",
        [f"{P}:2:1: only one document is allowed per file; a second one starts here"],
    ),
    (
        "top-level-list",
        "- name: X\n",
        [f"{P}:1:1: expected a mapping at the top level, got a list"],
    ),
    (
        "top-level-string",
        "just words\n",
        [f"{P}:1:1: expected a mapping at the top level, got a string"],
    ),
    (
        "nesting-500-flow",
        "name: X\nsummary: " + "[" * 500 + "]" * 500 + "\n",
        [f"{P}:2:73: nesting is deeper than 64 levels"],
    ),
    (
        "nesting-500-block",
        "name: X\nsummary:\n" + "".join(" " * (2 * i) + "- \n" for i in range(1, 501)),
        [f"{P}:66:129: nesting is deeper than 64 levels"],
    ),
    (
        "syntax-error-at-1-1",
        "]\n",
        [
            f"{P}:1:1: expected the node content, but found ']' "
            "(while parsing a block node starting at line 1, column 1)"
        ],
    ),
    (
        "escaped-control-character",
        'name: "Evil\\x1b[31m Person"\n',
        [f"{P}:1:7: name: control character U+001B is not allowed; remove it"],
    ),
    (
        "escaped-nul",
        'name: X\nsummary: "a\\0b"\n',
        [f"{P}:2:10: summary: control character U+0000 is not allowed; remove it"],
    ),
    (
        "raw-control-character",
        "name: a\x07b\n",
        [f"{P}:1:8: unacceptable character #x0007: special characters are not allowed"],
    ),
    ("merge-key", "name: X\n<<: {summary: a}\n", [f"{P}:2:1: merge keys ('<<') are not allowed"]),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in YAML_CASES], ids=[c[0] for c in YAML_CASES]
)
def test_yaml_problem_is_reported_against_the_file(
    make_site: MakeSite, text: str, expected: list[str]
) -> None:
    project = make_site({P: text})
    assert problems_of(project) == expected


def test_python_tag_is_never_executed(make_site: MakeSite, tmp_path: Path) -> None:
    canary = tmp_path / "PWNED"
    project = make_site(
        {
            P: f"name: !!python/object/apply:os.system ['touch {canary}']\n",
            "content/people/y.yaml": "name: X\nsummary: !!python/object/apply:pathlib.Path.touch "
            f"[{json.dumps(str(canary))}]\n",
            "content/people/z.yaml": f"!!python/object/new:os.system ['touch {canary}']: 1\n",
        }
    )
    result = CliRunner().invoke(main, ["-C", str(project), "build"])
    assert result.exit_code == 1, result.output
    assert "content/people/x.yaml:1:7: name: tags are not allowed" in result.output
    assert "nothing was written" in result.output
    assert "Traceback" not in result.output
    assert not canary.exists()
    assert not (project / "_site").exists()


def test_billion_laughs_refused_in_well_under_a_second(make_site: MakeSite) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        levels.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    project = make_site({P: "\n".join(levels) + "\nname: X\n"})
    started = time.perf_counter()
    found = problems_of(project)
    assert time.perf_counter() - started < 1.0
    assert found[0] == f"{P}:1:4: a: anchors are not allowed ('&a')"
    assert len(found) == 10 + 9 * 9  # each anchor and alias named, none expanded
    assert found[-1] == f"{P}:10:32: j.8: aliases are not allowed ('*i')"


YAML_STRINGS = [
    # (written, shown on the page): YAML 1.1 would have made these False, True, 1.1 and 5349.
    ("NO", "NO"),
    ("on", "on"),
    ("1.10", "1.10"),
    ("012345", "012345"),
    ("0x1F", "0x1F"),
    ("2023-11-21", "2023-11-21"),
    ("~x", "~x"),
]


@pytest.mark.parametrize(("written", "shown"), YAML_STRINGS)
def test_yaml_values_stay_strings(make_site: MakeSite, written: str, shown: str) -> None:
    project = make_site({"content/countries/c.yaml": f"name: {written}\ncapital: {written}\n"})
    checked = check_project(project)
    assert checked.site.countries["c"].sheet.name == shown
    build_project(project, QUIET)
    page = (project / "_site/countries/c/index.html").read_text(encoding="utf-8")
    assert f'<h1 dir="auto">{shown}</h1>' in page


@pytest.mark.parametrize("written", ["on", "yes", "NO", "1", "True"])
def test_yaml_booleans_are_only_true_or_false(make_site: MakeSite, written: str) -> None:
    project = make_site(
        {"content/countries/c.yaml": f"name: C\ncapital_names_country: {written}\n"}
    )
    assert problems_of(project) == [
        "content/countries/c.yaml:2:24: capital_names_country: must be true or false"
    ]


# =============================================================================================
# 3. Text input
# =============================================================================================

SEED = (
    "Ministers meet in Moscow\n\n"
    "MOSCOW, November 21. Foreign ministers met in Moscow on Tuesday.\n\nThey talked.\n"
)
SHEET = "name: Sergey Lavrov\nsummary: |\n  Russia's *foreign* minister.\n  Second line.\n"

TEXT_ERRORS = [
    # (id, files, expected problems)
    (
        "cp1252-seed",
        {"seeds/a.txt": b"Title\n\nLine two caf\xe9\n"},
        ["seeds/a.txt:3:13: not valid UTF-8 (byte 0xe9); save the file as UTF-8"],
    ),
    (
        "cp1252-seed-crlf-lines-counted",
        {"seeds/a.txt": b"Title\r\n\r\n\x93Quoted\x94\r\n"},
        ["seeds/a.txt:3:1: not valid UTF-8 (byte 0x93); save the file as UTF-8"],
    ),
    (
        "cp1252-sheet",
        {P: b"name: X\nsummary: Jos\xe9\n"},
        [f"{P}:2: not valid UTF-8 at line 2 (byte 0xe9). Save the file as UTF-8."],
    ),
    (
        "nul-in-seed",
        {"seeds/a.txt": b"Title\n\nText\x00more\n"},
        ["seeds/a.txt:3: looks like a binary file (NUL byte); refused"],
    ),
    (
        "png-as-seed",
        {"seeds/a.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
        ["seeds/a.txt:3: looks like a binary file (NUL byte); refused"],
    ),
    (
        "utf16-seed",
        {"seeds/a.txt": "Title\n\nText\n".encode("utf-16")},
        ["seeds/a.txt:1: saved as UTF-16; save the file as UTF-8"],
    ),
    (
        "utf16-sheet",
        {P: "name: X\n".encode("utf-16")},
        [f"{P}:1: saved as UTF-16; save the file as UTF-8"],
    ),
    ("empty-seed", {"seeds/a.txt": b""}, ["seeds/a.txt: no article text; refused"]),
    ("blank-seed", {"seeds/a.txt": b"  \n\n\t\n"}, ["seeds/a.txt: no article text; refused"]),
    (
        "title-only-seed",
        {"seeds/a.txt": b"Lavrov meets Faisal\n\n"},
        ["seeds/a.txt: only a title line, no article text; refused"],
    ),
    (
        "binary-sheet",
        {P: b"name: X\n\x00\x01\x02"},
        [f"{P}: looks like a binary file (contains NUL bytes)"],
    ),
    (
        "oversize-seed",
        {"seeds/a.txt": b"Title\n\n" + b"word " * (2 * 1024 * 1024 // 5 + 1)},
        ["seeds/a.txt: file is larger than 2048 KiB; refused"],
    ),
    (
        "oversize-sheet",
        {P: b"name: X\nsummary: " + b"a" * (1024 * 1024) + b"\n"},
        [f"{P}: file is larger than 1 MiB"],
    ),
]


@pytest.mark.parametrize(
    ("files", "expected"), [c[1:] for c in TEXT_ERRORS], ids=[c[0] for c in TEXT_ERRORS]
)
def test_unreadable_text_names_the_file_and_line(
    make_site: MakeSite, files: dict[str, str | bytes], expected: list[str]
) -> None:
    project = make_site(files)
    assert problems_of(project) == expected


@pytest.mark.parametrize("case", ["oversize-seed", "png-as-seed", "oversize-sheet", "binary-sheet"])
def test_large_and_binary_files_are_refused_before_parsing(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    import generator.load as load
    import generator.yamlstrict as yamlstrict

    parsed: list[str] = []
    real_article, real_yaml = load.parse_article, yamlstrict.load_yaml
    monkeypatch.setattr(
        load, "parse_article", lambda text, sid: parsed.append(sid) or real_article(text, sid)
    )
    monkeypatch.setattr(
        yamlstrict, "load_yaml", lambda text, path: parsed.append(path) or real_yaml(text, path)
    )
    [(_, files, expected)] = [c for c in TEXT_ERRORS if c[0] == case]
    project = make_site(files)
    assert problems_of(project) == expected
    assert parsed == ["site.yaml"]  # the refused file never reached a parser


def _variant(text: str, style: str) -> bytes:
    data = text.encode("utf-8")
    if style == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif style == "cr":
        data = data.replace(b"\n", b"\r")
    elif style == "bom":
        data = b"\xef\xbb\xbf" + data
    elif style == "bom-crlf":
        data = b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    return data


def _build_variant(root: Path, style: str) -> dict[str, bytes]:
    project = root / style
    cite = "summary_cite:\n  - source: a\n    quote: Foreign ministers met in Moscow\n"
    write_tree(
        project,
        {
            "site.yaml": _variant(SITE_YAML, style),
            "seeds/a.txt": _variant(SEED, style),
            "content/people/sergey-lavrov.yaml": _variant(SHEET + cite, style),
        },
    )
    build_project(project, QUIET)
    return tree(project / "_site")


@pytest.mark.parametrize("style", ["crlf", "cr", "bom", "bom-crlf"])
def test_line_ends_and_bom_give_the_same_site_as_plain_lf(tmp_path: Path, style: str) -> None:
    plain = _build_variant(tmp_path, "lf")
    other = _build_variant(tmp_path, style)
    assert other == plain
    assert "\ufeff" not in plain["people/sergey-lavrov/index.html"].decode("utf-8")
    assert "\r" not in plain["sources/a/index.html"].decode("utf-8")


CONTROL_CHARACTERS = ["\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b"]
# A right-to-left override (U+202E) makes text read otherwise than it is spelt: the
# embeddings, overrides and isolates go too.
CONTROL_CHARACTERS += ["\u202a", "\u202e", "\u2066", "\u2069"]


@pytest.fixture(scope="module")
def control_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("control") / "project"
    dirty = "Title with a bell\x07 and ESC\x1b[31m red\n\nMOSCOW, Nov 21. " + "".join(
        f"x{c}y " for c in CONTROL_CHARACTERS
    )
    write_tree(project, {"site.yaml": SITE_YAML, "seeds/a.txt": dirty.encode("utf-8") + b"\n"})
    build_project(project, QUIET)
    return project / "_site"


@pytest.mark.parametrize(
    "char", CONTROL_CHARACTERS, ids=[f"U+{ord(c):04X}" for c in CONTROL_CHARACTERS]
)
def test_control_characters_in_seed_text_never_reach_a_page(control_site: Path, char: str) -> None:
    files = text_files(control_site)
    page = files["sources/a/index.html"]
    assert "Title with a bell and ESC[31m red" in page
    for rel, text in files.items():
        assert char not in text, rel
        # JSON escapes C0 controls as \u00XX: none of those either.
        assert f"\\u{ord(char):04x}" not in text.lower(), rel


@pytest.mark.parametrize(
    "value",
    ['"a\\x07b"', '"a\\eb"', '"a\\x85b"', '"a\\u009bb"', '"a\\x7fb"', '"a\\vb"', '"a\\u202eb"'],
)
def test_control_characters_in_fact_sheets_are_refused(make_site: MakeSite, value: str) -> None:
    project = make_site({P: f"name: {value}\n"})
    [problem] = problems_of(project)
    assert problem.startswith(f"{P}:1:7: name: control character U+")
    assert problem.endswith(" is not allowed; remove it")


PATHOLOGICAL_MARKDOWN = [
    # (id, summary, expected problem or None when it must render)
    (
        "10000-brackets",
        "[" * 10_000,
        f"{P}:2:10: summary: is longer than 5,000 characters; shorten it",
    ),
    (
        "4000-brackets",
        "[" * 4_000,
        f"{P}:2:10: summary: has 4,000 '[' (more than 200); Markdown this complex is refused",
    ),
    (
        "500-nested-list-markers",
        "- " * 500 + "x",
        f"{P}:2:10: summary: nests lists or quotes 500 levels deep (more than 16); "
        "Markdown this complex is refused",
    ),
    (
        "500-nested-indented-lists",
        "\n".join("    " * i + "- a" for i in range(40)),
        f"{P}:2:10: summary: nests lists or quotes 40 levels deep (more than 16); "
        "Markdown this complex is refused",
    ),
    (
        "500-nested-quotes",
        "> " * 500 + "x",
        f"{P}:2:10: summary: nests lists or quotes 500 levels deep (more than 16); "
        "Markdown this complex is refused",
    ),
    ("200-brackets-render", "[a](" * 200, None),
    ("16-levels-render", "\n".join("    " * i + "- a" for i in range(16)), None),
    ("setext-headings-render", ("a\n=\n" * 2000)[:4990], None),
    ("autolinks-render", ("<http://" * 1000)[:4990], None),
    ("emphasis-render", "*a " * 1600, None),
]


@pytest.mark.parametrize(
    ("summary", "expected"),
    [c[1:] for c in PATHOLOGICAL_MARKDOWN],
    ids=[c[0] for c in PATHOLOGICAL_MARKDOWN],
)
def test_pathological_markdown_is_refused_or_fast(
    make_site: MakeSite, summary: str, expected: str | None
) -> None:
    project = make_site({P: f"name: X\nsummary: {json.dumps(summary)}\n"})
    started = time.perf_counter()
    if expected is None:
        build_project(project, QUIET)
        page = (project / "_site/people/x/index.html").read_text(encoding="utf-8")
        assert '<div class="summary">' in page
    else:
        assert problems_of(project) == [expected]
    assert time.perf_counter() - started < 2.0


# =============================================================================================
# 4. Paths
# =============================================================================================

NOT_SLUG = ": file name is not a valid slug (lowercase letters, digits and single hyphens)"

BAD_NAMES = [
    # (id, file to create, expected problem); nothing may be written for any of them.
    (
        "reserved-con",
        "content/people/con.yaml",
        "content/people/con.yaml: file name 'con' is reserved on Windows; rename the file",
    ),
    (
        "reserved-aux",
        "content/countries/aux.yaml",
        "content/countries/aux.yaml: file name 'aux' is reserved on Windows; rename the file",
    ),
    (
        "reserved-nul",
        "content/organizations/nul.yaml",
        "content/organizations/nul.yaml: file name 'nul' is reserved on Windows; rename the file",
    ),
    (
        "reserved-com1",
        "content/meetings/com1.yaml",
        "content/meetings/com1.yaml: file name 'com1' is reserved on Windows; rename the file",
    ),
    (
        "reserved-seed-CON",
        "seeds/CON.txt",
        "seeds/CON.txt: file name 'CON' is reserved on Windows; rename the file",
    ),
    (
        "reserved-seed-Lpt9",
        "seeds/Lpt9.txt",
        "seeds/Lpt9.txt: file name 'Lpt9' is reserved on Windows; rename the file",
    ),
    (
        "encoded-dots",
        "content/people/%2e%2e.yaml",
        "content/people/%2e%2e.yaml" + NOT_SLUG,
    ),
    (
        "encoded-slash",
        "seeds/..%2f..%2fetc.txt",
        None,
    ),  # a dot file: ignored, like every hidden file
    (
        "double-dot",
        "content/people/a..b.yaml",
        "content/people/a..b.yaml" + NOT_SLUG,
    ),
    (
        "backslash",
        "content/people/a\\..\\b.yaml",
        "content/people/a\\..\\b.yaml" + NOT_SLUG,
    ),
    ("backslash-seed", "seeds/..\\..\\x.txt", None),  # starts with a dot: ignored
    (
        "backslash-seed-inner",
        "seeds/x\\..\\y.txt",
        "seeds/x\\..\\y.txt: file name is not a valid source id",
    ),
    (
        "uppercase-sheet",
        "content/people/Lavrov.yaml",
        "content/people/Lavrov.yaml" + NOT_SLUG,
    ),
    (
        "space",
        "content/people/a b.yaml",
        "content/people/a b.yaml" + NOT_SLUG,
    ),
    (
        "trailing-newline",
        "content/people/x\n.yaml",
        "content/people/x\\n.yaml" + NOT_SLUG,
    ),
    (
        "trailing-newline-seed",
        "seeds/x\n.txt",
        "seeds/x\\n.txt: file name is not a valid source id",
    ),
    (
        "emoji",
        "content/people/\U0001f600.yaml",
        "content/people/\U0001f600.yaml" + NOT_SLUG,
    ),
    (
        "emoji-seed",
        "seeds/\U0001f600.txt",
        "seeds/\U0001f600.txt: file name is not a valid source id",
    ),
    (
        "non-ascii-seed",
        "seeds/caf\u00e9.txt",
        "seeds/caf\u00e9.txt: file name is not a valid source id",
    ),
    ("leading-hyphen", "seeds/-rf.txt", "seeds/-rf.txt: file name is not a valid source id"),
    ("empty-name", "content/people/.yaml", None),  # '.yaml' is a dot file: ignored
]


@pytest.mark.parametrize(
    ("name", "expected"), [c[1:] for c in BAD_NAMES], ids=[c[0] for c in BAD_NAMES]
)
def test_bad_file_names_are_refused_before_anything_is_written(
    make_site: MakeSite, name: str, expected: str | None
) -> None:
    if name.startswith("seeds/"):
        body = "Title\n\nText.\n"
    elif name.startswith("content/meetings/"):
        body = "title: X\ndate: 2023-11-21\n"
    else:
        body = "name: X\n"
    project = make_site({name: body})
    result = CliRunner().invoke(main, ["-C", str(project), "build"])
    if expected is None:  # a hidden file: not read, so nothing of it can reach the site
        assert result.exit_code == 0, result.output
        written = [
            p.relative_to(project / "_site").as_posix() for p in (project / "_site").rglob("*")
        ]
        assert not [w for w in written if ".." in w or "\\" in w or "%" in w]
        return
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [expected, "Error: 1 problem; nothing was written."]
    assert not (project / "_site").exists()


@pytest.mark.parametrize(
    "reference",
    ["../../etc", "/etc/passwd", "a\\b", "%2e%2e", "con/..", "Russia", ""],
)
def test_ids_in_fact_sheets_must_be_slugs(make_site: MakeSite, reference: str) -> None:
    project = make_site({P: f"name: X\ncountry: {json.dumps(reference)}\n"})
    expected = "not a valid id (lowercase letters, digits and single hyphens)"
    assert problems_of(project) == [f"{P}:2:10: country: {expected}"]


@pytest.mark.parametrize(
    "rel",
    [
        "../site-evil/x.html",
        "a/../../site-evil/x.html",
        "/tmp/dossier-absolute.html",
        "..",
        ".",
        "a/../..",
    ],
)
def test_page_paths_are_contained_on_resolved_paths(tmp_path: Path, rel: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    output = tmp_path / "site"
    write_site(output, [("index.html", b"old")], project)
    before = tree(output)
    with pytest.raises(DossierError) as info:
        write_site(output, [("index.html", b"new"), (rel, b"evil")], project)
    assert str(info.value) == f"{rel}: page path leaves the output folder; refused"
    assert tree(output) == before
    assert not (tmp_path / "site-evil").exists()
    assert not Path("/tmp/dossier-absolute.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "site"]


def test_a_page_path_through_a_file_or_a_carried_link_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    output = tmp_path / "site"
    write_site(output, [("index.html", b"old")], project)
    (output / "evil").symlink_to(outside)  # planted in the previous site
    before = tree(output)
    carried = str(output / "evil")
    for files, message in (
        ([("a", b"x"), ("a/b.html", b"y")], "a: page path runs through a file or link"),
        (
            [("evil", Carry(carried)), ("evil/x.html", b"boom")],
            f"{carried}: file of the previous site is not a regular file",
        ),
    ):
        with pytest.raises(DossierError) as info:
            write_site(output, files, project)
        assert str(info.value) == f"{message}; refused"
        assert tree(output) == before
        assert list(outside.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outside", "project", "site"]


def test_a_carried_file_that_became_a_link_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("private\n")
    secret.chmod(0o600)
    output = tmp_path / "site"
    write_site(output, [("index.html", b"old"), ("page.html", b"page")], project)
    (output / "page.html").unlink()
    (output / "page.html").symlink_to(secret)  # planted in the previous site
    with pytest.raises(DossierError) as info:
        write_site(
            output,
            [("index.html", b"new"), ("page.html", Carry(str(output / "page.html")))],
            project,
        )
    assert str(info.value).endswith(
        "page.html: file of the previous site is not a regular file; refused"
    )
    assert (secret.stat().st_mode & 0o777) == 0o600
    assert (output / "index.html").read_bytes() == b"old"


def test_pages_differing_only_by_case_collide(make_site: MakeSite) -> None:
    project = make_site({"seeds/Abc.txt": "Title\n\nText.\n", "seeds/abc.txt": "Title\n\nText.\n"})
    assert problems_of(project) == [
        "seeds/abc.txt: page 'sources/abc/index.html' collides with 'sources/Abc/index.html' "
        "from seeds/Abc.txt (paths differ only by case or Unicode normalisation)"
    ]
    result = CliRunner().invoke(main, ["-C", str(project), "build"])
    assert result.exit_code == 1
    assert not (project / "_site").exists()


def test_non_ascii_source_ids_cannot_collide_by_normalisation(make_site: MakeSite) -> None:
    nfc, nfd = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    project = make_site({f"seeds/{nfc}.txt": "T\n\nx\n", f"seeds/{nfd}.txt": "T\n\nx\n"})
    assert sorted(problems_of(project)) == sorted(
        [
            f"seeds/{nfc}.txt: file name is not a valid source id",
            f"seeds/{nfd}.txt: file name is not a valid source id",
        ]
    )


COLLIDING = [
    ("case", "sources/Abc/", "sources/abc/"),
    (
        "nfc-nfd",
        unicodedata.normalize("NFC", "people/café/"),
        unicodedata.normalize("NFD", "people/café/"),
    ),
    ("case-and-nfd", "people/CAFÉ/", unicodedata.normalize("NFD", "people/café/")),
    ("sharp-s", "people/straße/", "people/STRASSE/"),
]


@pytest.mark.parametrize(("a", "b"), [c[1:] for c in COLLIDING], ids=[c[0] for c in COLLIDING])
def test_collision_check_folds_case_and_normalisation(a: str, b: str) -> None:
    pages = [
        Page(a, "person.html", "A", "person", origin="seeds/one.txt"),
        Page(b, "person.html", "B", "person", origin="seeds/two.txt"),
    ]
    [problem] = find_collisions(pages)
    assert str(problem) == (
        f"seeds/two.txt: page {b + 'index.html'!r} collides with {a + 'index.html'!r} "
        "from seeds/one.txt (paths differ only by case or Unicode normalisation)"
    )


# =============================================================================================
# 5. Output safety
# =============================================================================================

SMALL_SITE = {
    "site.yaml": SITE_YAML,
    "seeds/a.txt": SEED,
    "seeds/b.txt": SEED.replace("Moscow", "Beijing"),
    "content/people/sergey-lavrov.yaml": SHEET,
    "content/countries/russia.yaml": "name: Russia\n",
    "content/organizations/oic.yaml": "name: OIC\n",
    "content/meetings/talks.yaml": "title: Talks\ndate: 2023-11-21\n",
}


def siblings(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if "dossier-" in p.name)


@pytest.mark.parametrize("which", ["first", "middle", "last"])
def test_exception_while_writing_page_n_keeps_the_previous_site(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    project = make_site(SMALL_SITE)
    build_project(project, QUIET)
    before = tree(project / "_site")
    count = len(before) - 1  # every file but the marker is placed by write._place
    failing_write = {"first": 1, "middle": count // 2, "last": count}[which]
    real = write_module._place
    calls = {"n": 0}

    def failing(target: str, data: bytes | str, old: str | None, exact: bool) -> None:
        if ".dossier-staging" in target:
            calls["n"] += 1
            if calls["n"] == failing_write:
                raise OSError(28, "No space left on device")
        real(target, data, old, exact)

    monkeypatch.setattr(write_module, "_place", failing)
    write = SMALL_SITE["content/meetings/talks.yaml"]
    (project / "content/meetings/talks.yaml").write_text(write.replace("Talks", "New talks"))
    with pytest.raises(OSError, match="No space left"):
        build_project(project, QUIET)
    assert calls["n"] == failing_write
    assert tree(project / "_site") == before
    assert siblings(project) == []
    monkeypatch.undo()
    build_project(project, QUIET)
    assert "New talks" in (project / "_site/meetings/talks/index.html").read_text()
    assert siblings(project) == []


def _big_corpus(project: Path, count: int) -> None:
    seeds = project / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        paras = "\n\n".join(
            f"Paragraph {j} of report {i}: the ministers met in Moscow and talked."
            for j in range(12)
        )
        (seeds / f"bulk{i:04d}.txt").write_text(f"Report {i}\n\nMOSCOW, November 21. {paras}\n")


def _build_of_400(project: Path, stderr: int) -> subprocess.Popen[str]:
    """``dossier build`` of the project with 400 more articles, started in a process of
    its own (no search index: Pagefind is not what is timed)."""
    _big_corpus(project, 400)
    env = {**os.environ, "PAGEFIND_BINARY_PATH": str(project / "no-pagefind")}
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "-C", str(project), "build"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


def _until_writing(proc: subprocess.Popen[str], staging: Path) -> int:
    """Wait until the build has written 20 files into its staging folder; their count.
    The build is still running when this returns."""
    written = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if staging.is_dir():
            written = sum(1 for p in staging.rglob("*") if p.is_file())
            if written >= 20:
                break
        time.sleep(0.002)
    assert proc.poll() is None, "the build ended before it could be stopped"
    return written


def test_killed_build_leaves_the_previous_site_and_the_next_run_cleans_up(
    make_site: MakeSite,
) -> None:
    project = make_site(SMALL_SITE)
    build_project(project, QUIET)
    before = tree(project / "_site")
    proc = _build_of_400(project, subprocess.DEVNULL)
    staging = project / "._site.dossier-staging"
    try:
        # Wait until the writer has put files into the staging folder, then kill it.
        written = _until_writing(proc, staging)
        workers = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # Its worker processes do not outlive it, waiting for work that never comes.
    assert workers
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(pid) for pid in workers):
        time.sleep(0.05)
    assert not [pid for pid in workers if _running(pid)]
    assert written >= 20 and staging.is_dir()  # killed mid-write, staging left behind
    assert tree(project / "_site") == before
    # The next run clears the leftovers and builds the site.
    for path in sorted((project / "seeds").glob("bulk*.txt"))[20:]:
        path.unlink()
    build_project(project, QUIET)
    assert siblings(project) == []
    assert (project / "_site/sources/bulk0019/index.html").is_file()


def test_ctrl_c_during_serves_first_build_stops_it_cleanly(make_site: MakeSite) -> None:
    project = make_site(SMALL_SITE)
    _big_corpus(project, 400)
    env = {**os.environ, "PAGEFIND_BINARY_PATH": str(project / "no-pagefind")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "-C", str(project), "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The lock is there while the first build runs: stop it then.
        deadline = time.monotonic() + 60
        while not (project / ".dossier-lock").exists() and time.monotonic() < deadline:
            time.sleep(0.002)
        assert proc.poll() is None, "serve ended before its first build"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # The way a preview ends, as once it serves: "Stopped.", 0; not click's "Aborted!", 1.
    assert (proc.returncode, out.splitlines()[-1:], err) == (0, ["Stopped."], "")
    assert not (project / ".dossier-lock").exists()


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited worker may wait for its new parent to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _dangerous_outputs(project: Path, home: Path) -> list[tuple[str, Path, str]]:
    shown_file = project / "notes.txt"
    return [
        ("project", project, "output folder is the project or contains it; refused"),
        ("parent", project.parent, "output folder is the project or contains it; refused"),
        ("root", Path("/"), "output folder is the project or contains it; refused"),
        ("home", home, "output folder is your home or the root folder; refused"),
        ("file", shown_file, "output exists and is not a folder; refused"),
    ]


@pytest.mark.parametrize("which", ["project", "parent", "root", "home", "file"])
def test_output_is_never_the_project_a_parent_home_or_root(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("keep me")
    monkeypatch.setenv("HOME", str(home))
    project = make_site({**SMALL_SITE, "notes.txt": "keep me"})
    [(_, output, message)] = [c for c in _dangerous_outputs(project, home) if c[0] == which]
    before_home, before_project = tree(home), tree(project)
    for force in (False, True):
        with pytest.raises(DossierError) as info:
            build_project(project, BuildOptions(output=output, force=force, search=False))
        assert str(info.value) == f"{output}: {message}"
    if which != "file":  # (Click itself refuses a file for -o, with exit code 2)
        result = CliRunner().invoke(
            main, ["-C", str(project), "build", "-o", str(output), "--force"]
        )
        assert result.exit_code == 1, result.output
        assert result.output.splitlines() == [
            f"{output}: {message}",
            "Error: 1 problem; nothing was written.",
        ]
    assert tree(home) == before_home
    assert tree(project) == before_project


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (".", "output folder is the project or contains it; refused"),
        ("..", "output folder is the project or contains it; refused"),
    ],
)
def test_output_setting_in_site_yaml_is_checked_too(
    make_site: MakeSite, setting: str, message: str
) -> None:
    project = make_site({**SMALL_SITE, "site.yaml": SITE_YAML + f"output: '{setting}'\n"})
    with pytest.raises(DossierError) as info:
        build_project(project, QUIET)
    assert str(info.value) == f"{project / setting}: {message}"


def test_symlinked_output_is_refused_and_its_target_untouched(
    make_site: MakeSite, tmp_path: Path
) -> None:
    project = make_site(SMALL_SITE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("keep")
    (project / "_site").symlink_to(elsewhere)
    with pytest.raises(DossierError) as info:
        build_project(project, QUIET)
    assert str(info.value) == (
        f"{project / '_site'}: output folder is a symbolic link; use --force to replace the link "
        "(not what it points to) with a folder"
    )
    build_project(project, BuildOptions(search=False, force=True))
    assert not (project / "_site").is_symlink()
    assert (elsewhere / "precious.txt").read_text() == "keep"
    assert siblings(project) == []
    build_project(project, QUIET)  # and the next build has nothing to trip over
    assert siblings(project) == []


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002, 0o004, 0o044])
def test_output_has_no_links_files_0644_folders_0755(
    make_site: MakeSite, tmp_path: Path, umask: int
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    project = make_site(SMALL_SITE)
    (project / "templates/static").mkdir(parents=True)
    (project / "templates/static/leak.css").symlink_to(secret)
    (project / "templates/static/dir-link").symlink_to(tmp_path)
    # Links out of the project are refused (what they lead to is never published)...
    assert problems_of(project) == [
        "templates/static/dir-link/: a link to a folder outside the project; refused",
        "templates/static/leak.css: a link to a file outside the project; refused",
    ]
    (project / "templates/static/leak.css").unlink()
    (project / "templates/static/dir-link").unlink()
    # ...and one to a file of the project becomes a file of the site, never a link.
    (project / "notes.css").write_text("p { color: teal }\n")
    (project / "templates/static/linked.css").symlink_to(project / "notes.css")
    old = os.umask(umask)
    try:
        build_project(project)
    finally:
        os.umask(old)
    site = project / "_site"
    paths = list(site.rglob("*"))
    assert len(paths) > 30
    for path in [site, *paths]:
        assert not path.is_symlink(), path
        mode = path.stat().st_mode & 0o777
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))
    assert not (site / "static/leak.css").exists()
    assert b"secret" not in b"".join(tree(site).values())
    assert (site / "static/linked.css").read_text() == "p { color: teal }\n"


# =============================================================================================
# 6. Determinism
# =============================================================================================


def _copy_reversed(src: Path, dst: Path) -> None:
    """Copy a project creating every folder's entries in reverse name order."""
    dst.mkdir(parents=True)
    for entry in sorted(src.iterdir(), key=lambda p: p.name, reverse=True):
        if entry.is_dir():
            _copy_reversed(entry, dst / entry.name)
        else:
            shutil.copy2(entry, dst / entry.name)


def _subprocess_build(project: Path, output: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "generator", "-C", str(project), "build", "-o", str(output)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[Path]]:
    """The bundled site built twice in subprocesses that differ in everything but the input."""
    base = tmp_path_factory.mktemp("determinism")
    a, b = base / "one" / "project", base / "two" / "elsewhere" / "project"
    a.mkdir(parents=True)
    for name in ("content", "seeds", "templates"):
        shutil.copytree(ROOT / name, a / name)
    shutil.copy(ROOT / "site.yaml", a / "site.yaml")
    _copy_reversed(a, b)
    _subprocess_build(
        a,
        base / "out-a",
        {"PYTHONHASHSEED": "1", "TZ": "UTC", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
    )
    _subprocess_build(
        b,
        base / "out-b",
        {
            "PYTHONHASHSEED": "4242",
            "TZ": "Pacific/Kiritimati",  # UTC+14: a different calendar day for most of the world
            "LC_ALL": "C",
            "LANG": "C",
            "SOURCE_DATE_EPOCH": "1000000000",
        },
    )
    return base / "out-a", base / "out-b", [a, b, base]


def test_builds_are_byte_identical_across_hash_seed_tz_locale_and_listing_order(
    two_builds: tuple[Path, Path, list[Path]],
) -> None:
    out_a, out_b, _ = two_builds
    a, b = tree(out_a), tree(out_b)
    assert sorted(a) == sorted(b)
    assert [name for name in a if a[name] != b[name]] == []


def test_listing_order_never_leaks_into_the_site(
    bundled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_project(bundled, BuildOptions(output=tmp_path / "a", search=False))
    real = Path.iterdir
    monkeypatch.setattr(Path, "iterdir", lambda self: iter(sorted(real(self), reverse=True)))
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda p=".": sorted(real_listdir(p), reverse=True))
    build_project(bundled, BuildOptions(output=tmp_path / "b", search=False))
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_no_machine_path_or_build_time_in_the_output(
    two_builds: tuple[Path, Path, list[Path]],
) -> None:
    out_a, out_b, places = two_builds
    today = dt.datetime.now(dt.UTC).date()
    days = {today, today - dt.timedelta(days=1), today + dt.timedelta(days=1)}
    forbidden = [str(p) for p in places] + [str(Path.home()), str(ROOT)]
    for day in days:
        forbidden += [
            day.isoformat(),
            f"{day.day} {day.strftime('%B')} {day.year}",
            day.strftime("%d %b %Y"),
            day.strftime("%Y%m%d"),
        ]
    # Pages, feeds and data as text (the Pagefind bundle is made from these pages).
    text = "\n".join([*text_files(out_a).values(), *text_files(out_b).values()])
    for needle in forbidden:
        assert needle not in text, needle
    assert "/tmp/" not in text


def test_source_date_epoch_is_not_needed_because_no_build_date_is_shown(
    two_builds: tuple[Path, Path, list[Path]],
) -> None:
    # Build b ran with SOURCE_DATE_EPOCH=1000000000 (9 September 2001) and is identical to a,
    # which ran without it; the only dates on the site come from content.
    out_a, out_b, _ = two_builds
    assert tree(out_a) == tree(out_b)
    text = b"".join(tree(out_b).values()).decode("utf-8", "replace")
    assert "2001-09-09" not in text and "9 September 2001" not in text
    feed = (out_b / "feed.xml").read_text(encoding="utf-8")
    assert re.search(r"<updated>2023-\d\d-\d\dT00:00:00Z</updated>", feed)


# =============================================================================================
# 7. Properties (Hypothesis)
# =============================================================================================

# Pieces of news text, so the parser's header, dateline, byline and post rules all get exercised.
ARTICLE_PIECES = st.sampled_from(
    [*"abcXYZ 019.,:;'\"()[]@#/-—–\n\t", "\n\n", "MOSCOW", "November", "21", "Reuters",
     "By ", "\u200f", "\ufeff", "\x85", "\u2028", "https://x.co/a", "— ", "@user",
     "pic.twitter.com/x", "(TASS)", "Nov 21, 2023", "Advertisement", "Share this"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=400), st.lists(ARTICLE_PIECES, max_size=60).map("".join)))
def test_article_parser_raises_only_dossier_error(text: str) -> None:
    try:
        article = parse_article(text, "s")
    except DossierError:
        return
    for block in article.blocks:
        assert isinstance(block.text, str)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_yaml_loader_raises_only_dossier_error(text: str) -> None:
    try:
        load_yaml(text, "x.yaml")
    except DossierError as exc:
        assert all(p.line >= 0 and p.col >= 0 for p in exc.problems)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet="ab: -[]{}'\"\n!&*#|>~0.\\x\x07", max_size=60))
def test_whole_tool_on_arbitrary_fact_sheet_raises_only_dossier_error(
    make_site: MakeSite, text: str
) -> None:
    project = make_site({P: text})
    try:
        check_project(project)
    except DossierError as exc:
        assert all(str(p).startswith(("content/people/x.yaml", "site.yaml")) for p in exc.problems)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_decoded_text_never_holds_control_characters(raw: bytes) -> None:
    try:
        text = decode_text(raw, "seeds/x.txt")
    except DossierError:
        return
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_slugify_is_safe_and_stable(text: str) -> None:
    slug = slugify(text)
    assert SLUG_RE.fullmatch(slug)
    assert not is_reserved(slug)
    assert 0 < len(slug) <= 90
    assert slugify(text) == slug
    assert slugify(slug) == slug  # a slug is its own slug


SLUG_EXAMPLES = [
    ("Sergey Lavrov", "sergey-lavrov"),
    ("Sergueï Lavrov", "serguei-lavrov"),
    ("  ../../etc/passwd  ", "etc-passwd"),
    ("C:\\Windows\\System32", "c-windows-system32"),
    ("%2e%2e%2f", "2e-2e-2f"),
    ("con", "con-1143da"),
    ("NUL", "nul-ae6de1"),
    ("", "item-e3b0c442"),
    ("\U0001f600\U0001f600", "item-91ad485b"),
    ("وزير الخارجية", "item-b703139f"),
]


@pytest.mark.parametrize(("text", "slug"), SLUG_EXAMPLES)
def test_slugify_examples(text: str, slug: str) -> None:
    assert slugify(text) == slug


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=8))
def test_slug_collisions_are_always_caught(names: list[str]) -> None:
    pages = [
        Page(f"people/{slugify(n)}/", "person.html", n, "person", origin=f"#{i}")
        for i, n in enumerate(names)
    ]
    folded = [unicodedata.normalize("NFC", p.output).casefold() for p in pages]
    assert len(find_collisions(pages)) == len(folded) - len(set(folded))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=40))
def test_quote_normalisation_never_raises_and_is_idempotent(text: str, quote: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    article = parse_article(text, "s") if text.strip() else None
    if article is not None:
        find_quote(article, quote)


# =============================================================================================
# 8. README
# =============================================================================================


def test_readme_has_a_safety_section() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Safety") :]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    for words in (
        "Sanitised",
        "Refused",
        "Guaranteed",
        "SOURCE_DATE_EPOCH",
        "staging",
        "byte-identical",
    ):
        assert words in section, words


# -- links out of the project, pipes and devices ----------------------------------------------


def _linked(project: Path, rel: str, target: str) -> None:
    path = project / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)


@pytest.mark.parametrize(
    ("rel", "target", "expected"),
    [
        (
            "seeds/b.txt",
            "/etc/passwd",
            "seeds/b.txt: a link to a file outside the project; refused",
        ),
        (
            "content/people/zero.yaml",
            "/dev/zero",
            "content/people/zero.yaml: a link to a file outside the project; refused",
        ),
        (
            "templates/static",
            "/etc",
            "templates/static/: a link to a folder outside the project; refused",
        ),
        (
            "templates/base.html",
            "/etc/hostname",
            "templates/base.html: a link to a file outside the project; refused",
        ),
        (
            "content/people",
            "/etc",
            "content/people/: a link to a folder outside the project; refused",
        ),
    ],
    ids=["seed", "sheet-to-device", "static-folder", "template", "sheet-folder"],
)
def test_links_out_of_the_project_are_refused_and_nothing_they_lead_to_is_published(
    make_site: MakeSite, rel: str, target: str, expected: str
) -> None:
    # A link can be committed to git: a contributed commit must not publish /etc/passwd
    # (nor make the build read /dev/zero until memory runs out).
    project = make_site({"seeds/a.txt": SEED})
    build_project(project, QUIET)
    before = tree(project / "_site")
    if (project / rel).is_dir():
        shutil.rmtree(project / rel)
    _linked(project, rel, target)
    assert problems_of(project) == [expected]
    with pytest.raises(DossierError):
        build_project(project, QUIET)
    assert tree(project / "_site") == before
    assert b"root:x:0:0" not in b"".join(before.values())


def test_a_link_to_a_file_of_the_project_is_read(make_site: MakeSite) -> None:
    project = make_site({"seeds/a.txt": SEED, "notes/b.txt": SEED.replace("Moscow", "Riyadh")})
    _linked(project, "seeds/b.txt", "../notes/b.txt")  # as git-annex keeps files
    build_project(project, QUIET)
    assert "Riyadh" in (project / "_site/sources/b/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("rel", ["seeds/b.txt", "content/people/b.yaml", "templates/b.html"])
def test_a_pipe_among_the_inputs_is_refused_not_waited_on(make_site: MakeSite, rel: str) -> None:
    project = make_site({"seeds/a.txt": SEED})
    (project / rel).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(project / rel)  # reading it would block the build for ever
    assert problems_of(project) == [f"{rel}: not a regular file (a pipe or a device); refused"]
    result = CliRunner().invoke(main, ["-C", str(project), "build", "-q", "--no-search"])
    assert result.exit_code == 1
    assert f"{rel}: not a regular file (a pipe or a device); refused" in result.output


@pytest.mark.parametrize("folder", ["seeds", "content"])
def test_a_file_where_an_input_folder_belongs_is_named(make_site: MakeSite, folder: str) -> None:
    project = make_site({})
    shutil.rmtree(project / folder, ignore_errors=True)
    (project / folder).write_text("hi\n", encoding="utf-8")
    assert f"{folder}/: not a folder; move it away and make a folder of that name" in problems_of(
        project
    )


def test_add_reads_a_device_only_up_to_the_limit(make_site: MakeSite) -> None:
    project = make_site({})
    result = CliRunner().invoke(main, ["-C", str(project), "add", "/dev/zero"])
    assert result.exit_code == 1
    assert result.output == (
        "/dev/zero: file is larger than 2048 KiB; refused\nError: 1 problem; nothing was written.\n"
    )


# -- the address the site is published at ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (
            "https://x.com//evil.com/",
            "must not have a backslash or an empty segment (//) in its path",
        ),
        ("https://x.com/a\\b/", "must not have a backslash or an empty segment (//) in its path"),
        ("https://x.com/a?q=1", "must not have a query (?) or a fragment (#)"),
        ("https://x.com/a/#top", "must not have a query (?) or a fragment (#)"),
        ("https://x.com/a/../b/", "must not have . or .. segments in its path"),
        ("https://user:pw@x.com/", "must not hold a user name or password"),
    ],
)
def test_a_base_url_that_would_bend_every_link_is_refused(
    make_site: MakeSite, value: str, why: str
) -> None:
    # "//evil.com/" in the path made the 404 page load its stylesheet from another host.
    project = make_site({})
    (project / "site.yaml").write_text(f"title: T\nbase_url: '{value}'\n", encoding="utf-8")
    assert problems_of(project) == [f"site.yaml:2:11: base_url: {why}"]
    (project / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["-C", str(project), "build", "--no-search", "--base-url", value]
    )
    assert result.exit_code == 2  # a usage error
    assert (
        result.stderr.splitlines()[-1] == f"Error: Invalid value for '--base-url': {value!r} {why}"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            'domain: "x.com\\nevil.com"',
            "domain: must be a host name such as dossier.example.org (no scheme, no path)",
        ),
        (
            "domain: https://x.com/",
            "domain: must be a host name such as dossier.example.org (no scheme, no path)",
        ),
        ('language: "<script>"', "language: must be a language tag such as en or pt-BR"),
    ],
)
def test_domain_and_language_are_checked(make_site: MakeSite, line: str, expected: str) -> None:
    project = make_site({})
    (project / "site.yaml").write_text(SITE_YAML + line + "\n", encoding="utf-8")
    assert [p.split(": ", 1)[1] for p in problems_of(project)] == [expected]


def test_a_custom_domain_is_where_base_url_points(make_site: MakeSite) -> None:
    # A custom domain is served at its root: base_url (and --base-url) must say so.
    project = make_site({})
    site = project / "site.yaml"
    site.write_text(
        "title: T\nbase_url: https://u.github.io/repo/\ndomain: news.tour-desk.net\n",
        encoding="utf-8",
    )
    assert problems_of(project) == [
        "site.yaml:3:9: domain: the site is served at the root of news.tour-desk.net, but "
        "base_url is https://u.github.io/repo/; set base_url to https://news.tour-desk.net/"
    ]
    site.write_text(
        "title: T\nbase_url: https://NEWS.tour-desk.net\ndomain: news.tour-desk.net\n",
        encoding="utf-8",
    )
    check_project(project)  # the same host in capitals, no path: no problem
    # An address given for one build (serve's local one, a CI's) is where that build is
    # served: the domain does not hold it, and CNAME is still written.
    result = CliRunner().invoke(
        main, ["-C", str(project), "build", "--no-search", "--base-url", "http://127.0.0.1:8000/"]
    )
    assert result.exit_code == 0, result.output
    assert (project / "_site/CNAME").read_text() == "news.tour-desk.net\n"
    assert (
        '<link rel="canonical" href="http://127.0.0.1:8000/">'
        in (project / "_site/index.html").read_text()
    )


def test_fact_sheets_where_none_is_read_are_named(make_site: MakeSite) -> None:
    project = make_site(
        {
            "content/peopel/typo.yaml": "name: X\n",
            "content/people/sub/y.yaml": "name: Y\n",
            "content/misc.yaml": "x: 1\n",
            "content/sources.yaml": "{}\n",
        }
    )
    where = "not read: fact sheets go in content/meetings/, people/, countries/, organizations/"
    result = CliRunner().invoke(main, ["-C", str(project), "check"])
    assert result.exit_code == 0
    assert [line for line in result.output.splitlines() if "not read" in line] == [
        f"content/misc.yaml: {where} (warning)",
        f"content/peopel/: {where}. Did you mean 'people'? (warning)",
        f"content/people/sub/: {where}, one .yaml file each (warning)",
    ]
    result = CliRunner().invoke(main, ["-C", str(project), "check", "--strict"])
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("sig", "code", "said"),
    [
        (signal.SIGTERM, 128 + signal.SIGTERM, "Stopped; nothing was written.\n"),
        (signal.SIGINT, 130, "Interrupted; nothing was written.\n"),
    ],
    ids=["SIGTERM", "SIGINT"],
)
def test_a_stopped_build_cleans_up_after_itself(
    make_site: MakeSite, sig: int, code: int, said: str
) -> None:
    # SIGTERM (a cancelled CI job, a process manager) or Ctrl-C: the build unwinds as for
    # an error, and says how it ended by its exit code (not 1: the input is fine).
    project = make_site(SMALL_SITE)
    build_project(project, QUIET)
    before = tree(project / "_site")
    proc = _build_of_400(project, subprocess.PIPE)
    try:
        _until_writing(proc, project / "._site.dossier-staging")
        os.kill(proc.pid, sig)
    finally:
        _out, err = proc.communicate(timeout=120)
    assert proc.returncode == code
    assert "Traceback" not in err and said in err
    assert tree(project / "_site") == before
    assert siblings(project) == []  # no staging folder left behind
    assert not (project / ".dossier-lock").exists()


# A build whose cache is being saved, stopped by a signal it sends itself at that moment.
_STOPPED_WHILE_SAVING = """
import os, signal, sys
import generator.cache as cache
flush, sig = cache.Cache.flush, int(sys.argv.pop(1))
def stopped(self):
    os.kill(os.getpid(), sig)
    return flush(self)
cache.Cache.flush = stopped
from generator.cli import run
run()
"""


@pytest.mark.parametrize(
    ("sig", "code", "said"),
    [
        (signal.SIGTERM, 128 + signal.SIGTERM, "Stopped; the new site was written first.\n"),
        (signal.SIGINT, 130, "Interrupted; the new site was written first.\n"),
    ],
    ids=["SIGTERM", "SIGINT"],
)
def test_a_stop_that_comes_once_the_new_site_is_going_in_place_waits_for_it(
    make_site: MakeSite, sig: int, code: int, said: str
) -> None:
    """From the swap on, a build is finished, its cache saved, before a stop is acted
    on: its exit says so, and the next build finds everything up to date."""
    project = make_site(SMALL_SITE)
    build_project(project, QUIET)
    talks = project / "content/meetings/talks.yaml"
    talks.write_text(talks.read_text().replace("Talks", "New talks"))
    command = [sys.executable, "-c", _STOPPED_WHILE_SAVING, str(int(sig))]
    proc = subprocess.run(
        [*command, "-C", str(project), "build", "--no-search"], capture_output=True, text=True
    )
    assert (proc.returncode, proc.stderr) == (code, said)
    assert "New talks" in (project / "_site/meetings/talks/index.html").read_text()
    assert siblings(project) == []
    from generator.build import Carried

    carried = Carried()  # the cache kept what the stopped build made: nothing to render
    build_project(project, BuildOptions(search=False, carried=carried))
    assert carried.rendered == 0 and carried.reused > 0


def test_a_build_killed_between_the_two_renames_of_a_swap_loses_no_site(
    make_site: MakeSite,
) -> None:
    """Where the system cannot swap two folders in one step, a build killed between the
    renames leaves the previous site under a leftover's name; the next build puts it
    back first, even one that then fails."""
    project = make_site(SMALL_SITE)
    build_project(project, QUIET)
    before = tree(project / "_site")
    os.replace(project / "_site", project / "._site.dossier-old")
    (project / "._site.dossier-staging").mkdir()
    (project / "content/people/sergey-lavrov.yaml").write_text("name: [broken\n")
    result = CliRunner().invoke(main, ["-C", str(project), "build", "--no-search"])
    assert result.exit_code == 1
    assert tree(project / "_site") == before
    (project / "content/people/sergey-lavrov.yaml").write_text(SHEET)
    assert CliRunner().invoke(main, ["-C", str(project), "build", "--no-search"]).exit_code == 0
    assert tree(project / "_site") == before
    assert siblings(project) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_the_new_site_replaces_the_old_in_one_step(
    make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """There is no moment without a site: the two folders are exchanged, not renamed
    one after the other."""
    project = make_site(SMALL_SITE)
    build_project(project, QUIET)
    renamed: list[str] = []
    replace = os.replace

    def recording(src: Any, dst: Any, **kwargs: Any) -> None:
        if Path(dst).name in ("_site", "._site.dossier-old"):
            renamed.append(Path(dst).name)
        replace(src, dst, **kwargs)

    monkeypatch.setattr(os, "replace", recording)
    talks = project / "content/meetings/talks.yaml"
    talks.write_text(talks.read_text().replace("Talks", "New talks"))
    build_project(project, QUIET)
    assert "New talks" in (project / "_site/meetings/talks/index.html").read_text()
    assert renamed == []
    assert siblings(project) == []
