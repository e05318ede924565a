"""``dossier new KIND SLUG --from SOURCE``: a fact sheet prefilled from one source.

Everything written is taken from the source as it stands, and every fact carries a
citation whose quote is copied verbatim from it, so ``dossier check`` verifies the new
sheet at once. What the source does not say is left empty, with a comment saying so.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.citations import locate_quote, normalise, source_passages
from generator.mentions import Mention, UnknownName, blocks_of, normalise_name, sentence_spans
from generator.model import Site, Source
from generator.problems import DossierError, Problem
from generator.report import check_ids, load_model, relative_dates
from generator.scaffold import KINDS
from generator.schema import SLUG_RE
from generator.slugs import slugify


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _slug_words(slug: str) -> set[str]:
    return set(normalise_name(slug.replace("-", " ")).split())


def _close(word: str, words: set[str]) -> bool:
    """The same word, or a transliteration of it (Sergei / Sergey)."""
    return word in words or bool(difflib.get_close_matches(word, sorted(words), n=1, cutoff=0.8))


def _matches(slug: str, name: str) -> bool:
    want, have = _slug_words(slug), set(normalise_name(name).split())
    if not want or not have:
        return False
    return all(_close(w, have) for w in want) or (
        len(have) > 1 and all(_close(w, want) for w in have)
    )


@dataclass(frozen=True)
class _Found:
    name: str
    block: str
    start: int
    end: int
    sentence: str
    context: str = ""
    known: str = ""  # slug of the record that already covers this name, if any


def _locate(text: str, name: str, sentence: str) -> tuple[int, int]:
    at = text.find(sentence)
    base = at if at >= 0 else 0
    pos = text.find(name, base)
    pos = pos if pos >= 0 else text.find(name)
    return pos, pos + len(name)


def _find(site: Site, source: Source, kind: str, slug: str) -> _Found | None:
    """The first name in the source, in reading order, that matches the slug's words;
    an error if a sheet other than ``slug``'s covers it already."""
    first = _first_match(site, source, kind, slug)
    if first is not None and first.known and first.known != slug:
        # A second sheet for someone already covered would split their mentions in two.
        raise DossierError(
            [
                Problem(
                    f"content/{KINDS[kind][0]}/{first.known}.yaml",
                    message=f"already covers {first.name!r} in {source.id}; "
                    "add what is new to that sheet instead",
                )
            ]
        )
    return first


def next_step(
    site: Site, kind: str, name: str, source_id: str, unknown: Sequence[UnknownName]
) -> str:
    """What to do about a name no sheet covers: the command that writes its sheet from
    the source, or, when ``dossier new`` would find a sheet covering it there already
    ("Foreign Ministry" where "Chinese Foreign Ministry" is known), that sheet.
    ``unknown``: the source's own uncovered names."""
    slug = slugify(name)
    source = site.sources.get(source_id)
    first = _first_match(site, source, kind, slug, unknown) if source is not None else None
    if first is not None and first.known and first.known != slug:
        return (
            f"covered as {first.name!r} there? add it to the aliases in "
            f"content/{KINDS[kind][0]}/{first.known}.yaml"
        )
    return f"dossier new {kind} {slug} --from {source_id}"


def _first_match(
    site: Site,
    source: Source,
    kind: str,
    slug: str,
    unknown: Sequence[UnknownName] | None = None,
) -> _Found | None:
    """The first name in the source, in reading order, that matches the slug's words,
    whether a sheet covers it (``known``) or not. ``unknown``: the source's uncovered
    names, when the caller has them (a site has tens of thousands)."""
    if unknown is None:
        unknown = [u for sid, u in site.unknown_names if sid == source.id]
    texts = dict(blocks_of(source.article))
    want = {"person": ("person", "people"), "organization": ("organization", "organizations")}
    unknown_kind, mention_kind = want.get(kind, ("", ""))
    found: list[tuple[int, int, _Found]] = []
    order = {bid: i for i, bid in enumerate(texts)}
    for u in unknown:
        if u.kind == unknown_kind and _matches(slug, u.name):
            start, end = _locate(texts[u.block], u.name, u.sentence)
            found.append(
                (order[u.block], start, _Found(u.name, u.block, start, end, u.sentence, u.context))
            )
    for m in site.mentions.get(source.id, ()):
        if m.kind == mention_kind and m.form != "surname" and _matches(slug, m.text):
            sentence = _sentence(texts[m.block], m.start)
            found.append(
                (
                    order[m.block],
                    m.start,
                    _Found(m.text, m.block, m.start, m.end, sentence, known=m.slug),
                )
            )
    if not found:
        return None
    return min(found, key=lambda f: (f[0], f[1]))[2]


def _sentence(text: str, pos: int) -> str:
    for s, e in sentence_spans(text):
        if s <= pos < e:
            return text[s:e].strip()
    return text.strip()


def _role_quote(text: str, found: _Found) -> str:
    """The shortest stretch of the sentence holding both the title and the name."""
    if not found.context:
        return found.sentence
    s0 = text.find(found.sentence)
    s1 = s0 + len(found.sentence)
    best: tuple[int, int] | None = None
    for m in re.finditer(re.escape(found.context), text):
        if s0 <= m.start() and m.end() <= s1:
            start, end = min(m.start(), found.start), max(m.end(), found.end)
            if best is None or end - start < best[1] - best[0]:
                best = (start, end)
    return text[best[0] : best[1]] if best else found.sentence


def _entities_in(site: Site, source: Source, block: str, start: int, end: int) -> list[Mention]:
    return [
        m
        for m in site.mentions.get(source.id, ())
        if m.block == block
        and start <= m.start
        and m.end <= end
        and m.kind in ("countries", "organizations")
    ]


def _title_case(slug: str) -> str:
    return " ".join(part.capitalize() for part in slug.split("-"))


def _canonical(slug: str, spelled: str) -> str:
    """The spelling itself when the slug was made from it, else a name made from the slug."""
    if " ".join(sorted(_slug_words(slug))) == " ".join(sorted(normalise_name(spelled).split())):
        return spelled
    return _title_case(slug)


def _cite(source: Source, quote: str, indent: str) -> str:
    quote = _unique(source, quote)
    return f"{indent}- source: {source.id}\n{indent}  quote: {_q(quote)}\n"


def _unique(source: Source, quote: str) -> str:
    """``quote``, widened where the source has it more than once (a headline repeated as
    the first sentence): to its sentence, that and the next, or its paragraph, wherever
    it stands. A quote found twice is one its footnote cannot point at, and the build
    warns of it."""
    article = source.article
    location, again = locate_quote(article, quote)
    if location is None or not again:
        return quote
    needle = normalise(quote)
    for _block, text in source_passages(article):
        if needle not in normalise(text):
            continue
        spans = sentence_spans(text)
        wider = []
        for k, (s, e) in enumerate(spans):
            if needle in normalise(text[s:e]):
                wider.append(text[s:e])
                if k + 1 < len(spans):
                    wider.append(text[s : spans[k + 1][1]])
        wider.append(text)
        for candidate in wider:
            candidate = candidate.strip()
            found, twice = locate_quote(article, candidate)
            if found is not None and not twice:
                return candidate
    return quote


def _not_found(site: Site, source: Source, kind: str, slug: str) -> DossierError:
    names = [u.name for sid, u in site.unknown_names if sid == source.id]
    hint = f" Uncovered names there: {', '.join(names)}." if names else ""
    return DossierError(
        [Problem(source.id, message=f"no {kind} named like {slug!r} in this source.{hint}")]
    )


def _person(site: Site, source: Source, slug: str) -> str:
    found = _find(site, source, "person", slug)
    if found is None:
        raise _not_found(site, source, "person", slug)
    text = dict(blocks_of(source.article))[found.block]
    name = _canonical(slug, found.name)
    out = f"name: {_q(name)}\n"
    if name != found.name:
        out += f"aliases:\n  - name: {_q(found.name)}\n    sources: [{source.id}]\n"
    else:
        out += "aliases: []\n"
    if found.context:
        quote = _role_quote(text, found)
        start = text.find(quote)
        # Take in a country or organisation named right before the title: "Chinese ...".
        for m in site.mentions.get(source.id, ()):
            if (
                m.block == found.block
                and m.kind in ("countries", "organizations")
                and m.end <= start
                and not text[m.end : start].strip()
            ):
                quote, start = text[m.start : start + len(quote)], m.start
        of = _entities_in(site, source, found.block, start, start + len(quote))
        countries = [m.slug for m in of if m.kind == "countries"]
        if countries:
            out += f"country: {countries[0]}\n"
        out += f"positions:\n  - title: {_q(found.context)}\n"
        if of:
            out += f"    of: {of[0].slug}\n"
        if source.published.value is not None:
            out += f"    as_of: {source.published.value.isoformat()}\n"
        out += "    cite:\n" + _cite(source, quote, "      ")
    else:
        out += "positions: []  # the source names no title next to the name\n"
    out += "summary: ''\n"
    out += "summary_cite:\n" + _cite(source, found.sentence, "  ")
    return out


def _organization(site: Site, source: Source, slug: str) -> str:
    found = _find(site, source, "organization", slug)
    if found is None:
        raise _not_found(site, source, "organization", slug)
    text = dict(blocks_of(source.article))[found.block]
    name = _canonical(slug, found.name)
    short = ""
    m = re.match(r"\s*\(([A-Z]{2,8})\)", text[found.end :])
    if m:
        short = m[1]
    out = f"name: {_q(name)}\nshort: {_q(short)}\n"
    if name != found.name:
        out += f"aliases:\n  - name: {_q(found.name)}\n    sources: [{source.id}]\n"
    else:
        out += "aliases: []\n"
    out += "members: []\nsummary: ''\nsummary_cite:\n" + _cite(source, found.sentence, "  ")
    return out


_DEMONYM_ENDINGS = ("an", "ian", "ese", "ish", "i", "ic", "ch", "er")


def _country(site: Site, source: Source, slug: str) -> str:
    name = _title_case(slug)
    pattern = re.compile(
        r"(?<![\w-])" + r"\s+".join(map(re.escape, name.split())) + r"(?![\w-])", re.I
    )
    texts = blocks_of(source.article)
    hit = next(((bid, t, m) for bid, t in texts for m in [pattern.search(t)] if m), None)
    if hit is None:
        raise _not_found(site, source, "country", slug)
    _, text, m = hit
    spelled = m[0]
    stem = normalise_name(spelled).replace(" ", "")[:4]
    demonyms: list[str] = []
    for _, t in texts:
        for w in re.finditer(r"(?<![\w-])[A-Z][a-z]+(?![\w-])", t):
            word = w[0]
            if (
                len(stem) == 4
                and word.lower().startswith(stem)
                and word.lower() != normalise_name(spelled).replace(" ", "")
                and word.endswith(_DEMONYM_ENDINGS)
                and word not in demonyms
                and word.lower() not in normalise_name(spelled).split()
            ):
                demonyms.append(word)
    out = f"name: {_q(spelled if spelled[0].isupper() else name)}\naliases: []\n"
    if demonyms:
        out += "demonyms: [" + ", ".join(_q(d) for d in demonyms) + "]\n"
    else:
        out += "demonyms: []  # no demonym found in the source\n"
    out += "summary: ''\nsummary_cite:\n" + _cite(source, _sentence(text, m.start()), "  ")
    return out


def _meeting(site: Site, source: Source, slug: str) -> str:
    a = source.article
    passages = blocks_of(a)
    title = source.title.value or _title_case(slug)
    kinds = "talks | meeting | summit | virtual-summit | phone-call | ..."
    out = f"title: {_q(title)}\nkind: talks  # {kinds}\n"
    # A weekday in the opening paragraph dates the event itself (a dateline often gives
    # the day of writing); one counted forward ("will meet on Monday") is another event.
    weekday = next(
        (
            r
            for r in relative_dates(source)
            if r.date.value is not None
            and r.paragraph == _first_prose(a)
            and " after " not in r.date.note
        ),
        None,
    )
    if weekday is not None:
        text = dict(passages)[weekday.paragraph]
        sentence = _sentence(text, text.find(weekday.text))
        out += (
            f"date:\n  value: {weekday.date.value.isoformat()}\n  basis: weekday\n"
            f"  note: {_q(f'{weekday.text}: {weekday.date.note}')}\n  cite:\n"
            + _cite(source, sentence, "    ")
        )
    elif a.dateline_date.value is not None:
        out += (
            f"date:\n  value: {a.dateline_date.value.isoformat()}\n  basis: dateline\n"
            f"  note: {_q(f'from the dateline of {source.id} ({a.dateline_date.basis})')}\n"
        )
    elif source.published.value is not None:
        out += (
            f"date:\n  value: {source.published.value.isoformat()}\n  basis: published\n"
            "  note: "
            + _q(
                f"the publication date of {source.id} ({source.published.basis}); "
                "the meeting may be earlier"
            )
            + "\n"
        )
    else:
        # "ANKARA, November 24" has no year: the publication date, curated, gives it.
        seen = a.dateline_date.note or "no dateline, publication date or weekday"
        raise DossierError(
            [
                Problem(
                    source.id,
                    field="date",
                    message=f"the source gives no date ({seen}); set its published date in "
                    "content/sources.yaml, or write the sheet by hand",
                )
            ]
        )
    place = a.dateline_place.value
    if place:
        country = next(
            (
                s
                for s, r in site.countries.items()
                if place.casefold() in {r.sheet.capital.casefold(), r.sheet.name.casefold()}
            ),
            None,
        )
        out += f"place:\n  name: {_q(place)}\n  basis: dateline\n"
        if country:
            out += f"  country: {country}\n"
        named = re.compile(r"(?<![\w-])" + re.escape(place) + r"(?![\w-])")
        where = next(((t, m.start()) for _, t in passages for m in [named.search(t)] if m), None)
        if where is not None:
            out += "  cite:\n" + _cite(source, _sentence(*where), "    ")
    else:
        out += "# place: the source has no dateline; add the place by hand\n"
    people = sorted({m.slug for m in site.mentions.get(source.id, ()) if m.kind == "people"})
    out += "hosts: []\nparticipants: []"
    out += f"  # mentioned in the source: {', '.join(people)}\n" if people else "\n"
    out += "summary: ''\ncite:\n"
    if source.article.title.basis == "parsed" and source.article.title.value:
        out += _cite(source, source.article.title.value, "  ")
    else:
        first = _first_prose(a)
        text = dict(passages).get(first or "", "")
        out += _cite(source, _sentence(text, 0), "  ") if text else ""
    return out


def _first_prose(a: object) -> str | None:
    from generator.article import Article

    assert isinstance(a, Article)
    return next((p.id for p in a.paragraphs if p.kind == "prose"), None)


def prefill(site: Site, kind: str, slug: str, source_id: str) -> str:
    """The text of a new fact sheet of ``kind`` filled from ``source_id``."""
    (source_id,) = check_ids(site, [source_id])
    source = site.sources[source_id]
    schema_file = KINDS[kind][1]
    head = (
        f"# yaml-language-server: $schema=../../schema/{schema_file}.schema.json\n"
        f"# Prefilled from {source_id} by dossier new --from; check every line against it.\n"
    )
    body = {
        "person": _person,
        "organization": _organization,
        "country": _country,
        "meeting": _meeting,
    }[kind](site, source, slug)
    return head + body


def new_sheet_from(
    project: Path, kind: str, slug: str, source_id: str, *, force: bool = False
) -> Path:
    """Write ``content/<kind>/<slug>.yaml`` prefilled from a source; refuse existing files."""
    if not SLUG_RE.match(slug):
        raise DossierError(
            [
                Problem(
                    slug, message="not a valid slug (lowercase letters, digits and single hyphens)"
                )
            ]
        )
    folder, _ = KINDS[kind]
    path = project / "content" / folder / f"{slug}.yaml"
    if path.exists() and not force:
        raise DossierError(
            [
                Problem(
                    f"content/{folder}/{slug}.yaml",
                    message="already exists; use --force to overwrite",
                )
            ]
        )
    text = prefill(load_model(project), kind, slug, source_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
