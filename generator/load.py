"""Stage 1, *load*: read site.yaml, content/ and seeds/ into raw records.

Nothing here interprets the fact sheets beyond parsing YAML; every record keeps
its file path and a YAML document that knows the line and column of each value.
Problems are collected, not raised, so one run reports every bad file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from generator.article import Article, parse_article
from generator.problems import DossierError, Problem
from generator.schema import SHEETS, SLUG_RE, SOURCE_ID_RE
from generator.slugs import reserved_problem
from generator.textio import read_text
from generator.yamlstrict import YamlDocument, load_yaml_file, require_mapping

SEED_SUFFIXES = (".txt",)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class SheetFile:
    kind: str
    slug: str
    path: str
    doc: YamlDocument


@dataclass(frozen=True)
class SeedFile:
    id: str
    path: str
    text: str
    article: Article


@dataclass(frozen=True)
class Inputs:
    root: Path
    config: YamlDocument | None
    sources_meta: YamlDocument | None
    sheets: tuple[SheetFile, ...]
    seeds: tuple[SeedFile, ...]
    problems: tuple[Problem, ...]


def display_path(root: Path, file: Path) -> str:
    try:
        shown = file.relative_to(root).as_posix()
    except ValueError:
        shown = file.as_posix()
    # A newline or escape sequence in a file name must not break or colour the error line.
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], shown)


def _load_doc(root: Path, file: Path, problems: list[Problem]) -> YamlDocument | None:
    shown = display_path(root, file)
    try:
        doc = load_yaml_file(file, shown)
        require_mapping(doc)
    except DossierError as exc:
        problems.extend(exc.problems)
        return None
    return doc


def _files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not folder.is_dir():
        return []
    # Sorted by name so that the order files are listed in never leaks into the site.
    return sorted(
        (p for p in folder.iterdir() if p.suffix in suffixes and not p.name.startswith(".")),
        key=lambda p: p.name,
    )


def load_site(root: Path) -> Inputs:
    """Read every input of the project at ``root``."""
    problems: list[Problem] = []
    config_file = root / "site.yaml"
    config: YamlDocument | None = None
    if config_file.is_file():
        config = _load_doc(root, config_file, problems)
    else:
        problems.append(Problem("site.yaml", message="not found; is this a dossier project?"))

    content = root / "content"
    sheets: list[SheetFile] = []
    for kind in SHEETS:
        for file in _files(content / kind, (".yaml", ".yml")):
            shown = display_path(root, file)
            slug = file.stem
            # fullmatch: '$' alone would accept a name ending in a newline.
            if not SLUG_RE.fullmatch(slug):
                problems.append(
                    Problem(
                        shown,
                        message="file name is not a valid slug "
                        "(lowercase letters, digits and single hyphens)",
                    )
                )
                continue
            if reserved := reserved_problem(slug):
                problems.append(Problem(shown, message=reserved))
                continue
            doc = _load_doc(root, file, problems)
            if doc is not None:
                sheets.append(SheetFile(kind, slug, shown, doc))

    sources_meta = None
    for name in ("sources.yaml", "sources.yml"):
        if (content / name).is_file():
            sources_meta = _load_doc(root, content / name, problems)
            break

    seeds: list[SeedFile] = []
    for file in _files(root / "seeds", SEED_SUFFIXES):
        shown = display_path(root, file)
        if not SOURCE_ID_RE.fullmatch(file.stem):
            problems.append(Problem(shown, message="file name is not a valid source id"))
            continue
        if reserved := reserved_problem(file.stem):
            problems.append(Problem(shown, message=reserved))
            continue
        try:
            text = read_text(file, shown)
        except DossierError as exc:
            problems.extend(exc.problems)
            continue
        seeds.append(SeedFile(file.stem, shown, text, parse_article(text, file.stem)))

    return Inputs(root, config, sources_meta, tuple(sheets), tuple(seeds), tuple(problems))
