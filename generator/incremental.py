"""What a page depends on, so a rebuild renders only the pages whose inputs changed.

Each entity and source page gets a fingerprint: a hash of everything its template
can read. The parts every page shows (names, titles and dates of all records,
used in links and lists), the templates and the configuration go into one
site-wide stamp; the page's own record and cross-references go in per page. A page
whose fingerprint is unchanged, and whose previous output file is still the one
this tool wrote, is carried over from the previous site instead of rendered.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.cache import key_of
from generator.model import Site, sources_naming
from generator.plan import Page, Related, credit_names, credited, quoted_sources
from generator.render import Renderer, theme_dir
from generator.write import Stat, stat_key

# Pages that show one record (and whatever it refers to); the rest are always rendered.
ENTITY_KINDS = {"meeting": "meetings", "person": "people", "country": "countries",
                "organization": "organizations", "source": "sources"}  # fmt: skip


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
         r.sheet.place.name if r.sheet.place else None, r.sheet.kind, r.sheet.status,
         r.sheet.part_of, r.sheet.leg)
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
    # lists the titles of the sources it links to instead (see Fingerprints).
    return meetings, people, others


def site_stamp(
    site: Site, renderer: Renderer, code: str, kept: dict[str, Any] | None = None
) -> str:
    """One hash of everything that every page may depend on.

    ``kept``: a session's memo, where the hash of the names table is kept for as long as
    the fact sheets are the same generation (a few milliseconds a build at 3,000 sheets).
    """
    names = kept.get("names") if kept is not None else None
    if names is None or names[0] is not site.sheets_token or site.sheets_token is None:
        names = (site.sheets_token, key_of(_dump(names_table(site))))
        if kept is not None:
            kept["names"] = names
    return key_of(
        code,
        template_bytes(site.root),
        site.config.model_dump_json(),
        renderer.base_url,
        str(renderer.search),
        site.names_key,
        names[1],
    )


# Pages that list or draw many records; their inputs rarely change when one article does.
SITE_WIDE = {"home", "index", "timeline", "graph", "discrepancies", "search", "404",
             "feed", "sitemap"}  # fmt: skip

# Context entries made from the mentions in sources: each page's fingerprint covers them
# through the hashes of the sources it links to, never by printing them out.
_FROM_SOURCES = {"mentioned_in", "appears_with", "variants", "spelled_differently",
                 "published", "posts"}  # fmt: skip


class Fingerprints:
    """The fingerprint of each page: a hash of everything its template can read.

    A page of one record hashes what the fact sheets say of it once per generation of
    the sheets, plus the content hash of every source it links to or quotes: whatever
    it shows of a source (mentions, sentences, highlighted passages, titles) is made
    from that source's text and metadata and the names in the site stamp. In a
    session (``kept`` given) a page whose parts are the very same objects as in the
    previous build keeps its fingerprint without hashing anything, and so does, without
    even looking at its parts, a page the plan did not find touched (``plan``) since
    the build these fingerprints were last made in.
    """

    def __init__(
        self,
        site: Site,
        renderer: Renderer,
        stamp: str,
        kept: dict[str, Any] | None = None,
        plan: Related | None = None,
    ) -> None:
        self.site = site
        self.renderer = renderer
        self.stamp = stamp
        self.kept = kept if kept is not None else {}
        if self.kept.get("stamp") != stamp or self.kept.get("token") is not site.sheets_token:
            self.kept.clear()
        self.touched = None
        if plan is not None and plan.since is not None and self.kept.get("plan") is plan.since:
            self.touched = plan.touched
        self.kept.update(stamp=stamp, token=site.sheets_token, plan=None)
        self.generation = plan.generation if plan is not None else None
        # In a session, a listing page whose parts changed gets a fingerprint that names
        # this build rather than one hashed from its parts (tens of thousands of ids): it
        # is rendered either way, and the next build reuses it while the parts are equal.
        # Never equal to a content hash, so a later one-off build renders the page again.
        self.build_token: str | None = None
        if plan is not None and plan.remember:
            nonce = self.kept.setdefault("nonce", secrets.token_hex(8))
            self.kept["builds"] = self.kept.get("builds", 0) + 1
            self.build_token = f"session {nonce} build {self.kept['builds']}"
        self.before: dict[str, tuple[Any, str]] = self.kept.get("pages", {})
        self.now: dict[str, tuple[Any, str]] = {}
        self.sheet_parts: dict[tuple[str, str], str] = self.kept.setdefault("sheet_parts", {})
        self.listed_before: dict[str, tuple[Any, Any]] = self.kept.get("listed", {})
        self.listed_now: dict[str, tuple[Any, Any]] = {}
        self.parts_before: dict[tuple[str, str], tuple[Any, ...]] = self.kept.get("parts", {})
        self.parts_now: dict[tuple[str, str], tuple[Any, ...]] = {}
        self.records = {
            k: site.kind(k) for k in ("meetings", "people", "countries", "organizations")
        }
        # What each record's page quotes is decided by the sheets: the plan has it.
        self.quoted = plan.by_sheets["quoted"] if plan is not None else quoted_sources(site)
        self._plan = plan

    @functools.cached_property
    def credited(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """The sources that credit each record outside their text (an outlet's page lists
        what it published, a person's the posts they signed); made only when a record's
        page is looked at."""
        if self._plan is not None:
            return self._plan.credited
        return credited(self.site, credit_names(self.site))

    def done(self) -> None:
        """Keep this build's fingerprints for the next build of the session."""
        self.kept["pages"] = self.now
        self.kept["listed"] = self.listed_now
        self.kept["parts"] = self.parts_now
        self.kept["plan"] = self.generation

    def alone(self, page: Page) -> str | None:
        """:meth:`of`, keeping nothing for a next build: on a worker, where whatever it
        kept would only grow with every page it renders."""
        fp = self.of(page)
        self.now.clear()
        self.listed_now.clear()
        self.parts_now.clear()
        return fp

    def of(self, page: Page) -> str | None:
        """The page's fingerprint; None: it has none and is always rendered."""
        kind = ENTITY_KINDS.get(page.kind)
        if kind is not None and self.touched is not None:
            key = (kind, page.context["slug"])
            hit = self.before.get(page.output)
            if hit is not None and key not in self.touched:
                self.now[page.output] = hit
                parts = self.parts_before.get(key)
                if parts is not None:
                    self.parts_now[key] = parts
                return hit[1]
        parts = self._parts(page)
        if parts is None:
            return None
        hit = self.before.get(page.output)
        # Equality short-cuts on identical objects, which unchanged parts are.
        if hit is not None and hit[0] == parts:
            fp = hit[1]
        elif self.build_token is not None and page.kind in SITE_WIDE:
            fp = key_of(self.stamp, page.output, self.build_token)
        else:
            fp = key_of(self.stamp, _dump(parts))
        self.now[page.output] = (parts, fp)
        return fp

    def _parts(self, page: Page) -> tuple[Any, ...] | None:
        if page.kind in SITE_WIDE:
            return self._site_wide(page)
        kind = ENTITY_KINDS.get(page.kind)
        slug = page.context.get("slug")
        if kind is None or slug is None:
            return None
        site = self.site
        if kind == "sources":
            source = site.sources[slug]
            uses = tuple(
                (u.owner_kind, u.owner_slug, u.loc, u.quote, u.speaker, u.anchor)
                for u in self.renderer.by_source.get(slug, ())
            )
            return (page.url, page.template, page.title, source.digest, uses,
                    page.context.get("cited_by"))  # fmt: skip
        mentioned = site.mentioned.get((kind, slug), ())
        record = self.records[kind][slug]
        quoted = self.quoted.get((kind, slug), frozenset())
        credits = [sid for sid, _ in self.credited.get((kind, slug), ())]
        others = tuple(site.sources.get(s) for s in (*sorted(quoted), *credits))
        # The same mentions tuple means no source that names the record changed (the
        # model gives a new tuple to every record a changed source names or named).
        hit = self.parts_before.get((kind, slug))
        if (
            hit is not None
            and hit[0] is mentioned
            and hit[1] is record
            and len(hit[2]) == len(others)
            and all(a is b for a, b in zip(hit[2], others, strict=True))
        ):
            self.parts_now[(kind, slug)] = hit
            return hit[3]
        linked = quoted | set(sources_naming(site, kind, slug)) | set(credits)
        sources = tuple((s, site.sources[s].digest) for s in sorted(linked) if s in site.sources)
        parts = (self._sheet_part(page, kind, slug), sources)
        self.parts_now[(kind, slug)] = (mentioned, record, others, parts)
        return parts

    def _sheet_part(self, page: Page, kind: str, slug: str) -> str:
        """A hash of what the fact sheets decide about one record's page, once per generation."""
        done = self.sheet_parts.get((kind, slug))
        if done is not None:
            return done
        site = self.site
        record = self.records[kind][slug]
        context = {k: v for k, v in page.context.items() if k not in _FROM_SOURCES}
        extra: list[Any] = [record.sheet]
        if kind == "people":
            extra.append(site.attendance.get(slug, ()))
        if kind == "meetings":
            extra.append(site.followed_by.get(slug, ()))
        done = key_of(_dump((page.url, page.template, page.title, context, *extra)))
        self.sheet_parts[(kind, slug)] = done
        return done

    def _listing(self, sid: str) -> Any:
        """What an index shows of a source, the same object while the source is."""
        source = self.site.sources[sid]
        hit = self.listed_before.get(sid)
        if hit is None or hit[0] is not source:
            t, o, p = source.title, source.outlet, source.published
            hit = (source, (sid, t.value, t.basis, o.value, p.value))
        self.listed_now[sid] = hit
        return hit[1]

    def _titles(self, ids: Iterable[str]) -> list[tuple[str, Any]]:
        site = self.site
        return [(s, site.sources[s].title.value) for s in sorted(set(ids)) if s in site.sources]

    def _site_wide(self, page: Page) -> tuple[Any, ...]:
        """What an index, the home page, the timeline, the graph or the disagreements page reads."""
        site = self.site
        shared: tuple[Any, ...] = (page.url, page.template, page.title, page.context)
        if page.kind == "home":
            counts = tuple(len(site.kind(k)) for k in ("people", "countries", "organizations"))
            return (*shared, counts, len(site.sources))
        if page.kind == "index" and page.context.get("of") == "sources":
            return (*shared, [self._listing(s) for s in site.sources])
        if page.kind == "timeline":
            anchors = [
                (u.source, u.quote, u.anchor) for u in site.citations if u.owner_kind == "meetings"
            ]
            # The timeline shows each meeting's hosts, participants, places and dates.
            sheets = [r.sheet for r in site.meetings.values()]
            return (*shared, anchors, self._titles(a[0] for a in anchors), sheets)
        if page.kind == "discrepancies":
            disputed = [u for u in site.citations if u.loc[:1] == ("disagreements",)]
            ids = [u.source for u in disputed]
            ids += [
                s
                for _slug, spellings in page.context.get("variants", [])
                for _t, srcs in spellings
                for s in srcs
            ]
            anchors = [(u.source, u.quote, u.anchor) for u in disputed]
            return (*shared, anchors, self._titles(ids))
        return shared


def stat_of(path: Path | str) -> Stat | None:
    try:
        return stat_key(os.stat(path))
    except OSError:
        return None
