"""A strict YAML loader for hand-written fact sheets.

Part of the *load* stage. PyYAML's own loaders guess types (``NO`` becomes
``False``, ``1.10`` becomes ``1.1``, ``012345`` becomes an octal int), expand
aliases (the "billion laughs" bomb) and recurse once per nesting level. This
module reads PyYAML's *event stream* instead and builds the value itself:

* every scalar is kept as the ``str`` that was written; only a plain empty
  scalar, ``~`` or ``null``/``Null``/``NULL`` becomes ``None``;
* anchors, aliases, tags, merge keys, complex keys, duplicate keys and
  multiple documents are refused with a :class:`Problem` each;
* values are built with an explicit stack, and nesting deeper than
  :data:`MAX_DEPTH` is refused, so deep input never hits ``RecursionError``;
* the 1-based position of every value and mapping key is remembered so later
  stages can point at the exact spot of a bad field.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import yaml
from yaml.error import Mark, MarkedYAMLError
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.reader import ReaderError

from .problems import DossierError, Problem
from .textio import refuse_utf16

#: Deepest nesting of lists/mappings accepted; real fact sheets use 3 or 4.
MAX_DEPTH: Final = 64
#: Largest file :func:`load_yaml_file` accepts (1 MiB).
MAX_FILE_BYTES: Final = 1024 * 1024
#: Stop collecting problems after this many, so a hostile file cannot make
#: us build an enormous error report.
MAX_PROBLEMS: Final = 100

# Plain scalars that mean "no value"; quoted ones stay strings.
_NULLS: Final = frozenset({"", "~", "null", "Null", "NULL"})
_YAML_TAG_PREFIX: Final = "tag:yaml.org,2002:"
_BOM: Final = "\ufeff"
# C0 controls but tab and newline, DEL and C1 controls: never wanted on a page. And the
# bidirectional embeddings, overrides and isolates, which can make text read otherwise than
# it is spelt ("dir" attributes and the site's markup do that work).
_CONTROL: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What an escape in a double-quoted scalar could carry past the reader besides: lone
# surrogates and noncharacters (U+FFFF is not even allowed in the XML of the feed).
_UNWANTED: Final = re.compile("[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")

Key = str | int
Keys = tuple[Key, ...]
Position = tuple[int, int]


def dotted(keys: Keys) -> str:
    """The dotted field name for a key path: ``("participants", 2, "role")``
    becomes ``"participants.2.role"`` (list indices are 0-based)."""
    return ".".join(str(k) for k in keys)


class Where:
    """Where each part of a document was written: its values and its mapping keys."""

    __slots__ = ("values", "keys")

    def __init__(self, values: dict[Keys, Position], keys: dict[Keys, Position]) -> None:
        self.values = values
        self.keys = keys

    def position(self, keys: Keys) -> Position:
        """1-based ``(line, col)`` of the value at ``keys``.

        For a path that does not exist, the position of the nearest existing
        parent (so "missing field" messages point at the right mapping);
        ``(1, 1)`` for the document itself.
        """
        keys = tuple(keys)
        for end in range(len(keys), 0, -1):
            found = self.values.get(keys[:end])
            if found is not None:
                return found
        return (1, 1)

    def key_position(self, keys: Keys) -> Position:
        """1-based position of the mapping key at ``keys`` (for mapping
        entries); otherwise the same as :meth:`position`."""
        found = self.keys.get(tuple(keys))
        return found if found is not None else self.position(keys)


_NOWHERE = pickle.dumps(({}, {}), pickle.HIGHEST_PROTOCOL)


@dataclass(frozen=True)
class YamlDocument:
    """A loaded YAML file: plain data plus where each part was written."""

    path: str
    data: Any  # dict[str, ...] / list / str / None, nested
    where_written: bytes = field(default=_NOWHERE, repr=False, compare=False)
    """The two dicts of a :class:`Where`, pickled. A site's fact sheets hold some 100,000
    positions, 20 MB as dicts of tuples in each process of a build, and they are wanted
    only to report a problem or to place a citation."""

    def __reduce__(self) -> tuple[Any, ...]:
        return YamlDocument, (self.path, self.data, self.where_written)

    def where(self) -> Where:
        """Where each part was written, decoded afresh: for many lookups in a row by a
        caller that lets go of it after (placing every citation of a sheet)."""
        return Where(*pickle.loads(self.where_written))

    def _kept(self) -> Where:
        # Decoded once and kept: only documents with a problem to report get here, and
        # one file may have thousands (stale entries of content/sources.yaml).
        found: Where | None = self.__dict__.get("_where")
        if found is None:
            found = self.where()
            object.__setattr__(self, "_where", found)
        return found

    def position(self, keys: Keys) -> Position:
        """See :meth:`Where.position`."""
        return self._kept().position(keys)

    def key_position(self, keys: Keys) -> Position:
        """See :meth:`Where.key_position`."""
        return self._kept().key_position(keys)

    def placed(self) -> YamlDocument:
        """The document without its data: only where each part was written. What a
        validated sheet keeps of its file, to report a problem (the data, some 12 MB at
        10,000 articles, is then freed with the rest of what loading read)."""
        return YamlDocument(self.path, None, self.where_written)


def _document(
    path: str, data: Any, positions: dict[Keys, Position], keys: dict[Keys, Position]
) -> YamlDocument:
    return YamlDocument(path, data, pickle.dumps((positions, keys), pickle.HIGHEST_PROTOCOL))


def require_mapping(doc: YamlDocument) -> None:
    """Raise unless the document's top level is a mapping."""
    if isinstance(doc.data, dict):
        return
    got = {list: "a list", str: "a string", type(None): "an empty document"}.get(
        type(doc.data), type(doc.data).__name__
    )
    raise DossierError(
        (Problem(doc.path, 1, 1, "", f"expected a mapping at the top level, got {got}"),)
    )


def load_yaml(text: str, path: str) -> YamlDocument:
    """Parse ``text`` strictly; ``path`` is only used in messages.

    Raises :class:`DossierError` with every problem found (syntax errors stop
    the parse, so at most one of those).
    """
    text = _normalise(text)
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        # libyaml parses well-formed files several times faster; anything it finds
        # wrong is parsed again below so that messages read the same either way.
        doc = _load_with(text, path, fast)
        if doc is not None:
            return doc
    return _load_with(text, path, yaml.SafeLoader, report=True)  # type: ignore[return-value]


def _load_with(text: str, path: str, loader: Any, *, report: bool = False) -> YamlDocument | None:
    """Build the document from ``loader``'s events; None (quietly) on any problem unless
    ``report``, when the problems are raised as a DossierError."""
    builder = _Builder(path)
    events: Iterator[Event] = yaml.parse(text, Loader=loader)
    try:
        for event in events:
            builder.feed(event)
    except _Stop:
        pass
    except MarkedYAMLError as exc:
        builder.problems.append(_syntax_problem(path, exc, text))
    except ReaderError as exc:
        builder.problems.append(_reader_problem(path, text, exc))
    except yaml.YAMLError as exc:  # defensive: any other PyYAML complaint
        builder.problems.append(Problem(path, message=_one_line(str(exc))))
    finally:
        if isinstance(events, Generator):
            events.close()  # release the parser promptly when we stop early
    if builder.problems:
        if not report:
            return None
        found = sorted(builder.problems)
        if builder.truncated:
            # Last, after the sort: it has no position of its own.
            found.append(
                Problem(path, message=f"too many problems; stopped after the first {MAX_PROBLEMS}")
            )
        raise DossierError(tuple(found))
    return _document(path, builder.root, builder.positions, builder.key_positions)


def load_yaml_file(file: Path, display_path: str, raw: bytes | None = None) -> YamlDocument:
    """Read ``file`` as UTF-8 YAML; ``display_path`` is used in messages; ``raw``: its
    bytes, when the caller has read them already.

    Refuses files over 1 MiB, binary files (NUL bytes) and bytes that are not
    UTF-8 (naming the line of the first bad byte). Strips a byte-order mark
    and turns CRLF/CR line ends into LF.
    """
    if raw is None:
        try:
            with file.open("rb") as handle:
                # Read one byte past the limit so an oversize file is detected
                # without reading all of it.
                raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise DossierError(
                (Problem(display_path, message=f"cannot read file: {exc.strerror or exc}"),)
            ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise DossierError((Problem(display_path, message="file is larger than 1 MiB"),))
    refuse_utf16(raw, display_path)
    if b"\0" in raw:
        raise DossierError(
            (Problem(display_path, message="looks like a binary file (contains NUL bytes)"),)
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        line = before.count(b"\n") + 1
        raise DossierError(
            (
                Problem(
                    display_path,
                    line,
                    0,
                    "",
                    f"not valid UTF-8 at line {line} (byte 0x{raw[exc.start]:02x})",
                    "Save the file as UTF-8.",
                ),
            )
        ) from None
    return load_yaml(text, display_path)


# --- internals -------------------------------------------------------------


class _Stop(Exception):
    """Internal: a problem was found after which parsing cannot go on."""


def _normalise(text: str) -> str:
    # Same data and line numbers whatever editor wrote the file.
    if text.startswith(_BOM):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _pos(mark: Mark | None) -> Position:
    # PyYAML marks are 0-based; everything we report is 1-based.
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _syntax_problem(path: str, exc: MarkedYAMLError, text: str) -> Problem:
    if exc.context == "while scanning a simple key" and exc.context_mark is not None:
        # "country china" with no colon: PyYAML notices on a later line; the fault is here.
        line, col = _pos(exc.context_mark)
        return Problem(path, line, col, "", "expected ':' after a key (write `key: value`)")
    opened = _runaway_quote(text, exc.problem_mark)
    if opened is not None:
        key, start, end = opened
        line, col = _pos(start)
        return Problem(
            path, line, col, key,
            f"the quoted value that opens here closes only on line {end.line + 1}; "
            f"is its closing {text[start.index]} missing?",
        )  # fmt: skip
    mark = exc.problem_mark or exc.context_mark
    message = _one_line(exc.problem or exc.context or "invalid YAML")
    if exc.problem and exc.context and exc.context_mark is not None:
        line, col = _pos(exc.context_mark)
        message += f" ({_one_line(exc.context)} starting at line {line}, column {col})"
    line, col = _pos(mark)
    return Problem(path, line, col, "", message)


def _runaway_quote(text: str, problem: Mark | None) -> tuple[str, Mark, Mark] | None:
    """The key, start and end of a quoted value that spans lines and ends where parsing
    failed: ``name: "Wang Yi`` runs on to the next quote mark, lines further down, and
    PyYAML reports the line where it gave up, not the one missing its quote."""
    if problem is None:
        return None
    key = last_key = ""
    last: yaml.ScalarToken | None = None
    previous: yaml.Token | None = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= problem.index:
                break
            if isinstance(token, yaml.ScalarToken):
                if isinstance(previous, yaml.KeyToken):
                    key = token.value
                # The key of a value right after it; a list item has none of its own.
                last, last_key = token, key if isinstance(previous, yaml.ValueToken) else ""
            previous = token
    except yaml.YAMLError:
        pass  # the scan stops at the same fault; what came before it is enough
    if (
        last is None
        or last.style not in ('"', "'")
        or last.start_mark.line == last.end_mark.line
        or problem.line != last.end_mark.line
    ):
        return None
    return last_key, last.start_mark, last.end_mark


def _reader_problem(path: str, text: str, exc: ReaderError) -> Problem:
    # For str input the position is an index into the text.
    index = max(0, min(exc.position, len(text)))
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    # PyYAML passes the code point as an int for str input.
    char = exc.character
    code = char if isinstance(char, int) else ord(char[:1] or "\0")
    return Problem(path, line, col, "", f"unacceptable character #x{code:04x}: {exc.reason}")


def _show_tag(tag: str) -> str:
    # Show the tag roughly as written: PyYAML has already expanded '!!'.
    if tag.startswith(_YAML_TAG_PREFIX):
        return "!!" + tag[len(_YAML_TAG_PREFIX) :]
    return tag


@dataclass
class _Frame:
    """A list or mapping under construction."""

    kind: Literal["seq", "map"]
    container: list[Any] | dict[str, Any]
    path: Keys
    record: bool  # False inside a discarded value: positions are not kept
    awaiting_key: bool = True  # mappings only
    key: str = ""  # mappings: key of the value that comes next
    discard: bool = False  # mappings: the next value belongs to a bad key
    key_lines: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Slot:
    """Where the next node goes."""

    kind: Literal["root", "item", "key", "value"]
    path: Keys
    record: bool
    frame: _Frame | None


class _Builder:
    """Turns PyYAML events into plain data, collecting problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.positions: dict[Keys, Position] = {}
        self.key_positions: dict[Keys, Position] = {}
        self.root: Any = None
        self.stack: list[_Frame] = []
        self.documents = 0
        self.truncated = False

    # -- problems --

    def problem(self, mark: Mark | None, keys: Keys, message: str) -> None:
        line, col = _pos(mark)
        self.problems.append(Problem(self.path, line, col, dotted(keys), message))
        if len(self.problems) >= MAX_PROBLEMS:
            self.truncated = True
            raise _Stop

    def fatal(self, mark: Mark | None, keys: Keys, message: str) -> None:
        self.problem(mark, keys, message)
        raise _Stop

    def check_properties(self, event: NodeEvent, keys: Keys) -> None:
        if event.anchor is not None:
            self.problem(event.start_mark, keys, f"anchors are not allowed ('&{event.anchor}')")
        tag = getattr(event, "tag", None)
        if tag is not None:
            self.problem(event.start_mark, keys, f"tags are not allowed ({_show_tag(tag)!r})")

    def check_characters(self, event: ScalarEvent, keys: Keys) -> None:
        # Escapes such as "\0" or "\x1b" in a double-quoted scalar would carry control
        # characters past the reader, which refuses them only when written raw.
        bad = _CONTROL.search(event.value)
        what = "control character"
        if bad is None:
            bad, what = _UNWANTED.search(event.value), "character"
        if bad is not None:
            self.problem(
                event.start_mark,
                keys,
                f"{what} U+{ord(bad.group()):04X} is not allowed; remove it",
            )

    # -- events --

    def feed(self, event: Event) -> None:
        if isinstance(event, DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.fatal(
                    event.start_mark,
                    (),
                    "only one document is allowed per file; a second one starts here",
                )
        elif isinstance(event, ScalarEvent):
            self.scalar(event)
        elif isinstance(event, AliasEvent):
            self.alias(event)
        elif isinstance(event, CollectionStartEvent):
            self.start(event)
        elif isinstance(event, SequenceEndEvent | MappingEndEvent):
            self.stack.pop()
        # Stream start/end and document end carry nothing we need.

    def slot(self) -> _Slot:
        if not self.stack:
            return _Slot("root", (), True, None)
        frame = self.stack[-1]
        if frame.kind == "seq":
            return _Slot("item", (*frame.path, len(frame.container)), frame.record, frame)
        if frame.awaiting_key:
            return _Slot("key", frame.path, frame.record, frame)
        record = frame.record and not frame.discard
        return _Slot("value", (*frame.path, frame.key), record, frame)

    def put(self, slot: _Slot, value: Any, mark: Mark) -> None:
        if slot.record:
            self.positions[slot.path] = _pos(mark)
        frame = slot.frame
        if frame is None:
            self.root = value
        elif isinstance(frame.container, list):
            frame.container.append(value)
        else:
            if not frame.discard:
                frame.container[frame.key] = value
            # The parent only sees events again once this value is complete.
            frame.awaiting_key = True

    def scalar(self, event: ScalarEvent) -> None:
        slot = self.slot()
        plain = not event.style  # None from PyYAML, "" from libyaml
        if slot.kind == "key":
            self.key(slot, event, plain)
            return
        self.check_properties(event, slot.path)
        self.check_characters(event, slot.path)
        value = None if plain and event.value in _NULLS else event.value
        self.put(slot, value, event.start_mark)

    def key(self, slot: _Slot, event: ScalarEvent, plain: bool) -> None:
        frame = slot.frame
        assert frame is not None and isinstance(frame.container, dict)
        key = event.value
        self.check_properties(event, slot.path)
        self.check_characters(event, slot.path)
        frame.awaiting_key = False
        frame.discard = True  # until the key turns out to be good
        line = event.start_mark.line + 1
        if key == "" or (plain and key in _NULLS):
            self.problem(event.start_mark, slot.path, "keys must not be empty or null")
        elif plain and key == "<<":
            self.problem(event.start_mark, slot.path, "merge keys ('<<') are not allowed")
        elif key in frame.key_lines:
            self.problem(
                event.start_mark,
                (*slot.path, key),
                f"duplicate key {key!r} (first defined on line {frame.key_lines[key]})",
            )
        else:
            frame.key = key
            frame.discard = False
            frame.key_lines[key] = line
            if slot.record:
                self.key_positions[(*slot.path, key)] = _pos(event.start_mark)

    def alias(self, event: AliasEvent) -> None:
        # Refused, never expanded: this is what defuses "billion laughs".
        slot = self.slot()
        self.problem(event.start_mark, slot.path, f"aliases are not allowed ('*{event.anchor}')")
        if slot.kind == "key":
            assert slot.frame is not None
            slot.frame.awaiting_key = False
            slot.frame.discard = True
        else:
            self.put(slot, None, event.start_mark)

    def start(self, event: CollectionStartEvent) -> None:
        slot = self.slot()
        if slot.kind == "key":
            self.fatal(
                event.start_mark,
                slot.path,
                "complex keys (a list or mapping used as a key) are not allowed",
            )
        if len(self.stack) >= MAX_DEPTH:
            self.fatal(event.start_mark, (), f"nesting is deeper than {MAX_DEPTH} levels")
        self.check_properties(event, slot.path)
        container: list[Any] | dict[str, Any]
        kind: Literal["seq", "map"]
        if isinstance(event, SequenceStartEvent):
            container, kind = [], "seq"
        else:
            assert isinstance(event, MappingStartEvent)
            container, kind = {}, "map"
        record = slot.record
        # Attach the (still empty) container now; it is filled in place.
        self.put(slot, container, event.start_mark)
        self.stack.append(_Frame(kind, container, slot.path, record))
