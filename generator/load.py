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
from generator.cache import Cache
from generator.parallel import pmap
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
    broken: tuple[tuple[str, str], ...] = ()
    """(kind, slug) of fact sheets that exist but could not be read."""


def display_path(root: Path, file: Path) -> str:
    try:
        shown = file.relative_to(root).as_posix()
    except ValueError:
        shown = file.as_posix()
    # A newline or escape sequence in a file name must not break or colour the error line.
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], shown)


def _load_doc(
    root: Path, file: Path, problems: list[Problem], cache: Cache | None = None
) -> YamlDocument | None:
    shown = display_path(root, file)
    key = None
    if cache is not None:
        try:
            key = cache.key("yaml", shown, file.read_bytes())
        except OSError:
            key = None  # load_yaml_file reports the file as unreadable
        if key is not None and (doc := cache.get("yaml", key)) is not None:
            return doc
    try:
        doc = load_yaml_file(file, shown)
        require_mapping(doc)
    except DossierError as exc:
        problems.extend(exc.problems)
        return None
    if cache is not None and key is not None:
        cache.put("yaml", key, doc)
    return doc


def _parse(item: tuple[str, str]) -> Article:
    text, source_id = item
    return parse_article(text, source_id)


def _files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not folder.is_dir():
        return []
    # Sorted by name so that the order files are listed in never leaks into the site.
    return sorted(
        (p for p in folder.iterdir() if p.suffix in suffixes and not p.name.startswith(".")),
        key=lambda p: p.name,
    )


def load_site(root: Path, cache: Cache | None = None) -> Inputs:
    """Read every input of the project at ``root``.

    With a ``cache``, fact sheets and articles whose bytes were seen before are
    not parsed again; new articles are parsed on all cores.
    """
    problems: list[Problem] = []
    config_file = root / "site.yaml"
    config: YamlDocument | None = None
    if config_file.is_file():
        config = _load_doc(root, config_file, problems, cache)
    else:
        problems.append(Problem("site.yaml", message="not found; is this a dossier project?"))

    content = root / "content"
    sheets: list[SheetFile] = []
    broken: list[tuple[str, str]] = []
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
            doc = _load_doc(root, file, problems, cache)
            if doc is not None:
                sheets.append(SheetFile(kind, slug, shown, doc))
            else:
                broken.append((kind, slug))

    sources_meta = None
    for name in ("sources.yaml", "sources.yml"):
        if (content / name).is_file():
            sources_meta = _load_doc(root, content / name, problems, cache)
            break

    texts: list[tuple[str, str, str]] = []
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
        texts.append((file.stem, shown, text))

    articles: dict[int, Article] = {}
    keys: list[str] = []
    todo: list[int] = []
    for i, (source_id, _shown, text) in enumerate(texts):
        key = cache.key("article", source_id, text) if cache is not None else ""
        keys.append(key)
        found = cache.get("articles", key) if cache is not None else None
        if found is not None:
            articles[i] = found
        else:
            todo.append(i)
    parsed = pmap(_parse, [(texts[i][2], texts[i][0]) for i in todo])
    for i, article in zip(todo, parsed, strict=True):
        articles[i] = article
        if cache is not None:
            cache.put("articles", keys[i], article)
    seeds = [
        SeedFile(source_id, shown, text, articles[i])
        for i, (source_id, shown, text) in enumerate(texts)
    ]

    return Inputs(
        root, config, sources_meta, tuple(sheets), tuple(seeds), tuple(problems), tuple(broken)
    )
