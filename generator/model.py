"""Stage 2, *model*: validate the raw records and tie them into one typed :class:`Site`.

Each fact sheet is validated against its model in :mod:`generator.schema`; a
sheet that fails is left out (its problems are reported) so that the rest of the
input can still be checked in the same run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import pickle
import re
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from generator.article import Article, Unpacked, dateline_in_year, stated_without_year
from generator.article import Field as SourceField
from generator.cache import Cache, Entry, key_of, memo, stored
from generator.citations import Location, locate_quote
from generator.load import Inputs, SeedFile
from generator.mentions import (
    Form,
    Matcher,
    Mention,
    NameEntry,
    UnknownName,
    build_matcher,
    find_mentions,
    find_unknown_names,
    sentence_spans,
)
from generator.parallel import pmap_shared, stopping
from generator.problems import Problem, did_you_mean
from generator.schema import (
    SHEETS,
    Citation,
    CountrySheet,
    MeetingSheet,
    OrganizationSheet,
    Participation,
    PersonSheet,
    SiteConfig,
    SourceMeta,
    Statement,
)
from generator.yamlstrict import YamlDocument

S = TypeVar("S", bound=BaseModel)

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Record(Generic[S]):
    """A validated fact sheet and where it came from."""

    kind: str
    slug: str
    path: str
    doc: YamlDocument
    """Where the sheet's parts were written (:meth:`YamlDocument.placed`: no data)."""
    sheet: S

    def where(self, loc: Loc) -> tuple[int, int]:
        return self.doc.position(loc)


@dataclass(frozen=True)
class Source:
    """A seed article with curated metadata applied."""

    id: str
    path: str
    article: Article
    title: SourceField[str]
    outlet: SourceField[str]
    published: SourceField[dt.date]
    byline: SourceField[str]
    url: str | None
    excerpt: bool
    digest: str = field(default="", compare=False, repr=False)
    """A hash of the seed's text and curated metadata: all that the source is made from."""

    @property
    def slug(self) -> str:
        return self.id


@dataclass(frozen=True)
class CitationUse:
    """One citation in one fact, with the outcome of looking its quote up."""

    owner_kind: str
    owner_slug: str
    path: str
    loc: Loc
    line: int
    col: int
    source: str
    quote: str
    location: Location | None
    speaker: str | None = None
    again: bool = False
    """The quote is in the source again after ``location``: the footnote shows the first."""

    @property
    def anchor(self) -> str:
        """The id of the highlighted passage on the source page."""
        if self.location is None:
            return ""
        return f"q-{self.location.block}-{self.location.start}-{self.location.end}"


class MentionRef(NamedTuple):
    """A mention of an entity in a source, with where the sentence it stands in is.

    Made when asked for (see :class:`EntityMentions`), not kept."""

    source: str
    mention: Mention
    sentence: int
    """Where the sentence is in the source: see :func:`sentence_of`."""


# A mention as it is kept: seven ints in its source's array. The entity (its place in
# the table of names), the block (0 for the title, else 1 + its index in article.blocks),
# start and end in the block, the form, and where its sentence starts and ends in the
# block. As objects, the mentions of a site of 10,000 articles took some 60 MB in each
# process; and a forked worker copies every object it reads, to count a reference to
# it, where an array's numbers are read without a write and stay shared.
_FIELDS = 7
FORMS: tuple[Form, ...] = get_args(Form)
_FORM_INDEX = {form: i for i, form in enumerate(FORMS)}
# Named tuples made from their fields as a tuple is, without their __new__'s call.
_new_tuple = tuple.__new__


class SourceMentions(Unpacked[Mention]):
    """The mentions found in one source, in reading order, kept as one array of ints
    and made into :class:`Mention` tuples as they are read."""

    __slots__ = ("source", "article", "entities", "data")

    def __init__(
        self, source: str, article: Article, entities: tuple[tuple[str, str], ...], data: array
    ) -> None:
        self.source = source
        self.article = article
        self.entities = entities
        self.data = data

    def __len__(self) -> int:
        return len(self.data) // _FIELDS

    def _item(self, index: int) -> Mention:
        return self._make(index * _FIELDS)

    def __iter__(self) -> Iterator[Mention]:
        # The hot path of every page that lists a source's names: _make, inlined, and
        # each block's text decoded once for all the names in it.
        entities, forms, new = self.entities, FORMS, _new_tuple
        blocks, title = self.article.blocks, self.article.title.value or ""
        block_id, text, at = "title", title, 0
        fields = iter(self.data)
        for entity, block, start, end, form, _first, _last in zip(*[fields] * _FIELDS, strict=True):
            if block != at:
                if block:
                    block_id, text = blocks.ids[block - 1], blocks.text(block - 1)
                else:
                    block_id, text = "title", title
                at = block
            kind, slug = entities[entity]
            yield new(Mention, (kind, slug, block_id, start, end, text[start:end], forms[form]))

    def __repr__(self) -> str:
        return f"SourceMentions({self.source!r}, {list(self)!r})"

    def _make(self, at: int, texts: dict[int, str] | None = None) -> Mention:
        """The mention whose fields start at ``at`` in the array. ``texts``: block texts
        decoded so far, by block number, for a caller reading many mentions."""
        data = self.data
        kind, slug = self.entities[data[at]]
        block, start, end = data[at + 1], data[at + 2], data[at + 3]
        block_id = self.article.blocks.ids[block - 1] if block else "title"
        text = block_text(self.article, block, texts)
        found = (kind, slug, block_id, start, end, text[start:end], FORMS[data[at + 4]])
        return _new_tuple(Mention, found)

    def ref(self, index: int, texts: dict[int, str] | None = None) -> MentionRef:
        """Mention ``index`` with the source's id and where its sentence is (``texts``:
        see :meth:`_make`)."""
        at = index * _FIELDS
        data = self.data
        sentence = _packed(data[at + 1], data[at + 5], data[at + 6])
        return _new_tuple(MentionRef, (self.source, self._make(at, texts), sentence))

    def in_title(self) -> list[Mention]:
        """The mentions in the title: the first, if any (they are in reading order)."""
        data, found = self.data, []
        for at in range(0, len(data), _FIELDS):
            if data[at + 1]:
                break
            found.append(self._make(at))
        return found

    def entity_keys(self) -> set[tuple[str, str]]:
        """The (kind, slug) of every entity the source names."""
        entities = self.entities
        return {entities[e] for e in set(self.data[::_FIELDS])}

    def slugs(self, kind: str) -> set[str]:
        """The slugs of the entities of ``kind`` the source names."""
        return {slug for k, slug in self.entity_keys() if k == kind}


class EntityMentions(Unpacked[MentionRef]):
    """Where one entity is named: in source-id order, then in reading order. Kept as the
    mentions of each source that names it, and for each mention, which of them and its
    place there; made into :class:`MentionRef` tuples as they are read."""

    __slots__ = ("parts", "places")

    def __init__(self, parts: tuple[SourceMentions, ...], places: array) -> None:
        self.parts = parts
        self.places = places  # (part, mention) pairs

    def __len__(self) -> int:
        return len(self.places) // 2

    def _item(self, index: int) -> MentionRef:
        return self.parts[self.places[2 * index]].ref(self.places[2 * index + 1])

    def __iter__(self) -> Iterator[MentionRef]:
        parts = self.parts
        places = iter(self.places)
        here, texts = -1, {}
        for part, index in zip(places, places, strict=True):
            if part != here:  # each block's text decoded once per source
                here, texts = part, {}
            yield parts[part].ref(index, texts)

    def __repr__(self) -> str:
        return f"EntityMentions({list(self)!r})"

    def sources(self) -> list[str]:
        """The ids of the sources that name the entity, in order."""
        return [part.source for part in self.parts]

    def written(self) -> Iterator[tuple[str, str, Form]]:
        """(source id, the name as written, its form) for each mention: all that a list
        of spellings needs, without making the mentions."""
        parts, forms = self.parts, FORMS
        places = iter(self.places)
        here, texts = -1, {}
        for part, index in zip(places, places, strict=True):
            # No Mention made: a person's page lists every spelling of every mention.
            if part != here:  # each block's text decoded once per source
                here, texts = part, {}
            source = parts[part]
            data, at = source.data, index * _FIELDS
            text = block_text(source.article, data[at + 1], texts)
            yield source.source, text[data[at + 2] : data[at + 3]], forms[data[at + 4]]

    def places_in(self) -> Iterator[tuple[SourceMentions, int]]:
        """Each mention as its source's mentions and its place there."""
        parts = self.parts
        places = iter(self.places)
        for part, index in zip(places, places, strict=True):
            yield parts[part], index


def sources_naming(site: Site, kind: str, slug: str) -> list[str]:
    """The ids of the sources that name the record, in order."""
    found = site.mentioned.get((kind, slug))
    return found.sources() if found is not None else []


def entity_mentions(places: Iterable[tuple[SourceMentions, int]]) -> EntityMentions:
    """The mentions at ``places``, given in order, as one :class:`EntityMentions`."""
    parts: list[SourceMentions] = []
    out = array("I")
    for part, index in places:
        if not parts or parts[-1] is not part:
            parts.append(part)
        out.append(len(parts) - 1)
        out.append(index)
    return EntityMentions(tuple(parts), out)


# A sentence's place, packed into one int: its block (0 for the title, else 1 + the
# block's index in article.blocks), and its start and end in the block. An int per
# sentence where a copy of its text would be most of what the mentions of a large site
# take (a third more than its prose).
_SPAN_BITS = 32
_SPAN_MASK = (1 << _SPAN_BITS) - 1


def _packed(block: int, start: int, end: int) -> int:
    return (((block << _SPAN_BITS) | start) << _SPAN_BITS) | end


def sentence_block(packed: int) -> int:
    """The block of the sentence at ``packed``: 0 for the title, else 1 + its index in
    article.blocks."""
    return packed >> (2 * _SPAN_BITS)


def block_text(article: Article, block: int, texts: dict[int, str] | None = None) -> str:
    """The text of block ``block`` (0 for the title, else 1 + its index in article.blocks).

    A paragraph's text is decoded on each read: a caller reading many sentences or names
    passes ``texts`` to decode each block once (a long single-block text naming someone
    thousands of times would otherwise be decoded thousands of times)."""
    if texts is not None:
        found = texts.get(block)
        if found is not None:
            return found
    text = article.blocks.text(block - 1) if block else article.title.value or ""
    if texts is not None:
        texts[block] = text
    return text


def sentence_of(article: Article, packed: int, texts: dict[int, str] | None = None) -> str:
    """The text of the sentence at ``packed`` (a :attr:`MentionRef.sentence`); ``texts``:
    see :func:`block_text`."""
    text = block_text(article, sentence_block(packed), texts)
    return text[(packed >> _SPAN_BITS) & _SPAN_MASK : packed & _SPAN_MASK]


@dataclass(frozen=True)
class Attendance:
    meeting: str
    role: str
    as_host: bool
    participation: Participation


@dataclass(frozen=True)
class Site:
    root: Path
    config: SiteConfig
    sources: dict[str, Source]
    meetings: dict[str, Record[MeetingSheet]]
    people: dict[str, Record[PersonSheet]]
    countries: dict[str, Record[CountrySheet]]
    organizations: dict[str, Record[OrganizationSheet]]
    citations: tuple[CitationUse, ...] = ()
    attendance: dict[str, tuple[Attendance, ...]] = field(default_factory=dict)
    followed_by: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mentions: dict[str, SourceMentions] = field(default_factory=dict)
    mentioned: dict[tuple[str, str], EntityMentions] = field(default_factory=dict)
    unknown_names: tuple[tuple[str, UnknownName], ...] = ()
    broken: frozenset[tuple[str, str]] = frozenset()
    """(kind, slug) of fact sheets that exist but could not be read (reported already)."""
    sheets_token: object = field(default=None, compare=False, repr=False)
    """The same object for as long as no fact sheet changes (within one ``serve`` session)."""
    names_key: str = ""
    """A hash of every name the mention matcher looks for."""

    def kind(self, kind: str) -> dict[str, Record[Any]]:
        return {
            "meetings": self.meetings,
            "people": self.people,
            "countries": self.countries,
            "organizations": self.organizations,
        }[kind]


# -- validation errors -----------------------------------------------------------------------

_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "date_from_datetime_parsing": "not a valid date; write YYYY-MM-DD",
    "date_parsing": "not a valid date; write YYYY-MM-DD",
    "date_type": "not a valid date; write YYYY-MM-DD",
    "string_type": "expected text",
    "list_type": "expected a list",
    "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
    "dict_type": "expected a mapping",
    "string_pattern_mismatch": "not a valid id (lowercase letters, digits and single hyphens)",
    "string_too_short": "must not be empty",
    "too_short": "needs more entries",
}


def _message(error: Any, model: type[BaseModel], loc: Loc) -> tuple[str, str]:
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _model_at(model, loc[:-1])
        name = str(loc[-1])
        for field_name, info in (parent.model_fields if parent else {}).items():
            choices = getattr(info.validation_alias, "choices", ())
            if name in choices:  # "date" and "published" both given
                names = " and ".join(repr(c) for c in choices)
                return f"gives the {field_name} again ({names} are the same field); keep one", ""
        synonyms: dict[str, str] = getattr(parent, "field_synonyms", {})
        if name.lower() in synonyms:  # a name other tools use: "author" for byline
            return "unknown field", f"Did you mean {synonyms[name.lower()]!r}?"
        hint = did_you_mean(name, parent.model_fields) if parent else ""
        return "unknown field", hint
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"must be one of {expected}", ""
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, "), ""
    if kind in ("date_from_datetime_parsing", "date_parsing") and isinstance(
        error.get("input"), str
    ):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", error["input"]):
            return f"no such date: {error['input']!r}", ""
        return f"not a valid date: {error['input']!r}; write YYYY-MM-DD", ""
    return _MESSAGES.get(kind, str(error["msg"])), ""


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that describes the value at ``loc`` (for field suggestions)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _inner_model(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def validation_problems(
    exc: ValidationError, model: type[BaseModel], path: str, doc: YamlDocument, prefix: Loc = ()
) -> list[Problem]:
    """Pydantic's errors as Problems placed at the offending value (or key) in the file."""
    problems = []
    for error in exc.errors():
        # Pydantic adds the names of union members and validators to loc; keep data keys only.
        loc: Loc = tuple(
            p
            for p in error["loc"]
            if isinstance(p, int) or not str(p).startswith(("function-", "tagged-"))
        )
        message, hint = _message(error, model, loc)
        full = _as_written(doc.data, (*prefix, *loc))
        if error["type"] == "extra_forbidden":
            line, col = doc.key_position(full)
        else:
            line, col = doc.position(full)
        problems.append(Problem(path, line, col, ".".join(map(str, full)), message, hint))
    return problems


def _as_written(data: Any, loc: Loc) -> Loc:
    """Drop key parts added by shorthand expansion (``date: X`` validated as ``date.value``)."""
    current = data
    for i, part in enumerate(loc):
        if isinstance(current, str):
            return loc[:i]
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            return loc
    return loc


def validate(
    model: type[S],
    doc: YamlDocument,
    path: str,
    problems: list[Problem],
    *,
    value: Any = None,
    prefix: Loc = (),
) -> S | None:
    """Validate ``value`` (the whole document by default); on failure add Problems."""
    try:
        valid = model.model_validate(doc.data if value is None and not prefix else value)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, model, path, doc, prefix))
        return None
    _share_fields_sets(valid)
    return valid


@functools.lru_cache(maxsize=256)
def _one_set(names: frozenset[str]) -> set[str]:
    return set(names)


def _share_fields_sets(value: Any) -> None:
    """Give every model inside a sheet the one set of its field names shared by all equal ones.

    Pydantic keeps, on each model, the set of fields its input gave: at 10,000 articles
    23,556 sets of 11 different kinds, 5 MiB in each process of a build. Sheets are
    frozen, so nothing adds to a set; a copy made with changes gets a set of its own.
    """
    if isinstance(value, BaseModel):
        object.__setattr__(
            value, "__pydantic_fields_set__", _one_set(frozenset(value.model_fields_set))
        )
        for name in type(value).model_fields:
            _share_fields_sets(getattr(value, name))
    elif isinstance(value, list):
        for item in value:
            _share_fields_sets(item)


# -- citations -------------------------------------------------------------------------------


def walk_citations(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Citation | Statement]]:
    """Every Citation and Statement inside a sheet, with its key path."""
    if isinstance(value, Citation | Statement):
        yield loc, value
        return
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from walk_citations(getattr(value, name), (*loc, name))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from walk_citations(item, (*loc, i))


def _merge_field(parsed: SourceField[Any], curated: Any) -> SourceField[Any]:
    if curated is None:
        return parsed
    # Where the parser found it ("from the dateline") holds only for the value it found.
    return SourceField(curated, "curated", parsed.note if parsed.value == curated else "")


def _source(seed: SeedFile, meta: SourceMeta | None, language: str) -> Source:
    """The source of ``seed``; ``language``: the site's, which its text is taken to be
    in unless content/sources.yaml says otherwise."""
    a = seed.article
    language = meta.language if meta is not None and meta.language else language
    if a.language != language:
        a = dataclasses.replace(a, language=language)
    if meta is not None and meta.published and a.dateline_date.value is None:
        # The parser saw "November 21" but no year; the curated publication date has one.
        stated = stated_without_year(a.dateline_date.note)
        if stated:
            a = dataclasses.replace(a, dateline_date=dateline_in_year(stated, meta.published))
    return Source(
        id=seed.id,
        path=seed.path,
        article=a,
        title=_merge_field(a.title, meta.title if meta else None),
        outlet=_merge_field(a.outlet, meta.outlet if meta else None),
        published=_merge_field(a.published, meta.published if meta else None),
        byline=_merge_field(a.byline, meta.byline if meta else None),
        url=meta.url if meta else None,
        excerpt=meta.excerpt if meta else False,
        digest=key_of(seed.path, seed.digest, repr(meta), language),
    )


def build_model(
    inputs: Inputs, cache: Cache | None = None, *, unknown_names: bool = True
) -> tuple[Site | None, list[Problem]]:
    """Validate every record; return the Site (None without a valid site.yaml) and problems.

    ``unknown_names``: also look for names no fact sheet covers (for check, add and
    suggest; a build does not show them, so it skips the work).
    """
    problems = list(inputs.problems)
    # What the previous build of a session made, reused where its inputs are the same objects.
    kept = memo(cache, "model")
    config = validate(SiteConfig, inputs.config, "site.yaml", problems) if inputs.config else None

    metas: dict[str, SourceMeta] = {}
    seed_ids = {s.id for s in inputs.seeds}
    if inputs.sources_meta is not None:
        doc = inputs.sources_meta
        for key, value in sorted(doc.data.items()):
            if key not in seed_ids:
                line, col = doc.key_position((key,))
                problems.append(
                    Problem(
                        doc.path,
                        line,
                        col,
                        key,
                        "no such source in seeds/",
                        did_you_mean(key, seed_ids),
                    )
                )
                continue
            meta = validate(SourceMeta, doc, doc.path, problems, value=value, prefix=(key,))
            if meta is not None:
                metas[key] = meta
    made_before: dict[str, tuple[Any, ...]] = kept.get("sources", {})
    made: dict[str, tuple[Any, ...]] = {}
    sources: dict[str, Source] = {}
    language = config.language if config is not None else "en"
    for seed in sorted(inputs.seeds, key=lambda s: s.id):
        meta = metas.get(seed.id)
        hit = made_before.get(seed.id)
        if hit is not None and hit[0] is seed and hit[1] == meta and hit[3] == language:
            source = hit[2]
        else:
            source = _source(seed, meta, language)
        made[seed.id] = (seed, meta, source, language)
        sources[seed.id] = source
    kept["sources"] = made

    by_kind: dict[str, dict[str, Record[Any]]] = {kind: {} for kind in SHEETS}
    broken: set[tuple[str, str]] = set(inputs.broken)
    # In a session, a sheet read from the same document object is not validated again.
    before: dict[str, tuple[Any, ...]] = kept.get("records", {})
    now: dict[str, tuple[Any, ...]] = {}
    for sheet in sorted(inputs.sheets, key=lambda s: (s.kind, s.slug)):
        hit = before.get(sheet.path)
        if hit is not None and hit[0] is sheet.doc and hit[1] == (sheet.kind, sheet.slug):
            record, found = hit[2], hit[3]
        else:
            found = []
            value = validate(SHEETS[sheet.kind], sheet.doc, sheet.path, found)
            record = (
                Record(sheet.kind, sheet.slug, sheet.path, sheet.doc.placed(), value)
                if value is not None
                else None
            )
        now[sheet.path] = (sheet.doc, (sheet.kind, sheet.slug), record, found)
        problems.extend(found)
        if record is not None:
            by_kind[sheet.kind][sheet.slug] = record
        else:
            broken.add((sheet.kind, sheet.slug))
    same_sheets = now.keys() == before.keys() and all(now[k][2] is before[k][2] for k in now)
    kept["records"] = now
    # One object per generation of the fact sheets: later stages key their memos on it.
    if not same_sheets or "sheets_token" not in kept:
        kept["sheets_token"] = object()
    sheets_token = kept["sheets_token"]

    if config is None:
        return None, problems

    citations: list[CitationUse] = []
    texts_by_id = {seed.id: seed.text for seed in inputs.seeds}
    # Checked while the workers look for mentions (see find_all_mentions), finished after.
    citing = _cite_all(by_kind, sources, texts_by_id, kept, cache, citations)

    attendance: dict[str, list[Attendance]] = defaultdict(list)
    followed_by: dict[str, list[str]] = defaultdict(list)
    for slug, record in by_kind["meetings"].items():
        sheet: MeetingSheet = record.sheet
        for as_host, group in ((True, sheet.hosts), (False, sheet.participants)):
            for part in group:
                if part.person:
                    attendance[part.person].append(Attendance(slug, part.role, as_host, part))
        if sheet.follows:
            followed_by[sheet.follows].append(slug)
    meetings = by_kind["meetings"]
    for attended in attendance.values():  # a person's meetings by date, as every list is
        attended.sort(key=lambda a: (meetings[a.meeting].sheet.date.value, a.meeting))

    mentions, mentioned, unknown, names_key = find_all_mentions(
        sources,
        by_kind,
        cache,
        texts_by_id,
        unknown=unknown_names,
        sheets_token=sheets_token,
        meanwhile=citing,
    )
    for _ in citing:  # what was left of it
        pass

    site = Site(
        root=inputs.root,
        config=config,
        sources=sources,
        meetings=by_kind["meetings"],
        people=by_kind["people"],
        countries=by_kind["countries"],
        organizations=by_kind["organizations"],
        citations=tuple(citations),
        attendance={k: tuple(v) for k, v in sorted(attendance.items())},
        followed_by={k: tuple(sorted(v)) for k, v in sorted(followed_by.items())},
        mentions=mentions,
        mentioned=mentioned,
        unknown_names=unknown,
        broken=frozenset(broken),
        sheets_token=sheets_token,
        names_key=names_key,
    )
    return site, problems


def _cite_all(
    by_kind: dict[str, dict[str, Record[Any]]],
    sources: dict[str, Source],
    texts_by_id: dict[str, str],
    kept: dict[str, Any],
    cache: Cache | None,
    citations: list[CitationUse],
) -> Iterator[None]:
    """Every citation of every fact sheet, located in its source, into ``citations``;
    one step per sheet, so that the process can take up workers' results in between.
    Reuses a session's previous uses of a sheet whose objects are all the same."""
    uses_before: dict[str, tuple[Any, ...]] = kept.get("citations", {})
    uses_now: dict[str, tuple[Any, ...]] = {}
    flat: dict[str, Any] = {}  # each cited article's passages, normalised once
    # Where each quote was found, kept on disk in one entry: a build after one article
    # changed looks up only that article's quotes (thousands, on a large site).
    quotes_key = cache.key("quotes") if cache is not None else ""
    found_before = (cache.get("quotes", quotes_key) if cache is not None else None) or {}
    located: dict[str, tuple[Location | None, bool]] = {}
    for kind, records in by_kind.items():
        for record in records.values():
            hit = uses_before.get(record.path)
            # Still valid if the sheet and every source it cites are the same objects.
            if (
                hit is not None
                and hit[0] is record
                and all(sources.get(sid) is src for sid, src in hit[1])
            ):
                uses_now[record.path] = hit
                citations.extend(hit[2])
                continue
            uses = _citation_uses(kind, record, sources, texts_by_id, found_before, located, flat)
            cited = tuple((sid, sources.get(sid)) for sid in sorted({u.source for u in uses}))
            uses_now[record.path] = (record, cited, uses)
            citations.extend(uses)
            yield
    kept["citations"] = uses_now
    if cache is not None and located and not located.keys() <= found_before.keys():
        cache.put("quotes", quotes_key, {**found_before, **located} if cache.lasting else located)
    elif cache is not None:
        cache.touch("quotes", quotes_key)


def _citation_uses(
    kind: str,
    record: Record[Any],
    sources: dict[str, Source],
    texts: dict[str, str],
    before: dict[str, tuple[Location | None, bool]],
    located: dict[str, tuple[Location | None, bool]],
    flat: dict[str, Any],
) -> list[CitationUse]:
    """Every citation of one sheet, each looked up in its source."""
    uses = []
    where = record.doc.where()
    for loc, cite in walk_citations(record.sheet):
        line, col = where.position((*loc, "quote"))
        source = sources.get(cite.source)
        location, again = (
            _locate(source.article, texts[cite.source], cite.quote, before, located, flat)
            if source
            else (None, False)
        )
        speaker = cite.speaker if isinstance(cite, Statement) else None
        uses.append(
            CitationUse(
                kind,
                record.slug,
                record.path,
                loc,
                line,
                col,
                cite.source,
                cite.quote,
                location,
                speaker,
                again,
            )  # fmt: skip
        )
    return uses


def _locate(
    article: Article,
    text: str,
    quote: str,
    before: dict[str, tuple[Location | None, bool]],
    located: dict[str, tuple[Location | None, bool]],
    flat: dict[str, Any],
) -> tuple[Location | None, bool]:
    """locate_quote, remembered by the source's text and the quote (``before``: what
    earlier builds found; ``located``: this build's, added to)."""
    key = key_of(article.id, text, quote)
    found = located.get(key) or before.get(key)
    if found is None:
        found = locate_quote(article, quote, flat)
    located[key] = found
    return found


def name_entries(by_kind: dict[str, dict[str, Record[Any]]]) -> list[NameEntry]:
    """What the mention matcher needs to know of each record's names."""
    entries = []
    for slug, rec in by_kind["people"].items():
        p: PersonSheet = rec.sheet
        entries.append(
            NameEntry(
                "people",
                slug,
                p.name,
                tuple(a.name for a in p.aliases),
                honorific=p.honorific,
                surname=p.surname,
            )
        )
    for slug, rec in by_kind["countries"].items():
        c: CountrySheet = rec.sheet
        entries.append(
            NameEntry(
                "countries",
                slug,
                c.name,
                tuple(a.name for a in c.aliases),
                demonyms=tuple(c.demonyms),
                capital=c.capital,
                capital_names_country=c.capital_names_country,
            )
        )
    for slug, rec in by_kind["organizations"].items():
        o: OrganizationSheet = rec.sheet
        entries.append(
            NameEntry(
                "organizations", slug, o.name, tuple(a.name for a in o.aliases), short=o.short
            )
        )
    for slug, rec in by_kind["meetings"].items():
        m: MeetingSheet = rec.sheet
        if m.aliases:
            # A meeting is found by the names sources give it, never by its editorial title.
            names = [a.name for a in m.aliases]
            entries.append(NameEntry("meetings", slug, names[0], tuple(names[1:])))
    return entries


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` that holds the range [start, end)."""
    first, last = _sentence_in(text, sentence_spans(text), start, end)
    return text[first:last]


def _sentence_in(text: str, spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """Where the sentence holding [start, end) is, without the spaces around it."""
    for first, last in spans:
        if first <= start < last or (first < end <= last):
            break
    else:
        first, last = 0, len(text)
    while first < last and text[first].isspace():
        first += 1
    while last > first and text[last - 1].isspace():
        last -= 1
    return first, last


def _scan_one(
    job: tuple[Matcher, dict[tuple[str, str], int], bool, list[Article], list[Entry | None]],
    index: int,
) -> bytes:
    matcher, numbers, unknown, articles, entries = job
    return stored(_scan_source(matcher, numbers, unknown, articles[index]), entries[index])


def _scan_source(
    matcher: Matcher, numbers: dict[tuple[str, str], int], unknown: bool, article: Article
) -> tuple[array, tuple[UnknownName, ...]]:
    """Mentions in one article as :class:`SourceMentions` keeps them (``numbers``: each
    entity's place in the table of names), and (if asked) its uncovered names."""
    found = find_mentions(matcher, article)
    texts = {b.id: (index, b.text) for index, b in enumerate(article.blocks, 1)}
    texts["title"] = (0, article.title.value or "")
    spans: dict[str, list[tuple[int, int]]] = {}
    data = array("I")
    for m in found:
        index, text = texts[m.block]
        # Sentence boundaries once per block, not once per mention.
        block_spans = spans.get(m.block)
        if block_spans is None:
            block_spans = spans[m.block] = sentence_spans(text)
        first, last = _sentence_in(text, block_spans, m.start, m.end)
        entity = numbers[(m.kind, m.slug)]
        data.extend((entity, index, m.start, m.end, _FORM_INDEX[m.form], first, last))
    names = tuple(find_unknown_names(article, found)) if unknown else ()
    return data, names


def find_all_mentions(
    sources: dict[str, Source],
    by_kind: dict[str, dict[str, Record[Any]]],
    cache: Cache | None = None,
    texts: dict[str, str] | None = None,
    unknown: bool = True,
    sheets_token: object = None,
    meanwhile: Iterator[None] | None = None,
) -> tuple[
    dict[str, SourceMentions],
    dict[tuple[str, str], EntityMentions],
    tuple[tuple[str, UnknownName], ...],
    str,
]:
    """Mentions per source, mentions per entity, names no fact sheet covers, and a hash
    of the names looked for.

    Results per article are cached by the article's text and every name the
    fact sheets define, so editing one article rescans only that article. In a
    session, the mentions per entity of the previous build are updated for the
    articles that changed rather than regrouped from every article.
    """
    kept = memo(cache, "mentions")
    names = kept.get("names")
    if names is not None and sheets_token is not None and names[0] is sheets_token:
        names_key = names[1]
    else:
        names_key = key_of(repr(name_entries(by_kind)))
        kept["names"] = (sheets_token, names_key)
    matching = cache.recall("matcher", names_key) if cache is not None else None
    if matching is None:
        entries = name_entries(by_kind)
        # The table of names the scans number entities by: the same for the same names_key.
        entities = tuple(dict.fromkeys((e.kind, e.slug) for e in entries))
        numbers = {entity: i for i, entity in enumerate(entities)}
        matching = (build_matcher(entries), entities, numbers)
        if cache is not None:
            cache.remember("matcher", names_key, matching)
    matcher, entities, numbers = matching

    def viewed(sid: str, scan: tuple[array, tuple[UnknownName, ...]]) -> Any:
        data, found_names = scan
        return SourceMentions(sid, sources[sid].article, entities, data), found_names

    scans_before: dict[str, tuple[Any, ...]] = kept.get("scans", {})
    scans: dict[str, tuple[Any, ...]] = {}
    results: dict[str, Any] = {}
    keys: dict[str, str] = {}
    todo: list[str] = []
    used: list[str] = []
    for sid, source in sources.items():
        hit = scans_before.get(sid)
        if hit is not None and hit[0] is source.article and hit[1] == (names_key, unknown):
            results[sid] = hit[2]
            scans[sid] = hit
            if hit[3]:
                used.append(hit[3])
            continue
        if cache is not None and texts is not None and sid in texts:
            keys[sid] = cache.key("mentions", names_key, str(unknown), sid, texts[sid])
            found = cache.get("mentions", keys[sid])
            if found is not None:
                results[sid] = found = viewed(sid, found)
                scans[sid] = (source.article, (names_key, unknown), found, keys[sid])
                continue
        todo.append(sid)
    if cache is not None:
        cache.touch("mentions", *used)
    # The matcher and the articles reach the workers through fork, not pickling; each
    # result travels back pickled, and that pickle is its cache entry (see stored()).
    entries_of = [
        cache.entry("mentions", keys[sid]) if cache and sid in keys else None for sid in todo
    ]
    job = (matcher, numbers, unknown, [sources[sid].article for sid in todo], entries_of)
    previous = kept.get("mentioned")
    patch = previous is not None and previous[0] == (names_key, unknown)
    # Without a previous grouping to patch, group while the workers scan: this process
    # takes results in source order, and whatever it does between two takes is done
    # beside the workers rather than after them.
    grouping = _Grouping() if not patch else None
    waiting = set(todo)
    scanned = pmap_shared(_scan_one, job, len(todo), meanwhile=meanwhile)
    with stopping(scanned):
        for sid in sources:
            if sid in waiting:
                scan = pickle.loads(next(scanned))
                results[sid] = result = viewed(sid, scan)
                scans[sid] = (sources[sid].article, (names_key, unknown), result, keys.get(sid, ""))
                if cache is not None and sid in keys:
                    cache.put("mentions", keys[sid], scan, written=True)
            if grouping is not None:
                grouping.add(results[sid][0])
    kept["scans"] = scans

    per_source = {sid: results[sid][0] for sid in sources}
    unknown_names = tuple((sid, u) for sid in sources for u in results[sid][1])
    mentioned = None
    if patch:
        # A source whose metadata changed (a curated title) keeps its scan, but the
        # pages that list its mentions show its title: its entities get new tuples too.
        sources_before = previous[3]
        retitled = {sid for sid, source in sources.items() if sources_before.get(sid) is not source}
        mentioned = _regroup_changed(previous[1], previous[2], results, retitled)
    if mentioned is None:
        mentioned = grouping.done() if grouping is not None else _group_by_entity(sources, results)
    kept["mentioned"] = ((names_key, unknown), dict(results), mentioned, dict(sources))
    return per_source, mentioned, unknown_names, names_key


class _Grouping:
    """Mentions per entity, made from each source's mentions in source-id order: in
    source-id order, then in reading order."""

    def __init__(self) -> None:
        self.per_entity: dict[tuple[str, str], list[tuple[SourceMentions, int]]] = {}

    def add(self, found: SourceMentions) -> None:
        per_entity = self.per_entity
        entities = found.entities
        for index, entity in enumerate(found.data[::_FIELDS]):
            key = entities[entity]
            places = per_entity.get(key)
            if places is None:
                places = per_entity[key] = []
            places.append((found, index))

    def done(self) -> dict[tuple[str, str], EntityMentions]:
        return {k: entity_mentions(v) for k, v in sorted(self.per_entity.items())}


def _group_by_entity(
    sources: dict[str, Source], results: dict[str, Any]
) -> dict[tuple[str, str], EntityMentions]:
    grouping = _Grouping()
    for sid in sources:
        grouping.add(results[sid][0])
    return grouping.done()


# Above this many changed articles, regrouping everything is as cheap as patching.
_PATCH_LIMIT = 200


def _regroup_changed(
    results_before: dict[str, Any],
    mentioned_before: dict[tuple[str, str], EntityMentions],
    results: dict[str, Any],
    also: set[str] | None = None,
) -> dict[tuple[str, str], EntityMentions] | None:
    """The mentions per entity of the previous build, updated for the articles that changed
    (and for the sources in ``also``, whose scans are the same).

    Gives exactly what :func:`_group_by_entity` would: in source-id order, then in
    reading order. Entities no changed article names keep their very object, which later
    stages use to see that nothing about them changed. None: too much changed to patch.
    """
    changed = {sid for sid, r in results.items() if results_before.get(sid) is not r}
    changed |= results_before.keys() - results.keys()
    if also:
        changed |= also & results.keys()
    if len(changed) > _PATCH_LIMIT:
        return None
    if not changed:
        return mentioned_before
    affected: set[tuple[str, str]] = set()
    grouping = _Grouping()
    for sid in sorted(changed):
        if sid in results_before:
            affected.update(results_before[sid][0].entity_keys())
        if sid in results:
            grouping.add(results[sid][0])
    fresh = grouping.per_entity
    affected |= fresh.keys()
    out = dict(mentioned_before)
    for key in affected:
        before = mentioned_before.get(key)
        places = [p for p in before.places_in() if p[0].source not in changed] if before else []
        places.extend(fresh.get(key, ()))
        places.sort(key=lambda p: p[0].source)  # stable: reading order within a source stays
        if places:
            out[key] = entity_mentions(places)
        else:
            out.pop(key, None)
    if out.keys() != mentioned_before.keys():
        out = dict(sorted(out.items()))
    return out
