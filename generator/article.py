"""The article parser: raw news text in, a structured :class:`Article` out.

Part of the *load* stage. It is a pure function of the text: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Generic, Literal, NamedTuple, TypeVar, overload

T = TypeVar("T")

Basis = Literal["parsed", "derived", "curated", "missing"]


class Field(NamedTuple, Generic[T]):
    """A value and where it came from.

    ``parsed``: read from the text as stated; ``derived``: worked out from the
    text (a headline from the first sentence, a year from the publication date);
    ``curated``: set in ``content/sources.yaml``; ``missing``: not known.

    This and the parts of an article below are named tuples, not dataclasses: every
    article parsed on a worker is sent back, and tuples pickle several times faster.
    """

    value: T | None = None
    basis: Basis = "missing"
    note: str = ""

    def __reduce__(self) -> tuple[Any, ...]:
        return _field, tuple(self)


ParagraphKind = Literal["prose", "standfirst", "blockquote", "caption"]


class Paragraph:
    """A block of the article's prose. ``id`` is stable (``p1``, ``p2``...).

    An article keeps its paragraphs packed (see :class:`Blocks`); a Paragraph is made
    each time one is read, and lives as long as its reader needs it.
    """

    __slots__ = ("id", "kind", "text")

    def __init__(self, id: str, text: str, kind: ParagraphKind = "prose") -> None:
        self.id = id
        self.kind = kind
        self.text = text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Paragraph):
            return NotImplemented
        return self.id == other.id and self.kind == other.kind and self.text == other.text

    def __hash__(self) -> int:
        return hash((self.id, self.text, self.kind))

    def __repr__(self) -> str:
        return f"Paragraph(id={self.id!r}, text={self.text!r}, kind={self.kind!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return _paragraph, (self.id, self.text, self.kind)


class RelativeDate(NamedTuple):
    """A day named only by its weekday ("on Monday"), placed next to a known date.

    ``date`` is ``derived`` (counted from the publication or dateline date, the
    note says how) or ``missing`` (no date to count from, the note says so).
    """

    text: str
    paragraph: str
    date: Field[dt.date]

    def __reduce__(self) -> tuple[Any, ...]:
        return _relative_date, tuple(self)


class Post(NamedTuple):
    """A social-media post embedded in the article (kept apart from prose).

    ``handle`` is without the leading ``@``; ``text`` has the signature and the
    links removed (the links are in ``links``); blocks of a multi-block post are
    joined with a blank line.
    """

    id: str
    text: str
    author: str
    handle: str
    date: dt.date | None
    links: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return _post, tuple(self)


class Quotation(NamedTuple):
    """A direct quotation. ``speaker`` is as the text states it, or None."""

    text: str
    paragraph: str
    speaker: str | None = None
    speaker_basis: Literal["stated", "pronoun", "descriptor", "missing"] = "missing"

    def __reduce__(self) -> tuple[Any, ...]:
        return _quotation, tuple(self)


Block = Paragraph | Post

# Unpickling, these parts of an article take one string object per block id, kind,
# speaker, basis and note across all articles (sys.intern): each unpickled article would
# otherwise have copies of its own, some 2 KB an article, which a build of 10,000 holds
# and then each of its workers copies. Interned as they are read, they cost no second pass.
_one = sys.intern


@lru_cache(maxsize=1024)
def _one_tuple(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """One object for equal tuples of strings across articles (as sys.intern for a
    string): most articles' block ids are ("p1", "p2", ...) and kinds ("prose", ...)."""
    return items


def _field(value: Any, basis: Basis, note: str) -> Field[Any]:
    basis, note = _one(basis), _one(note)  # type: ignore[assignment]
    if value is None or type(value) in (str, dt.date):  # hashable, and never equal across types
        return _one_field(value, basis, note)
    return Field(value, basis, note)


@lru_cache(maxsize=4096)
def _one_field(value: Any, basis: Basis, note: str) -> Field[Any]:
    """One object for equal fields across articles: most articles share their outlet's,
    their dates' and their missing fields' with others."""
    return Field(value, basis, note)


def _paragraph(id: str, text: str, kind: str) -> Paragraph:
    return Paragraph(_one(id), text, _one(kind))  # type: ignore[arg-type]


def _relative_date(text: str, paragraph: str, date: Field[dt.date]) -> RelativeDate:
    return RelativeDate(text, _one(paragraph), date)


def _post(
    id: str, text: str, author: str, handle: str, date: dt.date | None, links: tuple[str, ...]
) -> Post:
    return Post(_one(id), text, author, handle, date, links)


def _quotation(text: str, paragraph: str, speaker: str | None, basis: str) -> Quotation:
    speaker = _one(speaker) if speaker is not None else None
    return Quotation(text, _one(paragraph), speaker, _one(basis))  # type: ignore[arg-type]


P = TypeVar("P", covariant=True)


class Unpacked(Sequence[P]):
    """A sequence kept packed (in arrays, bytearrays), each item made as it is read by
    :meth:`_item`. A slice is made as ``_slice`` (a list or a tuple)."""

    __slots__ = ()
    _slice: Callable[[Iterable[Any]], Sequence[Any]] = list

    def _item(self, index: int) -> P:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> P: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[P]: ...
    def __getitem__(self, index: int | slice) -> P | Sequence[P]:
        if isinstance(index, slice):
            return self._slice(map(self._item, range(len(self))[index]))
        count = len(self)
        at = index + count if index < 0 else index
        if not 0 <= at < count:
            raise IndexError(f"{type(self).__name__} index out of range")
        return self._item(at)


class _Packed(Unpacked[P]):
    """A tuple-like sequence whose items' texts are packed in one UTF-8 bytearray; an
    item is made each time it is read.

    A site of 10,000 articles has some 200,000 paragraphs and 60,000 quotations. As
    objects, each with a text of its own, they were some 30 MB of headers alone, spread over
    pages of memory that rendering reads (and so writes: reading an object writes its
    reference count), which a forked worker then copies. Packed, an article is a few
    objects, and the bytes of its text are only ever read, so they stay shared.

    A subclass keeps what else each item has in tuples named by ``_sides``, one entry
    per item, and makes the item in :meth:`_item`. It compares, hashes and prints as
    the tuple of its items, and pickles packed.
    """

    __slots__ = ("_utf8", "_ends")
    _sides: tuple[str, ...] = ()
    _slice = tuple  # as a tuple's slice is

    def _pack(self, texts: Iterable[str]) -> None:
        utf8 = bytearray()
        ends = array("I")  # where each item's text ends in utf8
        for text in texts:
            utf8 += text.encode("utf-8", "surrogatepass")
            ends.append(len(utf8))
        self._utf8, self._ends = utf8, ends

    def _text(self, index: int) -> str:
        start = self._ends[index - 1] if index else 0
        return self._utf8[start : self._ends[index]].decode("utf-8", "surrogatepass")

    def __len__(self) -> int:
        return len(self._ends)

    def __iter__(self) -> Iterator[P]:
        return map(self._item, range(len(self._ends)))

    def _state(self) -> tuple[Any, ...]:
        return (*(getattr(self, side) for side in self._sides), self._utf8, self._ends)

    def __eq__(self, other: object) -> bool:
        if type(other) is type(self):
            return self._state() == other._state()  # type: ignore[attr-defined]
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        sides = tuple(getattr(self, side) for side in self._sides)
        return _unpacked, (type(self), sides, bytes(self._utf8), self._ends.tobytes())


def _unpacked(cls: type[_Packed[Any]], sides: tuple[Any, ...], utf8: bytes, ends: bytes) -> Any:
    """A pickled :class:`_Packed` read back, its strings one object across all articles."""
    packed = cls()
    for name, side in zip(cls._sides, sides, strict=True):
        strings = all(type(x) is str for x in side)
        side = tuple(_one(x) if type(x) is str else x for x in side)
        setattr(packed, name, _one_tuple(side) if strings else side)
    packed._utf8 = bytearray(utf8)
    packed._ends = array("I")
    packed._ends.frombytes(ends)
    return packed


class Blocks(_Packed[Block]):
    """An article's blocks, packed: a :class:`Paragraph` is made each time one is read;
    a post is kept as it is (it adds no text to the packed bytes)."""

    __slots__ = ("_ids", "_kinds")
    _sides = ("_ids", "_kinds")

    def __init__(self, blocks: Iterable[Block] = ()) -> None:
        blocks = tuple(blocks)
        self._ids = _one_tuple(tuple(_one(b.id) for b in blocks))
        # A paragraph's kind, or the post itself.
        self._kinds = tuple(_one(b.kind) if isinstance(b, Paragraph) else b for b in blocks)
        if all(isinstance(k, str) for k in self._kinds):
            self._kinds = _one_tuple(self._kinds)
        self._pack(b.text if isinstance(b, Paragraph) else "" for b in blocks)

    @property
    def ids(self) -> tuple[str, ...]:
        """Each block's id, in order, with no text decoded."""
        return self._ids

    def posts(self) -> tuple[Post, ...]:
        """The posts among the blocks, with no paragraph decoded."""
        return tuple(k for k in self._kinds if not isinstance(k, str))

    def text(self, index: int) -> str:
        """The text of block ``index`` (0-based, not negative), decoding only that block."""
        kind = self._kinds[index]
        return self._text(index) if isinstance(kind, str) else kind.text

    def _item(self, index: int) -> Block:
        kind = self._kinds[index]
        if not isinstance(kind, str):
            return kind
        return Paragraph(self._ids[index], self._text(index), kind)  # type: ignore[arg-type]


class Quotations(_Packed[Quotation]):
    """An article's quotations, packed: a :class:`Quotation` is made each time one is read."""

    __slots__ = ("_paragraphs", "_speakers", "_bases")
    _sides = ("_paragraphs", "_speakers", "_bases")

    def __init__(self, quotations: Iterable[Quotation] = ()) -> None:
        quotations = tuple(quotations)
        self._paragraphs = tuple(_one(q.paragraph) for q in quotations)
        self._speakers = tuple(_one(q.speaker) if q.speaker else q.speaker for q in quotations)
        self._bases = tuple(_one(q.speaker_basis) for q in quotations)
        self._pack(q.text for q in quotations)

    def _item(self, index: int) -> Quotation:
        return _new_quotation(
            Quotation,
            (self._text(index), self._paragraphs[index], self._speakers[index], self._bases[index]),
        )


_new_quotation = tuple.__new__  # a Quotation from its fields, skipping the keyword parsing


@dataclass(frozen=True)
class Article:
    id: str
    title: Field[str] = field(default_factory=Field)
    outlet: Field[str] = field(default_factory=Field)
    published: Field[dt.date] = field(default_factory=Field)
    byline: Field[str] = field(default_factory=Field)
    dateline_place: Field[str] = field(default_factory=Field)
    dateline_date: Field[dt.date] = field(default_factory=Field)
    credit: str | None = None
    language: str = "en"
    blocks: Blocks = field(default_factory=Blocks)
    """Given as any sequence of blocks; kept packed (see :class:`Blocks`)."""
    quotations: Quotations = field(default_factory=Quotations)
    """Given as any sequence of quotations; kept packed (see :class:`Quotations`)."""
    debris: tuple[str, ...] = ()
    relative_dates: tuple[RelativeDate, ...] = ()
    notes: tuple[str, ...] = ()
    """What the parser did to the text or could not decide (a repaired encoding...)."""

    def __post_init__(self) -> None:
        if not isinstance(self.blocks, Blocks):
            object.__setattr__(self, "blocks", Blocks(self.blocks))
        if not isinstance(self.quotations, Quotations):
            object.__setattr__(self, "quotations", Quotations(self.quotations))

    @property
    def paragraphs(self) -> tuple[Paragraph, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Paragraph))

    @property
    def posts(self) -> tuple[Post, ...]:
        return self.blocks.posts()


# --------------------------------------------------------------------------
# Vocabulary. Module-level constants only (immutable), no mutable state.
# --------------------------------------------------------------------------


def _words(text: str, sep: str | None = None) -> frozenset[str]:
    """A word list written as one string, to keep the vocabulary compact."""
    return frozenset(w.strip() for w in text.split(sep) if w.strip())


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_MONTH_NUMBERS = MappingProxyType(
    {
        m: i
        for i, m in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
        )
    }
)
_WEEKDAYS = _words(
    """
    monday tuesday wednesday thursday friday saturday sunday
    """
)
_MONTH_WORDS = _words(
    """
    january february march april may june july august september october november december
    """
)

# Speech verbs that attribute a quotation. Lowercase only: "Said" is also a name.
# "states", "notes" and "say" are left out on purpose: as nouns or in "Arab
# states" they would turn adjectives into speakers.
_SPEECH_VERBS = (
    r"said|says|told|tells|added|adds|noted|stated|announced|announces|stressed|stresses"
    r"|emphasi[sz]ed|emphasi[sz]es|underlined|underscored|pointed\s+out|points\s+out"
    r"|reported|reports|wrote|writes|declared|declares|explained|explains|argued|argues"
    r"|asserted|asserts|affirmed|affirms|warned|warns|insisted|insists|recalled|recalls"
    r"|remarked|replied|commented|observed|concluded|urged|confirmed"
)
_VERB_RE = re.compile(rf"(?<![\w-])(?:{_SPEECH_VERBS})(?![\w-])")


def _by_first_letter(alternatives: str) -> str:
    """ "said|says|told" -> "s(?:aid|ays)|t(?:old)": the same alternatives in the same
    order (so the same matches), but re tries one branch per position, not each word.
    Every alternative must start with a plain letter and hold no "|" of its own."""
    groups: dict[str, list[str]] = {}
    for alternative in alternatives.split("|"):
        groups.setdefault(alternative[0], []).append(alternative[1:])
    return "|".join(f"{first}(?:{'|'.join(rest)})" for first, rest in groups.items())


# _VERB_RE for scanning a whole paragraph (see _verb_starts): the character before
# the verb is consumed rather than looked behind at, so re hops from one non-word
# character to the next in a tight loop instead of trying the pattern everywhere.
_VERB_AFTER_RE = re.compile(rf"[^\w-]((?:{_by_first_letter(_SPEECH_VERBS)})(?![\w-]))")
# "Saudi’s Prince Faisal said:" introduces the next paragraph as a quotation.
_SAID_COLON_RE = re.compile(rf"(?<![\w-])(?:{_SPEECH_VERBS})(?:\s+[\w’']+){{0,3}}\s*:$")

# Words allowed between a speaker and the verb ("Lavrov also noted").
_ADVERBS = _words(
    """
    also further later then again once has had have previously earlier recently reportedly
    repeatedly separately firmly strongly openly publicly would will subsequently
    additionally
    """
)
_PRONOUNS = frozenset({"he", "she", "they"})
_PREPOSITIONS = _words("in at from to with of for on by near outside inside")
# Nouns that make "the top Russian diplomat" a descriptor of a person.
_PERSON_NOUNS = _words(
    """
    diplomat minister spokesperson spokesman spokeswoman official president envoy ambassador
    chief head leader secretary premier chancellor king prince diplomats ministers officials
    """
)
# Capitalised words in front of a name that are roles, nationalities or sentence
# openers, not part of the name: "Russian Foreign Minister Sergey Lavrov".
_LEAD_WORDS = (
    _words(
        """
        minister ministry foreign affairs president vice prime deputy secretary general
        secretary-general spokesperson spokesman spokeswoman ambassador envoy chancellor chairman
        chairwoman chair director director-general head chief leader senator governor
        representative official commissioner mayor adviser advisor state defence defense
        interior expatriates top diplomat russian chinese saudi egyptian jordanian palestinian
        indonesian israeli american british french german turkish iranian qatari emirati iraqi
        syrian lebanese pakistani indian japanese korean arab muslim islamic un eu us uk oic
        the on in at yesterday today tonight meanwhile but and however also then later earlier
        a an
        """
    )
    | _WEEKDAYS
    | _MONTH_WORDS
)
# Lowercase particles inside Arabic, Dutch, Spanish... names.
_CONNECTORS = _words(
    """
    bin ibn bint al el de da del van von der du la le dos
    """
)
_ABBREVIATIONS = _words(
    """
    mr mrs ms dr prof st gen sen rep gov lt col capt sgt jr sr inc ltd co corp vs etc no jan
    feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e h.e approx
    """
)
# Labels that look like an all-caps dateline ("UPDATE:") but are not places.
_NOT_PLACES = _words(
    "UPDATE|UPDATED|BREAKING|NOTE|EDITOR'S NOTE|EXCLUSIVE|WATCH|OPINION|ANALYSIS|PHOTO|PHOTOS"
    "|VIDEO|LIVE|FILE|READ|ALSO READ|WARNING|CORRECTION|SOURCE|SOURCES|FACTBOX|EXPLAINER"
    "|ADVERTISEMENT",
    sep="|",
)

# --------------------------------------------------------------------------
# Patterns
# --------------------------------------------------------------------------

# C0 controls except \t and \n, DEL and C1 controls: never meaningful in prose.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# " date 2023-11-21 Body..." written by the scraper in front of the text.
_HEADER_RE = re.compile(r"^date:?\s+([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9])\s*")
# Whole lines of site navigation, kept out of the prose.
_DEBRIS_RE = re.compile(
    r"^[<«‹]?\s*(?:all news|more news|latest news|top stories|read more|read also|see also"
    r"|also read|related(?: articles| news| stories| posts)?|share(?: this)?(?: article| story"
    r"| post| page)?|share on (?:facebook|twitter|x|whatsapp|telegram|linkedin|email)"
    r"|tweet|print|email|e-mail|copy link|advertisement|advert|sponsored(?: content)?"
    r"|subscribe(?: now)?|sign up|log in|login|follow us(?: on \w+)?|comments?|leave a comment"
    r"|back to top|skip to (?:main )?content|click here|listen(?: to this article)?"
    r"|for immediate release|#{3}|-\s*30\s*-|-+\s*ends\s*-+)"
    r"\s*[:»›>→.]?$",
    re.IGNORECASE,
)
# "Reporting by X; Editing by Y": the agency's staff credits closing a story.
_TRAILER_RE = re.compile(
    r"^\(?(?:additional )?(?:reporting|writing|editing|compiled|graphics) by\b[^\n]{0,200}$",
    re.IGNORECASE,
)
# Photo captions and credits: "(Photo by X/AFP via Getty Images)", "Image credit: X",
# "Photo: Reuters", or a caption line ending in "| Photo: X" / "Photograph: X".
_CREDIT_WORDS = (
    r"(?:photo(?:graph)?s?|image|picture|pic|illustration|video)(?:\s+credits?)?"
    r"\s*(?::|\bby\b)"
)
_PHOTO_CREDIT_RE = re.compile(rf"^\(?\s*{_CREDIT_WORDS}\s*[^()\n]{{1,120}}\)?$", re.IGNORECASE)
_CAPTION_END_RE = re.compile(
    rf"(?:^|[.|—–]\s*|\s\(|\s)\(?\s*(?<![\w-]){_CREDIT_WORDS}\s*[^.!?()\n]{{1,100}}\)?$",
    re.IGNORECASE,
)
_CAPTION_LIMIT = 400
# "(MENAFN- Khaama Press)": a syndication credit naming the original outlet.
_CREDIT_RE = re.compile(
    r"^\((?P<credit>[A-Z][A-Za-z&.]{1,20}\s*-\s*(?P<outlet>[^()\n]{1,80}?))\)\s*"
)
_PLACE_WORDS = r"[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ.'’-]+(?:\s[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ.'’-]+){0,3}"
# "MOSCOW", "NEW YORK/GENEVA" (a story filed from two cities), "RAMALLAH, West Bank" (the
# region after the city, never a month).
_PLACE = (
    rf"(?P<place>{_PLACE_WORDS}(?:/{_PLACE_WORDS})?"
    rf"(?:,\s(?!{_MONTH}\b)[A-Z][a-z]+(?:\s[A-Z][a-z]+){{0,2}}(?=,))?)"
)
# "MOSCOW, November 21. /TASS/.", "BEIJING, Nov. 20 (Xinhua) --", "LONDON (Reuters) -",
# "LONDON:" at the start of a paragraph.
_AGENCY_DATELINE_RE = re.compile(
    rf"^{_PLACE}(?:,\s*(?P<mon>{_MONTH})\.?\s+(?P<day>[0-9]{{1,2}})(?:,?\s+(?P<year>[0-9]{{4}}))?"
    # "OSLO, 1 December 2023 –": day before month, as in European press releases.
    rf"|,\s*(?P<dday>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?P<dmon>{_MONTH})\.?(?:,?\s+(?P<dyear>[0-9]{{4}}))?)?"
    r"\.?\s*(?:/(?P<slash>[^/\s][^/\n]{0,29})/\.?(?:\s*(?:--|[-–—])(?=\s))?"
    r"|\((?P<paren>[^()\n]{1,40})\)\s*(?:--|[-–—])"
    r"|(?<=[0-9])\s*(?:--|[-–—])"
    r"|:)"
    r"\s*"
)
# "21st November 2023 – (Beijing)" or "November 21, 2023 – (Beijing)".
_DATE_FIRST_DATELINE_RE = re.compile(
    rf"^(?:(?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH})\.?"
    rf"|(?P<mon2>{_MONTH})\.?\s+(?P<day2>[0-9]{{1,2}})(?:st|nd|rd|th)?,?)"
    r"\s+(?P<year>[0-9]{4})\s*(?:--|[-–—])\s*\((?P<place>[^()\n]{1,40})\)\s*"
)
_NAME_WORD = r"[A-ZÀ-ÖØ-Þ][\w.'’-]*"
_BYLINE_RE = re.compile(
    rf"^By:?\s+(?P<name>{_NAME_WORD}(?:\s(?:{_NAME_WORD}|and|&|de|da|van|von|der|bin|ibn|al|el))*)"
    rf"(?:\s*[,|–—-]\s*{_NAME_WORD}(?:\s{_NAME_WORD}){{0,5}})?$"
)
# "— Egypt MFA Spokesperson (@MfaEgypt) November 21, 2023" closing an embedded post.
_POST_SIGNATURE_RE = re.compile(
    r"\s*(?:[—–]|\s--?\s)\s*(?P<author>[^()—–\n]{1,80}?)\s*\(@(?P<handle>\w{1,30})\)\s*"
    rf"(?P<mon>{_MONTH})\.?\s+(?P<day>[0-9]{{1,2}}),?\s+(?P<year>[0-9]{{4}})\s*$"
)
_LINK_RE = re.compile(r"(?:https?://)?pic\.twitter\.com/\w+|https?://t\.co/\w+")
_HASHTAG_OR_MENTION_RE = re.compile(r"(?<!\w)[#@]\w")
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"”’)\]]*\s+(?=[\"“‘(\[]?[0-9A-ZÀ-ÖØ-Þ])")
_TERMINAL_PUNCTUATION = (".", "!", "?", "…", ":", ";", ",")
_CLOSING_QUOTES = "\"”’')"
# Single curly quotes count only where unambiguous: ‘ opens after a space or the start,
# ’ closes before a space or punctuation; a ’ between letters is an apostrophe (Europe’s).
_QUOTE_RES = (
    re.compile(r"“([^“”]+)”"),
    re.compile(r"\"([^\"]+)\""),
    re.compile(r"(?<![\w’'‘])‘((?:[^‘’\n]|’(?=\w))+)’(?![\w’])"),
)
_QUOTE_OPENERS = ("“", '"', "‘")  # the mark each of _QUOTE_RES needs to match at all
# A date standing alone under the byline: "Thu 23 Nov 2023 14.02 GMT", "November 22, 2023".
_WEEKDAY_ABBR = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?"
_DATE_LINE = (
    rf"(?:{_WEEKDAY_ABBR}\s+)?(?:(?P<day>[0-9]{{1,2}})\s+(?P<mon>{_MONTH})\.?,?"
    rf"|(?P<mon2>{_MONTH})\.?\s+(?P<day2>[0-9]{{1,2}}),?)\s+(?P<year>[0-9]{{4}})"
    r"(?:,?\s+[0-9]{1,2}[.:][0-9]{2}(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+[A-Z]{2,4})?)?"
)
_DATE_LINE_RE = re.compile(rf"^{_DATE_LINE}$")
# "Jon Henley in Paris Thu 23 Nov 2023 14.02 GMT": byline and date in one block.
_BYLINE_DATE_RE = re.compile(
    r"^(?:By:?\s+)?(?P<name>[A-Z][\w.'’-]+(?:\s[A-Z][\w.'’-]+){1,3})"
    r"(?:\s+in\s+[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+)?)?\s+"
    rf"{_DATE_LINE}$"
)
_WEEKDAY_RE = re.compile(
    r"(?<![\w-])(?:(?P<mod>(?i:on|last|next|this|since|until|by|from))\s+)?"
    r"(?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?![\w-])"
)
# In the sentence before the weekday, words that put it in the future.
_FUTURE_RE = re.compile(
    r"(?<![\w-])(?:will|shall|(?:is|are|was|were) (?:set|due|expected|scheduled|slated) to"
    r"|plans? to|planned to|to be held|upcoming)(?![\w-])"
)
# Double-encoded UTF-8 read as Windows-1252: "â€™" for ’, "Ã©" for é.
_MOJIBAKE_RE = re.compile("[ÃÂâ][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]+")
_NAME_TOKEN_RE = re.compile(r"(?:[^\W\d_][\w’'-]*|(?:[^\W\d_]\.)+)")
_ARABIC_ARTICLE_RE = re.compile(r"(?:al|el)-[^\W\d_][\w’'-]*")
# What r"[’']s$" matches ("$" also matches before a final newline), without a regex.
_POSSESSIVE_ENDS = ("’s", "'s", "’s\n", "'s\n")

# The weekday names _WEEKDAY_RE needs (case-sensitive there too): a quick pre-check,
# as re skips to the capitals here but must try _WEEKDAY_RE at every position.
_WEEKDAY_NAME_RE = re.compile(r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day")

_HEADLINE_LIMIT = 110
_TITLE_LIMIT = 200
_STANDFIRST_LIMIT = 300
_POST_CONTENT_LIMIT = 280  # a tweet's length
_DATELINE_SEARCH = 3  # datelines open one of the first few paragraphs
# How far back in its sentence an attribution is looked for; this bounds the
# work per quotation, so a huge paragraph full of quote marks stays linear.
_ATTRIBUTION_WINDOW = 400

SubjectKind = Literal["name", "pronoun", "descriptor"]
SpeakerBasis = Literal["stated", "pronoun", "descriptor", "missing"]


# --------------------------------------------------------------------------
# Internal drafts: plain immutable values passed between the steps.
# --------------------------------------------------------------------------


class _Block(NamedTuple):
    """A run of non-blank lines, each already whitespace-collapsed."""

    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


class _Para(NamedTuple):
    text: str
    kind: ParagraphKind = "prose"


class _PostDraft(NamedTuple):
    text: str
    author: str
    handle: str
    date: dt.date | None
    links: tuple[str, ...]


_Item = _Para | _PostDraft


class _Dateline(NamedTuple):
    place: Field[str]
    date: Field[dt.date]
    agency: str | None


class _Subject(NamedTuple):
    kind: SubjectKind | None
    name: str | None = None


# The nameless subjects, built once: they are returned for most speech verbs.
_NO_SUBJECT = _Subject(None)
_PRONOUN = _Subject("pronoun")
_DESCRIPTOR = _Subject("descriptor")


# Cheap exact pre-checks for the costly patterns: most paragraphs cannot match them
# at all, and a substring test proves that far faster than a regex scan.


def _said_colon(text: str) -> re.Match[str] | None:
    """``_SAID_COLON_RE.search(text)``, without the scan when no match is possible."""
    # The pattern ends in ":$", and "$" matches only at the end or before a final "\n".
    if not text.endswith((":", ":\n")):
        return None
    return _SAID_COLON_RE.search(text)


def _post_signature(text: str) -> re.Match[str] | None:
    """``_POST_SIGNATURE_RE.search(text)``; a signature always contains "(@"."""
    return _POST_SIGNATURE_RE.search(text) if "(@" in text else None


def _is_caption_text(text: str) -> bool:
    """A photo credit, or a caption ending in one."""
    # Both patterns need one of these words. Only an ASCII text can be tested with
    # lower(): under IGNORECASE re also takes e.g. "ı" for "i" and "ſ" for "s".
    if text.isascii():
        lowered = text.lower()
        if not (
            "photo" in lowered
            or "image" in lowered
            or "pic" in lowered
            or "illustration" in lowered
            or "video" in lowered
        ):
            return False
    return bool(_PHOTO_CREDIT_RE.match(text) or _CAPTION_END_RE.search(text))


# --------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------


# A text that parses to a title alone: refused by `dossier add` and by the build.
TITLE_ONLY = "only a title line, no article text; refused"


def parse_article(text: str, source_id: str) -> Article:
    """Parse the text of one article. Never raises on any text.

    The steps run in reading order of a news page: scraper header, navigation
    debris, title and standfirst, byline, syndication credit, embedded posts,
    dateline, then the quotations in the remaining prose.
    """
    text, notes = _repair_mojibake(text)
    blocks = _split_blocks(_normalise(text))
    published, blocks = _take_date_header(blocks)
    debris, blocks = _drop_debris(blocks)
    title, standfirst, body = _take_title(blocks)
    byline, body = _take_byline(body)
    if published.value is None and not published.note:
        published, byline, body = _take_date_line(body, byline)
    credit, body = _take_credit(body)
    items = _mark_captions(_group_posts(body))
    dateline, items = _take_dateline(items, published)
    items = _mark_blockquotes(items)
    if standfirst is not None:
        items.insert(0, _Para(standfirst, "standfirst"))

    outlet: Field[str] = Field()
    if credit is not None:
        outlet = Field(credit[1], "parsed", "from the syndication credit")
    elif dateline.agency:
        outlet = Field(dateline.agency, "parsed", "from the dateline")

    blocks_out = _number_blocks(items)
    paragraphs = [b for b in blocks_out if isinstance(b, Paragraph)]
    sentence_starts = _SentenceStarts()  # shared by the quotations and the weekdays
    return Article(
        id=source_id,
        title=title if title.value is not None else _derive_title(paragraphs),
        outlet=outlet,
        published=published,
        byline=byline,
        dateline_place=dateline.place,
        dateline_date=dateline.date,
        credit=credit[0] if credit is not None else None,
        language="en",
        blocks=blocks_out,
        quotations=_find_quotations(paragraphs, sentence_starts),
        debris=debris,
        relative_dates=_relative_dates(paragraphs, published, dateline.date, sentence_starts),
        notes=notes,
    )


def staff_credits(article: Article) -> tuple[str, ...]:
    """ "Reporting by X; Editing by Y": the lines the parser set aside with the navigation
    debris because they are not the story, but which say who made it."""
    return tuple(
        line.strip().removeprefix("(").removesuffix(")")
        for line in article.debris
        if _TRAILER_RE.match(line)
    )


def _to_cp1252_bytes(text: str) -> bytes | None:
    """The bytes a Windows-1252 (Latin-1 for its gaps) decoder would have read ``text`` from."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return None
            out.append(ord(ch))
    return bytes(out)


def _repair_mojibake(text: str) -> tuple[str, tuple[str, ...]]:
    """Undo UTF-8 that was decoded as Windows-1252 ("â€™" for ’), only when certain.

    The repair is made only if the *whole* text turns back into valid UTF-8; text
    that mixes garbled and proper characters is left as it is, with a note.
    """
    if text.isascii():
        return text, ()  # every mojibake sequence starts with a non-ASCII letter
    found = _MOJIBAKE_RE.findall(text)
    if not found:
        return text, ()
    raw = _to_cp1252_bytes(text)
    if raw is not None:
        try:
            repaired = raw.decode("utf-8")
        except UnicodeDecodeError:
            repaired = None
        if repaired is not None and repaired != text:
            return repaired, (
                f"repaired double-encoded UTF-8 (mojibake such as {found[0]!r}) in the whole text",
            )
    return text, (
        f"the text looks double-encoded (e.g. {found[0]!r}) but cannot be repaired as a whole; "
        "left as it is",
    )


def _normalise(text: str) -> str:
    """Unify line ends and drop invisible junk, so the rest sees only \\n and \\t."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2029", "\n\n").replace("\u2028", "\n").replace("\ufeff", "")
    return _CONTROL_RE.sub("", text)


def _collapse(text: str) -> str:
    # Same as re.sub(r"\s+", " ", text).strip(), but about 4x faster: str.split()
    # splits on exactly the characters \s matches (str.isspace) and drops the ends.
    return " ".join(text.split())


def _split_blocks(text: str) -> list[_Block]:
    """Blocks are separated by blank lines; lines are collapsed, still kept apart.

    ``text`` is _normalise()d.
    """
    # Most lines need no collapsing. After _normalise an ASCII text has no whitespace
    # but " ", "\t" and "\n"; without tabs and double spaces, a line is then already
    # collapsed unless it starts or ends with a space.
    tidy = text.isascii() and "\t" not in text and "  " not in text
    blocks: list[_Block] = []
    current: list[str] = []
    for raw in text.split("\n"):
        line = raw if tidy and raw[:1] != " " and raw[-1:] != " " else _collapse(raw)
        if line:
            current.append(line)
        elif current:
            blocks.append(_Block(tuple(current)))
            current = []
    if current:
        blocks.append(_Block(tuple(current)))
    return blocks


def _take_date_header(blocks: list[_Block]) -> tuple[Field[dt.date], list[_Block]]:
    """The scraper's " date YYYY-MM-DD" header runs straight into the body."""
    if not blocks:
        return Field(note="no text"), blocks
    first_line = blocks[0].lines[0]
    m = _HEADER_RE.match(first_line)
    if m is None:
        return Field(), blocks
    rest = first_line[m.end() :]
    lines = ((rest,) if rest else ()) + blocks[0].lines[1:]
    remaining = ([_Block(lines)] if lines else []) + blocks[1:]
    try:
        published = dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return Field(note=f"invalid date in header: {m[1]}-{m[2]}-{m[3]}"), remaining
    return Field(published, "parsed", "from the date header"), remaining


def _drop_debris(blocks: list[_Block]) -> tuple[tuple[str, ...], list[_Block]]:
    """Remove whole lines of navigation ("All news", "Share", ...), keeping them aside."""
    debris: list[str] = []
    kept: list[_Block] = []
    for block in blocks:
        lines = []
        for line in block.lines:
            if (len(line) <= 40 and _DEBRIS_RE.match(line)) or (
                len(line) <= 200 and _TRAILER_RE.match(line) and not line.endswith(".")
            ):
                debris.append(line)
            else:
                lines.append(line)
        if lines:
            kept.append(_Block(tuple(lines)))
    return tuple(debris), kept


def _ends_like_sentence(text: str) -> bool:
    return text.rstrip(_CLOSING_QUOTES).endswith(_TERMINAL_PUNCTUATION) or text.endswith(
        _TERMINAL_PUNCTUATION
    )


def _opens_body(text: str) -> bool:
    """Markers that only ever start body text, never a title."""
    return bool(
        _CREDIT_RE.match(text)
        or _AGENCY_DATELINE_RE.match(text)
        or _DATE_FIRST_DATELINE_RE.match(text)
        or _is_byline(text)
        or _post_signature(text)
    )


def _looks_like_heading(block: _Block, limit: int) -> bool:
    text = block.text
    return (
        len(block.lines) == 1
        and len(text) <= limit
        and any(c.isalpha() for c in text)
        and not _ends_like_sentence(text)
        and not _opens_body(text)
    )


def _take_title(blocks: list[_Block]) -> tuple[Field[str], str | None, list[str]]:
    """A short single line without sentence punctuation first is the title;
    a second such line right after it is the standfirst."""
    texts = [b.text for b in blocks]
    if not blocks or not _looks_like_heading(blocks[0], _TITLE_LIMIT):
        return Field(), None, texts
    title = Field(texts[0], "parsed", "from the title line")
    if len(blocks) > 2 and _looks_like_heading(blocks[1], _STANDFIRST_LIMIT):
        return title, texts[1], texts[2:]
    return title, None, texts[1:]


def _is_byline(text: str) -> bool:
    if len(text) > 120:
        return False
    m = _BYLINE_RE.match(text)
    if m is None:
        return False
    first = m["name"].split()[0].lower()
    # "By Monday, ..." and "By November ..." are time phrases, not bylines.
    return first not in _WEEKDAYS and first not in _MONTH_WORDS


def _take_byline(body: list[str]) -> tuple[Field[str], list[str]]:
    """A "By Name" paragraph at the start or at the end of the body."""
    for index in (0, len(body) - 1):
        if body and _is_byline(body[index]):
            m = _BYLINE_RE.match(body[index])
            assert m is not None
            return Field(m["name"], "parsed", "from the byline"), body[:index] + body[index + 1 :]
    return Field(), body


def _take_date_line(
    body: list[str], byline: Field[str]
) -> tuple[Field[dt.date], Field[str], list[str]]:
    """A date alone on a line near the top ("Thu 23 Nov 2023 14.02 GMT"), perhaps
    after the writer's name ("Jon Henley in Paris"): the publication date."""
    for index, text in enumerate(body[:_DATELINE_SEARCH]):
        m = _DATE_LINE_RE.match(text)
        named = None
        if m is None and byline.value is None:
            m = named = _BYLINE_DATE_RE.match(text)
        if m is None:
            continue
        date = _make_date(m["year"], m["mon"] or m["mon2"], m["day"] or m["day2"])
        if date is None:
            continue
        rest = body[:index] + body[index + 1 :]
        if named is not None:
            byline = Field(named["name"], "parsed", "from the line with the date")
        return Field(date, "parsed", "from the date line"), byline, rest
    return Field(), byline, body


def _mark_captions(items: list[_Item]) -> list[_Item]:
    """Photo captions and credits are kept, as their own kind: not prose, never names."""
    return [
        _Para(item.text, "caption")
        if isinstance(item, _Para)
        and item.kind == "prose"
        and len(item.text) <= _CAPTION_LIMIT
        and _is_caption_text(item.text)
        else item
        for item in items
    ]


def _take_credit(body: list[str]) -> tuple[tuple[str, str] | None, list[str]]:
    """ "(MENAFN- Khaama Press)" opening the body: the credit and the outlet it names."""
    if not body:
        return None, body
    m = _CREDIT_RE.match(body[0])
    if m is None:
        return None, body
    rest = body[0][m.end() :]
    credit = (_collapse(m["credit"]), _collapse(m["outlet"]))
    return credit, ([rest] if rest else []) + body[1:]


def _looks_like_post_content(text: str) -> bool:
    """A block that reads like part of a tweet rather than like a news paragraph."""
    if len(text) > _POST_CONTENT_LIMIT or _said_colon(text):
        return False
    return (
        any(unicodedata.category(c) == "So" for c in text)  # emoji, flags, arrows
        or bool(_HASHTAG_OR_MENTION_RE.search(text))
        or text.endswith((":", "?"))
    )


def _group_posts(body: list[str]) -> list[_Item]:
    """Turn each block ending in a post signature, with the post-like blocks
    right before it, into one post."""
    items: list[_Item] = []
    for text in body:
        m = _post_signature(text)
        if m is None:
            items.append(_Para(text))
            continue
        parts = [text[: m.start()]]
        # Walk back over the post's earlier blocks, stopping at ordinary prose.
        while items and isinstance(items[-1], _Para) and _looks_like_post_content(items[-1].text):
            parts.insert(0, items.pop().text)
        links = tuple(link for part in parts for link in _LINK_RE.findall(part))
        cleaned = (_collapse(_LINK_RE.sub(" ", part)) for part in parts)
        items.append(
            _PostDraft(
                text="\n\n".join(p for p in cleaned if p),
                author=_collapse(m["author"]),
                handle=m["handle"],
                date=_make_date(m["year"], m["mon"], m["day"]),
                links=links,
            )
        )
    return items


def _make_date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), _MONTH_NUMBERS[month[:3].lower()], int(day))
    except (ValueError, KeyError):
        return None


def _title_case(place: str) -> str:
    """ "MOSCOW" -> "Moscow", "AL-ARISH" -> "Al-Arish", "NEW YORK" -> "New York"."""
    return re.sub(r"[^\W\d_]+", lambda m: m[0][0].upper() + m[0][1:].lower(), place)


def _take_dateline(items: list[_Item], published: Field[dt.date]) -> tuple[_Dateline, list[_Item]]:
    """Find the dateline opening one of the first prose paragraphs and strip it."""
    seen = 0
    for index, item in enumerate(items):
        if not isinstance(item, _Para) or item.kind == "caption":
            continue
        seen += 1
        if seen > _DATELINE_SEARCH:
            break
        found = _read_dateline(item.text, published)
        if found is None:
            continue
        dateline, end = found
        rest = item.text[end:].strip()
        replaced: list[_Item] = [_Para(rest)] if rest else []
        return dateline, items[:index] + replaced + items[index + 1 :]
    return _Dateline(Field(), Field(), None), items


def _read_dateline(text: str, published: Field[dt.date]) -> tuple[_Dateline, int] | None:
    m = _DATE_FIRST_DATELINE_RE.match(text)
    if m is not None:
        place = Field(_collapse(m["place"]), "parsed", "from the dateline")
        date = _make_date(m["year"], m["mon"] or m["mon2"], m["day"] or m["day2"])
        date_field: Field[dt.date] = (
            Field(date, "parsed", "from the dateline")
            if date
            else Field(note="the dateline's date is not a valid date")
        )
        return _Dateline(place, date_field, None), m.end()
    m = _AGENCY_DATELINE_RE.match(text)
    if m is None or m["place"] in _NOT_PLACES:
        return None
    place = Field(_title_case(m["place"]), "parsed", "from the dateline")
    agency = _collapse(m["slash"] or m["paren"] or "") or None
    return _Dateline(place, _dateline_date(m, published), agency), m.end()


def _dateline_date(m: re.Match[str], published: Field[dt.date]) -> Field[dt.date]:
    """The date of an agency dateline, whose year is usually left out."""
    mon, day, year = m["mon"] or m["dmon"], m["day"] or m["dday"], m["year"] or m["dyear"]
    if mon is None:
        return Field()
    stated = f"{mon} {day}"
    if year is not None:
        date = _make_date(year, mon, day)
        if date is None:
            return Field(note=f"the dateline's date is not valid: {stated}, {year}")
        return Field(date, "parsed", "from the dateline")
    if published.value is None:
        return Field(
            note=f"the dateline gives {stated} without a year and the publication date is unknown"
        )
    return dateline_in_year(stated, published.value)


def dateline_in_year(stated: str, published: dt.date) -> Field[dt.date]:
    """A dateline's "Nov 21" as a date, its year taken from the publication date.

    Also used when the publication date is curated (content/sources.yaml) rather
    than parsed: the note the parser leaves names the day and month it saw.
    """
    mon, _, day = stated.partition(" ")
    date = _make_date(str(published.year), mon, day)
    # A dateline is never much later than publication: "Dec 31" published on 1 Jan.
    if date is not None and date > published + dt.timedelta(days=1):
        date = _make_date(str(published.year - 1), mon, day)
    if date is None:
        return Field(note=f"the dateline's date is not valid: {stated}")
    return Field(date, "derived", "dateline day and month, year from the publication date")


_NO_YEAR_RE = re.compile(r"^the dateline gives (\S+ \S+) without a year")


def stated_without_year(note: str) -> str | None:
    """The "Nov 21" of a dateline the parser could not date, from its note."""
    m = _NO_YEAR_RE.match(note)
    return m.group(1) if m else None


def _mark_blockquotes(items: list[_Item]) -> list[_Item]:
    """A paragraph after one ending in "said:" is that speaker's words."""
    out: list[_Item] = []
    for item in items:
        previous = out[-1] if out else None
        if (
            isinstance(item, _Para)
            and item.kind == "prose"
            and isinstance(previous, _Para)
            and previous.kind == "prose"
            and _said_colon(previous.text)
        ):
            item = _Para(item.text, "blockquote")
        out.append(item)
    return out


def _number_blocks(items: list[_Item]) -> tuple[Block, ...]:
    """Stable ids in document order: p1, p2... for paragraphs, post1... for posts."""
    blocks: list[Block] = []
    n_para = n_post = 0
    for item in items:
        if isinstance(item, _Para):
            n_para += 1
            blocks.append(Paragraph(f"p{n_para}", item.text, item.kind))
        else:
            n_post += 1
            blocks.append(
                Post(f"post{n_post}", item.text, item.author, item.handle, item.date, item.links)
            )
    return tuple(blocks)


# --------------------------------------------------------------------------
# Sentences and the derived headline
# --------------------------------------------------------------------------


def _sentence_starts(text: str) -> list[int]:
    """Offsets where a new sentence starts (0 excluded), skipping abbreviations."""
    starts: list[int] = []
    for m in _SENTENCE_END_RE.finditer(text):
        word_start = text.rfind(" ", 0, m.start()) + 1
        word = text[word_start : m.start()].lstrip('"“‘([').lower()
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue  # "Nov. 20", "U.S. officials", "J. Smith"
        starts.append(m.end())
    return starts


class _SentenceStarts(dict[str, list[int]]):
    """Paragraph text -> its sentence starts, 0 included; each text is split only once."""

    def __missing__(self, text: str) -> list[int]:
        starts = self[text] = [0, *_sentence_starts(text)]
        return starts


def _derive_title(paragraphs: Sequence[Paragraph]) -> Field[str]:
    """A headline from the first sentence of the first prose paragraph."""
    # Skip a lone "X said:" introduction: it makes a poor headline.
    prose = [p for p in paragraphs if p.kind == "prose" and not _said_colon(p.text)]
    source = next(iter(prose or paragraphs), None)
    if source is None:
        return Field(note="no title line and no prose to derive one from")
    starts = _sentence_starts(source.text)
    sentence = source.text[: starts[0]].strip() if starts else source.text
    sentence = sentence.rstrip(".").strip()
    if len(sentence) > _HEADLINE_LIMIT:
        cut = sentence[: _HEADLINE_LIMIT - 1]
        if " " in cut:
            cut = cut[: cut.rfind(" ")]
        sentence = cut.rstrip(" ,;:–—-") + "…"
    return Field(sentence, "derived", "from the first sentence of the text")


# --------------------------------------------------------------------------
# Quotations and their speakers
# --------------------------------------------------------------------------


def _quote_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, inner text) of “curly” and "straight" quotations, outermost only."""
    found = [
        (m.start(), m.end(), m[1])
        for opener, rx in zip(_QUOTE_OPENERS, _QUOTE_RES, strict=True)
        if opener in text  # most paragraphs quote nobody: skip the scan
        for m in rx.finditer(text)
    ]
    if not found:
        return found
    found.sort(key=lambda s: (s[0], -s[1]))
    spans: list[tuple[int, int, str]] = []
    for span in found:
        if not spans or span[0] >= spans[-1][1]:
            spans.append(span)
    return spans


def quotation_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the quotations in a paragraph, quote marks included."""
    return [(start, end) for start, end, _inner in _quote_spans(text)]


def _is_name_token(token: str) -> bool:
    return bool(
        (token[0].isupper() and _NAME_TOKEN_RE.fullmatch(token))
        or token in _CONNECTORS
        # The regex only for the rare words that can match it: most are lowercase prose.
        or (token.startswith(("al-", "el-")) and _ARABIC_ARTICLE_RE.fullmatch(token))
    )


def _clean_name(words: list[str]) -> str | None:
    """Drop possessive leads ("Saudi’s"), roles and openers; keep the name."""
    for i in range(len(words) - 1, -1, -1):
        if words[i].endswith(_POSSESSIVE_ENDS):
            words = words[i + 1 :]
            break
    for i in range(len(words) - 1, -1, -1):
        if words[i].lower() in _LEAD_WORDS:
            words = words[i + 1 :]
            break
    while words and words[0] in _CONNECTORS:
        words = words[1:]
    while words and words[-1] in _CONNECTORS:
        words = words[:-1]
    return " ".join(words) or None


def _is_descriptor(tokens: list[str]) -> bool:
    """ "the top Russian diplomat": "the", a few words, a noun for a person."""
    if len(tokens) < 2 or len(tokens) > 6 or tokens[0].lower() != "the":
        return False
    return tokens[-1].lower() in _PERSON_NOUNS


def _subject_before(prefix: str, *, whole: bool = False) -> _Subject:
    """Who is the subject right before a speech verb whose text precedes it?

    With ``whole`` the prefix must be nothing but the subject (the words
    between a closing quote mark and the verb).
    """
    tokens = prefix[-300:].split()
    while tokens and tokens[-1].lower() in _ADVERBS:
        tokens.pop()
    if not tokens:
        return _NO_SUBJECT
    comma = tokens[-1].endswith(",")
    last = tokens[-1] = tokens[-1].removesuffix(",")
    if not last:
        return _NO_SUBJECT
    if last.lower() in _PRONOUNS and (not whole or len(tokens) == 1):
        return _PRONOUN
    # The run of name-like tokens that ends the prefix is tokens[first:].
    first = len(tokens)
    while first and _is_name_token(token := tokens[first - 1]):
        if token.endswith(".") and len(token) > 2 and first < len(tokens):
            break
        first -= 1
    # "..., speaking in Amman, told": a place after a preposition, closing a clause, is
    # no subject; the name before the clause is.
    placed = comma and 0 < first < len(tokens) and tokens[first - 1].lower() in _PREPOSITIONS
    if first < len(tokens) and (not whole or first == 0) and not placed:
        name = _clean_name(tokens[first:])
        return _Subject("name", name) if name else _DESCRIPTOR
    if whole:
        return _DESCRIPTOR if _is_descriptor(tokens) else _NO_SUBJECT
    # _is_descriptor() of some ending of the last six tokens: "the", then up to
    # four words, then a noun for a person.
    tail = tokens[-6:]
    if tail[-1].lower() in _PERSON_NOUNS and any(t.lower() == "the" for t in tail[:-1]):
        return _DESCRIPTOR
    return _subject_before_clause(tokens) if comma else _NO_SUBJECT


def _subject_before_clause(tokens: list[str]) -> _Subject:
    """ "Prince Faisal bin Farhan, who has headed the committee since May, said": the
    name before a clause set off by commas (who, which, speaking..., a role) is the
    subject. ``tokens`` end with the clause's closing comma (already taken off)."""
    for k in range(len(tokens) - 2, max(len(tokens) - 16, 0) - 1, -1):
        if tokens[k].endswith(","):
            subject = _subject_before(" ".join(tokens[: k + 1])[:-1])
            return subject if subject.kind == "name" else _NO_SUBJECT
    return _NO_SUBJECT


def _subject_after_verb(text: str) -> _Subject:
    """The inverted form: ', said Lavrov.' or ', said the minister.'"""
    tokens = text.split()[:8]
    run: list[str] = []
    for token in tokens:
        word = token.rstrip(".,;:")
        if not word or not _is_name_token(word):
            break
        run.append(word)
        if word != token:
            break
    if run:
        name = _clean_name(run)
        return _Subject("name", name) if name else _DESCRIPTOR
    words = [t.rstrip(".,;:") for t in tokens]
    for end in range(2, len(words) + 1):
        if _is_descriptor(words[:end]):
            return _DESCRIPTOR
    return _NO_SUBJECT


def _attribution_after(suffix: str) -> _Subject:
    """'...,” she said.' / '," Wang told ...' / '," said Lavrov.' right after a quote."""
    m = _VERB_RE.search(suffix, 0, 120)
    if m is None:
        return _NO_SUBJECT
    between = suffix[: m.start()].strip().lstrip(",;: ").strip()
    if not between:
        return _subject_after_verb(suffix[m.end() :])
    if len(between.split()) > 7:
        return _NO_SUBJECT
    return _subject_before(between, whole=True)


def _attribution_in_sentence(prefix: str) -> _Subject:
    """The nearest speech verb before the quote in its sentence that has a subject:
    'Maria Zakharova, announced that “', 'Lavrov pointed out ..., and also noted that "'."""
    verbs = list(_VERB_RE.finditer(prefix))
    for verb in reversed(verbs):
        subject = _subject_before(prefix[: verb.start()])
        if subject.kind is not None:
            return subject
    return _NO_SUBJECT


def _sentence_start(starts: list[int], pos: int) -> int:
    """The start of the sentence containing ``pos``; ``starts`` is sorted, begins with 0."""
    return starts[bisect_right(starts, pos) - 1]


def _inside(spans: list[tuple[int, int, str]], span_starts: list[int], pos: int) -> bool:
    """Whether ``pos`` falls inside one of the (sorted, disjoint) quotation spans."""
    i = bisect_right(span_starts, pos) - 1
    return i >= 0 and pos < spans[i][1]


def _verb_starts(text: str) -> list[int]:
    """Where each match of ``_VERB_RE.finditer(text)`` starts."""
    # A verb opening the text has no character before it for _VERB_AFTER_RE to consume.
    # Elsewhere the two find the same verbs: a verb can never start right where the
    # previous one ended (the lookbehind would see a letter), so consuming that one
    # character never hides a match.
    at_start = _VERB_RE.match(text)
    if at_start is None:
        return [m.start(1) for m in _VERB_AFTER_RE.finditer(text)]
    return [0, *(m.start(1) for m in _VERB_AFTER_RE.finditer(text, at_start.end()))]


def _named_mentions(
    text: str, spans: list[tuple[int, int, str]], starts: list[int], verbs: list[int]
) -> list[tuple[int, str]]:
    """(offset, name) of every 'Name said'-like phrase outside quotation marks;
    they are what a later "he said" or "the minister emphasized" refers to.
    ``verbs`` are the offsets of the speech verbs in ``text`` (_verb_starts)."""
    mentions: list[tuple[int, str]] = []
    span_starts = [span[0] for span in spans]
    for verb in verbs:
        if spans and _inside(spans, span_starts, verb):
            continue
        begin = max(_sentence_start(starts, verb), verb - _ATTRIBUTION_WINDOW)
        subject = _subject_before(text[begin:verb])
        if subject.kind == "name" and subject.name:
            mentions.append((verb, subject.name))
    return mentions


def _resolve(subject: _Subject, last_named: str | None) -> tuple[str | None, SpeakerBasis]:
    """A pronoun or a descriptor stands for the most recent named speaker."""
    if subject.kind == "name":
        return subject.name, "stated"
    if last_named is None:
        return None, "missing"
    if subject.kind == "pronoun":
        return last_named, "pronoun"
    if subject.kind == "descriptor":
        return last_named, "descriptor"
    return None, "missing"


def _find_quotations(
    paragraphs: Sequence[Paragraph], sentence_starts: _SentenceStarts | None = None
) -> tuple[Quotation, ...]:
    """Direct quotations in document order, with speakers resolved as the text allows.

    The most recent named speaker is carried across paragraphs: "“...,” she said."
    usually refers to the person named in the paragraph before.
    """
    if sentence_starts is None:
        sentence_starts = _SentenceStarts()
    quotations: list[Quotation] = []
    last_named: str | None = None
    previous: Paragraph | None = None
    for para in paragraphs:
        if para.kind == "caption":
            continue
        if para.kind == "blockquote" and previous is not None:
            m = _said_colon(previous.text)
            subject = _subject_before(previous.text[: m.start()]) if m else _NO_SUBJECT
            speaker, basis = _resolve(subject, last_named)
            quotations.append(Quotation(para.text, para.id, speaker, basis))
        else:
            found, last_named = _quotations_in(para, last_named, sentence_starts)
            quotations.extend(found)
        previous = para
    return tuple(quotations)


def _quotations_in(
    para: Paragraph, last_named: str | None, sentence_starts: _SentenceStarts
) -> tuple[list[Quotation], str | None]:
    """The quotations of one paragraph, and the last named speaker after it."""
    text = para.text
    spans = _quote_spans(text)
    verbs = _verb_starts(text)
    if not spans and not verbs:
        return [], last_named  # no quotation and nobody named as speaking
    starts = sentence_starts[text]
    # Walk mentions ("Lavrov said") and quotations in text order, so that a
    # pronoun is resolved against whoever was named last before it.
    mentions = _named_mentions(text, spans, starts, verbs)
    if not spans:
        return [], mentions[-1][1] if mentions else last_named
    events = sorted(
        [(pos, None, name) for pos, name in mentions]
        + [(span[0], index, None) for index, span in enumerate(spans)],
        key=lambda e: (e[0], e[1] is not None),
    )
    quotations: list[Quotation] = []
    for _pos, index, name in events:
        if index is None:
            last_named = name
            continue
        start, end, inner = spans[index]
        next_start = spans[index + 1][0] if index + 1 < len(spans) else len(text)
        subject = _attribution_after(text[end:next_start])
        if subject.kind is None:
            begin = max(_sentence_start(starts, start), start - _ATTRIBUTION_WINDOW)
            subject = _attribution_in_sentence(text[begin:start])
        speaker, basis = _resolve(subject, last_named)
        if basis == "stated":
            last_named = speaker
        # The comma before '” she said' belongs to the attribution, not the quote.
        inner = inner.strip().removesuffix(",").strip()
        if inner:
            quotations.append(Quotation(inner, para.id, speaker, basis))
    return quotations, last_named


# --------------------------------------------------------------------------
# Days named by their weekday
# --------------------------------------------------------------------------

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday_dates(article: Article, published: Field[dt.date]) -> tuple[RelativeDate, ...]:
    """The article's weekdays dated against a publication date known from elsewhere
    (curated in ``content/sources.yaml``) when the text itself gives none."""
    return _relative_dates(article.paragraphs, published, article.dateline_date)


def _relative_dates(
    paragraphs: Sequence[Paragraph],
    published: Field[dt.date],
    dateline: Field[dt.date],
    sentence_starts: _SentenceStarts | None = None,
) -> tuple[RelativeDate, ...]:
    """Each weekday in the prose, dated against the publication (or dateline) date.

    News writes "on Monday" for the most recent Monday, the day itself included;
    a sentence in the future tense ("will meet on Tuesday") means the next one, and
    "last"/"next" say so outright. The note tells which rule was used.
    """
    if published.value is not None:
        anchor, what = published.value, "the publication date"
    elif dateline.value is not None:
        anchor, what = dateline.value, "the dateline's date"
    else:
        anchor, what = None, ""
    if sentence_starts is None:
        sentence_starts = _SentenceStarts()
    found: list[RelativeDate] = []
    for para in paragraphs:
        text = para.text
        # Quick tests first: most paragraphs name no weekday.
        if para.kind == "caption" or "day" not in text or not _WEEKDAY_NAME_RE.search(text):
            continue
        for m in _WEEKDAY_RE.finditer(text):
            phrase = m[0]
            if anchor is None:
                date: Field[dt.date] = Field(
                    note=f"“{phrase}”: no publication or dateline date to count from"
                )
            else:
                starts = sentence_starts[text]
                sentence = text[_sentence_start(starts, m.start()) : m.start()]
                mod = (m["mod"] or "").lower()
                future = mod == "next" or (mod != "last" and _FUTURE_RE.search(sentence))
                target = _WEEKDAY_NAMES.index(m["day"])
                try:
                    if future:
                        delta = (target - anchor.weekday()) % 7 or (7 if mod == "next" else 0)
                        day, rule = anchor + dt.timedelta(days=delta), "on or after"
                        if mod == "next":
                            rule = "after"
                    else:
                        delta = (anchor.weekday() - target) % 7 or (7 if mod == "last" else 0)
                        day, rule = anchor - dt.timedelta(days=delta), "on or before"
                        if mod == "last":
                            rule = "before"
                except OverflowError:  # counted from 0001-01-01 or 9999-12-31
                    date = Field(note=f"“{phrase}”: {what} is at the edge of the calendar")
                else:
                    tense = (
                        " (the sentence speaks of the future)" if future and mod != "next" else ""
                    )
                    date = Field(
                        day,
                        "derived",
                        f"the {m['day']} {rule} {what}, "
                        f"{_WEEKDAY_NAMES[anchor.weekday()]} {anchor.isoformat()}{tense}",
                    )
            found.append(RelativeDate(phrase, para.id, date))
    return tuple(found)
