"""Scaffolding: new fact sheets and the JSON Schemas editors validate them with."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from generator.problems import DossierError, Problem
from generator.schema import (
    SLUG_RE,
    CountrySheet,
    MeetingSheet,
    OrganizationSheet,
    PersonSheet,
    SiteConfig,
    SourceMeta,
)
from generator.slugs import is_reserved, slugify

# kind on the command line -> (folder in content/, schema file name)
KINDS = {
    "meeting": ("meetings", "meeting"),
    "person": ("people", "person"),
    "country": ("countries", "country"),
    "organization": ("organizations", "organization"),
}


def schemas() -> dict[str, dict[str, object]]:
    """JSON Schema of every file kind, generated from the models that validate them."""
    out: dict[str, dict[str, object]] = {}
    for name, model in (
        ("meeting", MeetingSheet),
        ("person", PersonSheet),
        ("country", CountrySheet),
        ("organization", OrganizationSheet),
        ("site", SiteConfig),
    ):
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        out[name] = schema
    meta = SourceMeta.model_json_schema()
    out["sources"] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "content/sources.yaml",
        "description": "Curated metadata per source id (file name in seeds/ without .txt).",
        "type": "object",
        "additionalProperties": {"$ref": "#/$defs/SourceMeta"},
        "$defs": {**meta.pop("$defs", {}), "SourceMeta": meta},
    }
    return out


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in sorted(schemas().items()):
        path = folder / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _title(slug: str) -> str:
    return " ".join(part.capitalize() for part in slug.split("-"))


def stub(kind: str, slug: str, *, today: dt.date) -> str:
    """The text of a new, valid fact sheet of ``kind`` named after ``slug``."""
    schema_file = KINDS[kind][1]
    head = f"# yaml-language-server: $schema=../../schema/{schema_file}.schema.json\n"
    name = _title(slug)
    if kind == "meeting":
        return head + (
            f"title: {name}\n"
            "kind: talks  # talks | meeting | summit | virtual-summit | phone-call"
            " | exchange | ...\n"
            "date:\n"
            f"  value: {today.isoformat()}  # today's: put the day it took place\n"
            "  basis: stated  # stated | weekday | dateline | published | relative | inferred\n"
            "  cite: []\n"
            "  # cite:\n"
            "  #   - source: <seed id>\n"
            "  #     quote: <words copied from it>\n"
            "# place:\n"
            "#   name: Moscow\n"
            "#   country: russia\n"
            "hosts: []\n"
            "# hosts:\n"
            "#   - person: <id>\n"
            "#     role: host\n"
            "#     cite: [...]\n"
            "participants: []\n"
            "summary: ''\n"
        )
    if kind == "person":
        return head + f"name: {name}\naliases: []\npositions: []\nsummary: ''\n"
    if kind == "country":
        return head + f"name: {name}\naliases: []\ndemonyms: []\nsummary: ''\n"
    return head + f"name: {name}\nshort: ''\naliases: []\nmembers: []\nsummary: ''\n"


def slug_problem(slug: str) -> Problem | None:
    """What is wrong with ``slug`` as a fact sheet's name, with the slug meant if any."""
    if SLUG_RE.fullmatch(slug) and not is_reserved(slug):
        return None
    suggestion = slugify(slug)
    hint = f"Did you mean {suggestion!r}?" if suggestion != slug else ""
    message = (
        "is reserved on Windows"
        if SLUG_RE.fullmatch(slug)
        else "not a valid slug (lowercase letters, digits and single hyphens)"
    )
    return Problem(slug, message=message, hint=hint)


def new_sheet(project: Path, kind: str, slug: str, *, today: dt.date, force: bool = False) -> Path:
    """Write ``content/<kind>/<slug>.yaml``; refuse bad slugs and existing files."""
    problem = slug_problem(slug)
    if problem is not None:
        raise DossierError([problem])
    folder, _ = KINDS[kind]
    path = project / "content" / folder / f"{slug}.yaml"
    shown = f"content/{folder}/{slug}.yaml"
    if path.exists() and not force:
        raise DossierError([Problem(shown, message="already exists; use --force to overwrite")])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(stub(kind, slug, today=today), encoding="utf-8")
    return path
