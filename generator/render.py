"""Stage 5, *render*: turn each planned page into HTML bytes with Jinja2.

Autoescaping is on for every template; the only HTML that templates mark safe
comes out of :func:`sanitize` or is built here from escaped pieces. Links are
relative to the page, so the site works at a domain root and under a project
path; absolute URLs come only from ``base_url``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import markdown
import nh3
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    select_autoescape,
)
from markupsafe import Markup, escape

from generator.article import Paragraph, Post, Quotation, staff_credits
from generator.cache import Cache
from generator.citations import normalise
from generator.mentions import Mention, rival_speakers
from generator.model import CitationUse, Site, Source
from generator.plan import (
    DATE_BOUNDS,
    KIND_NOUN,
    KIND_SINGULAR,
    KIND_TITLES,
    CreditNames,
    Page,
    Passage,
    changed_keys,
    credit_names,
    entity_url,
    fold_name,
    post_author,
)
from generator.problems import DossierError, Problem
from generator.schema import Citation

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "i", "li",
    "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "ul",
}  # fmt: skip

# The HTML of article blocks and "Mentioned in" lists is built as plain str pieces, each
# text escaped by _esc or a tag written here, and made Markup once by _html(): a Markup
# per piece (markupsafe's escape, format, join) was most of the cost of rendering.
_EMPTY = Markup("")
_BLOCK_CLASS = {"standfirst": ' class="standfirst"', "blockquote": ' class="quoted"'}


def _esc(text: str) -> str:
    """``str(markupsafe.escape(text))`` for a str, without making a Markup."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


# Text in another script than the page's is read aloud in the page's language unless
# marked (WCAG "language of parts"): a Chinese signature in an English article, an
# Arabic name. The language is guessed from the script; kana make Han text Japanese.
_LETTERS = {
    "zh": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff",
    "ko": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
    "ar": "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc",
    "he": "\u0590-\u05ff\ufb1d-\ufb4f",
    "ru": "\u0400-\u04ff",
    "el": "\u0370-\u03ff\u1f00-\u1fff",
    "th": "\u0e00-\u0e7f",
}
_FOREIGN_RE = re.compile("[" + "".join(_LETTERS.values()) + "]")
# A run: letters of one script, with the spaces (and, for Han, the punctuation) between.
_GAPS = " \u00a0\u200c\u200d"
_HAN_GAPS = _GAPS + "\u3000-\u303f\uff00-\uffef"
_RUN_RE = re.compile(
    "|".join(
        f"(?P<{lang}>[{letters}]+(?:[{_HAN_GAPS if lang == 'zh' else _GAPS}]+[{letters}]+)*)"
        for lang, letters in _LETTERS.items()
    )
)
_KANA_RE = re.compile("[\u3040-\u30ff]")
_RTL = frozenset({"ar", "he"})
# Languages written right to left: a page, an article or a passage in one says so.
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "ps", "yi", "sd", "ug", "dv", "ckb"})


def direction(language: str) -> str:
    """' dir="rtl"' for a language written right to left, else nothing (left to right is
    every page's default)."""
    return ' dir="rtl"' if language.split("-")[0].lower() in RTL_LANGUAGES else ""


# Languages written in each script: in a page in one of them, the run is not foreign.
_WRITTEN_IN = {
    "zh": {"zh", "ja", "yue"},
    "ko": {"ko"},
    "ar": {"ar", "fa", "ur", "ps", "ku", "sd", "ug"},
    "he": {"he", "yi"},
    "ru": {"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn", "tg", "tt", "ba"},
    "el": {"el"},
    "th": {"th"},
}
# A tag, its attribute values quoted or not (a sanitiser may leave ">" in a quoted one).
_TAG_RE = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")


def _lang_run(context: str, m: re.Match[str]) -> str:
    script = m.lastgroup
    assert script is not None
    run = m.group()
    if context.split("-")[0].lower() in _WRITTEN_IN[script]:
        return run
    lang = "ja" if script == "zh" and _KANA_RE.search(run) else script
    rtl = ' dir="rtl"' if lang in _RTL else ""
    return f'<span lang="{lang}"{rtl}>{run}</span>'


def lang_parts(html: str, context: str) -> str:
    """``html`` (built here, every text escaped) with each run of text in a script the
    language ``context`` is not written in wrapped in ``<span lang=...>``.

    Only text between tags is looked at: an attribute's value is never touched.
    """
    if html.isascii() or _FOREIGN_RE.search(html) is None:
        return html
    mark = functools.partial(_lang_run, context)
    pieces = _TAG_RE.split(html)
    for k in range(0, len(pieces), 2):  # text, tag, text, ..., text
        if _FOREIGN_RE.search(pieces[k]) is not None:
            pieces[k] = _RUN_RE.sub(mark, pieces[k])
    return "".join(pieces)


def _same_items(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


# After a meeting's kind in a list: whether it is known to have taken place.
_ANNOUNCED = {"held": "", "announced": " (announced)"}


# A speakerless quotation of at most this many words is a marked term, not a quotation.
_TERM_WORDS = 3


def _speakers_named(mentions: Sequence[Mention]) -> dict[str, set[str]]:
    """Each way the article names a person (as matched: "Sergey Lavrov"), and each word
    of it a speaker may go by ("Lavrov"), casefolded: the people it may mean."""
    people: dict[str, set[str]] = {}
    for m in mentions:
        if m.kind != "people":
            continue
        text = m.text.casefold()
        people.setdefault(text, set()).add(m.slug)
        for word in text.split():
            people.setdefault(word, set()).add(m.slug)
    return people


def _html(parts: list[str]) -> Markup:
    """The one place pieces built in this module become Markup.

    Every piece is a tag written here with its values passed through ``_esc``, or
    text passed through ``_esc``: article text never lands in ``parts`` unescaped.
    """
    return Markup("".join(parts))


# A relative path of plain segments: joined to a base URL ending in "/", it is simply
# appended (what urljoin does for it, at a sixth of the cost; a site has thousands).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9._~-]+)*/?\Z")


def join_url(base: str, target: str) -> str:
    """``urljoin(base, target)``, with a short cut for the site's own page paths."""
    if target and _PLAIN_PATH.match(target) and _appends(base):
        segments = target.split("/")
        if "." not in segments and ".." not in segments:
            return base + target
    return urljoin(base, target)


@functools.lru_cache(maxsize=16)
def _appends(base: str) -> bool:
    """Whether urljoin leaves ``base`` as it is and appends a plain path to it (not so for
    a base with a query, "//", dot segments or a scheme in capitals, which it rewrites)."""
    return urljoin(base, "a/b/") == base + "a/b/"


def theme_dir() -> Path:
    """The bundled templates (the repository's ``templates/``, installed as generator.theme)."""
    return Path(str(resources.files("generator.theme")))


def sanitize(html: str) -> Markup:
    """The one gate for untrusted HTML: allow-listed tags, http(s)/mailto links only."""
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "abbr": {"title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - output of the sanitiser


def format_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def relative_url(from_url: str, to_url: str) -> str:
    """Link from page ``from_url`` to ``to_url`` (both site-relative).

    Plain segment arithmetic, not posixpath.relpath: this runs for every link of
    every page, and relpath's abspath/getcwd calls dominated rendering.
    """
    base = from_url if from_url.endswith("/") else from_url.rpartition("/")[0] + "/"
    here = [part for part in base.split("/") if part]
    target_dir, _, name = to_url.rpartition("/")
    there = [part for part in target_dir.split("/") if part]
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    parts = [".."] * (len(here) - common) + there[common:]
    out = "/".join(parts) + "/" if parts else ""
    out += name
    return out or "./"


@dataclass
class Footnotes:
    """Footnotes collected while one page renders (one instance per page)."""

    view: PageView
    notes: list[tuple[int, Citation, CitationUse | None]] = field(default_factory=list)
    numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    refs: dict[int, int] = field(default_factory=dict)

    def __call__(self, cites: list[Citation]) -> Markup:
        if not cites:
            return _EMPTY  # most facts are called with no citations: skip the join
        refs = []
        for cite in cites:
            key = (cite.source, normalise(cite.quote))
            if key not in self.numbers:
                self.numbers[key] = len(self.numbers) + 1
                self.notes.append((self.numbers[key], cite, self.view.citation_use(cite)))
            n = self.numbers[key]
            # A note cited twice gets two back-reference ids: fnref-3-1, fnref-3-2.
            self.refs[n] = self.refs.get(n, 0) + 1
            refs.append(
                Markup('<sup class="fn"><a href="#fn-%s" id="fnref-%s-%s">[%s]</a></sup>')
                % (n, n, self.refs[n], n)
            )
        return Markup("").join(refs)


class PageView:
    """Helpers a template uses while rendering one page; built per page, never shared."""

    def __init__(self, renderer: Renderer, page: Page) -> None:
        self.renderer = renderer
        self.site = renderer.site
        self.page = page
        self.cite = Footnotes(self)
        # A page links the same entities and sections many times over.
        self._urls: dict[str, str] = {}
        self._filters: list[tuple[str, str]] | None = None
        self._mentions: dict[str, tuple[Mention, ...]] = {}
        self._memos: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        # Most pages sit at kind/slug/: a target outside the first folder is then just
        # "../../" + target, with no segment arithmetic (see url()).
        base = page.url if page.url.endswith("/") else page.url.rpartition("/")[0] + "/"
        here = [part for part in base.split("/") if part]
        self._up = "../" * len(here)
        self._first = here[0] + "/" if here else ""
        # At kind/slug/, a target in the same kind but another slug is "../" + its slug.
        self._own = f"{here[0]}/{here[1]}/" if len(here) == 2 else ""

    def mentions_in(self, source_id: str) -> tuple[Mention, ...]:
        """The source's mentions, made once for the page (the site keeps them as numbers;
        a source page reads them four times)."""
        found = self._mentions.get(source_id)
        if found is None:
            found = self._mentions[source_id] = tuple(self.site.mentions.get(source_id, ()))
        return found

    # -- links --
    def url(self, target: str) -> str:
        done = self._urls.get(target)
        if done is not None:
            return done
        if self.page.url == "404.html":
            # The 404 page is served at any depth, so it links from the site's root path.
            done = self.renderer.base_path + target
        elif (
            self._first
            and target
            and not target.startswith((self._first, "/"))
            and "//" not in target
        ):
            done = self._up + target  # what relative_url() gives when no folder is shared
        elif (
            self._own
            and target.startswith(self._first)
            and not target.startswith(self._own)
            and "/" in target[len(self._first) :]
            and "//" not in target
        ):
            done = "../" + target[len(self._first) :]  # likewise, sharing the first folder
        else:
            done = relative_url(self.page.url, target)
        self._urls[target] = done
        return done

    def root(self) -> str:
        """The way up from this page to the site's root ("../../"), for the links every
        page has (one call instead of one per link)."""
        return self.renderer.base_path if self.page.url == "404.html" else self._up

    def section(self) -> str:
        """The first folder of this page's URL ("people"), which the masthead marks."""
        return self.page.url.partition("/")[0] if "/" in self.page.url else ""

    def asset(self, name: str) -> str:
        return self.url(f"static/{name}")

    def absolute(self, target: str = "") -> str:
        return self.renderer.absolute(target)

    def link(self, kind: str, slug: str | None) -> Markup:
        """An escaped link to an entity, or its id in plain text if it is not known."""
        if not slug:
            return _EMPTY
        url = self.url(entity_url(kind, slug))
        key = ("link", kind, slug, url)
        done = self.renderer.fragments.get(key)
        if done is None:
            name = lang_parts(_esc(self.name(kind, slug)), self.site.config.language)
            if kind != "sources" and slug not in self.site.kind(kind):
                done = _html([f"<span>{name}</span>"])
            else:
                # dir="auto": a name in Arabic or Hebrew is laid out right to left inside
                # English text.
                done = _html([f'<a href="{_esc(url)}" dir="auto">{name}</a>'])
            self.renderer.fragments[key] = done
        return done

    def titled_link(self, title: str, kind: str, slug: str | None) -> Markup:
        """A title with a link to the entity it names: its name linked where the title
        says it ("Member of the Political Bureau ..."), else the link after a comma."""
        if not slug:
            return _html([_esc(title)])
        known = kind == "sources" or slug in self.site.kind(kind)
        name = self.name(kind, slug)
        folded, folded_name = title.casefold(), name.casefold()
        # Offsets hold only where casefolding kept every length ("ß" becomes "ss").
        same = len(folded) == len(title) and len(folded_name) == len(name)
        at = folded.find(folded_name) if known and name and same else -1
        if at < 0:
            return _html([f"{_esc(title)}, {self.link(kind, slug)}"])
        url = self.url(entity_url(kind, slug))
        inner = _esc(title[at : at + len(name)])
        return _html([
            _esc(title[:at]),
            f'<a href="{_esc(url)}" dir="auto">{inner}</a>',
            _esc(title[at + len(name) :]),
        ])  # fmt: skip

    def links(self, kind: str, slugs: list[str]) -> Markup:
        """``link`` of each slug, separated by commas (one call, where a list can be long)."""
        # str.join: Markup.join would pass each link, escaped already, through escape() again.
        return _html([", ".join([self.link(kind, slug) for slug in slugs])])

    def name(self, kind: str, slug: str) -> str:
        return self.renderer.name(kind, slug)

    def outlet(self, text: str) -> Markup:
        """A source's outlet, linked to the organisation of that name if there is one."""
        slug = self.renderer.credit_names.outlets.get(fold_name(text))
        if slug is None:
            return _html([_esc(text)])
        url = self.url(entity_url("organizations", slug))
        return _html([f'<a href="{_esc(url)}" dir="auto">{_esc(text)}</a>'])

    def entity_link(self, kind: str, slug: str, text: str) -> str:
        """A name in an article's text, linked to its entity's page (escaped HTML)."""
        url = self.url(entity_url(kind, slug))
        key = (kind, url, text)
        done = self.renderer.entity_links.get(key)
        if done is None:
            done = self.renderer.entity_links[key] = (
                f'<a class="entity {_esc(kind)}" href="{_esc(url)}">{_esc(text)}</a>'
            )
        return done

    def backref(self, kind: str, slug: str) -> str:
        """The link from a cited passage back to the record that cites it (escaped HTML)."""
        url = self.url(entity_url(kind, slug))
        key = (kind, slug, url)
        done = self.renderer.backrefs.get(key)
        if done is None:
            name = _esc(self.name(kind, slug))
            # A short label in the text ("↩ meeting"); the full name is in the tooltip and
            # read out after the visible label, so a passage cited by long-titled facts
            # stays readable.
            done = self.renderer.backrefs[key] = (
                f'<a class="backref" href="{_esc(url)}" title="Cited by: {name}">'
                f'↩ {_esc(KIND_NOUN[kind])}<span class="vh">: {name}</span></a>'
            )
        return done

    # -- text --
    def md(self, text: str) -> Markup:
        return self.renderer.markdown(text)

    def emphasise(self, sentence: str, words: tuple[str, ...]) -> Markup:
        """Escape ``sentence`` with each occurrence of ``words`` in ``<strong>``."""
        parts: list[str] = []
        _emphasise(sentence, words, parts, self.renderer.strong)
        return _html(parts)

    def passages(self, source: str, passages: list[Passage]) -> Markup:
        """One ``<li>`` per passage of ``source`` (the "Mentioned in" list of macros.html).

        Made here, not by a macro in the template's loop: an entity page can list
        hundreds of passages, and each Jinja call costs more than the line it makes.
        """
        href = _esc(self.url(entity_url("sources", source)))
        # In a session the plan hands on the same Passages while the source is unchanged;
        # they keep the items made of them, per link (pages at another depth differ).
        kept: dict[str, str] | None = getattr(passages, "html", None)
        done = kept.get(href) if kept is not None else None
        if done is None:
            parts: list[str] = []
            strong = self.renderer.strong
            # Passages are in the source's language, which may not be the page's.
            language = self.site.sources[source].article.language
            item = "  <li>"
            if language != self.site.config.language:
                item = f'  <li lang="{_esc(language)}"{direction(language)}>'
            for p in passages:
                parts.append(f'{item}<a class="passage" href="{href}#{_esc(p.block)}">')
                _emphasise(p.sentence, p.words, parts, strong)
                parts.append("</a></li>\n")
            done = lang_parts("".join(parts), language)
            if kept is not None:
                kept[href] = done
        return _html([done])

    def mentioned_sources(self, mentioned_in: list[tuple[str, list[Passage]]]) -> Markup:
        """For each source, its linked title over the list of its passages (the
        "Mentioned in" section of macros.html): ``<h3 class="source-name">(link)</h3>``,
        then ``<ul class="passages">`` with the items of :meth:`passages`.

        A country can be named in hundreds of sources; in a session each source's block
        is kept with its passages (per link), so a page re-rendered because one source
        changed is mostly a join.
        """
        parts = []
        for source, passages in mentioned_in:
            href = _esc(self.url(entity_url("sources", source)))
            kept: dict[str, str] | None = getattr(passages, "html", None)
            block = kept.get("h3 " + href) if kept is not None else None
            if block is None:
                block = (
                    f'<h3 class="source-name">{self.link("sources", source)}</h3>\n'
                    f'<ul class="passages">\n{self.passages(source, passages)}</ul>\n'
                )
                if kept is not None:
                    kept["h3 " + href] = block
            parts.append(block)
        return _html(parts)

    def sitemap_urls(self, urls: list[str]) -> Markup:
        """One ``<url><loc>(absolute URL)</loc></url>`` line per page (sitemap.xml)."""
        absolute = self.renderer.absolute
        return _html([f"  <url><loc>{_esc(absolute(url))}</loc></url>\n" for url in urls])

    def source_rows(self, slugs: list[str]) -> Markup:
        """One ``<li>`` per source (the sources index of index.html).

        Made here, not in the template's loop: the index lists every article of the
        site, and a Jinja iteration with its escapes cost more than the row it makes.
        A row is made again only when its source is not the very object it was made from.
        """
        before, now = self._memo("source_rows")
        sources = self.site.sources
        parts = []
        for slug in slugs:
            source = sources[slug]
            hit = before.get(slug)
            if hit is None or hit[0] is not source:
                hit = (source, self._source_row(slug, source))
            now[slug] = hit
            parts.append(hit[1])
        return _html(parts)

    def _source_row(self, slug: str, source: Source) -> str:
        url = _esc(self.url(f"sources/{slug}/"))
        title = lang_parts(_esc(source.title.value or slug), self.site.config.language)
        row = f'  <li>\n    <a href="{url}" dir="auto">{title}</a>\n    <span class="meta">'
        if source.outlet.value:
            row += f"{_esc(source.outlet.value)} · "
        published = source.published.value
        if published:
            day = _esc(format_date(published))
            row += f'<time datetime="{_esc(published.isoformat())}">{day}</time>'
        else:
            row += "date unknown"
        return row + "</span>\n  </li>\n"

    def variant_sections(self, variants: list[tuple[str, list[tuple[str, list[str]]]]]) -> Markup:
        """Per person, ``<section class="dispute" id="variants-(slug)">`` with the linked
        name over ``<ul class="sides">`` and the rows of :meth:`spellings` (the names
        spelled differently on discrepancies.html, in one call: a large site lists
        thousands of people). Each section is kept as long as its rows are."""
        parts = []
        for person, spellings in variants:
            entry = self._spelling_entry(person, spellings)
            if entry[4] is None:
                slug = _esc(person)
                entry[4] = (
                    f'<section class="dispute" id="variants-{slug}" '
                    f'aria-labelledby="variants-{slug}-title">\n'
                    f'  <h3 id="variants-{slug}-title">{self.link("people", person)}</h3>\n'
                    f'  <ul class="sides">\n{entry[1]}  </ul>\n</section>\n'
                )
            parts.append(entry[4])
        return _html(parts)

    def _spelling_entry(self, person: str, spellings: list[tuple[str, list[str]]]) -> list[Any]:
        """[spellings, rows, sources used, render, section]: what the page shows of one
        person's spellings (one ``<li>`` per spelling, with the sources that use it), kept
        while made from the same list and the same sources."""
        before, now = self._memo("spellings")
        hit = before.get(person)
        # The plan hands on the very same list while the person's mentions are unchanged;
        # what else can differ is the title of a source it links to.
        if hit is None or hit[0] is not spellings or not self._same_sources(hit[2], hit[3]):
            used = {s: self.site.sources.get(s) for _text, srcs in spellings for s in srcs}
            hit = [spellings, self._spelling_rows(spellings), used, 0, None]
        hit[3] = self.renderer.serial
        now[person] = hit
        return hit

    def _same_sources(self, used: dict[str, Any], serial: int) -> bool:
        """Whether each source is the very object it was when render ``serial`` used it."""
        renderer = self.renderer
        if serial == renderer.serial - 1 and renderer.changed is not None:
            return not any(s in used for s in renderer.changed)  # only the few changed
        sources = self.site.sources
        return all(sources.get(s) is source for s, source in used.items())

    def _spelling_rows(self, spellings: list[tuple[str, list[str]]]) -> str:
        language = self.site.config.language
        return "".join(
            f'    <li><span dir="auto">{lang_parts(_esc(text), language)}</span> '
            f'<span class="meta">in {self.links("sources", srcs)}</span></li>\n'
            for text, srcs in spellings
        )

    def _memo(self, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """What the last render of this page made for ``name``, and the dict this render
        fills instead (kept by the renderer, so what the page no longer shows is let go)."""
        pair = self._memos.get(name)
        if pair is None:
            pages = self.renderer.kept.setdefault(name, {})
            pair = self._memos[name] = (pages.get(self.page.url, {}), {})
            pages[self.page.url] = pair[1]
        return pair

    def date(self, value: dt.date | None) -> str:
        return format_date(value)

    def bounded_date(self, value: Any, *, start: bool = False) -> Markup:
        """A fact sheet's date as far as it is known, the day in a <time> and its bound
        before it: "on or after <time>7 October 2023</time>" (``start``: opening a
        heading, "On or after ...")."""
        bound = DATE_BOUNDS.get(value.qualifier, "")
        if start:
            bound = bound[:1].upper() + bound[1:]
        day = value.value
        return _html([
            _esc(bound),
            f'<time datetime="{_esc(day.isoformat())}">{_esc(format_date(day))}</time>',
        ])  # fmt: skip

    def meeting_item(self, slug: str) -> Markup:
        """A meeting in a list (macros.html's ``meeting_item``): its linked title, then
        ``<span class="meta">`` with its date, place and kind. The home page lists every
        meeting; the piece is kept per link for as long as the fact sheets are the same."""
        url = self.url(f"meetings/{slug}/")
        kept = self.renderer.kept.get("meeting_items")
        if kept is None or kept[0] is not self.site.sheets_token:
            kept = self.renderer.kept["meeting_items"] = (self.site.sheets_token, {})
        done = kept[1].get((slug, url))
        if done is None:
            m = self.site.meetings[slug].sheet
            qualifier = DATE_BOUNDS.get(m.date.qualifier, "")
            day = m.date.value
            place = f" · {_esc(m.place.name)}" if m.place else ""
            done = kept[1][(slug, url)] = (
                f'<a href="{_esc(url)}">{_esc(m.title)}</a>\n<span class="meta">{qualifier}'
                f'<time datetime="{_esc(day.isoformat())}">{_esc(format_date(day))}</time>'
                f"{place} · {_esc(m.kind.replace('-', ' '))}{_ANNOUNCED[m.status]}</span>"
            )
        return _html([done])

    def citation_use(self, cite: Citation) -> CitationUse | None:
        return self.renderer.uses.get((cite.source, normalise(cite.quote)))

    def passage_url(self, cite: Citation) -> str:
        use = self.citation_use(cite)
        url = self.url(entity_url("sources", cite.source))
        return f"{url}#{use.anchor}" if use and use.anchor else url

    def source_blocks(self, source_id: str) -> list[Markup]:
        return self.renderer.annotated_blocks(source_id, self)

    def quotations(self, source_id: str) -> list[tuple[Quotation, Markup | None, str]]:
        """The source's direct quotations, each with its speaker as shown (linked to the
        person the article names so, where there is one) and a note on how the speaker
        was found ("" when the text states it).

        A phrase of a few words in quotation marks that no one is said to have spoken
        ("self-defence", "window of legitimacy") is a term the article marks, not a
        quotation: it is left out.
        """
        source = self.site.sources[source_id]
        if not source.article.quotations:
            return []
        mentions = self.mentions_in(source_id)
        rivals = rival_speakers(source.article, mentions)
        people = _speakers_named(mentions)
        shown: list[tuple[Quotation, Markup | None, str]] = []
        for index, q in enumerate(source.article.quotations):
            if index in rivals:
                note = f"the pronoun could stand for {rivals[index]} as well as {q.speaker}"
                shown.append((q, None, note))
                continue
            if q.speaker is None and len(q.text.split()) <= _TERM_WORDS:
                continue
            speaker = self._speaker(q.speaker, people)
            if q.speaker_basis in ("pronoun", "descriptor"):
                shown.append((q, speaker, f"speaker resolved from a {q.speaker_basis}"))
            else:
                shown.append((q, speaker, ""))
        return shown

    def _speaker(self, speaker: str | None, people: dict[str, set[str]]) -> Markup | None:
        """The speaker as the article gives them, linked to the one person it may mean."""
        if speaker is None:
            return None
        slugs = people.get(speaker.casefold(), set())
        if len(slugs) != 1:
            return _html([_esc(speaker)])
        (slug,) = slugs
        url = self.url(entity_url("people", slug))
        return _html([f'<a href="{_esc(url)}" dir="auto">{_esc(speaker)}</a>'])

    def quote_rules(self, source_id: str) -> Markup:
        """A <style> that shows, of quotes sharing a highlight, the targeted one's words
        alone (CSS cannot match a piece to the target by its id without a rule per id)."""
        blocks: dict[str, list[CitationUse]] = defaultdict(list)
        for use in self.renderer.by_source.get(source_id, []):
            if use.location is not None:
                blocks[use.location.block].append(use)
        anchors = sorted(
            anchor
            for block in sorted(blocks)
            for _s, _e, group in _cited_spans(blocks[block])
            for anchor in (_ranges(group) if len({u.anchor for u in group}) > 1 else ())
        )
        # Anchors are made of block ids and offsets; one that is not (a block id from a
        # future parser) gets no rule rather than text in a <style>, where nothing is escaped.
        rules = [
            f'.text:has(#{a}:target) .q[data-q~="{a}"] {{ background: var(--hit); }}'
            for a in anchors
            if _PLAIN_ID.fullmatch(a)
        ]
        if not rules:
            return _EMPTY
        return _html(["<style>\n", "\n".join(rules), "\n</style>"])

    def staff_credits(self, source_id: str) -> tuple[str, ...]:
        return staff_credits(self.site.sources[source_id].article)

    def source_title(self, source_id: str) -> Markup:
        return linked_title(self, source_id)

    def citing(self, source_id: str) -> list[CitationUse]:
        return self.renderer.by_source.get(source_id, [])

    # -- metadata and reader features --
    @property
    def search_available(self) -> bool:
        """Whether this build has a Pagefind index (the search page says so when not)."""
        return self.renderer.search

    def jsonld(self) -> Markup:
        """This page's schema.org JSON-LD in a script element; safe against ``</script>``."""
        from generator.feeds import dumps_html, jsonld

        data = jsonld(self.site, self.page, self.absolute, self.renderer.sub_meetings)
        return Markup('<script type="application/ld+json">{}</script>').format(
            Markup(dumps_html(data))
        )

    def description(self) -> str:
        """One line describing the page, for <meta name=description> and Open Graph."""
        from generator.feeds import _plain

        slug = self.page.context.get("slug")
        kind = self.page.kind
        text = ""
        if kind == "meeting" and slug:
            m = self.site.meetings[slug].sheet
            where = f" in {m.place.name}" if m.place else ""
            kind_name = m.kind.replace("-", " ").capitalize()
            text = f"{kind_name}{where}, {format_date(m.date.value)}. {m.summary}"
        elif kind in ("person", "country", "organization") and slug:
            plural = {"person": "people", "country": "countries", "organization": "organizations"}[
                kind
            ]
            sheet = self.site.kind(plural)[slug].sheet
            text = sheet.summary
            if kind == "person" and sheet.positions and not text.strip():
                text = sheet.positions[0].title
        elif kind == "source" and slug:
            s = self.site.sources[slug]
            date = format_date(s.published.value) if s.published.value else "date not stated"
            text = f"Source article: {s.outlet.value or 'outlet not stated'}, {date}."
        text = _plain(text, 200) if text.strip() else ""
        return text or self.site.config.description or self.site.config.title

    def atom_time(self, value: dt.date) -> str:
        from generator.feeds import atom_time

        return atom_time(value)

    def date_is_derived(self, value: Any) -> bool:
        from generator.plan import date_is_derived

        return date_is_derived(value)

    def og_type(self) -> str:
        return {"source": "article", "person": "profile"}.get(self.page.kind, "website")

    def search_filters(self) -> list[tuple[str, str]]:
        """(filter, value) pairs Pagefind records for this page: its kind and its countries."""
        if self._filters is None:  # base.html asks twice
            self._filters = self._search_filters()
        return self._filters

    def _search_filters(self) -> list[tuple[str, str]]:
        slug = self.page.context.get("slug")
        kind = self.page.kind
        if kind not in ("meeting", "person", "country", "organization", "source") or not slug:
            return []
        countries: set[str] = set()
        if kind == "meeting":
            m = self.site.meetings[slug].sheet
            if m.place and m.place.country:
                countries.add(m.place.country)
            countries.update(p.country for p in (*m.hosts, *m.participants) if p.country)
        elif kind == "person":
            p = self.site.people[slug].sheet
            if p.country:
                countries.add(p.country)
            countries.update(pos.of for pos in p.positions if pos.of in self.site.countries)
        elif kind == "country":
            countries.add(slug)
        elif kind == "organization":
            countries.update(self.site.organizations[slug].sheet.members)
        else:
            countries.update(self.site.mentions[slug].slugs("countries"))
        names = sorted(
            {self.name("countries", c) for c in countries if c in self.site.countries},
            key=str.casefold,
        )
        return [("kind", KIND_TITLES[_PLURAL[kind]])] + [("country", n) for n in names]

    def graph_svg(self, graph: Any) -> Markup:
        from generator.graph import layout, render_svg

        return render_svg(
            layout(graph),
            lambda slug: self.url(entity_url("people", slug)),
            lambda slug: self.name("meetings", slug),
        )


_PLURAL = {v: k for k, v in KIND_SINGULAR.items()}


class Renderer:
    """Holds the Jinja environment and per-site lookups; renders pages one at a time."""

    def __init__(
        self,
        site: Site,
        *,
        base_url: str | None = None,
        search: bool = False,
        bytecode_cache: Path | None = None,
        kept: dict[str, Any] | None = None,
    ) -> None:
        self.site = site
        # What the long lists (sources index, name variants) were made of and gave, per
        # page: given the dict of the last build of a session, rows whose sources are
        # the very same objects are not made again.
        self.kept = kept if kept is not None else {}
        self.search = search
        self.base_url = base_url or site.config.base_url
        self.base_path = urlsplit(self.base_url).path or "/"
        loaders = []
        local = site.root / "templates"
        if local.is_dir():
            loaders.append(FileSystemLoader(str(local)))
        loaders.append(FileSystemLoader(str(theme_dir())))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Compiled templates kept in .cache/ spare every build the compile step.
            bytecode_cache=FileSystemBytecodeCache(str(bytecode_cache)) if bytecode_cache else None,
            # A Renderer lives for one build: no need to stat every template file again on
            # each of the thousands of get_template calls (extends, imports) it makes.
            auto_reload=False,
        )
        self.env.filters["date"] = format_date
        # lang="{{ x }}"{{ x|direction }}: ' dir="rtl"' for a language written right to left.
        self.env.filters["direction"] = lambda language: _html([direction(str(language))])
        # {{ name|langs }}: escaped, with its runs in other scripts marked (see lang_parts).
        language = site.config.language
        self.env.filters["langs"] = lambda text: _html([lang_parts(str(escape(text)), language)])
        self.template_times: dict[str, list[float]] = {}
        self.prose: dict[str, Markup] = {}  # Markdown source -> sanitised HTML
        self._md = markdown.Markdown(extensions=["sane_lists"], output_format="html")
        self.uses: dict[tuple[str, str], CitationUse] = {}
        self.by_source: dict[str, list[CitationUse]] = defaultdict(list)
        # Site-wide memos (the site does not change while it renders).
        self._names: dict[tuple[str, str], str] = {}
        # Absolute URLs are kept for a session too: the sitemap asks for every page's.
        absolute = self.kept.get("absolute")
        if absolute is None or absolute[0] != self.base_url:
            absolute = self.kept["absolute"] = (self.base_url, {})
        self._absolute: dict[str, str] = absolute[1]
        # Links and other small pieces of markup, keyed by everything they are made of
        # (the URL relative to the page included): pages at the same depth share them.
        self.fragments: dict[tuple[str, ...], Markup] = {}
        self.entity_links: dict[tuple[str, str, str], str] = {}
        self.backrefs: dict[tuple[str, str, str], str] = {}
        self.strong: dict[str, str] = {}  # emphasised names in "Mentioned in" sentences
        # The sources that are not the very objects of the previous render (None: no
        # previous render), for memos that would otherwise compare every source they use.
        self.serial = self.kept.get("serial", 0) + 1  # this build's place in the session
        self.kept["serial"] = self.serial
        sources_before = self.kept.get("sources")
        self.changed = (
            changed_keys(sources_before, site.sources) if sources_before is not None else None
        )
        self.kept["sources"] = site.sources
        index = self.kept.get("uses")
        if index is None or not _same_items(index[0], site.citations):
            normalised: dict[str, str] = self.kept.setdefault("normalised", {})
            for use in site.citations:
                quote = normalised.get(use.quote)
                if quote is None:
                    quote = normalised[use.quote] = normalise(use.quote)
                self.uses.setdefault((use.source, quote), use)
                if use.location is not None:
                    self.by_source[use.source].append(use)
            index = self.kept["uses"] = (site.citations, self.uses, self.by_source)
        self.uses, self.by_source = index[1], index[2]

    def name(self, kind: str, slug: str) -> str:
        """The display name of an entity or the title of a source (its id if unknown)."""
        done = self._names.get((kind, slug))
        if done is not None:
            return done
        if kind == "sources":
            src = self.site.sources.get(slug)
            done = (src.title.value or slug) if src else slug
        else:
            record = self.site.kind(kind).get(slug)
            if record is None:
                done = slug
            else:
                done = record.sheet.title if kind == "meetings" else record.sheet.name
        self._names[(kind, slug)] = done
        return done

    @functools.cached_property
    def credit_names(self) -> CreditNames:
        """Records by their names, for linking a source's outlet and its posts' signatures."""
        return credit_names(self.site)

    @functools.cached_property
    def sub_meetings(self) -> dict[str, list[str]]:
        from generator.feeds import sub_meetings

        return sub_meetings(self.site)

    def absolute(self, target: str) -> str:
        done = self._absolute.get(target)
        if done is None:
            done = self._absolute[target] = join_url(self.base_url, target)
        return done

    def markdown(self, text: str) -> Markup:
        if not text.strip():
            return Markup("")
        done = self.prose.get(text)
        if done is not None:
            return done
        return self._in_parts(self._converted(text))

    def _converted(self, text: str) -> Markup:
        """Markdown made HTML and sanitised, before runs in other scripts are marked
        (what the cache keeps)."""
        self._md.reset()
        return sanitize(self._md.convert(text))

    def _in_parts(self, html: Markup) -> Markup:
        """Sanitised prose with its runs in other scripts marked (see lang_parts)."""
        return _html([lang_parts(str(html), self.site.config.language)])

    def prepare_prose(self, cache: Cache | None) -> None:
        """Render every Markdown summary of the site once, through the build cache.

        Done in the main process before pages are rendered on several cores, so the
        workers find each summary ready and nothing they compute is lost.
        """
        texts: set[str] = set()
        for kind in ("meetings", "people", "countries", "organizations"):
            for record in self.site.kind(kind).values():
                if record.sheet.summary.strip():
                    texts.add(record.sheet.summary)
        for text in sorted(texts):
            key = cache.key("markdown", text) if cache is not None else ""
            kept = cache.get("markdown", key) if cache is not None else None
            if kept is not None:
                # Sanitised again on the way in: the cache is a file anyone could edit.
                self.prose[text] = self._in_parts(sanitize(kept))
                continue
            html = self._converted(text)
            if cache is not None:
                cache.put("markdown", key, str(html))
            self.prose[text] = self._in_parts(html)

    def render(self, page: Page) -> bytes:
        started = time.perf_counter()
        try:
            return self._render(page)
        except TemplateSyntaxError as exc:
            raise DossierError(
                [
                    Problem(
                        _template_path(exc.filename, exc.name),
                        exc.lineno,
                        message=exc.message or "",
                    )
                ]
            ) from None
        except TemplateError as exc:
            frame = _template_frame(exc)
            raise DossierError(
                [Problem(frame[0], frame[1], message=f"{exc} (rendering {page.output})")]
            ) from None
        finally:
            spent = self.template_times.setdefault(page.template, [0, 0.0])
            spent[0] += 1
            spent[1] += time.perf_counter() - started

    def _render(self, page: Page) -> bytes:
        view = PageView(self, page)
        template = self.env.get_template(page.template)
        try:
            html = template.render(
                site=self.site,
                config=self.site.config,
                page=page,
                v=view,
                kind_titles=KIND_TITLES,
                kind_singular=KIND_SINGULAR,
                **page.context,
            )
        finally:
            # The view and its footnotes refer to each other: left as a cycle, the page
            # and all it lists would wait for the cycle collector, which a build keeps off.
            del view.cite
        return html.encode("utf-8")

    def annotated_blocks(self, source_id: str, view: PageView) -> list[Markup]:
        """The article's blocks as HTML, with cited passages marked and linked back."""
        source = self.site.sources[source_id]
        marks: dict[str, list[CitationUse]] = defaultdict(list)
        for use in self.by_source.get(source_id, []):
            assert use.location is not None
            marks[use.location.block].append(use)
        names: dict[str, list[Mention]] = defaultdict(list)
        for mention in view.mentions_in(source_id):
            names[mention.block].append(mention)
        out = []
        language = source.article.language
        for block in source.article.blocks:
            # Each block is a flat list of escaped pieces, joined once.
            parts: list[str] = []
            if isinstance(block, Post):
                _mark_parts(block.text, marks.get(block.id, []), view, names.get(block.id), parts)
                body = _html([lang_parts("".join(parts), language)])
                # A post keeps its own line breaks (several short paragraphs in one post).
                body = Markup(str(body).replace("\n", "<br>\n"))
                links = Markup("").join(
                    Markup(' <a href="{0}" rel="noopener noreferrer">{1}</a>').format(
                        link if link.startswith("http") else "https://" + link, link
                    )
                    for link in block.links
                )
                body = body + links
                author = lang_parts(_esc(block.author), language)
                person = post_author(block.author, self.credit_names.authors)
                if person is not None:  # the post's signature names a person with a page
                    href = _esc(view.url(entity_url("people", person)))
                    author = f'<a class="entity people" href="{href}">{author}</a>'
                day = f", {_esc(format_date(block.date))}" if block.date else ""
                meta = _html([f"<footer>— {author} (@{_esc(block.handle)}){day}</footer>"])
                out.append(
                    Markup('<blockquote class="post" id="{}"><p>{}</p>{}</blockquote>').format(
                        block.id, body, meta
                    )
                )
            else:
                assert isinstance(block, Paragraph)
                bid = _esc(block.id)
                parts.append(
                    f'<p id="{bid}"{_BLOCK_CLASS.get(block.kind, "")}><a class="pilcrow" '
                    f'href="#{bid}" aria-label="Link to this paragraph">¶</a> '
                )
                _mark_parts(block.text, marks.get(block.id, []), view, names.get(block.id), parts)
                parts.append("</p>")
                out.append(_html([lang_parts("".join(parts), language)]))
        return out


def _template_path(filename: str | None, name: str | None) -> str:
    if filename:
        try:
            return Path(filename).resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return filename
    return name or "<template>"


def _template_frame(exc: BaseException) -> tuple[str, int]:
    """The innermost template file and line in a traceback, like Jinja's own 'File "x", line N'."""
    found = ("<template>", 0)
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.endswith((".html", ".xml")):
            found = (_template_path(code.co_filename, None), tb.tb_lineno)
        tb = tb.tb_next
    return found


def linked_title(view: PageView, source_id: str) -> Markup:
    """A source's parsed title with the names in it linked, and the passages fact sheets
    quote from it marked, as in its paragraphs (a footnote can cite the headline)."""
    source = view.site.sources[source_id]
    title = source.title.value or source_id
    language = source.article.language
    if source.title.basis != "parsed":
        return _html([lang_parts(_esc(title), language)])
    mentions = view.site.mentions[source_id].in_title()
    uses = [
        u
        for u in view.renderer.by_source.get(source_id, ())
        if u.location is not None and u.location.block == "title"
    ]
    parts: list[str] = []
    _mark_parts(title, uses, view, mentions, parts)
    return _html([lang_parts("".join(parts), language)])


def _link_parts(
    text: str,
    start: int,
    end: int,
    mentions: list[Mention],
    view: PageView,
    out: list[str],
) -> None:
    """Append text[start:end] to ``out``, escaped, each mention in it linked.

    A mention cut by the range (it runs across a highlight boundary) is linked in
    each piece, so the markup stays well nested.
    """
    pos = start
    for m in mentions:
        a = m.start if m.start > start else start
        b = m.end if m.end < end else end
        if a >= b or a < pos:
            continue
        if a > pos:
            out.append(_esc(text[pos:a]))
        out.append(view.entity_link(m.kind, m.slug, text[a:b]))
        pos = b
    if end > pos:
        out.append(_esc(text[pos:end]))


def _mark_parts(
    text: str,
    uses: list[CitationUse],
    view: PageView,
    mentions: list[Mention] | None,
    out: list[str],
) -> None:
    """Append ``text`` to ``out``, each cited range wrapped in ``<mark>``, names linked.

    Overlapping quotes are merged into one ``<mark>``, cut into pieces that name the
    quotes they belong to; every quote keeps an anchor at its own first character, so
    each footnote lands on the start of its words.
    """
    names = sorted(mentions, key=_by_start) if mentions else []
    pos = 0
    for start, end, group in _cited_spans(uses):
        _link_parts(text, pos, start, names, view, out)
        ranges = _ranges(group)
        first_anchor = group[0].anchor
        owners = sorted({(u.owner_kind, u.owner_slug) for u in group})
        title = "Cited by " + "; ".join(view.name(k, s) for k, s in owners)
        if len(ranges) == 1:
            out.append(f'<mark id="{_esc(first_anchor)}" title="{_esc(title)}">')
            _link_parts(text, start, end, names, view, out)
        else:
            # Quotes that overlap share one highlight. Cut at every quote's ends, each
            # piece naming the quotes it belongs to, so a footnote's target shows its own
            # words (by the page's rules, quote_rules) and not the whole highlight.
            out.append(f'<mark id="{_esc(first_anchor)}" class="merged" title="{_esc(title)}">')
            _pieces(text, start, end, ranges, first_anchor, names, view, out)
        out.append('</mark><span class="backrefs">')
        out += [view.backref(k, s) for k, s in owners]
        out.append("</span>")
        pos = end
    _link_parts(text, pos, len(text), names, view, out)


def _pieces(
    text: str,
    start: int,
    end: int,
    ranges: dict[str, tuple[int, int]],
    first_anchor: str,
    names: list[Mention],
    view: PageView,
    out: list[str],
) -> None:
    """The inside of a highlight that overlapping quotes share: cut at every quote's ends,
    each piece naming the quotes it belongs to. A linked name that a cut runs through
    is one link holding its pieces, not a link in each (two links to one page, read out
    twice)."""
    cuts = {at for r in ranges.values() for at in r}
    linked: list[Mention] = []  # the names _link_parts would link: none overlapping
    for m in names:
        if start <= m.start and m.end <= end and (not linked or m.start >= linked[-1].end):
            linked.append(m)
    crossing = [m for m in linked if any(m.start < c < m.end for c in cuts)]
    opens = {m.start: m for m in crossing}
    closes = {m.end for m in crossing}
    bounds = sorted(cuts | opens.keys() | closes)
    within = False
    for a, b in zip(bounds, bounds[1:], strict=False):
        if a in closes:
            out.append("</a>")
            within = False
        out += [f'<span id="{_esc(anchor)}"></span>' for anchor, (s, _e) in
                ranges.items() if s == a and anchor != first_anchor]  # fmt: skip
        m = opens.get(a)
        if m is not None:
            url = view.url(entity_url(m.kind, m.slug))
            out.append(f'<a class="entity {_esc(m.kind)}" href="{_esc(url)}">')
            within = True
        inside = " ".join(k for k, (s, e) in ranges.items() if s <= a and b <= e)
        out.append(f'<span class="q" data-q="{_esc(inside)}">')
        if within:
            out.append(_esc(text[a:b]))
        else:
            _link_parts(text, a, b, names, view, out)
        out.append("</span>")
    if within:
        out.append("</a>")


def _cited_spans(uses: list[CitationUse]) -> list[tuple[int, int, list[CitationUse]]]:
    """The highlights of one block: (start, end, the uses it shows), overlapping quotes
    in one, in reading order."""
    located = sorted(
        ((u.location.start, u.location.end, u) for u in uses if u.location),
        key=lambda t: (t[0], t[1], t[2].anchor),
    )
    spans: list[tuple[int, int, list[CitationUse]]] = []
    for start, end, use in located:
        if spans and start < spans[-1][1]:
            first, last, group = spans[-1]
            spans[-1] = (first, max(last, end), [*group, use])
        else:
            spans.append((start, end, [use]))
    return spans


def _ranges(group: list[CitationUse]) -> dict[str, tuple[int, int]]:
    """Each anchor of a highlight and the range of its quote, in the order first seen."""
    ranges: dict[str, tuple[int, int]] = {}
    for use in group:
        assert use.location is not None
        ranges.setdefault(use.anchor, (use.location.start, use.location.end))
    return ranges


_FEW_SPANS = 16
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]+")


def _by_start(m: Mention) -> int:
    return m.start


def _emphasise(
    sentence: str,
    words: tuple[str, ...],
    out: list[str],
    strong: dict[str, str],
) -> None:
    """Append ``sentence`` to ``out``, escaped, ``words`` in ``<strong>``.

    ``strong`` keeps each ``<strong>word</strong>`` made, for the next sentence.
    """
    spans: list[tuple[int, int]] = []
    # Past a few spans, a map of the characters taken: a hostile sentence naming someone
    # thousands of times would make the pairwise test quadratic.
    covered: bytearray | None = None
    for word in words:
        if not word:
            continue
        size = len(word)
        at = sentence.find(word)
        while at >= 0:
            if covered is None:
                if not any(s < at + size and at < e for s, e in spans):
                    spans.append((at, at + size))
                    if len(spans) > _FEW_SPANS:
                        covered = bytearray(len(sentence))
                        for s, e in spans:
                            covered[s:e] = b"\1" * (e - s)
            elif covered.find(1, at, at + size) < 0:
                spans.append((at, at + size))
                covered[at : at + size] = b"\1" * size
            at = sentence.find(word, at + size)
    pos = 0
    for start, end in sorted(spans):
        if start > pos:
            out.append(_esc(sentence[pos:start]))
        word = sentence[start:end]
        done = strong.get(word)
        if done is None:
            done = strong[word] = f"<strong>{_esc(word)}</strong>"
        out.append(done)
        pos = end
    if pos < len(sentence):
        out.append(_esc(sentence[pos:]))
