"""Stage 4, *plan*: decide every page before anything is rendered.

A page is its URL, the template that renders it, and the context it needs.
Collisions between output paths (including ones that differ only by case or
Unicode normalisation, which clash on macOS and Windows) are caught here, so a
bad slug fails the build before a single file is written.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from generator.graph import build_graph
from generator.mentions import blocks_of
from generator.model import Site, Source, sentence_at, sentence_block, sentence_of, sources_naming
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
# How a date that is only bounded or approximate reads before its day.
DATE_BOUNDS = {"before": "on or before ", "after": "on or after ", "about": "about "}
# What a page calls one record of each kind, in the site's spelling (KIND_SINGULAR is
# also the page kind and the template's name).
KIND_NOUN = {**KIND_SINGULAR, "organizations": "organisation"}


@dataclass(frozen=True)
class Page:
    """One output file. ``url`` is site-relative: ``""``, ``"people/"``, ``"404.html"``."""

    url: str
    template: str
    title: str
    kind: str
    context: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    origin: str = ""
    output: str = field(init=False, repr=False, compare=False)
    """The file the page is written to, relative to the site: ``people/x/index.html``."""

    def __post_init__(self) -> None:
        # Asked for many times per page per build: worked out once.
        url = self.url
        object.__setattr__(
            self, "output", url + "index.html" if url == "" or url.endswith("/") else url
        )


def entity_url(kind: str, slug: str) -> str:
    return f"{kind}/{slug}/"


def fold_name(name: str) -> str:
    """A name as it is looked up among the fact sheets' names: casefolded, spaces collapsed."""
    return " ".join(name.casefold().split())


class CreditNames(NamedTuple):
    """Records by each of their names (``fold_name``), for what a source credits outside
    its text: its outlet (organisations) and the signatures of its embedded posts (people).
    A name two records share belongs to neither."""

    outlets: dict[str, str]
    authors: dict[str, str]


def _unique(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for name, slug in pairs:
        if name.strip():
            found.setdefault(fold_name(name), set()).add(slug)
    return {name: next(iter(s)) for name, s in found.items() if len(s) == 1}


def credit_names(site: Site) -> CreditNames:
    orgs = site.organizations.items()
    people = site.people.items()
    return CreditNames(
        _unique(
            (name, slug)
            for slug, r in orgs
            for name in (r.sheet.name, r.sheet.short, *(a.name for a in r.sheet.aliases))
        ),
        _unique(
            (name, slug)
            for slug, r in people
            for name in (r.sheet.name, *(a.name for a in r.sheet.aliases))
        ),
    )


def post_author(signature: str, authors: dict[str, str]) -> str | None:
    """The person who signed a post: the longest run of the signature's words that is
    one person's name ("Shen Shiwei 沈诗伟"). A single word counts only as the whole
    signature, so a surname in a signature ("Lavrov fans") is no one's."""
    words = fold_name(signature).split()
    whole = authors.get(" ".join(words))
    if whole is not None or len(words) < 3:
        return whole
    for size in range(len(words) - 1, 1, -1):
        for i in range(len(words) - size + 1):
            hit = authors.get(" ".join(words[i : i + size]))
            if hit is not None:
                return hit
    return None


def credits_of(source: Source, names: CreditNames) -> list[tuple[str, str, str]]:
    """(kind, slug, anchor) of each record ``source`` credits outside its text: the
    organisation that is its outlet (anchor ""), the people who signed its posts
    (anchor: the post's id)."""
    out = []
    outlet = source.outlet.value
    org = names.outlets.get(fold_name(outlet)) if outlet else None
    if org is not None:
        out.append(("organizations", org, ""))
    if names.authors:
        for block in source.article.posts:
            if block.author:
                person = post_author(block.author, names.authors)
                if person is not None:
                    out.append(("people", person, block.id))
    return out


def credited(
    site: Site, names: CreditNames, kept: dict[str, Any] | None = None
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """For each record, the (source, anchor) of each credit to it (``credits_of``), in
    source order. ``kept``: a session's memo of each source's credits, reused while the
    source is the very same object."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    if not names.outlets and not names.authors:
        return out
    before = kept if kept is not None else {}
    now: dict[str, tuple[Any, list[tuple[str, str, str]]]] = {}
    for sid in sorted(site.sources):
        source = site.sources[sid]
        hit = before.get(sid)
        if hit is None or hit[0] is not source:
            hit = (source, credits_of(source, names))
        now[sid] = hit
        for kind, slug, anchor in hit[1]:
            out.setdefault((kind, slug), []).append((sid, anchor))
    if kept is not None:
        kept.clear()
        kept.update(now)
    return out


def _is_minister(record: Any) -> bool:
    return any("minister" in p.title.lower() for p in record.sheet.positions)


def person_order(site: Site) -> list[str]:
    """Ministers first, then everyone else; each group by name."""
    return sorted(
        site.people,
        key=lambda s: (not _is_minister(site.people[s]), site.people[s].sheet.name.casefold(), s),
    )


def person_groups(site: Site, people: list[str]) -> list[tuple[str, list[str]]]:
    """The people index's headed groups, in ``person_order``: ministers, then the others;
    one group with no heading when either is empty."""
    ministers = [p for p in people if _is_minister(site.people[p])]
    others = [p for p in people if not _is_minister(site.people[p])]
    if not ministers or not others:
        return [("", people)]
    return [("Ministers", ministers), ("Other people", others)]


def meeting_order(site: Site) -> list[str]:
    return sorted(site.meetings, key=lambda s: (site.meetings[s].sheet.date.value, s))


def plan_pages(
    site: Site, kept: dict[str, Any] | None = None, *, remember: bool = False
) -> tuple[list[Page], list[Problem], Related]:
    """Every page of the site, in a fixed order, any clash between their paths, and the
    cross-references (a page of one record gets the part of its context made from the
    mentions, :meth:`Related.from_sources`, only when it is rendered).

    ``kept``: a dict the caller keeps between the builds of one session; pages whose
    inputs are the very same objects as last time are reused from it, not recomputed.
    ``remember``: the builds are those of a session (see :class:`Related`).
    """
    related = Related(site, kept, remember=remember)
    pages = _plan(site, related)
    related.done()
    return pages, find_collisions(pages, related.kept.setdefault("folded", {})), related


def _plan(site: Site, related: Related) -> list[Page]:
    by_sheets = related.by_sheets
    pages: list[Page] = [
        Page("", "home.html", site.config.title, "home", {"page_meetings": related.meetings}),
        Page("404.html", "404.html", "Page not found", "404"),
        Page(
            "discrepancies/",
            "discrepancies.html",
            "Where sources disagree",
            "discrepancies",
            {"items": by_sheets["discrepancies"], "variants": related.variant_people()},
        ),
        Page(
            "timeline/", "timeline.html", "Timeline", "timeline", {"groups": by_sheets["timeline"]}
        ),
        Page("graph/", "graph.html", "Who met whom", "graph", {"graph": by_sheets["graph"]}),
        Page("search/", "search.html", "Search", "search"),
    ]
    orders = {
        "meetings": related.meetings,
        "people": related.people,
        "countries": by_sheets["countries"],
        "organizations": by_sheets["organizations"],
        "sources": sorted(site.sources),
    }
    for kind in KINDS:
        context: dict[str, Any] = {"of": kind, "slugs": orders[kind]}
        if kind == "people":
            context["groups"] = person_groups(site, orders[kind])
        pages.append(Page(f"{kind}/", "index.html", KIND_TITLES[kind], "index", context))
        for slug in orders[kind]:
            pages.append(related.page(kind, slug))
    return pages


@dataclass(frozen=True)
class TimelineGroup:
    """Meetings next to each other in time that belong together: one leg of a tour, or one event."""

    anchor: str
    label: str
    part_of: str | None
    meetings: tuple[str, ...]


def date_is_derived(date: Any) -> bool:
    """A date no source states as such: worked out, or only bounded or approximate."""
    return bool(date is not None and (date.basis != "stated" or date.qualifier != "on"))


def timeline(site: Site) -> list[TimelineGroup]:
    """Every meeting in date order; consecutive meetings of one leg (or one series) grouped."""
    groups: list[tuple[tuple[str, ...], list[str]]] = []
    for slug in meeting_order(site):
        m = site.meetings[slug].sheet
        if m.leg:
            key: tuple[str, ...] = ("leg", m.part_of or "", m.leg)
        elif m.part_of:
            key = ("part", m.part_of)
        else:
            key = ("one", slug)
        if groups and groups[-1][0] == key and key[0] != "one":
            groups[-1][1].append(slug)
        else:
            groups.append((key, [slug]))
    out = []
    used: dict[str, int] = {}
    for key, slugs in groups:
        first = site.meetings[slugs[0]].sheet
        if key[0] == "leg":
            label, part_of = f"{first.leg} leg", first.part_of
        elif key[0] == "part":
            label, part_of = "", first.part_of
        else:
            label, part_of = "", None
        base = "t-" + slugs[0]
        used[base] = used.get(base, 0) + 1
        anchor = base if used[base] == 1 else f"{base}-{used[base]}"
        out.append(TimelineGroup(anchor, label, part_of, tuple(slugs)))
    return out


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


class Passage(NamedTuple):
    """A sentence of a source that names an entity; ``words`` are shown emphasised.

    A named tuple: the entity pages of a large site hold hundreds of thousands.
    """

    source: str
    block: str
    sentence: str
    words: tuple[str, ...]


class Passages(list[Passage]):
    """The passages of one source that name one record, in reading order.

    ``html``: in a session, the list items made of them, per link to the source page
    (see render), kept with the passages for as long as they are reused.
    """

    __slots__ = ("html",)

    def __init__(self, items: Iterable[Passage] = ()) -> None:
        super().__init__(items)
        self.html: dict[str, str] = {}


def _bare(text: str) -> str:
    return " ".join(text.casefold().split())


class Related:
    """Every cross-reference the pages show, indexed once per build.

    A page's context is then a few dictionary look-ups, so planning stays linear
    in the size of the site rather than pages x records. In a session (``kept``
    given), what depends only on the fact sheets is kept while they are the same
    objects, and each page and each person's spellings are reused while what they
    are made from is identical (the mentions per entity keep their tuple when no
    changed article names the entity).
    """

    def __init__(
        self, site: Site, kept: dict[str, Any] | None = None, *, remember: bool = False
    ) -> None:
        self.site = site
        self.kept = kept if kept is not None else {}
        # Keep the passages of each page for the next build of a session (a one-off
        # build would only hold them all in memory to the end).
        self.remember = remember
        token = site.sheets_token
        if token is None or self.kept.get("token") is not token:
            self.kept.clear()
            self.kept.update(token=token, pages=dict(), variants=dict(), passages=dict())
            self.kept["by_sheets"] = self._from_sheets()
        self.passages_kept: dict[tuple[str, str], dict[str, Any]] = self.kept["passages"]
        self.by_sheets: dict[str, Any] = self.kept["by_sheets"]
        self.meetings: list[str] = self.by_sheets["meetings"]
        self.people: list[str] = self.by_sheets["people"]
        self.disputes = self.by_sheets["disputes"]
        self.pages_before: dict[tuple[str, str], tuple[tuple[Any, ...], Page]] = self.kept["pages"]
        self.pages_now: dict[tuple[str, str], tuple[tuple[Any, ...], Page]] = {}
        self.variants_before: dict[str, tuple[Any, list[Any]]] = self.kept["variants"]
        self.variants_now: dict[str, tuple[Any, list[Any]]] = {}
        self._variant_people: list[Any] | None = None
        self._people_in: dict[str, list[str]] = {}
        self._credited: dict[tuple[str, str], list[tuple[str, str]]] | None = None

        # Which build of the session this is, and which one ``touched`` is relative to.
        self.generation = object()
        self.since = self.kept.get("generation")
        self.touched = self._touched()
        self.meeting_cites: dict[str, list[Any]] = {}
        self.cited_by: dict[str, set[tuple[str, str]]] = {}
        for use in site.citations:
            if use.location is None:
                continue
            self.cited_by.setdefault(use.source, set()).add((use.owner_kind, use.owner_slug))
            if use.owner_kind == "meetings":
                self.meeting_cites.setdefault(use.owner_slug, []).append(use)

    def _touched(self) -> set[tuple[str, str]] | None:
        """The (kind, slug) of every record and source page whose inputs may differ from
        the previous build of the session; None: unknown, so every page is looked at.

        Within one generation of the fact sheets the records are the very same objects,
        so a page can only change through the sources: its own, the ones that name it
        (a changed source gives each record it names or named a new mentions tuple), the
        ones its citations, its meetings' citations or its aliases quote (a citation is a
        new object once its source is), and the ones cited from its source page.
        """
        site = self.site
        before = self.kept.get("inputs")
        if before is None:
            return None
        sources, mentioned, citations = before
        touched: set[tuple[str, str]] = set()
        changed = changed_keys(sources, site.sources)
        touched.update(("sources", s) for s in changed)
        touched.update(changed_keys(mentioned, site.mentioned))
        if citations is not site.citations:
            kept = {id(u) for u in site.citations} & {id(u) for u in citations}
            for use in (*citations, *site.citations):
                if id(use) not in kept:
                    touched.add((use.owner_kind, use.owner_slug))
                    touched.add(("sources", use.source))
                    changed.add(use.source)
        quoters = self.by_sheets["quoters"]
        names = self.by_sheets["credit_names"]
        for sid in changed:
            touched.update(quoters.get(sid, ()))
            # An outlet's page lists what it published, and a person's page the posts they
            # signed: the records the source credited before, and those it credits now.
            for source in (sources.get(sid), site.sources.get(sid)):
                if source is not None:
                    touched.update((kind, slug) for kind, slug, _ in credits_of(source, names))
        return touched

    @property
    def credited(self) -> dict[tuple[str, str], list[tuple[str, str]]]:
        """``credited()`` of this build's site, made once (in a session, from the
        credits of the sources that did not change)."""
        if self._credited is None:
            memo = self.kept.setdefault("credits", {}) if self.remember else None
            self._credited = credited(self.site, self.by_sheets["credit_names"], memo)
        return self._credited

    def _from_sheets(self) -> dict[str, Any]:
        """Orders and indexes that only the fact sheets decide."""
        site = self.site
        meetings = meeting_order(site)
        people = person_order(site)
        disputes: dict[tuple[str, str], list[DiscrepancyItem]] = {}
        items = discrepancies(site)
        for item in items:
            disputes.setdefault((item.kind, item.slug), []).append(item)
        country_people: dict[str, list[str]] = {}
        org_people: dict[str, list[str]] = {}
        for p in people:
            sheet = site.people[p].sheet
            countries = {sheet.country} | {pos.of for pos in sheet.positions}
            for target in sorted(c for c in countries if c):
                if target in site.countries:
                    country_people.setdefault(target, []).append(p)
                if target in site.organizations:
                    org_people.setdefault(target, []).append(p)
        country_meetings: dict[str, list[str]] = {}
        org_meetings: dict[str, list[str]] = {}
        for m in meetings:
            sheet = site.meetings[m].sheet
            parts = (*sheet.hosts, *sheet.participants)
            countries = {part.country for part in parts}
            if sheet.place:
                countries.add(sheet.place.country)
            for c in sorted(c for c in countries if c):
                country_meetings.setdefault(c, []).append(m)
            for o in sorted({part.organization for part in parts if part.organization}):
                org_meetings.setdefault(o, []).append(m)
        return {
            "meetings": meetings,
            "people": people,
            "countries": sorted(
                site.countries, key=lambda s: site.countries[s].sheet.name.casefold()
            ),
            "organizations": sorted(
                site.organizations, key=lambda s: site.organizations[s].sheet.name.casefold()
            ),
            "disputes": disputes,
            "discrepancies": items,
            "timeline": timeline(site),
            "graph": build_graph(site, meetings),
            "quoted": (quoted := quoted_sources(site)),
            "quoters": _quoters(quoted),
            "country_people": country_people,
            "org_people": org_people,
            "country_meetings": country_meetings,
            "org_meetings": org_meetings,
            "credit_names": credit_names(site),
        }

    def done(self) -> None:
        """Keep this build's pages and spellings for the next build of the session."""
        self.kept["pages"] = self.pages_now
        self.kept["variants"] = self.variants_now
        site = self.site
        self.kept["inputs"] = (site.sources, site.mentioned, site.citations)
        self.kept["generation"] = self.generation

    def page(self, kind: str, slug: str) -> Page:
        """The page of one record or source, reused if made from the same objects as before."""
        if self.touched is not None and (kind, slug) not in self.touched:
            kept = self.pages_before.get((kind, slug))
            if kept is not None:
                self.pages_now[(kind, slug)] = kept
                return kept[1]
        site = self.site
        if kind == "sources":
            source = site.sources[slug]
            cited_by = sorted(self.cited_by.get(slug, ()))
            deps: tuple[Any, ...] = (source, cited_by)
        else:
            record = site.kind(kind)[slug]
            deps = (record, site.mentioned.get((kind, slug), ()))
            if kind == "meetings":
                uses = self.meeting_cites.get(slug, [])
                deps += (tuple(uses), tuple(site.sources[u.source] for u in uses))
        hit = self.pages_before.get((kind, slug))
        if hit is not None and _same_objects(hit[0], deps):
            self.pages_now[(kind, slug)] = hit
            return hit[1]
        if kind == "sources":
            title = source.title.value or slug
            origin = source.path
        else:
            title = record.sheet.title if kind == "meetings" else record.sheet.name
            origin = record.path
        context = {"slug": slug, **self.context(kind, slug)}
        page = Page(entity_url(kind, slug), f"{KIND_SINGULAR[kind]}.html", title,
                    KIND_SINGULAR[kind], context, origin)  # fmt: skip
        self.pages_now[(kind, slug)] = (deps, page)
        return page

    def mentioned_in(self, kind: str, slug: str) -> list[tuple[str, Passages]]:
        """Per source (in id order), the sentences that mention the record or cite it.

        In a session, a source's passages are reused while the source, its mentions of
        the record and the record's citations of it are the same objects: an entity
        named in hundreds of sources is re-planned, and re-rendered, for the changed ones.
        """
        site = self.site
        refs: dict[str, list[Any]] = {}
        for ref in site.mentioned.get((kind, slug), ()):
            refs.setdefault(ref.source, []).append(ref)
        uses: dict[str, list[Any]] = {}
        for use in self.meeting_cites.get(slug, []) if kind == "meetings" else ():
            uses.setdefault(use.source, []).append(use)
        before = self.passages_kept.get((kind, slug), {})
        now: dict[str, tuple[tuple[Any, ...], Passages]] = {}
        out = []
        source_of = site.sources
        for sid in sorted(refs.keys() | uses.keys()) if uses else sorted(refs):
            deps = (source_of[sid], refs.get(sid, []), uses.get(sid, []))
            hit = before.get(sid) if before else None
            passages = hit[1] if hit is not None and _same_objects(hit[0], deps) else None
            if passages is None:
                passages = self._passages(sid, deps[1], deps[2])
            now[sid] = (deps, passages)
            out.append((sid, passages))
        if self.remember:
            self.passages_kept[(kind, slug)] = now
        return out

    def _passages(self, sid: str, refs: list[Any], uses: list[Any]) -> Passages:
        article = self.site.sources[sid].article
        if len(refs) == 1 and not uses:
            # Most sources name an entity once: one passage, one word.
            ref = refs[0]
            mention = ref.mention
            sentence = sentence_of(article, ref.sentence)
            return Passages((Passage(sid, mention.block, sentence, (mention.text,)),))
        grouped: dict[tuple[str, str], set[str]] = {}
        # Where a passage is first met: its block's place in the article (the title's is
        # -1), then its place in the block.
        at: dict[tuple[str, str], tuple[int, int]] = {}
        texts: dict[int, str] = {}  # each block decoded once (see block_text)
        for ref in refs:
            m = ref.mention
            key = (m.block, sentence_of(article, ref.sentence, texts))
            grouped.setdefault(key, set()).add(m.text)
            here = (sentence_block(ref.sentence) - 1, m.start)
            at[key] = min(at.get(key, here), here)
        if uses:
            blocks = dict(blocks_of(article))
            places = {bid: i for i, bid in enumerate(article.blocks.ids)}
            for use in uses:
                where = use.location
                text = blocks.get(where.block, "")
                key = (where.block, sentence_at(text, where.start, where.end))
                grouped.setdefault(key, set())
                here = (places.get(where.block, -1), where.start)
                at[key] = min(at.get(key, here), here)
        if len(grouped) == 1:
            (((block, sentence), words),) = grouped.items()
            return Passages((Passage(sid, block, sentence, _longest_first(words)),))
        # In reading order: by block, then by where in the block.
        return Passages(
            Passage(sid, block, sentence, _longest_first(words))
            for (block, sentence), words in sorted(
                grouped.items(), key=lambda kv: (at[kv[0]], kv[0][1])
            )
        )

    def _people_named(self, sid: str) -> list[str]:
        named = self._people_in.get(sid)
        if named is None:
            named = self._people_in[sid] = sorted(self.site.mentions[sid].slugs("people"))
        return named

    def appears_with(self, slug: str) -> list[tuple[str, int]]:
        """People named in the same sources as this person, most shared sources first."""
        counts: dict[str, int] = {}
        for sid in sources_naming(self.site, "people", slug):
            for other in self._people_named(sid):
                if other != slug:
                    counts[other] = counts.get(other, 0) + 1
        names = self.site.people
        return sorted(
            counts.items(), key=lambda kv: (-kv[1], names[kv[0]].sheet.name.casefold(), kv[0])
        )

    def name_variants(self, slug: str) -> list[tuple[str, str, list[str]]]:
        """(spelling, form, sources) for each way the sources write a person's name."""
        refs = self.site.mentioned.get(("people", slug))
        hit = self.variants_now.get(slug) or self.variants_before.get(slug)
        if hit is not None and hit[0] is refs:
            self.variants_now[slug] = hit
            return hit[1]
        spellings: dict[tuple[str, str], set[str]] = {}
        for sid, written, form in refs.written() if refs is not None else ():
            text = " ".join(written.split())
            spellings.setdefault((text, form), set()).add(sid)
        out = [(text, form, sorted(srcs)) for (text, form), srcs in sorted(spellings.items())]
        self.variants_now[slug] = (refs, out)
        return out

    def variant_people(self) -> list[tuple[str, list[tuple[str, list[str]]]]]:
        """People whose full name is spelled more than one way across the sources.

        A surname standing alone is not a different spelling, so it does not count.
        """
        if self._variant_people is None:
            out = []
            before = self.kept.get("full", {})
            now = self.kept["full"] = {}
            for slug in self.people:
                variants = self.name_variants(slug)
                hit = before.get(slug)
                if hit is None or hit[0] is not variants:
                    full = [(t, srcs) for t, form, srcs in variants if form != "surname"]
                    hit = (variants, full if len({_bare(t) for t, _ in full}) > 1 else None)
                now[slug] = hit
                if hit[1] is not None:
                    out.append((slug, hit[1]))
            self._variant_people = out
        return self._variant_people

    def spelled_differently(self, slug: str) -> bool:
        full = {_bare(t) for t, form, _ in self.name_variants(slug) if form != "surname"}
        return len(full) > 1

    def from_sources(self, kind: str, slug: str) -> dict[str, Any]:
        """The part of a page's context made from the mentions in sources.

        The costly part of planning a large site, so it is made only for the pages
        that are rendered; fingerprints cover it through the hashes of the sources.
        """
        out: dict[str, Any] = {}
        if kind != "sources":
            out["mentioned_in"] = self.mentioned_in(kind, slug)
        if kind == "people":
            out["appears_with"] = self.appears_with(slug)
            out["variants"] = self.name_variants(slug)
            out["spelled_differently"] = self.spelled_differently(slug)
            out["posts"] = self.credited.get((kind, slug), [])
        elif kind == "organizations":
            out["published"] = [sid for sid, _ in self.credited.get((kind, slug), ())]
        return out

    def context(self, kind: str, slug: str) -> dict[str, Any]:
        """Cross-references a page shows besides its own record and its mentions."""
        out: dict[str, Any] = {}
        if kind != "sources":
            out["disputes"] = self.disputes.get((kind, slug), [])
        if kind == "countries":
            out["country_people"] = self.by_sheets["country_people"].get(slug, [])
            out["country_meetings"] = self.by_sheets["country_meetings"].get(slug, [])
        elif kind == "organizations":
            out["org_people"] = self.by_sheets["org_people"].get(slug, [])
            out["org_meetings"] = self.by_sheets["org_meetings"].get(slug, [])
        elif kind == "sources":
            out["cited_by"] = sorted(self.cited_by.get(slug, ()))
        return out


def _longest_first(words: set[str]) -> tuple[str, ...]:
    if len(words) == 1:
        return tuple(words)
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def changed_keys(before: dict[Any, Any], now: dict[Any, Any]) -> set[Any]:
    """The keys whose values are not the very same objects (added and removed ones too)."""
    changed = {k for k, v in now.items() if before.get(k, _MISSING) is not v}
    # Each key of ``now`` that ``before`` lacks is in ``changed``: anything else missing
    # from ``now`` shows as a difference in the counts.
    if len(before) != len(now) - sum(1 for k in changed if k not in before):
        changed |= before.keys() - now.keys()
    return changed


_MISSING = object()


def quoted_sources(site: Site) -> dict[tuple[str, str], frozenset[str]]:
    """For each record, the sources its page quotes: through its own citations, those of
    the meetings a person attended, or the sources of its aliases (the sheets decide)."""
    cited: dict[tuple[str, str], set[str]] = {}
    for use in site.citations:
        cited.setdefault((use.owner_kind, use.owner_slug), set()).add(use.source)
    out: dict[tuple[str, str], frozenset[str]] = {}
    for kind in ("meetings", "people", "countries", "organizations"):
        for slug, record in site.kind(kind).items():
            quoted = set(cited.get((kind, slug), ()))
            if kind == "people":
                for a in site.attendance.get(slug, ()):
                    quoted |= cited.get(("meetings", a.meeting), set())
            quoted |= {s for alias in getattr(record.sheet, "aliases", ()) for s in alias.sources}
            out[(kind, slug)] = frozenset(quoted)
    return out


def _quoters(quoted: dict[tuple[str, str], frozenset[str]]) -> dict[str, set[tuple[str, str]]]:
    """For each source, the records whose pages quote it."""
    out: dict[str, set[tuple[str, str]]] = {}
    for key, sources in quoted.items():
        for sid in sources:
            out.setdefault(sid, set()).add(key)
    return out


def _same_objects(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """The very same objects, item by item (lists and tuples of them compared the same way)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if x is y:
            continue
        if isinstance(x, tuple | list) and isinstance(y, tuple | list):
            if len(x) != len(y) or any(
                p is not q and not (isinstance(p, str | tuple) and p == q)
                for p, q in zip(x, y, strict=True)
            ):
                return False
            continue
        return False
    return True


def _fold(path: str) -> str:
    return unicodedata.normalize("NFC", path).casefold()


def find_collisions(pages: list[Page], folded: dict[str, str] | None = None) -> list[Problem]:
    """Pages whose paths differ only by case or Unicode normalisation. ``folded``: each
    path's folded form, kept by a session (it is asked for every page on every build)."""
    folded = folded if folded is not None else {}
    seen: dict[str, Page] = {}
    problems = []
    for page in pages:
        key = folded.get(page.output)
        if key is None:
            key = folded[page.output] = _fold(page.output)
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
