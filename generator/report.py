"""What a source brings: its parsed fields, the known entities it mentions, the pages it
affects, and the names in it that no fact sheet covers yet (``dossier add``, ``dossier
suggest``).

The report is made from the model stage alone, so problems in *other* files (a bad
fact sheet, a quote not found) never hide what a new article says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.article import Field, RelativeDate, weekday_dates
from generator.mentions import UnknownName
from generator.model import Site, Source
from generator.problems import DossierError, Problem, UnknownIds, did_you_mean

FIELDS = ("title", "outlet", "published", "byline", "dateline_place", "dateline_date")


def load_model(root: Path) -> Site:
    """The Site of the project (load and model stages); raise only if there is none."""
    from generator.load import load_site
    from generator.model import build_model

    site, problems = build_model(load_site(root))
    if site is None:
        raise DossierError(
            [p for p in problems if p.is_error]
            or [Problem("site.yaml", message="no valid site.yaml")]
        )
    return site


def check_ids(site: Site, ids: Sequence[str]) -> list[str]:
    """The ids asked for (all sources when none), each known; raise naming the unknown."""
    bad = [
        Problem(i, message="no such source in seeds/", hint=did_you_mean(i, site.sources))
        for i in ids
        if i not in site.sources
    ]
    if bad:
        raise UnknownIds(bad)
    return list(dict.fromkeys(ids)) if ids else sorted(site.sources)


@dataclass(frozen=True)
class EntityRef:
    kind: str
    slug: str
    name: str
    spellings: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class SourceReport:
    id: str
    path: str
    fields: dict[str, Field[Any]]
    relative_dates: tuple[RelativeDate, ...]
    notes: tuple[str, ...]
    entities: tuple[EntityRef, ...]
    pages: tuple[str, ...]
    unknown: tuple[UnknownName, ...]
    uncovered: tuple[dict[str, str], ...] = ()
    """The unknown names as :func:`suggestions` gives them, with the next step for each."""


def relative_dates(source: Source) -> tuple[RelativeDate, ...]:
    """Weekdays in the source, dated against the curated publication date if the text has none."""
    a = source.article
    if a.published.value is None and source.published.value is not None:
        return weekday_dates(a, source.published)
    return a.relative_dates


def _fields(source: Source) -> dict[str, Field[Any]]:
    a = source.article
    return {
        "title": source.title,
        "outlet": source.outlet,
        "published": source.published,
        "byline": source.byline,
        "dateline_place": a.dateline_place,
        "dateline_date": a.dateline_date,
    }


def _name(site: Site, kind: str, slug: str) -> str:
    sheet = site.kind(kind)[slug].sheet
    return str(sheet.title if kind == "meetings" else sheet.name)


def _spelling(text: str) -> str:
    return " ".join(text.split()).casefold()


def variant_people(site: Site, source_id: str) -> list[str]:
    """People this source names in full who are spelled more than one way across the
    sources: the discrepancies page lists their spellings and the sources of each."""
    out: list[str] = []
    for m in site.mentions.get(source_id, ()):
        if m.kind != "people" or m.form == "surname" or m.slug in out:
            continue
        spellings = {
            _spelling(ref.mention.text)
            for ref in site.mentioned.get((m.kind, m.slug), ())
            if ref.mention.form != "surname"
        }
        if len(spellings) > 1:
            out.append(m.slug)
    return out


def source_report(site: Site, source_id: str) -> SourceReport:
    from generator.plan import entity_url

    source = site.sources[source_id]
    counts: dict[tuple[str, str], list[str]] = {}
    for m in site.mentions.get(source_id, ()):
        counts.setdefault((m.kind, m.slug), []).append(m.text)
    entities = tuple(
        EntityRef(kind, slug, _name(site, kind, slug), tuple(dict.fromkeys(texts)), len(texts))
        for (kind, slug), texts in sorted(counts.items())
    )
    pages = [entity_url("sources", source_id), "sources/", ""]
    pages += [entity_url(e.kind, e.slug) for e in entities]
    if variant_people(site, source_id):
        pages.append("discrepancies/")
    unknown = tuple(u for sid, u in site.unknown_names if sid == source_id)
    return SourceReport(
        source_id,
        source.path,
        _fields(source),
        relative_dates(source),
        source.article.notes,
        entities,
        tuple(sorted(set(pages), key=lambda u: (u != "", u))),
        unknown,
        tuple(_row(site, source_id, u, unknown) for u in unknown),
    )


def suggestions(site: Site, ids: Sequence[str]) -> list[dict[str, str]]:
    """Uncovered names of the given sources (all when empty), as plain records."""
    wanted = check_ids(site, ids)
    order = {sid: i for i, sid in enumerate(wanted)}
    per_source: dict[str, list[UnknownName]] = {}
    for sid, u in site.unknown_names:
        if sid in order:
            per_source.setdefault(sid, []).append(u)  # in reading order within a source
    return [
        _row(site, sid, u, found)
        for sid, found in sorted(per_source.items(), key=lambda kv: order[kv[0]])
        for u in found
    ]


def _row(site: Site, source_id: str, u: UnknownName, here: Sequence[UnknownName]) -> dict[str, str]:
    """One uncovered name as a plain record; ``here``: its source's uncovered names."""
    from generator.prefill import next_step  # which reads the model with this module

    return {
        "name": u.name,
        "kind": u.kind,
        "context": u.context,
        "source": source_id,
        "sentence": u.sentence,
        "block": u.block,
        # The command that writes a sheet for it, or the sheet that covers it already.
        "next": next_step(site, u.kind, u.name, source_id, here),
    }


# --------------------------------------------------------------------------
# Text output
# --------------------------------------------------------------------------


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def format_field(name: str, f: Field[Any]) -> str:
    note = f"; {f.note}" if f.note else ""
    return f"  {name}: {_value(f.value)} ({f.basis}{note})"


def format_unknown(row: dict[str, str], path: str = "") -> str:
    """Two lines: where the name is, and the command that writes a sheet for it."""
    context = f" ({row['context']})" if row["context"] else ""
    where = f"{path or row['source']}: {row['block']}"
    return (
        f'  {where}: {row["kind"]} "{row["name"]}"{context}: "{row["sentence"]}"\n    {row["next"]}'
    )


def format_report(report: SourceReport) -> list[str]:
    lines = [f"{report.id} ({report.path})", " parsed fields:"]
    lines += [format_field(name, report.fields[name]) for name in FIELDS]
    for r in report.relative_dates:
        lines.append(
            f"  weekday {r.paragraph}: {r.text!r} -> {_value(r.date.value)} "
            f"({r.date.basis}; {r.date.note})"
        )
    lines += [f"  note: {n}" for n in report.notes]
    lines.append(f" mentions {len(report.entities)} known entities:")
    for e in report.entities:
        spelled = ", ".join(f'"{s}"' for s in e.spellings)
        lines.append(f"  {e.kind}/{e.slug}: {e.name} ({e.count}x as {spelled})")
    lines.append(f" affects {len(report.pages)} pages:")
    lines += [f"  /{url}" for url in report.pages]
    lines.append(f" names not covered by any fact sheet: {len(report.unknown)}")
    lines += [format_unknown(row) for row in report.uncovered]
    return lines
