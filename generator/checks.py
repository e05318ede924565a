"""Stage 3, *checks*: whole-site rules that no single fact sheet can check alone.

Every id must name an existing record of the right kind, every quote must be in
its source, and every fact should carry a citation. Problems are collected, and
the caller fails once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel

from generator.citations import closest_passage, why_not_found
from generator.mentions import normalise_name
from generator.model import Loc, Site
from generator.problems import Problem, Severity, did_you_mean
from generator.schema import (
    Alias,
    Citation,
    DateFact,
    Fact,
    Outcome,
    Participation,
    PlaceFact,
    Position,
    Side,
    Statement,
)
from generator.yamlstrict import dotted

# Which kinds of record a field that holds an id may point to.
REFERENCE_FIELDS: dict[str, tuple[str, ...]] = {
    "person": ("people",),
    "speaker": ("people",),
    "organization": ("organizations",),
    "country": ("countries",),
    "of": ("countries", "organizations"),
    "member_of": ("organizations",),
    "members": ("countries",),
    "part_of": ("meetings",),
    "follows": ("meetings",),
    "source": ("sources",),
    "sources": ("sources",),
}


def walk_references(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, str, str]]:
    """Every (key path, field name, id) inside a validated sheet."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name)
            if name in REFERENCE_FIELDS:
                if isinstance(item, str):
                    yield (*loc, name), name, item
                elif isinstance(item, list):
                    for i, ref in enumerate(item):
                        if isinstance(ref, str):
                            yield (*loc, name, i), name, ref
                continue
            yield from walk_references(item, (*loc, name))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk_references(item, (*loc, i))


def check_references(site: Site, kept: dict[str, Any] | None = None) -> list[Problem]:
    """Every id in a fact sheet names an existing record (or source) of the right kind.

    ``kept``: a dict kept between the builds of one session. A sheet is walked again
    only when it is a new object, the other ids are checked again only when a sheet
    changes, and the ids of sources only when the sources change.
    """
    kept = kept if kept is not None else {}
    if not _same_sheets(site, kept):
        entries = _sheet_references(site, kept)
        kept.update(token=site.sheets_token, broken=site.broken, entries=entries, sources=None)
        kept["fixed"] = [e for e in entries if isinstance(e, Problem)]
        kept["ids"] = {e[3] for e in entries if not isinstance(e, Problem)}
    # Adding an article to a sound site: every source named is there, nothing to look up.
    if kept["ids"] <= site.sources.keys():
        return kept["fixed"]
    sources = frozenset(site.sources)
    if kept["sources"] != sources:
        kept.update(sources=sources, problems=_with_sources(site, kept["entries"]))
    return kept["problems"]


_SourceRef = tuple[Any, Loc, str, str]
"""(record, key path, field, id) of a reference to a source, checked once the sources are known."""


def _sheet_references(site: Site, kept: dict[str, Any]) -> list[Problem | _SourceRef]:
    """The reference problems that the fact sheets decide, in order, with each reference
    to a source in its place; the walk of each sheet is kept while it is the same object."""
    ids = _ids(site)
    before: dict[tuple[str, str], tuple[Any, list[Any]]] = kept.get("walks", {})
    walks = {}
    entries: list[Problem | _SourceRef] = []
    for kind in ("meetings", "people", "countries", "organizations"):
        for slug, record in site.kind(kind).items():
            hit = before.get((kind, slug))
            if hit is None or hit[0] is not record:
                hit = (record, list(walk_references(record.sheet)))
            walks[(kind, slug)] = hit
            for loc, name, ref in hit[1]:
                if "sources" in REFERENCE_FIELDS[name]:
                    entries.append((record, loc, name, ref))
                elif problem := _unknown_reference(site, ids, record, loc, name, ref):
                    entries.append(problem)
            if kind == "meetings":
                entries.extend(_check_meeting_links(site, record))
    kept["walks"] = walks
    return entries


def _with_sources(site: Site, entries: list[Problem | _SourceRef]) -> list[Problem]:
    """The problems of ``entries``, each reference to a source checked against the sources."""
    ids = _ids(site)
    problems = []
    for entry in entries:
        problem = entry if isinstance(entry, Problem) else _unknown_reference(site, ids, *entry)
        if problem is not None:
            problems.append(problem)
    return problems


def _ids(site: Site) -> dict[str, dict[str, Any]]:
    return {
        "people": site.people,
        "countries": site.countries,
        "organizations": site.organizations,
        "meetings": site.meetings,
        "sources": site.sources,
    }


def _unknown_reference(
    site: Site, ids: dict[str, dict[str, Any]], record: Any, loc: Loc, name: str, ref: str
) -> Problem | None:
    targets = REFERENCE_FIELDS[name]
    if any(ref in ids[t] for t in targets):
        return None
    if any((t, ref) in site.broken for t in targets):
        return None  # the sheet exists; its own problems are reported against it
    known = set().union(*(ids[t] for t in targets))
    line, col = record.where(loc)
    what = " or ".join(t.rstrip("s") if t != "people" else "person" for t in targets)
    what = what.replace("countrie", "country")
    return Problem(
        record.path, line, col, name, f"unknown {what} id {ref!r}.", did_you_mean(ref, known)
    )


def _same_sheets(site: Site, kept: dict[str, Any]) -> bool:
    """Whether ``kept`` was filled from these very fact sheets (a session's sheets token)."""
    token = site.sheets_token
    return token is not None and kept.get("token") is token and kept.get("broken") == site.broken


def _check_meeting_links(site: Site, record: Any) -> list[Problem]:
    sheet = record.sheet
    problems = []
    for name in ("part_of", "follows"):
        if getattr(sheet, name) == record.slug:
            line, col = record.where((name,))
            problems.append(
                Problem(record.path, line, col, name, "a meeting cannot refer to itself")
            )
    return problems


def check_cycles(site: Site) -> list[Problem]:
    """A meeting part of itself through others (m1 part of m2, part of m1), a chain of
    legs that comes back to its start, an organisation member of itself through others:
    each cycle once, at the first of its records by slug."""
    problems = []
    graphs = [
        (
            "meetings",
            "part_of",
            {s: [r.sheet.part_of] for s, r in site.meetings.items() if r.sheet.part_of},
        ),
        (
            "meetings",
            "follows",
            {s: [r.sheet.follows] for s, r in site.meetings.items() if r.sheet.follows},
        ),
        (
            "organizations",
            "member_of",
            {s: list(r.sheet.member_of) for s, r in site.organizations.items()},
        ),
    ]
    for kind, name, edges in graphs:
        for cycle in _cycles(edges):
            if len(cycle) == 1 and kind == "meetings":
                continue  # "cannot refer to itself", from _check_meeting_links
            record = site.kind(kind)[cycle[0]]
            value = getattr(record.sheet, name)  # one id (part_of, follows) or a list of them
            loc: tuple[Any, ...] = (name,)
            if not isinstance(value, str):
                loc = (name, list(value).index(cycle[1 % len(cycle)]))
            line, col = record.where(loc)
            path = " → ".join([*cycle, cycle[0]])
            problems.append(Problem(record.path, line, col, dotted(loc), f"a cycle: {path}"))
    return problems


def _cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle of the graph once, starting at its smallest node, in order of it."""
    found: dict[str, list[str]] = {}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(edges):
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            targets = sorted(edges.get(node, ()))
            if i < len(targets):
                stack.append((node, i + 1))
                nxt = targets[i]
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt) :]
                    first = cycle.index(min(cycle))
                    cycle = cycle[first:] + cycle[:first]
                    found.setdefault(">".join(cycle), cycle)
                elif not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
    return [found[k] for k in sorted(found)]


def _file_text(site: Site, path: str) -> str:
    """A seed file's text as it is, for what an error about it says ("" if unreadable)."""
    try:
        return (site.root / path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def check_citations(site: Site) -> list[Problem]:
    problems = []
    for use in site.citations:
        if use.again:
            field = dotted((*use.loc, "quote"))
            message = (
                f"found more than once in source {use.source}, and the footnote can point at "
                "the first only; quote enough words to tell the passage"
            )
            problems.append(
                Problem(use.path, use.line, use.col, field, message, severity=Severity.WARNING)
            )
        source = site.sources.get(use.source)
        if source is None or use.location is not None:
            continue  # unknown sources are reported by check_references
        field = dotted((*use.loc, "quote"))  # the line and column are the quote's too
        message = f"not found in source {use.source}"
        why = why_not_found(source.article, use.quote, _file_text(site, source.path))
        closest = "" if why else closest_passage(source.article, use.quote)
        if why:
            message += f"; {why}"
        elif closest:
            message += f'; closest passage: "{closest}"'
        problems.append(Problem(use.path, use.line, use.col, field, message))
    return problems


@dataclass(frozen=True)
class Coverage:
    """How much of the content is backed by sources."""

    facts: int
    cited: int
    citations: int
    verified: int
    sources_cited: int
    sources: int
    uncited: tuple[Problem, ...]

    def lines(self) -> list[str]:
        return [
            f"facts: {self.facts}, cited: {self.cited}, uncited: {self.facts - self.cited}",
            f"citations: {self.citations}, verified: {self.verified}",
            f"sources cited: {self.sources_cited} of {self.sources}",
        ]


def _label(loc: Loc, fact: Fact) -> str:
    if isinstance(fact, Participation):
        who = fact.person or fact.organization or fact.country
        return f"{'.'.join(map(str, loc))} ({who})"
    return ".".join(map(str, loc))


def walk_facts(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Fact]]:
    """Every fact that can carry citations (dates, places, positions, participations...)."""
    if isinstance(value, DateFact | PlaceFact | Position | Participation | Outcome | Side):
        yield loc, value
    if isinstance(value, BaseModel) and not isinstance(value, Citation | Statement | Alias):
        for name in type(value).model_fields:
            yield from walk_facts(getattr(value, name), (*loc, name))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk_facts(item, (*loc, i))


def coverage(site: Site) -> Coverage:
    facts = cited = 0
    uncited: list[Problem] = []
    for kind in ("meetings", "people", "countries", "organizations"):
        for record in site.kind(kind).values():
            for loc, fact in walk_facts(record.sheet):
                facts += 1
                if fact.cite:
                    cited += 1
                else:
                    line, col = record.where(loc)
                    uncited.append(
                        Problem(
                            record.path,
                            line,
                            col,
                            _label(loc, fact),
                            "fact has no citation",
                            severity=Severity.WARNING,
                        )
                    )
            if kind == "meetings":
                facts += len(record.sheet.statements)
                cited += len(record.sheet.statements)
    return Coverage(facts=facts, cited=cited, uncited=tuple(uncited), **_verified(site))


def _verified(site: Site) -> dict[str, int]:
    """The coverage figures that depend on the sources as well as the sheets."""
    verified = [c for c in site.citations if c.location is not None]
    return {
        "citations": len(site.citations),
        "verified": len(verified),
        "sources_cited": len({c.source for c in verified}),
        "sources": len(site.sources),
    }


def check_shared_names(site: Site) -> list[Problem]:
    """Warn when two records of one kind answer to the same name: mentions of it would go
    to one of them only (a copy made by ``dossier new --from``, say)."""
    problems = []
    for kind in ("people", "countries", "organizations"):
        owner: dict[str, str] = {}
        for slug, record in sorted(site.kind(kind).items()):
            sheet = record.sheet
            names = [("name", sheet.name)] + [
                (f"aliases.{i}", a.name) for i, a in enumerate(sheet.aliases)
            ]
            for loc, name in names:
                key = normalise_name(name)
                if not key:
                    continue
                first = owner.setdefault(key, slug)
                if first != slug:
                    line, col = record.where(
                        tuple(int(p) if p.isdigit() else p for p in loc.split("."))
                    )
                    problems.append(
                        Problem(
                            record.path,
                            line,
                            col,
                            loc,
                            f"{name!r} is also a name of {site.kind(kind)[first].path}; "
                            "mentions of it cannot tell the two apart",
                            severity=Severity.WARNING,
                        )
                    )
    return problems


def check_site(site: Site, kept: dict[str, Any] | None = None) -> tuple[list[Problem], Coverage]:
    """All whole-site problems, and the coverage figures for the report.

    ``kept``: a dict kept between the builds of one session; what only the fact sheets
    (and the list of sources) decide is checked again only when they change.
    """
    kept = kept if kept is not None else {}
    sheets = kept.setdefault("sheets", {})
    if not _same_sheets(site, sheets):
        sheets.update(token=site.sheets_token, broken=site.broken)
        sheets["shared"] = check_shared_names(site) + check_cycles(site)
        sheets["coverage"] = coverage(site)
    # References may name sources: check_references keeps what the sources do not decide.
    references = check_references(site, kept.setdefault("references", {}))
    cov = replace(sheets["coverage"], **_verified(site))
    problems = references + check_citations(site) + sheets["shared"]
    problems.extend(cov.uncited)
    return problems, cov
