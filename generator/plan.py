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

from generator.model import Site
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
        Page("discrepancies/", "discrepancies.html", "Where sources disagree", "discrepancies",
             {"items": discrepancies(site)}),
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


def related(site: Site, kind: str, slug: str) -> dict[str, Any]:
    """Cross-references a page shows besides its own record, in a fixed order."""
    out: dict[str, Any] = {}
    if kind != "sources":
        out["disputes"] = [d for d in discrepancies(site) if d.kind == kind and d.slug == slug]
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
