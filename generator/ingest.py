"""Adding articles to ``seeds/``: ``dossier add``, and the report on what a source brings.

Four input forms are accepted:

* plain text, in any of the seed formats, stored as it is;
* Markdown or text with YAML front matter (``title``, ``date``, ``outlet``, ``url``,
  ``byline``): the body becomes the seed (with the title as its first line) and the
  front matter becomes curated metadata in ``content/sources.yaml``;
* one article as a JSON object, as news APIs and schema.org's ``NewsArticle`` give it:
  its text field (``text``, ``body``, ``content``, ``articleBody``) becomes the seed, and
  the fields it shares with front matter, under their usual names (``headline``,
  ``datePublished``, ``publishedAt``, ``author``, ``publisher``, ...), curated metadata;
* a saved HTML page of a news site: trafilatura extracts the main text, the title,
  the publication date and the site name, dropping navigation, scripts, ads and
  comments (news-page extraction is a research problem of its own; hand-written
  scraping would do it worse).

Each new source is named ``NNN_<16 hex digits>``: ``NNN`` continues the numbering of
the seeds there are, the digits are the start of the SHA-256 of the normalised text,
so the same text always gets the same digits. The original bytes are kept under
``seeds/originals/`` (the build reads only ``seeds/*.txt``, so they are never parsed).

A batch is all or nothing: if any input is refused (an exact duplicate, not UTF-8,
binary, too large, bad front matter, no text), nothing is written. A near duplicate
(the same wire story republished: word 5-gram Jaccard similarity >= 0.8) is added
with a warning naming the earlier source, or refused with ``strict``.
Existing files are never changed, except that entries are appended to
``content/sources.yaml`` with a plain text edit that keeps its comments.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import AliasChoices, Field

from generator.article import TITLE_ONLY, parse_article
from generator.citations import normalise as normalise_quotes
from generator.load import ORIGINALS
from generator.problems import DossierError, Problem, Severity
from generator.schema import (
    SOURCE_FIELD_SYNONYMS,
    HttpUrl,
    LanguageTag,
    Sheet,
    http_url,
    is_language_tag,
)
from generator.textio import MAX_INPUT_BYTES, clean_text, decode_text, read_capped
from generator.write import exclusive

Form = Literal["text", "front-matter", "html", "json"]

NEAR_DUPLICATE = 0.8
"""Word 5-gram Jaccard similarity from which two texts are taken for one story."""
SHINGLE = 5
MIN_PAGE_WORDS = 15
"""Fewer words than this extracted from an HTML page: no article found."""

_SEED_NUMBER_RE = re.compile(r"^([0-9]+)_")
_FRONT_MATTER_RE = re.compile(
    r"\A---[ \t]*\n(?P<yaml>.*?)(?:\n|\A)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S
)
_HTML_RE = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta)\b", re.I | re.S
)
_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")


@dataclass(frozen=True)
class Input:
    """One thing to add: its name as shown in messages, its bytes and its file suffix."""

    name: str
    raw: bytes
    suffix: str = ""


@dataclass(frozen=True)
class NearDuplicate:
    source: str
    similarity: float


@dataclass(frozen=True)
class Added:
    """A source that ``add`` wrote (or would write)."""

    id: str
    input: str
    form: Form
    seed: str
    original: str
    meta: dict[str, str] = field(default_factory=dict)
    near: tuple[NearDuplicate, ...] = ()


@dataclass(frozen=True)
class AddResult:
    added: tuple[Added, ...]
    warnings: tuple[Problem, ...] = ()


class FrontMatter(Sheet):
    """The YAML front matter of an article in Markdown or text."""

    field_synonyms: ClassVar[dict[str, str]] = SOURCE_FIELD_SYNONYMS

    title: str | None = None
    # "published" as content/sources.yaml names it; "date" as other generators do.
    date: dt.date | None = Field(None, validation_alias=AliasChoices("date", "published"))
    outlet: str | None = None
    url: HttpUrl | None = None
    byline: str | None = None
    language: LanguageTag | None = None


# --------------------------------------------------------------------------
# Reading inputs
# --------------------------------------------------------------------------


def read_input(path: Path, shown: str, *, limit: int = MAX_INPUT_BYTES) -> Input:
    """The bytes of a file to add; refuses a file over the size limit before reading it."""
    try:
        if path.is_dir():
            raise DossierError([Problem(shown, message="is a folder, not an article")])
        if path.stat().st_size > limit:
            raise DossierError(
                [Problem(shown, message=f"file is larger than {limit // 1024} KiB; refused")]
            )
        raw = read_capped(path, limit)  # a pipe or a device has no size to check first
    except OSError as exc:
        raise DossierError([Problem(shown, message=f"cannot read: {exc.strerror}")]) from None
    return Input(shown, raw, path.suffix.lower())


def normalised(text: str) -> str:
    """The text as compared for duplicates: NFKC, casefolded, quote marks, dashes and
    whitespace unified."""
    return normalise_quotes(unicodedata.normalize("NFKC", text).casefold())


def text_digest(text: str) -> str:
    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()[:16]


def shingles(text: str) -> frozenset[int]:
    """Hashes of the word 5-grams of the normalised text (the words themselves if fewer)."""
    words = re.findall(r"\w+", normalised(text))
    if len(words) < SHINGLE:
        return frozenset(hash(w) for w in words)
    return frozenset(
        hash(" ".join(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1)
    )


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# --------------------------------------------------------------------------
# The three forms
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    input: Input
    form: Form
    text: str
    meta: dict[str, str]
    suffix: str
    warnings: tuple[Problem, ...] = ()
    """Metadata left out (a JSON field that could not be read)."""


def detect_form(text: str, suffix: str) -> Form:
    if suffix in _HTML_SUFFIXES or _HTML_RE.match(text[:4096]):
        return "html"
    if suffix in _JSON_SUFFIXES:
        return "json"
    head = text.lstrip()[:1]
    # No news text begins with "{"; "[Updated] ..." does, so "[" counts only as valid JSON.
    if not suffix and (head == "{" or (head == "[" and _is_json(text))):
        return "json"
    if _FRONT_MATTER_RE.match(text):
        return "front-matter"
    return "text"


def _markdown_to_text(body: str) -> str:
    """Just enough Markdown undone for the parser: headings, links, images, bold."""
    body = re.sub(r"!\[[^\]\n]*\]\([^)\n]*\)", "", body)
    body = re.sub(r"\[([^\]\n]+)\]\([^)\n]*\)", r"\1", body)
    body = re.sub(r"(?m)^#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", r"\1", body)
    body = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", body)
    return body


def _with_title(title: str | None, body: str) -> str:
    body = body.strip("\n")
    first = body.split("\n", 1)[0].strip()
    # A title is one line: whitespace runs, line and paragraph separators (U+2028/9)
    # included, become one space.
    title = " ".join(title.split()) if title else title
    if title and " ".join(first.split()) != title:
        body = f"{title}\n\n{body}"
    return body + "\n"


def _front_matter(inp: Input, text: str) -> tuple[str, dict[str, str]]:
    from generator.model import validation_problems
    from generator.yamlstrict import load_yaml

    m = _FRONT_MATTER_RE.match(text)
    assert m is not None
    # One blank line stands for the opening "---", so positions are the file's own.
    doc = load_yaml("\n" + m["yaml"], inp.name)
    if not isinstance(doc.data, dict):
        raise DossierError(
            [Problem(inp.name, 2, message="front matter must be a mapping (title: ..., date: ...)")]
        )
    try:
        fm = FrontMatter.model_validate(doc.data)
    except Exception as exc:  # pydantic.ValidationError
        from pydantic import ValidationError

        if not isinstance(exc, ValidationError):
            raise
        raise DossierError(validation_problems(exc, FrontMatter, inp.name, doc)) from None
    meta: dict[str, str] = {}
    for key, value in (
        ("title", fm.title),
        ("outlet", fm.outlet),
        ("url", fm.url),
        ("published", fm.date.isoformat() if fm.date else None),
        ("byline", fm.byline),
        ("language", fm.language),
    ):
        if value:
            # One line each, as in the seed: line and paragraph separators become spaces.
            meta[key] = " ".join(value.split()) if key in ("title", "outlet", "byline") else value
    body = _markdown_to_text(text[m.end() :])
    return _with_title(fm.title, body), meta


def _html(inp: Input, text: str) -> tuple[str, dict[str, str]]:
    import trafilatura

    found = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=True,
    )
    data: dict[str, Any] = {}
    if found is not None:
        data = found.as_dict() if hasattr(found, "as_dict") else dict(found)
    body = (data.get("text") or "").strip()
    # A page without an article still yields its menu ("Home"); a news story is longer.
    if len(body.split()) < MIN_PAGE_WORDS:
        raise DossierError(
            [Problem(inp.name, message="no article text found in the page; refused")]
        )
    title = " ".join((data.get("title") or "").split()) or None
    lines = [" ".join(line.split()) for line in body.split("\n")]
    lines = [line for line in lines if line]
    if title and lines and lines[0] == " ".join(title.split()):
        lines = lines[1:]
    meta: dict[str, str] = {}
    if title:
        meta["title"] = title
    if data.get("sitename"):
        meta["outlet"] = str(data["sitename"]).strip()
    url = data.get("url")
    if isinstance(url, str) and re.match(r"^https?://\S+$", url):
        meta["url"] = url
    date = data.get("date")
    if isinstance(date, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
        meta["published"] = date
    if data.get("author"):
        meta["byline"] = str(data["author"]).strip()
    return _with_title(title, "\n\n".join(lines)), meta


# Where an article's JSON keeps each field, as news APIs and schema.org's NewsArticle
# name them (in any case); the first key present with a usable value wins. Other keys
# (an image, an id, a summary) are left alone.
_JSON_TEXT = (
    "text", "body", "content", "articleBody", "article", "full_text", "fulltext",
    "content_text", "content_html",  # JSON Feed's
)  # fmt: skip
_JSON_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "published": (
        "published", "date", "datePublished", "publishedAt", "published_at", "pubDate",
        "date_published", "datetime",
    ),
    "outlet": ("outlet", "source", "publisher", "site_name", "siteName", "agency"),
    "url": ("url", "link", "permalink", "canonical"),
    "byline": ("byline", "author", "authors", "creator", "by"),
    "language": ("language", "lang", "inLanguage", "locale"),
}  # fmt: skip
_JSON_SUFFIXES = (".json", ".jsonld")
_MAX_JSON_FIELD = 1000
"""Characters of a title, outlet or byline; content/sources.yaml holds them on one line."""
_ISO_DAY_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ][0-9:.]+(?:Z|[+-][0-9:]+)?)?")
# Text given as HTML holds paragraph or inline tags; "a < b > c" in plain text does not.
# ([^<>]* stops at the next "<": each one is looked at once, whatever follows.)
_HTML_TAG_RE = re.compile(
    r"</?(?:p|br|div|span|a|em|strong|b|i|h[1-6]|li|ul|ol|blockquote|figure|figcaption|"
    r"section|article|table|tr|td|script|style)\b[^<>]*>",
    re.I,
)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


class _HtmlText(HTMLParser):
    """The text of an HTML fragment: a paragraph per block, scripts and styles dropped,
    entities decoded."""

    _BREAKS = frozenset({
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section",
        "article", "blockquote", "figure", "figcaption", "table", "tr", "td", "th", "header",
        "footer", "aside", "pre", "hr", "dd", "dt",
    })  # fmt: skip
    _HIDDEN = frozenset({"script", "style", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BREAKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _plain(value: str) -> str:
    """A JSON string as plain text: HTML undone (tags, entities), and what reading a file
    removes (carriage returns, control characters) removed here too."""
    if _HTML_TAG_RE.search(value):
        parser = _HtmlText()
        parser.feed(value)
        parser.close()
        value = "".join(parser.parts)
    else:
        value = html.unescape(value)
    # A lone surrogate deeper in the object (an author's name) cannot be written as
    # UTF-8; one in a top-level field was refused, naming it.
    return clean_text(_SURROGATE_RE.sub("\ufffd", value.replace("\x00", "")))


def _paragraphs(text: str) -> str:
    """Paragraphs one blank line apart. A text with single line breaks only (as APIs give
    it) has a paragraph per line."""
    if "\n\n" not in text:
        text = text.replace("\n", "\n\n")
    kept = (" ".join(p.split()) for p in text.split("\n\n"))
    return "\n\n".join(p for p in kept if p)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


def _top_level_keys(text: str) -> dict[str, int]:
    """Where the value of each key of the top-level object starts in ``text`` (valid
    JSON); a key given twice is placed at its last, the one the JSON reader keeps."""
    found: dict[str, int] = {}
    depth, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            k = j + 1
            while k < n and text[k] in " \t\r\n":
                k += 1
            if depth == 1 and k < n and text[k] == ":":
                k += 1
                while k < n and text[k] in " \t\r\n":
                    k += 1
                found[json.loads(text[i : j + 1])] = k
            i = j + 1
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
        i += 1
    return found


def _json_words(value: Any) -> str | None:
    """A field's text: a string, an object's ``name`` (a publisher, an author), or those
    of a list joined with commas (several authors). Nothing deeper is looked into."""
    names = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            item = item.get("name")
        words = _plain(item).split() if isinstance(item, str) else []
        if words:
            names.append(" ".join(words))
    return ", ".join(dict.fromkeys(names)) or None


def _json_day(value: Any) -> dt.date | None:
    """A date written as YYYY-MM-DD, an ISO date and time, a feed's RFC 2822 date, or a
    count of seconds (or, that large, milliseconds) since 1970. Before the year 1000 is
    no date a news article has: Go's zero time, 0001-01-01, says there is none."""
    import email.utils

    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            seconds = value / 1000 if abs(value) > 1e11 else value
            day = dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date()
        elif isinstance(value, str):
            m = _ISO_DAY_RE.fullmatch(value.strip())
            if m:
                day = dt.date.fromisoformat(m.group(1))
            else:
                day = email.utils.parsedate_to_datetime(value).date()
        else:
            return None
    except (ValueError, TypeError, OverflowError, OSError, IndexError):
        return None
    return day if day.year >= 1000 else None


def _json_field(name: str, value: Any) -> tuple[str | None, str]:
    """One metadata field from a JSON value: (the value, "") or (None, why not)."""
    if name == "published":
        day = _json_day(value)
        return (day.isoformat(), "") if day else (None, f"not a date: {value!r}")
    words = _json_words(value)
    if words is None:
        return None, "expected text, or an object with a 'name'"
    if name == "url":
        try:
            return http_url(words), ""
        except ValueError as exc:
            return None, str(exc)
    if name == "language":
        words = words.replace("_", "-")  # a locale, en_US, names the language too
        ok = is_language_tag(words)
        return (words, "") if ok else (None, "must be a language tag such as en or pt-BR")
    if len(words) > _MAX_JSON_FIELD:
        return None, f"{len(words):,} characters; at most {_MAX_JSON_FIELD:,}"
    if name == "outlet" and re.match(r"https?://", words, re.I):
        return None, "a web address, not the name of an outlet"
    return words, ""


def _json(inp: Input, text: str) -> tuple[str, dict[str, str], list[Problem]]:
    """The seed text, the curated metadata and the warnings of one article's JSON."""

    def problem(message: str, key: str = "", at: int = -1) -> Problem:
        if at < 0:
            return Problem(inp.name, field=key, message=message)
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        return Problem(inp.name, line, col, field=key, message=message)

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DossierError([problem(f"not valid JSON: {exc.msg}", at=exc.pos)]) from None
    except ValueError as exc:  # a number too long to read
        raise DossierError([problem(f"not valid JSON: {exc}")]) from None
    except RecursionError:
        raise DossierError([problem("JSON nested too deeply to be an article; refused")]) from None
    if isinstance(data, list):
        raise DossierError(
            [
                problem(
                    f"a JSON list of {len(data)} items; give each article as its own JSON "
                    "object, one per file"
                )
            ]
        )
    if not isinstance(data, dict):
        raise DossierError([problem("JSON must be an object (one article)")])
    at = _top_level_keys(text)
    for key, value in data.items():
        bad = _SURROGATE_RE.search(value) if isinstance(value, str) else None
        if bad is not None:
            message = f"holds a lone surrogate (U+{ord(bad.group()):04X}); refused"
            raise DossierError([problem(message, key, at.get(key, -1))])
    # Keys in any case ("Title", "datepublished"); of two spellings of one key, the first.
    spelled: dict[str, str] = {}
    for given_key in data:
        spelled.setdefault(given_key.casefold(), given_key)

    def value_of(k: str) -> Any:
        found = spelled.get(k.casefold())
        return data[found] if found is not None else None

    key = next(
        (k for k in _JSON_TEXT if isinstance(value_of(k), str) and value_of(k).strip()), None
    )
    if key is None:
        hint = (
            " (a news API's response: save each of its articles as a file)"
            if isinstance(value_of("articles"), list)
            else ""
        )
        raise DossierError(
            [
                problem(
                    "no article text in the JSON object; give it as "
                    + ", ".join(f"'{k}'" for k in _JSON_TEXT[:4])
                    + hint
                )
            ]
        )
    meta: dict[str, str] = {}
    warnings: list[Problem] = []
    for name, keys in _JSON_FIELDS.items():
        first: Problem | None = None
        for k in keys:
            given = value_of(k)
            if given is None or given == [] or (isinstance(given, str) and not given.strip()):
                continue  # absent, as good as
            value, why = _json_field(name, given)
            if value is not None:
                meta[name] = value
                break
            shown = spelled[k.casefold()]
            first = first or problem(f"{why}; left out", shown, at.get(shown, -1))
        else:
            if first is not None:
                warnings.append(replace(first, severity=Severity.WARNING))
    body = _paragraphs(_plain(value_of(key)))
    return _with_title(meta.get("title"), body), meta, warnings


def prepare(inp: Input) -> _Prepared:
    """Decode and convert one input; raise DossierError if it is refused."""
    text = decode_text(inp.raw, inp.name)
    form = detect_form(text, inp.suffix)
    meta: dict[str, str] = {}
    warnings: list[Problem] = []
    if form == "html":
        text, meta = _html(inp, text)
    elif form == "front-matter":
        text, meta = _front_matter(inp, text)
    elif form == "json":
        text, meta, warnings = _json(inp, text)
    if not text.strip():
        raise DossierError([Problem(inp.name, message="no article text; refused")])
    if not parse_article(text, "new").blocks:
        raise DossierError([Problem(inp.name, message=TITLE_ONLY)])
    default_suffix = {"html": ".html", "front-matter": ".md", "text": ".txt", "json": ".json"}[form]
    suffix = inp.suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", inp.suffix or "") else default_suffix
    return _Prepared(inp, form, text, meta, suffix, tuple(warnings))


# --------------------------------------------------------------------------
# Adding
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Existing:
    id: str
    digest: str
    shingles: frozenset[int]


def _existing_seeds(seeds: Path) -> tuple[list[_Existing], int]:
    """The seeds there are (text digest and shingles) and the next free number."""
    from generator.schema import SOURCE_ID_RE
    from generator.textio import read_text

    found: list[_Existing] = []
    number = -1
    if seeds.is_dir():
        for file in sorted(seeds.glob("*.txt")):
            if not SOURCE_ID_RE.match(file.stem):
                continue
            m = _SEED_NUMBER_RE.match(file.stem)
            if m:
                number = max(number, int(m[1]))
            try:
                text = read_text(file, file.name)
            except DossierError:
                continue  # the build reports it; it cannot be a duplicate of a good text
            found.append(_Existing(file.stem, text_digest(text), shingles(text)))
        for file in (seeds / ORIGINALS).glob("*") if (seeds / ORIGINALS).is_dir() else ():
            m = _SEED_NUMBER_RE.match(file.name)
            if m:
                number = max(number, int(m[1]))
    return found, number + 1


# Characters a YAML reader takes as a line break (in a comment too: a file name holding one
# would end the comment and write keys of its own) or refuses to read, all written as
# escapes; json.dumps escapes the C0 controls, quote marks and backslashes itself.
_YAML_ESCAPED = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def _quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar that reads back as ``text``, on one line."""
    return _YAML_ESCAPED.sub(
        lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False)
    )


def _yaml_entry(source_id: str, meta: dict[str, str], inp: Input, form: Form) -> str:
    what = {
        "html": "saved HTML page",
        "front-matter": "front matter",
        "text": "text",
        "json": "JSON",
    }[form]
    lines = [
        f"{source_id}:",
        f"  # added by dossier add, from the {what} of {_quoted(inp.name)}",
    ]
    for key in ("title", "outlet", "url", "published", "byline", "language"):
        if key in meta:
            plain = key in ("published", "language")  # a date, a language tag: nothing to quote
            value = meta[key] if plain else _quoted(meta[key])
            lines.append(f"  {key}: {value}")
    return "\n".join(lines) + "\n"


def add_sources(
    root: Path,
    inputs: Sequence[Input],
    *,
    strict: bool = False,
    dry_run: bool = False,
    waiting: Callable[[], None] | None = None,
) -> AddResult:
    """Add every input to ``root/seeds``; all or nothing. Raise DossierError if any is refused.

    With ``dry_run`` everything is checked and nothing is written. The project's lock
    is held throughout (``waiting``: called if another command holds it): two adds at
    once would take the same seed number and each rewrite content/sources.yaml.
    """
    if dry_run:
        return _add(root, inputs, strict=strict, dry_run=True)
    with exclusive(root, waiting):
        return _add(root, inputs, strict=strict, dry_run=False)


def _add(root: Path, inputs: Sequence[Input], *, strict: bool, dry_run: bool) -> AddResult:
    seeds = root / "seeds"
    existing, number = _existing_seeds(seeds)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    planned: list[tuple[_Prepared, Added]] = []
    for inp in inputs:
        try:
            prep = prepare(inp)
        except DossierError as exc:
            problems.extend(exc.problems)
            continue
        if strict:  # a field left out fails the batch, saying --strict made it fail
            problems.extend(replace(w, strict=True) for w in prep.warnings)
        else:
            warnings.extend(prep.warnings)
        digest = text_digest(prep.text)
        same = next((e for e in existing if e.digest == digest), None)
        if same is not None:
            where = (
                f"the existing source {same.id} (seeds/{same.id}.txt)"
                if not same.id.startswith("<")
                else same.id[1:-1]
            )
            problems.append(Problem(inp.name, message=f"the same text as {where}; refused"))
            continue
        mine = shingles(prep.text)
        near = sorted(
            (NearDuplicate(e.id, round(jaccard(mine, e.shingles), 2)) for e in existing),
            key=lambda n: (-n.similarity, n.source),
        )
        near = [n for n in near if n.similarity >= NEAR_DUPLICATE]
        source_id = f"{number:03d}_{digest}"
        for n in near:
            earlier = n.source if not n.source.startswith("<") else n.source[1:-1]
            message = (
                f"nearly the same text as {earlier} ({round(n.similarity * 100)}% of word 5-grams "
                "shared): the same story republished?"
            )
            if strict:
                problems.append(Problem(inp.name, message=message + " Refused (--strict)."))
            else:
                anyway = " Would be added anyway." if dry_run else " Added anyway."
                warnings.append(
                    Problem(inp.name, message=message + anyway, severity=Severity.WARNING)
                )
        if strict and near:
            continue
        added = Added(
            id=source_id,
            input=inp.name,
            form=prep.form,
            seed=f"seeds/{source_id}.txt",
            original=f"seeds/{ORIGINALS}/{source_id}{prep.suffix}",
            meta=prep.meta,
            near=tuple(NearDuplicate(n.source.strip("<>"), n.similarity) for n in near),
        )
        planned.append((prep, added))
        # Later inputs of the batch are compared with this one too.
        existing.append(
            _Existing(f"<{source_id} (added from {inp.name} in this batch)>", digest, mine)
        )
        number += 1
    if problems:
        raise DossierError(problems)
    if not dry_run:
        _write(root, planned)
    return AddResult(tuple(a for _, a in planned), tuple(warnings))


def _sources_yaml(
    root: Path, planned: Sequence[tuple[_Prepared, Added]]
) -> tuple[Path, str] | None:
    """The new text of content/sources.yaml with the entries appended, or None."""
    from generator.yamlstrict import load_yaml

    entries = [(prep, added) for prep, added in planned if added.meta]
    if not entries:
        return None
    content = root / "content"
    path = next(
        (content / n for n in ("sources.yaml", "sources.yml") if (content / n).is_file()), None
    )
    shown = f"content/{path.name if path else 'sources.yaml'}"
    old = (
        path.read_text(encoding="utf-8")
        if path
        else "# Curated metadata: each entry overrides what the parser reads from that seed.\n"
    )
    before: Any = None
    try:
        before = load_yaml(old, shown).data
    except DossierError:
        before = None  # its own problems are the build's to report; we only append
    for _, added in entries:
        if isinstance(before, dict) and added.id in before:
            raise DossierError(
                [
                    Problem(
                        shown,
                        field=added.id,
                        message="already has an entry for this id; nothing was added",
                    )
                ]
            )
    new = old if old.endswith("\n") or not old else old + "\n"
    for prep, added in entries:
        new += "\n" + _yaml_entry(added.id, added.meta, prep.input, prep.form)
    if before is not None:
        # A bug here must not leave a broken file behind, nor touch another source's entry.
        after = load_yaml(new, shown).data
        wanted = {**before, **{a.id: a.meta for _, a in entries}}
        if after != wanted:
            raise DossierError(
                [Problem(shown, message="the new entries would not read back as written; "
                         "nothing was added")]
            )  # fmt: skip
    return (path or content / "sources.yaml"), new


def _write(root: Path, planned: Sequence[tuple[_Prepared, Added]]) -> None:
    """Write originals and seeds (never over an existing file), then sources.yaml;
    on any failure remove what this call wrote."""
    if not planned:
        return
    meta = _sources_yaml(root, planned)
    written: list[Path] = []
    try:
        (root / "seeds" / ORIGINALS).mkdir(parents=True, exist_ok=True)
        for prep, added in planned:
            for rel, data in (
                (added.original, prep.input.raw),
                (added.seed, prep.text.encode("utf-8")),
            ):
                _create(root / rel, data)
                written.append(root / rel)
        if meta is not None:
            path, text = meta
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise DossierError(
            [
                Problem(
                    str(exc.filename or root),
                    message=f"cannot write: {exc.strerror}; nothing was added",
                )
            ]
        ) from None


def _create(path: Path, data: bytes) -> None:
    """Write a new file whole or not at all; never replace an existing one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    try:
        os.link(tmp, path)  # fails if ``path`` exists: an existing file is never touched
    finally:
        tmp.unlink(missing_ok=True)
