"""Stage 4, *plan*: decide every page before anything is rendered.

A page is its URL, the template that renders it, and the context it needs.
Collisions between output paths (including ones that differ only by case or
Unicode normalisation, which clash on macOS and Windows) are caught here, so a
bad slug fails the build before a single file is written.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from generator.mentions import blocks_of
from generator.model import Site, sentence_at
from generator.problems import Problem

KINDS = ("meetings", "people", "countries", "organizations", "sources")

KIND_TITLES = {
    "meetings": "Meetings",
    "people": "People",
    "countries": "Countries",
    "organizations": "Organisations",
    "sources": "Sources",
}
KIND_SINGULAR = {
    "meetings": "meeting",
    "people": "person",
    "countries": "country",
    "organizations": "organization",
    "sources": "source",
}


@dataclass(frozen=True)
class Page:
    """One output file. ``url`` is site-relative: ``""``, ``"people/"``, ``"404.html"``."""

    url: str
    template: str
    title: str
    kind: str
    context: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    origin: str = ""

    @property
    def output(self) -> str:
        return self.url + "index.html" if self.url == "" or self.url.endswith("/") else self.url


def entity_url(kind: str, slug: str) -> str:
    return f"{kind}/{slug}/"


def _is_minister(record: Any) -> bool:
    return any("minister" in p.title.lower() for p in record.sheet.positions)


def person_order(site: Site) -> list[str]:
    """Ministers first, then everyone else; each group by name."""
    return sorted(
        site.people,
        key=lambda s: (not _is_minister(site.people[s]), site.people[s].sheet.name.casefold(), s),
    )


def meeting_order(site: Site) -> list[str]:
    return sorted(site.meetings, key=lambda s: (site.meetings[s].sheet.date.value, s))


def plan_pages(site: Site) -> tuple[list[Page], list[Problem]]:
    pages: list[Page] = [
        Page("", "home.html", site.config.title, "home", {"page_meetings": meeting_order(site)}),
        Page("404.html", "404.html", "Page not found", "404"),
        Page(
            "discrepancies/",
            "discrepancies.html",
            "Where sources disagree",
            "discrepancies",
            {"items": discrepancies(site), "variants": variant_people(site)},
        ),
    ]
    orders = {
        "meetings": meeting_order(site),
        "people": person_order(site),
        "countries": sorted(site.countries, key=lambda s: site.countries[s].sheet.name.casefold()),
        "organizations": sorted(
            site.organizations, key=lambda s: site.organizations[s].sheet.name.casefold()
        ),
        "sources": sorted(site.sources),
    }
    for kind in KINDS:
        pages.append(
            Page(f"{kind}/", "index.html", KIND_TITLES[kind], "index", {"of": kind, "slugs": orders[kind]})
        )
        template = f"{KIND_SINGULAR[kind]}.html"
        for slug in orders[kind]:
            if kind == "sources":
                source = site.sources[slug]
                title = source.title.value or slug
                origin = source.path
            else:
                record = site.kind(kind)[slug]
                title = record.sheet.title if kind == "meetings" else record.sheet.name
                origin = record.path
            context = {"slug": slug, **related(site, kind, slug)}
            pages.append(
                Page(entity_url(kind, slug), template, title, KIND_SINGULAR[kind], context, origin)
            )
    return pages, find_collisions(pages)


@dataclass(frozen=True)
class DiscrepancyItem:
    """One curated disagreement, with the record it belongs to."""

    anchor: str
    kind: str
    slug: str
    index: int
    disagreement: Any


def discrepancies(site: Site) -> list[DiscrepancyItem]:
    items = []
    for kind in ("meetings", "people", "countries", "organizations"):
        order = meeting_order(site) if kind == "meetings" else sorted(site.kind(kind))
        for slug in order:
            for i, item in enumerate(site.kind(kind)[slug].sheet.disagreements):
                items.append(DiscrepancyItem(f"{kind}-{slug}-{i + 1}", kind, slug, i, item))
    return items


@dataclass(frozen=True)
class Passage:
    """A sentence of a source that names an entity; ``words`` are shown emphasised."""

    source: str
    block: str
    sentence: str
    words: tuple[str, ...]


def mentioned_in(site: Site, kind: str, slug: str) -> list[tuple[str, list[Passage]]]:
    """Per source (in id order), the sentences that mention the record or cite it."""
    grouped: dict[tuple[str, str, str], set[str]] = {}
    for ref in site.mentioned.get((kind, slug), ()):
        key = (ref.source, ref.mention.block, ref.sentence)
        grouped.setdefault(key, set()).add(ref.mention.text)
    if kind == "meetings":
        for use in site.citations:
            if use.owner_kind == kind and use.owner_slug == slug and use.location:
                text = dict(blocks_of(site.sources[use.source].article)).get(use.location.block, "")
                sentence = sentence_at(text, use.location.start, use.location.end)
                key = (use.source, use.location.block, sentence)
                grouped.setdefault(key, set())
    by_source: dict[str, list[Passage]] = {}
    order = {sid: {b.id: i for i, b in enumerate(src.article.blocks)} for sid, src in site.sources.items()}
    for (source, block, sentence), words in sorted(
        grouped.items(), key=lambda kv: (kv[0][0], order[kv[0][0]].get(kv[0][1], -1), kv[0][2])
    ):
        by_source.setdefault(source, []).append(
            Passage(source, block, sentence, tuple(sorted(words, key=lambda w: (-len(w), w))))
        )
    return list(by_source.items())


def appears_with(site: Site, slug: str) -> list[tuple[str, int]]:
    """People named in the same sources as this person, most shared sources first."""
    counts: dict[str, int] = {}
    for mentions in site.mentions.values():
        people = {m.slug for m in mentions if m.kind == "people"}
        if slug in people:
            for other in people - {slug}:
                counts[other] = counts.get(other, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], site.people[kv[0]].sheet.name.casefold()))


def name_variants(site: Site, slug: str) -> list[tuple[str, str, list[str]]]:
    """(spelling, form, sources) for each way the sources write a person's name."""
    spellings: dict[tuple[str, str], set[str]] = {}
    for ref in site.mentioned.get(("people", slug), ()):
        text = " ".join(ref.mention.text.split())
        spellings.setdefault((text, ref.mention.form), set()).add(ref.source)
    return [(text, form, sorted(srcs)) for (text, form), srcs in sorted(spellings.items())]


def variant_people(site: Site) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """People whose full name is spelled more than one way across the sources."""
    out = []
    for slug in person_order(site):
        full = [(t, srcs) for t, form, srcs in name_variants(site, slug) if form != "surname"]
        if len({_bare(t) for t, _ in full}) > 1:
            out.append((slug, full))
    return out


def _bare(text: str) -> str:
    return " ".join(text.casefold().split())


def related(site: Site, kind: str, slug: str) -> dict[str, Any]:
    """Cross-references a page shows besides its own record, in a fixed order."""
    out: dict[str, Any] = {}
    if kind != "sources":
        out["disputes"] = [d for d in discrepancies(site) if d.kind == kind and d.slug == slug]
        out["mentioned_in"] = mentioned_in(site, kind, slug)
    if kind == "people":
        out["appears_with"] = appears_with(site, slug)
        out["variants"] = name_variants(site, slug)
    meetings = meeting_order(site)
    people = person_order(site)

    def parts(m: str) -> tuple[Any, ...]:
        sheet = site.meetings[m].sheet
        return (*sheet.hosts, *sheet.participants)

    if kind == "countries":
        out["country_people"] = [
            p
            for p in people
            if site.people[p].sheet.country == slug
            or any(pos.of == slug for pos in site.people[p].sheet.positions)
        ]
        out["country_meetings"] = [
            m
            for m in meetings
            if (site.meetings[m].sheet.place and site.meetings[m].sheet.place.country == slug)
            or any(part.country == slug for part in parts(m))
        ]
    elif kind == "organizations":
        out["org_people"] = [
            p for p in people if any(pos.of == slug for pos in site.people[p].sheet.positions)
        ]
        out["org_meetings"] = [
            m for m in meetings if any(part.organization == slug for part in parts(m))
        ]
    elif kind == "sources":
        out["cited_by"] = sorted(
            {(c.owner_kind, c.owner_slug) for c in site.citations if c.source == slug and c.location}
        )
    return out


def _fold(path: str) -> str:
    return unicodedata.normalize("NFC", path).casefold()


def find_collisions(pages: list[Page]) -> list[Problem]:
    seen: dict[str, Page] = {}
    problems = []
    for page in pages:
        key = _fold(page.output)
        if key in seen:
            other = seen[key]
            problems.append(
                Problem(
                    page.origin or page.output,
                    message=f"page {page.output!r} collides with {other.output!r} "
                    f"from {other.origin or 'the site'} (paths differ only by case or "
                    "Unicode normalisation)",
                )
            )
        else:
            seen[key] = page
    return problems
