"""Machine-readable outputs: the Atom feed, the sitemap, JSON-LD, and /data/site.json.

Each builder is a pure function of the :class:`~generator.model.Site` (and the
planned pages): dates come from the content, never from the clock, and every
list is in a fixed order, so two builds are byte-identical. Absolute URLs come
from ``base_url`` through the ``absolute`` callable the renderer passes in.

The Atom feed and the sitemap are Jinja templates (``feed.xml``,
``sitemap.xml``) so that a site can override them like any page; what goes
into them is prepared here.
"""

from __future__ import annotations

import datetime as dt
import heapq
import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import nh3
from pydantic.json_schema import models_json_schema

from generator.model import Site
from generator.plan import DATE_BOUNDS, KINDS, Page, entity_url, meeting_order
from generator.schema import CountrySheet, MeetingSheet, OrganizationSheet, PersonSheet
from generator.write import Pieces

Absolute = Callable[[str], str]

SCHEMA_URL = "data/site.schema.json"
DATA_URL = "data/site.json"
EPOCH = dt.date(1970, 1, 1)


# -- Atom feed and sitemap -------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    kind: str
    slug: str
    title: str
    date: dt.date
    summary: str
    related: str | None = None
    stated: bool = True
    """The date is the one a source states; False: a bound (on or before) or one
    inferred, which orders the entry but is not given as its publication date."""

    @property
    def url(self) -> str:
        return entity_url(self.kind, self.slug)


def atom_time(value: dt.date) -> str:
    """RFC 3339 timestamp of a date (midnight UTC), as Atom requires."""
    return f"{value.isoformat()}T00:00:00Z"


# What makes Markdown or HTML, and what the HTML parser rewrites (NUL, carriage return,
# a byte order mark).
_MARKUP = re.compile("[<>&*_`#\\[\\]\x00\r\ufeff]")


def _plain(text: str, limit: int = 400) -> str:
    """Markdown prose as one line of plain text, cut at a word boundary.

    Any HTML in the prose is dropped (script and style with their content) by the
    same sanitiser as the pages use, so a description never shows markup.
    """
    if _MARKUP.search(text):
        text = html.unescape(nh3.clean(text, tags=set()))
        text = re.sub(r"[*_`#>]+", "", re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text))
    # Else the sanitiser and the patterns would give the text back as it is (every page
    # has a description; most, like a source's "outlet, date", hold no markup at all).
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text


def source_date(site: Site, slug: str) -> dt.date | None:
    """The date a source was published, or failing that, the date in its dateline."""
    source = site.sources[slug]
    return source.published.value or source.article.dateline_date.value


def reported_date(site: Site, slug: str) -> dt.date | None:
    """The latest date of the meetings that cite ``slug``: a source is not older than that."""
    dates = [
        site.meetings[c.owner_slug].sheet.date.value
        for c in site.citations
        if c.source == slug and c.owner_kind == "meetings" and c.owner_slug in site.meetings
    ]
    return max(dates, default=None)


def feed_entries(site: Site, kept: dict[str, Any] | None = None) -> list[FeedEntry]:
    """Meetings (by their date) and sources (by publication date), newest first.

    A source that states no date is dated by the latest meeting it reports on, and
    its summary says so; one with no date at all is left out, since an Atom entry
    must have one and the build clock is not a date of the content.
    """
    return sorted(_feed_entries(site, kept), key=_newest_first)


def _newest_first(e: FeedEntry) -> tuple[int, str, str]:
    return (-e.date.toordinal(), e.kind, e.slug)


def _feed_entries(site: Site, kept: dict[str, Any] | None = None) -> list[FeedEntry]:
    """The entries in no particular order; ``kept``: a session's dict, where the entry of
    each meeting is kept while the sheets are the same objects, and that of each source
    while the source is (what else it depends on comes from the sheets)."""
    kept = kept if kept is not None else {}
    if kept.get("token") is not site.sheets_token:
        kept.clear()
        kept.update(token=site.sheets_token, sources=dict())
        kept["meetings"] = [_meeting_entry(site, slug) for slug in meeting_order(site)]
    entries = list(kept["meetings"])
    before: dict[str, tuple[Any, FeedEntry | None]] = kept["sources"]
    now: dict[str, tuple[Any, FeedEntry | None]] = {}
    for slug, source in site.sources.items():
        hit = before.get(slug)
        if hit is None or hit[0] is not source:
            hit = (source, _source_feed_entry(site, slug))
        now[slug] = hit
        if hit[1] is not None:
            entries.append(hit[1])
    kept["sources"] = now
    return entries


def _meeting_entry(site: Site, slug: str) -> FeedEntry:
    m = site.meetings[slug].sheet
    where = f" · {m.place.name}" if m.place else ""
    bound = DATE_BOUNDS.get(m.date.qualifier, "")
    status = " (announced)" if m.status == "announced" else ""
    meta = f"{bound}{m.date.value.isoformat()}{where} · {m.kind.replace('-', ' ')}{status}"
    text = f"{meta}. {_plain(m.summary)}" if m.summary.strip() else meta
    return FeedEntry("meetings", slug, m.title, m.date.value, text, stated=not bound)


def _source_feed_entry(site: Site, slug: str) -> FeedEntry | None:
    source = site.sources[slug]
    outlet = source.outlet.value or "outlet not stated"
    text = f"Source article: {outlet}."
    date = source_date(site, slug)
    stated = date is not None
    if date is None:
        date = reported_date(site, slug)
        if date is None:
            return None
        text += f" The article states no date; dated by the meeting it reports, {date.isoformat()}."
    return FeedEntry(
        "sources", slug, source.title.value or slug, date, text, source.url, stated=stated
    )


def feed_updated(entries: list[FeedEntry]) -> dt.date:
    return max((e.date for e in entries), default=EPOCH)


def documents(site: Site, pages: list[Page], kept: dict[str, Any] | None = None) -> list[Page]:
    """The XML documents rendered from templates: /feed.xml and /sitemap.xml.

    The feed holds the newest ``feed_limit`` entries: a reader polls it for what is
    new, and a feed of every article of a large site would be megabytes long.
    ``kept``: a dict kept between the builds of a session.
    """
    # The same as sorting them all and keeping the first few, without sorting them all.
    entries = heapq.nsmallest(site.config.feed_limit, _feed_entries(site, kept), key=_newest_first)
    return [
        Page(
            "feed.xml",
            "feed.xml",
            site.config.title,
            "feed",
            {"entries": entries, "updated": feed_updated(entries)},
        ),
        Page(
            "sitemap.xml",
            "sitemap.xml",
            "Sitemap",
            "sitemap",
            {"urls": [p.url for p in pages if p.url != "404.html"]},
        ),
    ]


# -- JSON-LD ---------------------------------------------------------------------------------


def _attendance_mode(m: MeetingSheet) -> str | None:
    """Online, Offline or Mixed, as the sheet states each party's presence; None when a
    presence is not stated or no party is named (nothing to say it was in person)."""
    presences = {p.presence for p in (*m.hosts, *m.participants)}
    remote = {"virtual", "by-phone"}
    if m.kind in ("virtual-summit", "phone-call") or (presences and presences <= remote):
        return "Online"
    if not presences or "unclear" in presences:
        return None
    return "Offline" if presences == {"in-person"} else "Mixed"


def _ref(site: Site, kind: str, slug: str | None, absolute: Absolute) -> dict[str, Any] | None:
    if not slug:
        return None
    types = {"people": "Person", "countries": "Country", "organizations": "Organization"}
    record = site.kind(kind).get(slug)
    if record is None:
        return {"@type": types[kind], "name": slug}
    return {
        "@type": types[kind],
        "@id": absolute(entity_url(kind, slug)),
        "name": record.sheet.name,
    }


def _participant(site: Site, part: Any, absolute: Absolute) -> dict[str, Any] | None:
    if part.person:
        ref = _ref(site, "people", part.person, absolute)
        if ref is not None and (part.country or part.organization):
            ref["affiliation"] = _ref(
                site, "organizations" if part.organization else "countries",
                part.organization or part.country, absolute,
            )  # fmt: skip
        return ref
    if part.organization:
        return _ref(site, "organizations", part.organization, absolute)
    return _ref(site, "countries", part.country, absolute)


def _aliases(site: Site, kind: str, slug: str) -> list[str]:
    sheet = site.kind(kind)[slug].sheet
    names = [a.name for a in sheet.aliases]
    # A country is mentioned thousands of times under a handful of spellings: each
    # spelling is tidied once, in the order it first occurs.
    found = site.mentioned.get((kind, slug))
    written = found.written() if found is not None else ()
    spellings = dict.fromkeys(text for _sid, text, form in written if form != "surname")
    names += (" ".join(text.split()) for text in spellings)
    seen: dict[str, str] = {}
    for name in names:
        if name.casefold() != sheet.name.casefold():
            seen.setdefault(name.casefold(), name)
    return sorted(seen.values(), key=str.casefold)


def sub_meetings(site: Site) -> dict[str, list[str]]:
    """The meetings each meeting has as parts, by date then slug."""
    parts: dict[str, list[str]] = {}
    for slug, record in site.meetings.items():
        if record.sheet.part_of:
            parts.setdefault(record.sheet.part_of, []).append(slug)
    for subs in parts.values():
        subs.sort(key=lambda s: (site.meetings[s].sheet.date.value, s))
    return parts


def jsonld(
    site: Site, page: Page, absolute: Absolute, parts: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The schema.org description of one page. ``parts``: :func:`sub_meetings`, made once
    by a caller that describes many pages."""
    url = absolute(page.url if page.url != "404.html" else "")
    base: dict[str, Any] = {"@context": "https://schema.org"}
    website = {"@type": "WebSite", "name": site.config.title, "url": absolute("")}
    slug = page.context.get("slug")
    if page.kind == "meeting" and slug:
        m = site.meetings[slug].sheet
        data: dict[str, Any] = {
            "@type": "Event",
            "@id": url,
            "url": url,
            "name": m.title,
        }
        # A bound ("on or before 21 November") is no start date: the date is left out.
        if m.date.qualifier == "on":
            data["startDate"] = m.date.value.isoformat()
        if m.end_date and m.end_date.qualifier == "on":
            data["endDate"] = m.end_date.value.isoformat()
        if m.summary.strip():
            data["description"] = _plain(m.summary, 1000)
        if m.status == "announced":
            data["eventStatus"] = "https://schema.org/EventScheduled"
        mode = _attendance_mode(m)
        if mode:
            data["eventAttendanceMode"] = f"https://schema.org/{mode}EventAttendanceMode"
        if m.place:
            place: dict[str, Any] = {"@type": "Place", "name": m.place.name}
            if m.place.country and m.place.country in site.countries:
                place["address"] = {
                    "@type": "PostalAddress",
                    "addressLocality": m.place.name,
                    "addressCountry": site.countries[m.place.country].sheet.name,
                }
                place["containedInPlace"] = _ref(site, "countries", m.place.country, absolute)
            data["location"] = place
        elif mode == "Online":
            data["location"] = {"@type": "VirtualLocation", "name": m.kind.replace("-", " ")}
        hosts = [r for p in m.hosts if (r := _participant(site, p, absolute))]
        attendees = [
            r for p in (*m.hosts, *m.participants) if (r := _participant(site, p, absolute))
        ]
        if hosts:
            data["organizer"] = hosts
        data["attendee"] = attendees
        if m.part_of and m.part_of in site.meetings:
            data["superEvent"] = {
                "@type": "Event",
                "@id": absolute(entity_url("meetings", m.part_of)),
                "name": site.meetings[m.part_of].sheet.title,
            }
        subs = (parts if parts is not None else sub_meetings(site)).get(slug, [])
        if subs:
            data["subEvent"] = [
                {
                    "@type": "Event",
                    "@id": absolute(entity_url("meetings", s)),
                    "name": site.meetings[s].sheet.title,
                }
                for s in subs
            ]
        return {**base, **data}
    if page.kind == "person" and slug:
        p = site.people[slug].sheet
        data = {"@type": "Person", "@id": url, "url": url, "name": p.name}
        if p.honorific:
            data["honorificPrefix"] = p.honorific
        alternate = _aliases(site, "people", slug)
        if alternate:
            data["alternateName"] = alternate
        if p.positions:
            data["jobTitle"] = p.positions[0].title
        affiliations: list[dict[str, Any]] = []
        for pos in p.positions:
            if pos.of:
                kind = "countries" if pos.of in site.countries else "organizations"
                ref = _ref(site, kind, pos.of, absolute)
                if ref and ref not in affiliations:
                    affiliations.append(ref)
        if affiliations:
            data["affiliation"] = affiliations
        if p.country:
            data["nationality"] = _ref(site, "countries", p.country, absolute)
        if p.summary.strip():
            data["description"] = _plain(p.summary, 1000)
        return {**base, **data}
    if page.kind in ("country", "organization") and slug:
        kind = "countries" if page.kind == "country" else "organizations"
        sheet = site.kind(kind)[slug].sheet
        data = {
            "@type": "Country" if kind == "countries" else "Organization",
            "@id": url,
            "url": url,
            "name": sheet.name,
        }
        alternate = _aliases(site, kind, slug)
        if isinstance(sheet, OrganizationSheet):
            if sheet.short:
                data["alternateName"] = sorted({sheet.short, *alternate}, key=str.casefold)
                alternate = []
            if sheet.url:
                data["sameAs"] = sheet.url
            if sheet.members:
                data["member"] = [
                    r for c in sheet.members if (r := _ref(site, "countries", c, absolute))
                ]
        if alternate:
            data["alternateName"] = alternate
        member_of = getattr(sheet, "member_of", [])
        if member_of:
            data["memberOf"] = [
                r for o in member_of if (r := _ref(site, "organizations", o, absolute))
            ]
        if sheet.summary.strip():
            data["description"] = _plain(sheet.summary, 1000)
        return {**base, **data}
    if page.kind == "source" and slug:
        s = site.sources[slug]
        data = {"@type": "NewsArticle", "@id": url, "url": url, "headline": s.title.value or slug}
        date = source_date(site, slug)
        if s.published.value:
            data["datePublished"] = s.published.value.isoformat()
        elif date:
            data["dateCreated"] = date.isoformat()
        if s.outlet.value:
            data["publisher"] = {"@type": "Organization", "name": s.outlet.value}
        if s.byline.value:
            data["author"] = {"@type": "Person", "name": s.byline.value}
        if s.article.dateline_place.value:
            data["locationCreated"] = {"@type": "Place", "name": s.article.dateline_place.value}
        if s.url:
            data["isBasedOn"] = s.url
        data["inLanguage"] = s.article.language
        about = []
        for kind, slugs in (
            ("people", site.people),
            ("countries", site.countries),
            ("organizations", site.organizations),
        ):
            found = sorted({x for x in site.mentions[slug].slugs(kind) if x in slugs})
            about += [r for x in found if (r := _ref(site, kind, x, absolute))]
        if about:
            data["mentions"] = about
        return {**base, **data}
    if page.kind == "home":
        data = {**website, "@id": absolute("")}
        if site.config.description:
            data["description"] = site.config.description
        return {**base, **data}
    kind_type = "CollectionPage" if page.kind in ("index", "timeline", "graph") else "WebPage"
    if page.kind == "search":
        kind_type = "SearchResultsPage"
    if page.url == "404.html":  # served at whatever address was not found: no URL of its own
        return {**base, "@type": kind_type, "name": page.title, "isPartOf": website}
    return {
        **base,
        "@type": kind_type,
        "@id": url,
        "url": url,
        "name": page.title,
        "isPartOf": website,
    }


def dumps_html(data: Any) -> str:
    """JSON for a ``<script>`` element: ``<``, ``>``, ``&`` and ``'`` escaped as \\u00XX.

    Uses Jinja's ``htmlsafe_json_dumps`` (what the ``tojson`` filter uses), so a
    ``</script>`` inside the data cannot end the element.
    """
    from jinja2.utils import htmlsafe_json_dumps

    return str(
        htmlsafe_json_dumps(
            data, dumps=json.dumps, ensure_ascii=False, indent=None, sort_keys=False
        )
    )


# -- /data/site.json and its schema ----------------------------------------------------------


def _location(use: Any, absolute: Absolute) -> dict[str, Any] | None:
    if use.location is None:
        return None
    return {
        "block": use.location.block,
        "start": use.location.start,
        "end": use.location.end,
        "url": absolute(entity_url("sources", use.source)) + "#" + use.anchor,
    }


def site_data(site: Site, absolute: Absolute) -> dict[str, Any]:
    """Every entity, meeting, citation and source of the site, for reuse by others."""
    out: dict[str, Any] = {"$schema": absolute(SCHEMA_URL), "site": _site_entry(site, absolute)}
    for kind in KINDS:
        if kind != "sources":
            out[kind] = _record_entries(site, kind, absolute)
    out["sources"] = [_source_entry(site, slug, absolute) for slug in site.sources]
    out["citations"] = _citation_entries(site, absolute)
    return out


def _record_entries(site: Site, kind: str, absolute: Absolute) -> list[dict[str, Any]]:
    records = site.kind(kind)
    order = meeting_order(site) if kind == "meetings" else sorted(records)
    return [
        {
            "id": slug,
            "url": absolute(entity_url(kind, slug)),
            "file": records[slug].path,
            "sheet": records[slug].sheet.model_dump(mode="json"),
        }
        for slug in order
    ]


def _source_entry(site: Site, slug: str, absolute: Absolute) -> dict[str, Any]:
    s = site.sources[slug]
    a = s.article
    return {
        "id": slug,
        "url": absolute(entity_url("sources", slug)),
        "file": s.path,
        "title": s.title.value,
        "outlet": s.outlet.value,
        "published": s.published.value.isoformat() if s.published.value else None,
        "byline": s.byline.value,
        "original_url": s.url,
        "excerpt": s.excerpt,
        "language": a.language,
        "dateline": {
            "place": a.dateline_place.value,
            "date": a.dateline_date.value.isoformat() if a.dateline_date.value else None,
        },
        "blocks": [
            {"id": b.id, "type": type(b).__name__.lower(), "text": b.text} for b in a.blocks
        ],
        "mentions": [
            {
                "kind": m.kind,
                "id": m.slug,
                "block": m.block,
                "start": m.start,
                "end": m.end,
                "text": m.text,
            }
            for m in site.mentions.get(slug, ())
        ],  # fmt: skip
    }


def _citation_entries(site: Site, absolute: Absolute) -> list[dict[str, Any]]:
    return [_citation_entry(c, absolute) for c in site.citations]


def _citation_entry(c: Any, absolute: Absolute) -> dict[str, Any]:
    return {
        "owner": {"kind": c.owner_kind, "id": c.owner_slug},
        "field": ".".join(str(p) for p in c.loc),
        "file": c.path,
        "line": c.line,
        "source": c.source,
        "quote": c.quote,
        "speaker": c.speaker,
        "verified": c.location is not None,
        "passage": _location(c, absolute),
    }


def _compact(value: Any) -> str:
    # Compact: with an indent json falls back to its pure-Python encoder, ten times
    # slower on a large site.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def source_piece(site: Site, slug: str, absolute: Absolute) -> bytes:
    """The encoded entry of one source in /data/site.json (made on a worker, on a cold build)."""
    return _encoded(_source_entry(site, slug, absolute))


def encodes_every_source(site: Site, absolute: Absolute, kept: dict[str, Any]) -> bool:
    """Whether :func:`site_data_bytes` will encode every source afresh (nothing kept from
    a previous build of the session applies): a cold build, or changed fact sheets."""
    return (
        not kept.get("sources")
        or kept.get("token") is not site.sheets_token
        or kept.get("base") != absolute("")
    )


def _refresh(site: Site, absolute: Absolute, kept: dict[str, Any]) -> None:
    """Start ``kept`` afresh if the fact sheets or the base URL changed, with the JSON of
    every fact sheet made again."""
    base = absolute("")
    if kept.get("token") is not site.sheets_token or kept.get("base") != base:
        kept.update(token=site.sheets_token, base=base, sources=dict(), cites=dict(), data=None)
        kept["records"] = {
            kind: _encoded(_record_entries(site, kind, absolute))
            for kind in KINDS
            if kind != "sources"
        }
        kept["blocks"] = {}
        kept.pop("cites made", None)


def prepare_site_data(site: Site, absolute: Absolute, kept: dict[str, Any]) -> Iterator[None]:
    """Make, in steps, what :func:`site_data_bytes` needs besides the sources' entries:
    the fact sheets' JSON and that of each new citation. For a build to do while workers
    render; whatever is left undone, site_data_bytes does itself."""
    _refresh(site, absolute, kept)
    yield
    before: dict[int, tuple[Any, bytes]] = kept["cites"]
    made: dict[int, tuple[Any, bytes]] = kept.setdefault("cites made", {})
    for k, use in enumerate(site.citations):
        done = before.get(id(use))
        if done is None or done[0] is not use:
            made[id(use)] = (use, _encoded(_citation_entry(use, absolute)))
        if k % 100 == 99:
            yield


def site_data_bytes(
    site: Site,
    absolute: Absolute,
    kept: dict[str, Any] | None = None,
    ready: dict[str, Any] | None = None,
    *,
    lasting: bool = True,
) -> Pieces:
    """``site_data`` as compact JSON in UTF-8 with a final newline, exactly as
    ``json.dumps`` would write it, as pieces for the writer to write one after another.

    Made piece by piece so that a session (``kept`` given) can keep the encoded JSON
    of each source while the source and its mentions are the same objects, and that of
    the fact sheets while they are: one edited article re-encodes one article. The
    sources and citations are joined in blocks whose ends depend on their content, not
    their position, so an article added or edited joins its own block again and every
    other block is the very same bytes as before: the file (tens of MB for a large site)
    is never joined whole. ``ready``: sources already encoded (by :func:`source_piece`).
    Without ``lasting`` (no session to reuse the blocks), the pieces are not joined at
    all: a one-off build of 10,000 articles would hold 90 MB twice.
    """
    ready = ready or {}
    kept = kept if kept is not None else {}
    _refresh(site, absolute, kept)
    before: dict[str, tuple[Any, Any, bytes]] = kept["sources"]
    now: dict[str, tuple[Any, Any, bytes]] = {}
    changed = len(before) != len(site.sources)
    for slug, source in site.sources.items():
        mentions = site.mentions.get(slug, ())
        hit = before.get(slug)
        if hit is None or hit[0] is not source or hit[1] is not mentions:
            piece = ready.get(slug)
            if piece is None:
                piece = source_piece(site, slug, absolute)
            hit = (source, mentions, piece)
            changed = True
        now[slug] = hit
    kept["sources"] = now
    # Citations are made again only for sheets or sources that changed: keep the JSON of
    # each by the identity of its (unchanged) object.
    cites_before: dict[int, tuple[Any, bytes]] = kept["cites"]
    cites: dict[int, tuple[Any, bytes]] = {}
    changed |= len(cites_before) != len(site.citations)
    made: dict[int, tuple[Any, bytes]] = kept.pop("cites made", {})
    for use in site.citations:
        done = cites_before.get(id(use))
        if done is None or done[0] is not use:
            done = made.get(id(use))
            if done is None or done[0] is not use:
                done = (use, _encoded(_citation_entry(use, absolute)))
            changed = True
        cites[id(use)] = done
    kept["cites"] = cites
    head = {"$schema": absolute(SCHEMA_URL), "site": _site_entry(site, absolute)}
    if not changed and kept.get("data") is not None and kept.get("head") == head:
        return kept["data"]  # the very same pieces as last time: the same bytes
    parts = [_encoded(head)[:-1]]
    parts += [b"," + _encoded(kind) + b":" + text for kind, text in kept["records"].items()]
    blocks_before: dict[tuple[bytes, ...], bytes] = kept["blocks"]
    blocks: dict[tuple[bytes, ...], bytes] = {}
    parts.append(b',"sources":[')
    _blocks(parts, [entry[2] for entry in now.values()], blocks_before, blocks, join=lasting)
    parts.append(b'],"citations":[')
    _blocks(parts, [cites[id(u)][1] for u in site.citations], blocks_before, blocks, join=lasting)
    parts.append(b"]}\n")
    kept["blocks"] = blocks
    kept["data"], kept["head"] = Pieces(parts), head
    return kept["data"]


# About one item in this many ends a block of site.json's sources or citations.
_BLOCK_ENDS = 64


def _blocks(
    parts: list[bytes],
    items: list[bytes],
    before: dict[tuple[bytes, ...], bytes],
    now: dict[tuple[bytes, ...], bytes],
    *,
    join: bool = True,
) -> None:
    """Append ``items`` to ``parts`` with a comma between each two, joined in blocks.

    A block ends after an item whose hash says so. Blocks of the very same items as in
    the last build (``before``) are taken from it, not joined again; ``now`` gets every
    block of this build. Bytes cache their hash, so an unchanged item costs no hashing.
    Without ``join`` (no next build to reuse blocks), the items are appended as they are.
    """
    if not join:
        for i, item in enumerate(items):
            if i:
                parts.append(b",")
            parts.append(item)
        return
    start = 0
    count = len(items)
    for i, item in enumerate(items):
        if hash(item) % _BLOCK_ENDS and i + 1 < count:
            continue
        block = tuple(items[start : i + 1])
        joined = before.get(block)
        if joined is None:
            joined = b",".join(block)
        now[block] = joined
        if start:
            parts.append(b",")
        parts.append(joined)
        start = i + 1


def _encoded(value: Any) -> bytes:
    return _compact(value).encode("utf-8")


def _site_entry(site: Site, absolute: Absolute) -> dict[str, Any]:
    return {
        "title": site.config.title,
        "description": site.config.description,
        "url": absolute(""),
        "language": site.config.language,
    }


def site_schema(absolute: Absolute) -> dict[str, Any]:
    """A JSON Schema (2020-12) of /data/site.json; fact sheets from the validating models."""
    sheets = (
        ("meetings", MeetingSheet),
        ("people", PersonSheet),
        ("countries", CountrySheet),
        ("organizations", OrganizationSheet),
    )
    refs, defs = models_json_schema(
        [(model, "serialization") for _, model in sheets], ref_template="#/$defs/{model}"
    )
    schema_defs: dict[str, Any] = dict(defs.get("$defs", {}))
    string_or_null = {"type": ["string", "null"]}
    date_or_null = {"type": ["string", "null"], "format": "date"}
    schema_defs["EntityEntry"] = {
        "type": "object",
        "required": ["id", "url", "file", "sheet"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "description": "The slug: the file name in content/<kind>/."},
            "url": {"type": "string", "format": "uri", "description": "The page on this site."},
            "file": {"type": "string", "description": "The fact sheet, relative to the project."},
            "sheet": {"type": "object"},
        },
    }
    properties: dict[str, Any] = {
        "$schema": {"type": "string"},
        "site": {
            "type": "object",
            "required": ["title", "url", "language"],
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
                "language": {"type": "string"},
            },
        },
    }
    for kind, model in sheets:
        properties[kind] = {
            "type": "array",
            "description": f"Every {kind} fact sheet, as validated.",
            "items": {
                "allOf": [
                    {"$ref": "#/$defs/EntityEntry"},
                    {"properties": {"sheet": refs[(model, "serialization")]}},
                ]
            },
        }
    properties["sources"] = {
        "type": "array",
        "description": "Every source article with its metadata, text blocks and entity mentions.",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", "url", "file", "title", "blocks", "mentions"],
            "properties": {
                "id": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
                "file": {"type": "string"},
                "title": string_or_null,
                "outlet": string_or_null,
                "published": date_or_null,
                "byline": string_or_null,
                "original_url": string_or_null,
                "excerpt": {"type": "boolean"},
                "language": {"type": "string"},
                "dateline": {
                    "type": "object",
                    "properties": {"place": string_or_null, "date": date_or_null},
                },
                "blocks": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "type", "text"],
                        "properties": {
                            "id": {"type": "string"},
                            "type": {"enum": ["paragraph", "post"]},
                            "text": {"type": "string"},
                        },
                    },
                },
                "mentions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["kind", "id", "block", "start", "end", "text"],
                        "properties": {
                            "kind": {"enum": list(KINDS)},
                            "id": {"type": "string"},
                            "block": {"type": "string"},
                            "start": {"type": "integer", "minimum": 0},
                            "end": {"type": "integer", "minimum": 0},
                            "text": {"type": "string"},
                        },
                    },
                },
            },
        },
    }
    properties["citations"] = {
        "type": "array",
        "description": "Every citation on the site: the fact it supports, the source, "
        "the verbatim quote and where the build found it.",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["owner", "field", "source", "quote", "verified", "passage"],
            "properties": {
                "owner": {
                    "type": "object",
                    "required": ["kind", "id"],
                    "properties": {
                        "kind": {"enum": [k for k in KINDS if k != "sources"]},
                        "id": {"type": "string"},
                    },
                },
                "field": {
                    "type": "string",
                    "description": "Key path of the fact in its sheet, e.g. date.cite.0.",
                },
                "file": {"type": "string"},
                "line": {"type": "integer"},
                "source": {"type": "string"},
                "quote": {"type": "string"},
                "speaker": string_or_null,
                "verified": {"type": "boolean"},
                "passage": {
                    "anyOf": [
                        {"type": "null"},
                        {
                            "type": "object",
                            "required": ["block", "start", "end", "url"],
                            "properties": {
                                "block": {"type": "string"},
                                "start": {"type": "integer"},
                                "end": {"type": "integer"},
                                "url": {"type": "string", "format": "uri"},
                            },
                        },
                    ]
                },
            },
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": absolute(SCHEMA_URL),
        "title": "dossier site data",
        "description": "Every entity, meeting, citation and source of a dossier site "
        "(/data/site.json).",
        "type": "object",
        "required": ["site", *[k for k in KINDS], "citations"],
        "additionalProperties": False,
        "properties": properties,
        "$defs": schema_defs,
    }


def data_files(
    site: Site,
    absolute: Absolute,
    kept: dict[str, Any] | None = None,
    ready: dict[str, Any] | None = None,
    *,
    lasting: bool = True,
) -> list[tuple[str, Pieces | bytes]]:
    """/data/site.json and /data/site.schema.json, keys in a fixed order, with a final newline.

    ``kept``: a dict kept between the builds of one session (``lasting``); ``ready``:
    sources already encoded (see :func:`site_data_bytes`).
    """
    kept = kept if kept is not None else {}
    base = absolute("")
    if kept.get("schema_base") != base:
        kept["schema_base"] = base
        schema = json.dumps(site_schema(absolute), ensure_ascii=False, indent=1)
        kept["schema"] = (schema + "\n").encode("utf-8")
    schema = kept["schema"]
    data = site_data_bytes(site, absolute, kept, ready, lasting=lasting)
    return [(DATA_URL, data), (SCHEMA_URL, schema)]
