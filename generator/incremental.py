"""What a page depends on, so a rebuild renders only the pages whose inputs changed.

Each entity and source page gets a fingerprint: a hash of everything its template
can read. The parts every page shows (names, titles and dates of all records,
used in links and lists), the templates and the configuration go into one
site-wide stamp; the page's own record and cross-references go in per page. A page
whose fingerprint is unchanged, and whose previous output file is still the one
this tool wrote, is carried over from the previous site instead of rendered.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.cache import key_of
from generator.citations import normalise
from generator.model import Site, walk_citations
from generator.plan import Page
from generator.render import Renderer, theme_dir

# Pages that show one record (and whatever it refers to); the rest are always rendered.
ENTITY_KINDS = {"meeting": "meetings", "person": "people", "country": "countries",
                "organization": "organizations", "source": "sources"}  # fmt: skip

Stat = tuple[int, int, int]  # size, mtime_ns, inode of an output file


def _dump(value: Any) -> bytes:
    # repr, not pickle: pickle's bytes depend on object identity (shared or interned
    # strings), so equal inputs could hash differently from one run to the next.
    return repr(value).encode("utf-8", "surrogatepass")


def template_bytes(root: Path) -> bytes:
    """Every template and asset the renderer may read, in a fixed order."""
    parts = []
    for base in (theme_dir(), root / "templates"):
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    parts.append(
                        path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes()
                    )
    return b"\1".join(parts)


def names_table(site: Site) -> tuple[Any, ...]:
    """What any page may show of any record: names, titles, dates, places, first positions."""
    meetings = tuple(
        (s, r.sheet.title, r.sheet.date.value, r.sheet.date.basis, r.sheet.date.qualifier,
         r.sheet.place.name if r.sheet.place else None, r.sheet.kind, r.sheet.part_of,
         r.sheet.leg)
        for s, r in site.meetings.items()
    )  # fmt: skip
    people = tuple(
        (s, r.sheet.name, r.sheet.honorific,
         (r.sheet.positions[0].title, r.sheet.positions[0].of) if r.sheet.positions else None)
        for s, r in site.people.items()
    )  # fmt: skip
    others = tuple(
        (kind, s, r.sheet.name, getattr(r.sheet, "short", ""))
        for kind in ("countries", "organizations")
        for s, r in site.kind(kind).items()
    )
    # Sources are not here: a new article must not re-render every page. Each page
    # lists the titles of the sources it links to instead (see page_inputs).
    return meetings, people, others


def site_stamp(site: Site, renderer: Renderer, code: str) -> str:
    """One hash of everything that every page may depend on."""
    return key_of(
        code,
        template_bytes(site.root),
        site.config.model_dump_json(),
        renderer.base_url,
        str(renderer.search),
        _dump(names_table(site)),
    )


def _anchors(renderer: Renderer, values: Iterable[Any]) -> list[Any]:
    """The passage each citation on the page links to (it moves when its source changes)."""
    out = []
    for value in values:
        for _loc, cite in walk_citations(value):
            use = renderer.uses.get((cite.source, normalise(cite.quote)))
            out.append((cite.source, cite.quote, use.anchor if use else None))
    return out


# Pages that list or draw many records; their inputs rarely change when one article does.
SITE_WIDE = {"home", "index", "timeline", "graph", "discrepancies", "search", "404"}


def _source_titles(site: Site, ids: Iterable[str]) -> list[tuple[str, Any]]:
    return [(s, site.sources[s].title.value) for s in sorted(set(ids)) if s in site.sources]


def site_wide_inputs(site: Site, renderer: Renderer, page: Page) -> tuple[Any, ...]:
    """What an index, the home page, the timeline, the graph or the disagreements page reads."""
    shared: tuple[Any, ...] = (page.url, page.template, page.title, page.context)
    if page.kind == "home":
        counts = tuple(len(site.kind(k)) for k in ("people", "countries", "organizations"))
        return (*shared, counts, len(site.sources))
    if page.kind == "index" and page.context.get("of") == "sources":
        listed = [
            (s, src.title.value, src.title.basis, src.outlet.value, src.published.value)
            for s, src in site.sources.items()
        ]
        return (*shared, listed)
    if page.kind == "timeline":
        sheets = [r.sheet for r in site.meetings.values()]
        anchors = _anchors(renderer, sheets)
        return (*shared, sheets, anchors, _source_titles(site, (a[0] for a in anchors)))
    if page.kind == "discrepancies":
        anchors = _anchors(renderer, [d.disagreement for d in page.context.get("items", [])])
        ids = [a[0] for a in anchors]
        ids += [
            s
            for _slug, spellings in page.context.get("variants", [])
            for _t, srcs in spellings
            for s in srcs
        ]
        return (*shared, anchors, _source_titles(site, ids))
    return shared


def page_inputs(site: Site, renderer: Renderer, page: Page) -> tuple[Any, ...] | None:
    """Everything a page reads beyond the site stamp; None: always render it."""
    if page.kind in SITE_WIDE:
        return site_wide_inputs(site, renderer, page)
    kind = ENTITY_KINDS.get(page.kind)
    slug = page.context.get("slug")
    if kind is None or slug is None:
        return None
    shared = (page.url, page.template, page.title, page.context)
    mentioned = site.mentioned.get((kind, slug), ())
    if kind == "sources":
        uses = renderer.by_source.get(slug, [])
        owners = sorted({(u.owner_kind, u.owner_slug) for u in uses})
        return (*shared, site.sources[slug], site.mentions.get(slug, ()), uses, owners)
    record = site.kind(kind)[slug]
    extra: list[Any] = [record.sheet]
    anchors = _anchors(renderer, [record.sheet])
    if kind == "people":
        attended = site.attendance.get(slug, ())
        extra.append(attended)
        anchors += _anchors(renderer, [a.participation for a in attended])
    if kind == "meetings":
        extra.append(site.followed_by.get(slug, ()))
    disputes = page.context.get("disputes", [])
    anchors += _anchors(renderer, [d.disagreement for d in disputes])
    linked = {a[0] for a in anchors} | {ref.source for ref in mentioned}
    linked |= {s for alias in getattr(record.sheet, "aliases", ()) for s in alias.sources}
    titles = [(s, site.sources[s].title.value) for s in sorted(linked) if s in site.sources]
    return (*shared, mentioned, *extra, anchors, titles)


def fingerprint(stamp: str, inputs: tuple[Any, ...]) -> str:
    return key_of(stamp, _dump(inputs))


def stat_of(path: Path) -> Stat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)
