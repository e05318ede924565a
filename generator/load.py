"""Stage 1, *load*: read site.yaml, content/ and seeds/ into raw records.

Nothing here interprets the fact sheets beyond parsing YAML; every record keeps
its file path and a YAML document that knows the line and column of each value.
Problems are collected, not raised, so one run reports every bad file.
"""

from __future__ import annotations

import bisect
import os
import pickle
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.article import TITLE_ONLY, Article, parse_article
from generator.cache import Cache, Entry, key_of, memo, stored
from generator.parallel import pmap_shared, stopping
from generator.problems import NOT_A_PROJECT, DossierError, Problem, Severity, did_you_mean
from generator.schema import SHEETS, SLUG_RE, SOURCE_ID_RE
from generator.slugs import reserved_problem
from generator.textio import folder_refusal, read_capped, read_text, refusal
from generator.yamlstrict import MAX_FILE_BYTES, YamlDocument, load_yaml_file, require_mapping

SEED_SUFFIXES = (".txt",)
ORIGINALS = "originals"
"""The folder in seeds/ where `dossier add` keeps what it imported (never read by a build)."""
BAD_SLUG = "file name is not a valid slug (lowercase letters, digits and single hyphens)"
BAD_SOURCE_ID = "file name is not a valid source id"
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
    digest: str = ""
    """A hash of the parsed article: equal for texts that parse the same."""


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


def _file_name(
    root: Path,
    file: str,
    stem: str,
    pattern: re.Pattern[str],
    invalid: str,
    named: dict[str, tuple[str, str]],
) -> tuple[str, str]:
    """How a file is shown, and what is wrong with its name ('' if nothing), remembered
    per file for the session (they are asked for each of thousands of files per build)."""
    hit = named.get(file)
    if hit is None:
        # fullmatch: '$' alone would accept a name ending in a newline.
        wrong = invalid if not pattern.fullmatch(stem) else reserved_problem(stem)
        hit = named[file] = (display_path(root, Path(file)), wrong or "")
    return hit


def display_path(root: Path, file: Path) -> str:
    try:
        shown = file.relative_to(root).as_posix()
    except ValueError:
        shown = file.as_posix()
    # A newline or escape sequence in a file name must not break or colour the error line.
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], shown)


# A file changed this soon before it was read may change again within the same tick of the
# file system's clock, keeping its size and times: such a file is read again, not trusted.
_RACY_NS = 100_000_000


@dataclass(frozen=True)
class Changed:
    """The paths a file watcher reported since the previous build of a session.

    With it, a session build lists only the folders and looks only at the files that
    changed, instead of listing every folder and stat'ing thousands of files. Paths are
    spelled as load spells them: the project root joined with the path inside it.
    """

    paths: frozenset[str]
    folders: frozenset[str]

    @classmethod
    def under(cls, root: Path, reported: Iterable[tuple[str, bool]]) -> Changed | None:
        """The reported absolute paths, each with whether it was added or deleted (not
        just modified, which leaves its folder's list of files as it was); None if one
        is outside the project or is its root (then nothing can be assumed and the
        build looks at everything)."""
        base = os.path.abspath(root) + os.sep
        paths, folders = set(), set()
        for path, listing in reported:
            path = os.path.abspath(path)
            if not path.startswith(base):
                return None
            path = str(root / path[len(base) :])
            paths.add(path)
            if listing:
                folders.add(os.path.dirname(path))
        return cls(frozenset(paths), frozenset(folders))

    def added_or_deleted(self, folder: str) -> list[str] | None:
        """The paths added to or deleted from the folder itself, if that is all that
        changed its listing; None if the folder or one above it was reported."""
        if folder in self.paths or any(folder.startswith(p + os.sep) for p in self.paths):
            return None
        return sorted(p for p in self.paths if os.path.dirname(p) == folder)

    def touches(self, folder: str) -> bool:
        """Whether the folder's list of files may have changed (a file in it added or
        deleted, or the folder itself or one above it reported)."""
        if folder in self.folders or folder in self.paths:
            return True
        return any(folder.startswith(p + os.sep) for p in self.paths)


class _Seen:
    """What a session build read from each file, with the file's stat when it was read.

    Between the builds of one ``serve`` session, a file whose size, times and inode are
    unchanged is not read again, and the same objects are handed on, so later stages can
    tell by identity that nothing about it changed.
    """

    def __init__(self, cache: Cache | None, changed: Changed | None = None) -> None:
        self.memo: dict[str, tuple[tuple[int, ...], int, Any]] = memo(cache, "load")
        self.changed = changed

    @staticmethod
    def stat(file: Path | str) -> tuple[int, ...] | None:
        try:
            st = os.stat(file)
        except OSError:
            return None
        return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)

    def get(self, file: Path | str) -> Any | None:
        hit = self.memo.get(str(file))
        if hit is None:
            return None
        stat, read_at, value = hit
        if read_at - max(stat[1], stat[2]) < _RACY_NS:
            return None
        if self.changed is not None and str(file) not in self.changed.paths:
            return value  # the watcher saw nothing happen to it: no need to look
        if self.stat(file) != stat:
            return None
        return value

    def previous(self, file: Path | str) -> Any | None:
        """The value read last time, whatever the file's stat (to reuse equal objects)."""
        hit = self.memo.get(str(file))
        return hit[2] if hit is not None else None

    def put(self, file: Path | str, stat: tuple[int, ...] | None, value: Any) -> None:
        if stat is not None:
            self.memo[str(file)] = (stat, time.time_ns(), value)

    def forget(self, file: Path | str) -> None:
        """Drop what was read from a file now refused: the watcher reports a file once, so
        a next build must not hand on what it held before."""
        self.memo.pop(str(file), None)


def _stray_sheets(content: Path, listed: dict[str, Any], changed: Changed | None) -> list[Problem]:
    """Warnings for what in content/ is not read: a misspelt or unknown folder
    (content/peopel/), YAML beside the kind folders or in a folder inside one."""
    where = "fact sheets go in content/" + ", ".join(f"{k}/" for k in SHEETS)
    found = []
    tops = {os.path.basename(p) for p, _ in _files(content, (".yaml", ".yml"), listed, changed)}
    for name in sorted(tops - {"sources.yaml", "sources.yml"}):
        found.append((f"content/{name}", f"not read: {where}"))
    for name in _others(content, listed):
        if name.rstrip("/") not in SHEETS:
            hint = did_you_mean(name.rstrip("/"), SHEETS)
            found.append((f"content/{name}", f"not read: {where}" + (f". {hint}" if hint else "")))
    for kind in SHEETS:
        for name in _others(content / kind, listed):
            found.append((f"content/{kind}/{name}", f"not read: {where}, one .yaml file each"))
    return [Problem(path, message=m, severity=Severity.WARNING) for path, m in found]


def _template_problems(root: Path, root_real: str) -> list[Problem]:
    """What in templates/ the build must not read: links out of the project (a linked
    templates/static would publish what it leads to), pipes and devices."""
    top = root / "templates"
    if not top.is_dir():
        return []
    why = folder_refusal(str(top), root_real)
    if why is not None:
        return [Problem("templates/", message=why)]
    found = []
    for folder, dirs, names in os.walk(top):
        for name in sorted(dirs):
            path = os.path.join(folder, name)
            why = folder_refusal(path, root_real) if os.path.islink(path) else None
            if why is not None:
                found.append(Problem(display_path(root, Path(path)) + "/", message=why))
                dirs.remove(name)  # not walked into (os.walk follows no links anyway)
        for name in sorted(names):
            path = os.path.join(folder, name)
            why = refusal(path, root_real)
            if why is not None:
                found.append(Problem(display_path(root, Path(path)), message=why))
    return found


def _load_doc(
    root: Path, name: Path | str, problems: list[Problem], cache: Cache | None, seen: _Seen
) -> YamlDocument | None:
    return _load_docs(root, [name], problems, cache, seen)[0]


def _load_docs(
    root: Path,
    names: list[Path | str],
    problems: list[Problem],
    cache: Cache | None,
    seen: _Seen,
) -> list[YamlDocument | None]:
    """The YAML documents of ``names``, in order, their problems added to ``problems``.

    Files seen before with the same bytes are not parsed again; the rest are parsed on
    all cores when there are many (thousands of fact sheets, on a cold build).
    """
    done: list[tuple[Any, ...] | None] = []
    todo: list[tuple[int, str, Path, bytes | None, str | None, Any]] = []
    root_real = os.path.realpath(root)
    for name in names:
        kept = seen.get(name)
        if kept is None:
            file = Path(name)
            why = refusal(str(name), root_real)
            if why is not None:
                seen.forget(name)
                done.append((None, (Problem(display_path(root, file), message=why),), None, None))
                continue
            stat = seen.stat(name)
            raw = _bytes(file)
            before = seen.previous(name)
            if before is not None and raw is not None and before[2] == raw:
                kept = before  # touched but the same bytes: hand on the same objects
            else:
                shown = display_path(root, file)
                key = (
                    cache.key("yaml", shown, raw) if cache is not None and raw is not None else None
                )
                doc = cache.get("yaml", key) if cache is not None and key is not None else None
                if doc is None:
                    todo.append((len(done), shown, file, raw, key, stat))
                    done.append(None)
                    continue
                kept = (doc, (), raw, key)
            seen.put(name, stat, kept)
        done.append(kept)
    # The bytes reach the workers through fork; each document travels back pickled, and
    # that pickle is its cache entry (staged by the worker).
    jobs = [
        (shown, file, raw, cache.entry("yaml", key) if cache and key else None)
        for _i, shown, file, raw, key, _stat in todo
    ]
    parsed = pmap_shared(_parse_doc, jobs, len(jobs))
    for (i, _shown, _file, raw, key, stat), data in zip(todo, parsed, strict=True):
        doc, found = data if isinstance(data, tuple) else (pickle.loads(data), ())
        if doc is None:
            key = None
        elif cache is not None and key is not None:
            cache.put("yaml", key, doc, written=True)
        done[i] = kept = (doc, found, raw, key)
        seen.put(names[i], stat, kept)
    out: list[YamlDocument | None] = []
    for kept in done:
        assert kept is not None
        if cache is not None and kept[3] is not None:
            cache.touch("yaml", kept[3])
        problems.extend(kept[1])
        out.append(kept[0])
    return out


def _parse_doc(
    jobs: list[tuple[str, Path, bytes | None, Entry | None]], index: int
) -> bytes | tuple[None, tuple[Problem, ...]]:
    """The pickled document (staged as its cache entry), or its problems."""
    shown, file, raw, entry = jobs[index]
    try:
        doc = load_yaml_file(file, shown, raw)
        require_mapping(doc)
    except DossierError as exc:
        return None, tuple(exc.problems)
    return stored(doc, entry)


def _bytes(file: Path) -> bytes | None:
    try:
        return read_capped(file, MAX_FILE_BYTES)
    except OSError:
        return None  # load_yaml_file reports the file as unreadable


def _parsed(text: str, source_id: str, entry: Entry | None) -> bytes:
    """The pickle of (article, its hash), staged as the article's cache entry."""
    article = parse_article(text, source_id)
    # Hashed here, on the worker, once per parse: pages are fingerprinted by what the
    # parser made of a text, so a change the parser ignores re-renders nothing.
    return stored((article, key_of(repr(article))), entry)


def _read_seed(
    job: tuple[Cache | None, list[tuple[str, str, str]], str], index: int
) -> tuple[tuple[int, ...] | None, str | None, tuple[Problem, ...], str, bytes | None, bool]:
    """One seed file read, decoded and hashed, on a worker: (stat, text, problems, cache
    key, data, parsed). ``data`` is the pickle of (article, its hash): parsed here
    (``parsed``) or the cache entry's bytes; None when the article is in the session's
    memory or the file cannot be read (``problems`` say why)."""
    cache, files, root_real = job
    file, source_id, shown = files[index]
    why = refusal(file, root_real)
    if why is not None:
        return None, None, (Problem(shown, message=why),), "", None, False
    stat = _Seen.stat(file)  # before reading: a later change then shows as a new stat
    try:
        text = read_text(Path(file), shown)
    except DossierError as exc:
        return stat, None, tuple(exc.problems), "", None, False
    if not text.strip():  # as `dossier add` refuses it: a page with no text is no source
        return stat, None, (Problem(shown, message="no article text; refused"),), "", None, False
    if cache is None:
        return stat, text, (), "", _parsed(text, source_id, None), True
    key = cache.key("article", source_id, text)
    if cache.in_memory("articles", key):
        return stat, text, (), key, None, False
    data = cache.entry_bytes("articles", key)
    if data is not None:
        return stat, text, (), key, data, False
    return stat, text, (), key, _parsed(text, source_id, cache.entry("articles", key)), True


def _article(
    cache: Cache | None, key: str, data: bytes | None, parsed: bool, text: str, source_id: str
) -> tuple[Article, str]:
    """The (article, hash) a worker sent back (see _read_seed), recorded in the cache."""
    if parsed:
        assert data is not None
        article = pickle.loads(data)
        if cache is not None:
            cache.put("articles", key, article, written=True)
        return article
    assert cache is not None
    found = cache.get("articles", key) if data is None else cache.take("articles", key, data)
    if found is None:  # a corrupt entry (or one gone from memory): parse it here
        found = pickle.loads(_parsed(text, source_id, None))
        cache.put("articles", key, found)
    return found


def _files(
    folder: Path,
    suffixes: tuple[str, ...],
    listed: dict[str, Any],
    changed: Changed | None,
) -> list[tuple[str, str]]:
    """(path, stem) of each file in ``folder`` with one of the suffixes, by name.

    Plain strings: a large project lists thousands of files on every build, and a
    Path is made only for a file that has to be read. ``listed`` keeps each listing
    for the session, reused while the watcher reports nothing in the folder, and the
    folder's other names (see :func:`_others`).
    """
    key = str(folder)
    found = listed.get(key)
    if changed is not None and found is not None:
        if not changed.touches(key):
            return found
        paths = changed.added_or_deleted(key)
        if paths is not None:
            found, others = _patched(found, listed.get(key + _OTHERS, []), paths, suffixes)
            listed[key], listed[key + _OTHERS] = found, others
            return found
    found, others = _list(folder, suffixes)
    listed[key], listed[key + _OTHERS] = found, others
    return found


_OTHERS = os.sep + "*"


def _others(folder: Path, listed: dict[str, Any]) -> list[str]:
    """The names in ``folder`` that :func:`_files` left out as it listed it (hidden ones
    aside): files with another suffix, and folders (named with a trailing "/")."""
    return listed.get(str(folder) + _OTHERS, [])


def _other(path: str) -> str:
    return os.path.basename(path) + ("/" if os.path.isdir(path) else "")


def _patched(
    found: list[tuple[str, str]], others: list[str], paths: list[str], suffixes: tuple[str, ...]
) -> tuple[list[tuple[str, str]], list[str]]:
    """A folder's listing with the given files of it looked at again (a folder of
    thousands of files is not listed and sorted again for one added file)."""
    out = list(found)
    keys = [path for path, _stem in out]  # in name order, as listed
    rest = {name.rstrip("/"): name for name in others}
    for path in paths:
        name = os.path.basename(path)
        stem, suffix = os.path.splitext(name)
        there_now = not name.startswith(".") and os.path.lexists(path)
        wanted = suffix in suffixes and there_now
        i = bisect.bisect_left(keys, path)
        there = i < len(keys) and keys[i] == path
        if wanted and not there:
            keys.insert(i, path)
            out.insert(i, (path, stem))
        elif there and not wanted:
            del keys[i], out[i]
        rest.pop(name, None)
        if there_now and not wanted:
            rest[name] = _other(path)
    return out, sorted(rest.values())


def _list(folder: Path, suffixes: tuple[str, ...]) -> tuple[list[tuple[str, str]], list[str]]:
    if not folder.is_dir():
        return [], []
    base = str(folder) + os.sep
    found, others = [], []
    # Sorted by name so that the order files are listed in never leaks into the site.
    for name in sorted(os.listdir(folder)):
        stem, suffix = os.path.splitext(name)
        if name.startswith("."):
            continue
        if suffix in suffixes:
            found.append((base + name, stem))
        else:
            others.append(_other(base + name))
    return found, others


def load_site(root: Path, cache: Cache | None = None, changed: Changed | None = None) -> Inputs:
    """Read every input of the project at ``root``.

    With a ``cache``, fact sheets and articles whose bytes were seen before are
    not parsed again; new articles are parsed on all cores. ``changed``: in a
    session, what the file watcher saw since the previous build; only that is
    looked at again (if the previous build's load ran to its end).
    """
    listed = memo(cache, "listed")
    if not listed.pop("complete", False):
        changed = None
    seen = _Seen(cache, changed)
    problems: list[Problem] = []
    config_file = root / "site.yaml"
    config: YamlDocument | None = None
    if config_file.is_file():
        config = _load_doc(root, config_file, problems, cache, seen)
    else:
        problems.append(
            Problem(
                "site.yaml",
                message=f"not found; {NOT_A_PROJECT}",
            )
        )

    named: dict[str, tuple[str, str]] = memo(cache, "file names")
    content = root / "content"
    # A folder that is (or is in) a link out of the project is not read at all.
    root_real = os.path.realpath(root)
    refused: set[str] = set()
    for rel in ("content", *(f"content/{kind}" for kind in SHEETS), "seeds"):
        folder = root / rel
        if folder.is_dir():
            why = folder_refusal(str(folder), root_real)
        elif os.path.lexists(folder):
            why = "not a folder; move it away and make a folder of that name"
        else:
            why = None
        if why is not None and not any(rel.startswith(r + "/") for r in refused):
            refused.add(rel)
            problems.append(Problem(rel + "/", message=why))
    sheets: list[SheetFile] = []
    broken: list[tuple[str, str]] = []
    wanted: list[tuple[str, str, str, str]] = []
    for kind in SHEETS:
        first: dict[str, str] = {}  # slug -> the file that has it
        if refused & {"content", f"content/{kind}"}:
            continue
        for name, slug in _files(content / kind, (".yaml", ".yml"), listed, changed):
            shown, wrong = _file_name(root, name, slug, SLUG_RE, BAD_SLUG, named)
            if not wrong and slug in first:  # wang-yi.yaml and wang-yi.yml
                wrong = f"the same slug as {first[slug]}: keep one of the two"
            if wrong:
                problems.append(Problem(shown, message=wrong))
            else:
                first[slug] = shown
                wanted.append((kind, slug, shown, name))
    if "content" not in refused:
        problems.extend(_stray_sheets(content, listed, changed))
    names: list[Path | str] = [name for *_, name in wanted]
    docs = _load_docs(root, names, problems, cache, seen)
    for (kind, slug, shown, _name), doc in zip(wanted, docs, strict=True):
        if doc is not None:
            sheets.append(SheetFile(kind, slug, shown, doc))
        else:
            broken.append((kind, slug))

    sources_meta = None
    if (content / "sources.yaml").is_file() and (content / "sources.yml").is_file():
        problems.append(
            Problem("content/sources.yml", message="content/sources.yaml is there too: "
                    "keep one of the two")
        )  # fmt: skip
    for name in ("sources.yaml", "sources.yml"):
        if (content / name).is_file():
            sources_meta = _load_doc(root, content / name, problems, cache, seen)
            break

    # Per seed file in name order: the SeedFile a session build kept, or the index of
    # the file in ``files``, which the workers read, hash and parse.
    slots: list[SeedFile | int] = []
    files: list[tuple[str, str, str]] = []
    used: list[str] = []
    problems.extend(_template_problems(root, root_real))
    listing = [] if "seeds" in refused else _files(root / "seeds", SEED_SUFFIXES, listed, changed)
    for file, stem in listing:
        shown, wrong = _file_name(root, file, stem, SOURCE_ID_RE, BAD_SOURCE_ID, named)
        if wrong:
            problems.append(Problem(shown, message=wrong))
            continue
        kept = seen.get(file)
        if kept is not None:
            slots.append(kept[0])
            used.append(kept[1])
            continue
        slots.append(len(files))
        files.append((file, stem, shown))
    for name in _others(root / "seeds", listed):
        if name == ORIGINALS + "/":
            continue
        problems.append(
            Problem(
                f"seeds/{name}",
                message="not read: seeds are the .txt files in seeds/ itself "
                "(`dossier add` imports Markdown and saved HTML pages as seeds)",
                severity=Severity.WARNING,
            )
        )
    seeds: list[SeedFile] = []
    read = iter(pmap_shared(_read_seed, (cache, files, root_real), len(files)))
    with stopping(read):
        for slot in slots:
            if isinstance(slot, SeedFile):
                seeds.append(slot)
                continue
            file, source_id, shown = files[slot]
            stat, text, found, key, data, parsed = next(read)
            if text is None:
                seen.forget(file)
                problems.extend(found)
                continue
            before = seen.previous(file)
            if before is not None and before[0].text == text and before[0].path == shown:
                seen.put(file, stat, before)  # touched but the same text: the same objects
                seeds.append(before[0])
                used.append(before[1])
                continue
            article = _article(cache, key, data, parsed, text, source_id)
            if not article[0].blocks:  # a page of one title would have nothing to cite
                seen.forget(file)
                problems.append(Problem(shown, message=TITLE_ONLY))
                continue
            seed = SeedFile(source_id, shown, text, *article)
            seen.put(file, stat, (seed, key))
            seeds.append(seed)
    if cache is not None:
        cache.touch("articles", *used)

    listed["complete"] = True  # the next build may trust the watcher's report
    return Inputs(
        root, config, sources_meta, tuple(sheets), tuple(seeds), tuple(problems), tuple(broken)
    )
