"""Find mentions of known people, countries and organisations in articles.

Part of the *model* stage. Every name of every entity goes once into a token
trie; each block of an article is tokenised once and walked against the trie,
so the cost is linear in the text (times the length of the longest name, a
small constant), not one regex per alias.

Matching is on *keys*: a token's key is its text casefolded, without
diacritics or apostrophes, with ``ibn`` spelled ``bin``. The Arabic article
``al`` (and a hyphenated ``el-``) is optional, and honorifics are dropped from
names, so "Prince Faisal Bin Farhan Al Saud" and "Faisal ibn Farhan Saud" meet.
Offsets always point into the block's original text, so a page can show and
highlight exactly what the source wrote.

Why not a library: an Aho-Corasick package (pyahocorasick) works on characters,
and would need a normalised copy of the text with an offset map back to the
original, word-boundary checks and optional tokens on top; a token trie walked
from every token start does all of that in a few lines and is linear because
names are short.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, count
from typing import Literal, NamedTuple

from generator.article import Article, quotation_spans

Kind = Literal["people", "countries", "organizations", "meetings"]
Form = Literal["name", "alias", "surname", "demonym", "capital", "short"]


@dataclass(frozen=True)
class NameEntry:
    """The names of one entity, as the model stage knows them from its fact sheet.

    ``surname`` is the family name that may stand alone (once the article names
    the person in full); empty means the last token of the name and of each
    alias. Chinese names need it: the family name of "Wang Yi" is "Wang".
    """

    kind: Kind
    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    honorific: str = ""
    demonyms: tuple[str, ...] = ()
    capital: str = ""
    capital_names_country: bool = False
    short: str = ""
    surname: str = ""


class Mention(NamedTuple):
    """One occurrence of an entity. ``text == block_text[start:end]``.

    A named tuple, not a dataclass: a large site has hundreds of thousands, made on the
    workers and sent back, and a tuple pickles and unpickles several times faster.
    """

    kind: str
    slug: str
    block: str
    start: int
    end: int
    text: str
    form: Form


@dataclass
class ScanStats:
    """A counter the caller owns and passes in: trie steps taken by one call.

    Kept out of :class:`Matcher` so the matcher stays immutable and shareable.
    """

    steps: int = 0


# --------------------------------------------------------------------------
# Vocabulary (immutable)
# --------------------------------------------------------------------------

# Honorifics as token-key sequences, longest first. Dropped from names, and taken
# into a person's mention span when they stand right before the name.
_HONORIFICS: tuple[tuple[str, ...], ...] = (
    ("crown", "prince"),
    ("h", "e"),
    ("he",),
    ("prince",),
    ("princess",),
    ("sheikh",),
    ("sheikha",),
    ("shaikh",),
    ("mr",),
    ("mrs",),
    ("ms",),
    ("dr",),
    ("lord",),
    ("king",),
    ("queen",),
    ("emir",),
    ("sir",),
)
# Same spelling for the same particle.
_KEY_SYNONYMS = {"ibn": "bin"}
# Relative order of the forms when two candidates cover the same tokens.
_FORM_RANK: dict[str, int] = {
    "name": 0,
    "alias": 0,
    "short": 1,
    "demonym": 2,
    "capital": 2,
    "surname": 3,
}
# Meetings are matched by their aliases only ("the Riyadh summit"), which beat the place.
_KIND_RANK: dict[str, int] = {"meetings": 0, "organizations": 0, "countries": 1, "people": 2}

# A word: letters/digits (plus combining marks, so decomposed "é" stays one
# word), with inner apostrophes ("O’Brien", "Lavrov’s"). Handles and links are
# opaque: "@mfa_russia" must not mention Russia; only they hold "/" or "@".
# One capturing group, so that ``split`` gives gap, word, gap, ..., gap: every
# word and (by adding up lengths) its offset, without a match object per word.
# A run of letters is one tight loop, with marks in between (not a choice per letter).
_RUN = r"(?:[^\W_]|[\u0300-\u036f])[^\W_]*(?:[\u0300-\u036f]+[^\W_]*)*"
_WORD_SPLIT_RE = re.compile(rf"(https?://\S+|pic\.twitter\.com/\S+|@\w+|{_RUN}(?:['’ʼ]{_RUN})*)")
# The same on ASCII text (most English news), where a plain class is twice as fast.
_ASCII_WORD_SPLIT_RE = re.compile(
    r"(https?://\S+|pic\.twitter\.com/\S+|@\w+|[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*)"
)
_POSSESSIVE_RE = re.compile(r"['’ʼ][sS]$")
# What may stand between two words of one name: spaces, or one hyphen ("al-Maliki").
_SPACE_GAP_RE = re.compile(r"\s+")
# Hyphens, and an en dash, which editors make of a spaced hyphen ("Arab – Islamic").
_HYPHEN_GAP_RE = re.compile(r"\s*[-\u2010\u2011\u2013]\s*")
# After an initial ("H.E.", "George W. Bush") or "Mr." a full stop joins too.
_DOT_GAP_RE = re.compile(r"\.\s*")
_DOTTED = frozenset({"mr", "mrs", "ms", "dr"})
_APOSTROPHES_RE = re.compile(r"['’ʼ]")


# --------------------------------------------------------------------------
# Tokens and keys
# --------------------------------------------------------------------------


class _Token(NamedTuple):
    start: int
    end: int  # without a possessive "’s"
    key: str
    raw: str
    joins_next: bool  # the next token may continue a name
    particle: bool  # an optional "al" / "el-"
    opaque: bool


def _fold(word: str) -> str:
    """Casefold, strip diacritics and apostrophes: Hisséin -> hissein, O’Brien -> obrien."""
    if word.isascii() and word.isalnum():
        # Most words of English news: skip the Unicode work (the hot path of a large build).
        key = word.lower()
        return _KEY_SYNONYMS.get(key, key)
    decomposed = unicodedata.normalize("NFKD", word)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    key = _APOSTROPHES_RE.sub("", bare.casefold())
    return _KEY_SYNONYMS.get(key, key)


def _strip_possessive(word: str) -> str:
    """Lavrov’s -> Lavrov (only a word with an apostrophe can end in a possessive)."""
    if "'" in word or "’" in word or "ʼ" in word:
        p = _POSSESSIVE_RE.search(word)
        if p is not None and p.start() >= 2:
            return word[: p.start()]
    return word


class _Lexeme(NamedTuple):
    """What a word is, whatever block it stands in."""

    raw: str  # without a possessive "’s"
    key: str  # "" for a link or handle, and for a lone combining mark
    link: bool  # a link or handle (only they hold "@" or "/")


class _Lexicon(dict[str, _Lexeme]):
    """word -> _Lexeme, shared by all blocks: words repeat across articles, so each
    is folded once. Cleared when large, so a long-running process stays small."""

    def __missing__(self, word: str) -> _Lexeme:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        if word[0] == "@" or "/" in word:
            lexeme = _Lexeme(word, "", True)
        else:
            raw = _strip_possessive(word)
            lexeme = _Lexeme(raw, _fold(raw), False)
        self[word] = lexeme
        return lexeme


_CACHE_LIMIT = 200_000
_LEXICON = _Lexicon()


class _Words:
    """The words of one block, split once; a word's full :class:`_Token` is built
    only when asked for.

    Most words begin no name, so the scan looks at the bare word strings and
    builds tokens only around the few that do (and for the honorifics before them).
    """

    __slots__ = ("text", "parts", "words", "_offsets", "_made")

    def __init__(self, text: str) -> None:
        self.text = text
        pattern = _ASCII_WORD_SPLIT_RE if text.isascii() else _WORD_SPLIT_RE
        self.parts = pattern.split(text)  # gap, word, gap, word, ..., gap
        self.words: list[str] = self.parts[1::2]
        self._offsets: list[int] | None = None
        self._made: list[_Token | None] = [None] * len(self.words)

    def __len__(self) -> int:
        return len(self.words)

    def __getitem__(self, index: int) -> _Token:
        tok = self._made[index]
        if tok is None:
            tok = self._made[index] = self._token(index)
        return tok

    def key(self, index: int) -> str:
        """The key of a word, without building its token."""
        return _LEXICON[self.words[index]].key

    def _token(self, index: int) -> _Token:
        words = self.words
        raw, key, link = _LEXICON[words[index]]
        offsets = self._offsets
        if offsets is None:
            # Running total of part lengths: word k starts where part 2k ends.
            offsets = self._offsets = list(accumulate(map(len, self.parts)))
        start = offsets[2 * index]
        end = start + len(raw)
        opaque = link or not key  # a lone combining mark names nothing
        joins = hyphen = False
        if not opaque and index + 1 < len(words) and not _LEXICON[words[index + 1]].link:
            # A possessive ends a name: "China’s top" leaves "’s " in the gap.
            gap = self.text[end : offsets[2 * index + 2]]
            if gap == " ":  # by far the most common gap: no pattern needed
                joins = True
            else:
                hyphen = _HYPHEN_GAP_RE.fullmatch(gap) is not None
                joins = (
                    _SPACE_GAP_RE.fullmatch(gap) is not None
                    or hyphen
                    or (
                        (len(raw) == 1 or key in _DOTTED) and _DOT_GAP_RE.fullmatch(gap) is not None
                    )
                )
        particle = key == "al" or (key == "el" and hyphen)
        return _Token(start, end, key, raw, joins, particle, opaque)


def _tokenise(text: str) -> list[_Token]:
    """Every word of ``text`` once, with its key and original offsets."""
    words = _Words(text)
    return [words[k] for k in range(len(words))]


def _name_keys(name: str, *, drop_honorifics: bool) -> tuple[str, ...]:
    """The key sequence a name is matched by (particles left out)."""
    keys = [t.key for t in _tokenise(name) if not t.opaque and not t.particle]
    if drop_honorifics:
        stripped = True
        while stripped and len(keys) > 1:
            stripped = False
            for h in _HONORIFICS:
                if len(keys) > len(h) and tuple(keys[: len(h)]) == h:
                    keys = keys[len(h) :]
                    stripped = True
                    break
    return tuple(keys)


def normalise_name(text: str) -> str:
    """The matching key of a name, as one string: spellings that match are equal.

    >>> normalise_name("Prince Faisal Ibn Farhan Al-Saud")
    'faisal bin farhan saud'
    """
    return " ".join(_name_keys(text, drop_honorifics=True))


# --------------------------------------------------------------------------
# The trie
# --------------------------------------------------------------------------


class _Target(NamedTuple):
    kind: Kind
    slug: str
    form: Form
    exact: tuple[str, ...] | None  # case-sensitive short forms: the tokens as written


class _Node:
    __slots__ = ("children", "targets")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.targets: list[_Target] = []


@dataclass(frozen=True)
class Matcher:
    """All names of all entities in one token trie. Built once; never changed after."""

    root: _Node = field(repr=False)
    size: int  # number of name forms in the trie
    depth: int  # longest name, in tokens


def _forms(entry: NameEntry) -> Iterator[tuple[str, Form]]:
    yield entry.name, "name"
    for alias in entry.aliases:
        yield alias, "alias"
    if entry.kind == "countries":
        for demonym in entry.demonyms:
            yield demonym, "demonym"
        if entry.capital and entry.capital_names_country:
            yield entry.capital, "capital"
    elif entry.kind == "organizations" and entry.short:
        yield entry.short, "short"
    elif entry.kind == "people":
        if entry.surname:
            yield entry.surname, "surname"
        else:
            for full in (entry.name, *entry.aliases):
                keys = _name_keys(full, drop_honorifics=True)
                if len(keys) > 1:
                    words = [t for t in _tokenise(full) if not t.particle and not t.opaque]
                    yield words[-1].raw, "surname"


def _place_keys(entries: Sequence[NameEntry]) -> frozenset[tuple[str, ...]]:
    """Every way a country can be named, capitals included whatever their flag."""
    keys: set[tuple[str, ...]] = set()
    for e in entries:
        if e.kind == "countries":
            for text in (e.name, *e.aliases, *e.demonyms, e.capital):
                if text:
                    keys.add(_name_keys(text, drop_honorifics=False))
    return frozenset(keys)


def build_matcher(entries: Sequence[NameEntry]) -> Matcher:
    """Put every name form of every entry into one trie."""
    places = _place_keys(entries)
    root = _Node()
    size = depth = 0
    for entry in entries:
        person = entry.kind == "people"
        seen: set[tuple[tuple[str, ...], str]] = set()
        for text, form in _forms(entry):
            keys = _name_keys(text, drop_honorifics=person)
            # Guard: a person is never matched where the text names a place.
            if not keys or (person and keys in places):
                continue
            exact: tuple[str, ...] | None = None
            if form == "short" and text.isupper():
                # "LAS" is the League; "las" in Spanish text is not.
                exact = tuple(t.raw for t in _tokenise(text) if not t.particle)
            if (keys, form) in seen:
                continue
            seen.add((keys, form))
            node = root
            for key in keys:
                node = node.children.setdefault(key, _Node())
            node.targets.append(_Target(entry.kind, entry.slug, form, exact))
            size += 1
            depth = max(depth, len(keys))
    return Matcher(root, size, depth)


# --------------------------------------------------------------------------
# Scanning
# --------------------------------------------------------------------------


class _Candidate(NamedTuple):
    first: int  # token index where the span starts (honorific included)
    last: int  # token index of the last matched token
    length: int  # matched name tokens, for "longest wins"
    target: _Target
    start: int  # the span's offsets in the block's text
    end: int


def blocks_of(article: Article) -> list[tuple[str, str]]:
    """(block id, text) in reading order: the title, then paragraphs and posts.

    A *derived* title is left out: it repeats the first paragraph's words, and
    counting them twice would double that paragraph's mentions.
    """
    out: list[tuple[str, str]] = []
    if article.title.value and article.title.basis != "derived":
        out.append(("title", article.title.value))
    out.extend((b.id, b.text) for b in article.blocks)
    return out


def named_blocks(article: Article) -> list[tuple[str, str]]:
    """The blocks where names are looked for: :func:`blocks_of` without photo captions
    and credits ("Prince Faisal, left, with ... Photograph: X/AFP"), which are neither
    prose nor a list of who took part."""
    captions = {b.id for b in article.paragraphs if b.kind == "caption"}
    return [(bid, text) for bid, text in blocks_of(article) if bid not in captions]


# Every honorific ends with one of these keys: a quick "no" for most names.
_HONORIFIC_ENDS = frozenset(h[-1] for h in _HONORIFICS)


def _honorific_start(tokens: _Words, first: int) -> int:
    """Index of the first honorific right before ``first`` ("H.E. Sheikh ..."), or ``first``."""
    moved = True
    while moved and first > 0 and tokens.key(first - 1) in _HONORIFIC_ENDS:
        moved = False
        for h in _HONORIFICS:
            i = first - len(h)
            if i < 0:
                continue
            run = [tokens[k] for k in range(i, first)]
            if tuple(t.key for t in run) != h or not all(t.joins_next for t in run):
                continue
            # Honorifics are written capitalised; "HE" only in capitals (not "he").
            if not run[0].raw[:1].isupper() or (h == ("he",) and run[0].raw != "HE"):
                continue
            first = i
            moved = True
            break
    return first


_PARTICLE_KEYS = frozenset({"al", "el"})
# What a word does where a walk could start, known from its text alone.
_SKIP, _ONE_STEP, _MAY_START = 0, 1, 2


class _Starts(dict[str, int]):
    """word -> _SKIP (a link, handle or lone mark), _ONE_STEP (its key begins no
    name) or _MAY_START (it begins one, or is a particle "al"/"el"), for one trie.

    Shared by all blocks, so the scan of a block is one dict look-up per word, in C.
    """

    __slots__ = ("starts",)

    def __init__(self, starts: dict[str, _Node]) -> None:
        super().__init__()
        self.starts = starts

    def __missing__(self, word: str) -> int:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        key = _LEXICON[word].key
        if not key:
            code = _SKIP
        elif key in self.starts or key in _PARTICLE_KEYS:
            code = _MAY_START
        else:
            code = _ONE_STEP
        self[word] = code
        return code


# The _Starts of the matcher used last (one per build); it holds on to the trie's
# first level, so an identity check tells whether it is still the right one.
_LAST_STARTS: list[_Starts] = []


def _starts_of(matcher: Matcher) -> _Starts:
    if not _LAST_STARTS or _LAST_STARTS[0].starts is not matcher.root.children:
        _LAST_STARTS[:] = [_Starts(matcher.root.children)]
    return _LAST_STARTS[0]


def _scan(matcher: Matcher, tokens: _Words, stats: ScanStats) -> list[_Candidate]:
    """Walk the trie from every word that may begin a name; each walk is at most a name long."""
    found: list[_Candidate] = []
    starts = matcher.root.children
    codes = list(map(_starts_of(matcher).__getitem__, tokens.words))
    # Most words begin no name: one look-up each, no walk, no token built.
    steps = codes.count(_ONE_STEP)
    for i in compress(count(), map(_MAY_START.__eq__, codes)):
        steps += 1
        tok = tokens[i]
        if not tok.particle and tok.key not in starts:  # "el" without a hyphen
            continue
        node = matcher.root
        length = 0
        j = i
        # Particles in a row: a name has one at a time ("al-"), a hostile text thousands.
        run = 0
        while True:
            t = tokens[j]
            run = run + 1 if t.particle else 0
            if run > 2:
                break
            if not t.particle:
                child = node.children.get(t.key)
                if child is None:
                    break
                node = child
                length += 1
                for target in node.targets:
                    if target.exact is not None and target.exact != tuple(
                        tokens[k].raw for k in range(i, j + 1) if not tokens[k].particle
                    ):
                        continue
                    first = _honorific_start(tokens, i) if target.kind == "people" else i
                    found.append(_Candidate(first, j, length, target, tokens[first].start, t.end))
            if not t.joins_next:  # the last word never joins: no bounds check needed
                break
            j += 1
            steps += 1
            # Most walks stop at the next word: test its key before building its token.
            # An empty key (a link, a lone mark) ends a name too.
            key = tokens.key(j)
            if not key or (key not in node.children and key not in _PARTICLE_KEYS):
                break
    stats.steps += steps
    return found


def _rank(c: _Candidate) -> tuple[int, int, int, int, int, str]:
    return (
        -c.length,
        -(c.end - c.start),
        _FORM_RANK[c.target.form],
        _KIND_RANK[c.target.kind],
        c.first,
        c.target.slug,
    )


def _take(candidates: Sequence[_Candidate], taken: list[bool]) -> list[_Candidate]:
    """Longest first, then leftmost; a token belongs to at most one mention."""
    chosen: list[_Candidate] = []
    for c in sorted(candidates, key=_rank):
        if any(taken[c.first : c.last + 1]):
            continue
        for k in range(c.first, c.last + 1):
            taken[k] = True
        chosen.append(c)
    return chosen


def find_mentions(
    matcher: Matcher, article: Article, stats: ScanStats | None = None
) -> list[Mention]:
    """All mentions in the article, sorted by block order and start offset.

    Two rounds: full names, aliases and the rest first; then surnames alone, only
    for people the article has named in full, and only where nothing else is. A record
    named inside a meeting's or an organisation's longer name ("BRICS" in "the BRICS
    extraordinary virtual summit", "CPC" in "the Political Bureau of the CPC Central
    Committee") is a mention too, after the one it is in: the source page links the
    longer name only (links do not nest), the record's page lists the passage.
    """
    stats = stats if stats is not None else ScanStats()
    scanned = []
    for block_id, text in named_blocks(article):
        tokens = _Words(text)
        candidates = _scan(matcher, tokens, stats)
        if not candidates:
            continue  # nothing to take, in either round
        taken = [False] * len(tokens)
        main = [c for c in candidates if c.target.form != "surname"]
        scanned.append((block_id, text, candidates, taken, _take(main, taken), tokens))

    named = {
        c.target.slug
        for *_, chosen, _tokens in scanned
        for c in chosen
        if c.target.kind == "people" and c.target.form in ("name", "alias")
    }
    mentions: list[Mention] = []
    for block_id, text, candidates, taken, chosen, tokens in scanned:
        surnames = [
            c
            for c in candidates
            if c.target.form == "surname"
            and c.target.slug in named
            and not _given_name_before(tokens, c.first, taken)
        ]
        found = chosen + _take(surnames, taken) + _nested(candidates, chosen)
        # By start; at one start the longer first, so a nested name follows its container.
        for c in sorted(found, key=lambda c: (c.first, -(c.last - c.first))):
            mentions.append(
                Mention(
                    c.target.kind,
                    c.target.slug,
                    block_id,
                    c.start,
                    c.end,
                    text[c.start : c.end],
                    c.target.form,
                )
            )
    return mentions


# Capitalised words that stand before a surname as titles do, not as given names
# ("Chancellor Scholz", "Secretary of State Blinken"), besides the role words.
_TITLE_WORDS = frozenset(
    {
        "chancellor", "premier", "chairman", "chairwoman", "chair", "speaker", "senator",
        "governor", "mayor", "commander", "colonel", "admiral", "marshal", "lieutenant",
        "captain", "adviser", "advisor", "aide", "representative", "director", "head", "chief",
        "pope", "patriarch", "imam", "rabbi", "bishop", "judge", "justice", "counterpart",
        "colleague", "official", "officer", "leader", "professor", "state", "affairs",
        "defence", "defense", "interior", "finance", "trade", "economy",
    }
)  # fmt: skip


def _given_name_before(tokens: _Words, first: int, taken: list[bool]) -> bool:
    """Whether the word before a surname reads as another person's given name: "Igor
    Lavrov" is not Sergey Lavrov, though this article names him in full.

    Not a title or role ("Foreign Minister Lavrov"), a stop word starting a sentence
    ("But Lavrov"), an acronym ("FM"), an initial, nor a word another mention took
    ("Egyptian Shoukry").
    """
    if first == 0 or taken[first - 1]:
        return False
    before = tokens[first - 1]
    if not before.joins_next or before.opaque or before.particle:
        return False  # "Egypt’s Shoukry", "Moscow — Lavrov"
    raw = before.raw
    if len(raw) < 2 or not raw[0].isupper() or raw.isupper() or not raw.isalpha():
        return False
    key = before.key
    return not (
        key in _STOP_WORDS or key in _ROLE_WORDS or key in _TITLE_WORDS or key in _ABBREVIATIONS
    )


# Forms a name inside a longer one counts in: not a demonym ("Russian" in "the Russian
# Foreign Ministry" says nothing of Russia the ministry does not) nor a surname alone.
_NESTED_FORMS = frozenset({"name", "alias", "short", "capital"})


def _nested(candidates: list[_Candidate], chosen: list[_Candidate]) -> list[_Candidate]:
    """Names of other records wholly inside a chosen mention, none overlapping another."""
    if len(candidates) == len(chosen):
        return []  # nothing was left out: the common case
    # Inside a meeting's or an organisation's name; a person's is a name of its own
    # ("Michael Jordan" names no country).
    spans = sorted(
        (c.first, c.last, c.target.kind, c.target.slug)
        for c in chosen
        if c.target.kind in ("meetings", "organizations")
    )
    inner = []
    for c in candidates:
        if c.target.form not in _NESTED_FORMS or c in chosen:
            continue
        for first, last, kind, slug in spans:
            if first > c.first:
                break
            # Strictly inside: a name that is all of another record's (two people of one
            # name) is one mention, of the record ranked first, as it was.
            if (
                c.last <= last
                and (c.first, c.last) != (first, last)
                and (c.target.kind, c.target.slug) != (kind, slug)
            ):
                inner.append(c)
                break
    if not inner:
        return []
    taken = [False] * (max(c.last for c in inner) + 1)
    return _take(inner, taken)


# --------------------------------------------------------------------------
# Names not covered yet
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnknownName:
    """A name in the article that no fact sheet covers, with what stands next to it."""

    name: str
    kind: Literal["person", "organization"]
    context: str
    sentence: str
    block: str


_UPPER = "A-ZÀ-ÖØ-Þ"
_CAP_WORD = rf"(?:(?:al|el)-)?[{_UPPER}][^\W\d_]*(?:[-'’][^\W\d_]+)*"
# Particles do not count towards the 2-4 words, however written ("Al Thani").
_PARTICLE = r"(?i:bin|ibn|bint|al|el|de|da|del|van|von|der|du|la|le|dos)"
_HONORIFIC = (
    r"(?:(?:Prince|Princess|Sheikh|Sheikha|Dr\.?|Mr\.?|Mrs\.?|Ms\.?|H\.\s?E\.?|Sir|Lord)\s+)"
)
_NAME = rf"{_CAP_WORD}(?:\s+(?:{_PARTICLE}\s+)?{_CAP_WORD}){{1,3}}"
_TITLE = (
    r"(?:Vice President|Prime Minister|Foreign Minister|Crown Prince|Secretary[- ]General"
    r"|[Ff]oreign [Ss]ecretary|Secretary of State|[Ff]oreign [Mm]inister|[Pp]rime [Mm]inister"
    r"|Minister|[Pp]resident|[Ss]pokes(?:person|man|woman)|[Dd]iplomat|[Ee]nvoy|[Aa]mbassador"
    r"|King|Emir|Sheikh"
    # "EU foreign policy chief Josep Borrell", "army chief ...": lowercase only, so that
    # "Chief Executive Officer" is not taken for a name.
    r"|chief)"
)
_TITLE_RE = re.compile(rf"(?<![\w-]){_TITLE}(?![\w-])")
# "President Cyril Ramaphosa", "Foreign Ministry Spokesperson Hua Chunying".
# "Minister of Foreign Affairs Espen Barth Eide", as press releases write it.
_PORTFOLIO = (
    r"(?:\s+(?:of|for)\s+(?:the\s+)?(?:Foreign(?:\s+Affairs)?|Home\s+Affairs|Interior|State"
    r"|Defen[cs]e|Finance|Trade|Economy))?"
)
_TITLE_THEN_NAME_RE = re.compile(
    rf"(?<![\w-])(?P<title>{_TITLE}{_PORTFOLIO})\s+{_HONORIFIC}*(?P<name>{_NAME})"
)
# "Maria Zakharova, spokesperson for ...", "Wang Yi, the Foreign Minister of China". A
# title followed by a capital is someone else's ("Abbas, Israeli Prime Minister Benjamin").
_NAME_THEN_TITLE_RE = re.compile(
    rf"(?<![\w-])(?P<name>{_NAME}),\s+(?:(?:the|a|an|[\w’'-]+)\s+){{0,3}}?"
    rf"(?P<title>{_TITLE}(?!\s+[{_UPPER}])"
    rf"(?:\s+(?:for|of)(?:\s+the)?(?:\s+{_CAP_WORD}){{1,4}})?)"
    r"(?![\w-])"
)
# "spokesperson for the Russian Foreign Ministry, Maria Zakharova, announced".
_TITLE_COMMA_NAME_RE = re.compile(
    rf"(?<![\w-])(?P<title>{_TITLE}[^,.;:!?()\[\]“”\"]{{0,80}}?),\s+(?P<name>{_NAME})\s*,"
)
_PERSON_PATTERNS = (_TITLE_THEN_NAME_RE, _NAME_THEN_TITLE_RE, _TITLE_COMMA_NAME_RE)
# A run of capitalised words, with "of (the)", "for", "on" inside ("Bank of England").
_ORG_RE = re.compile(rf"(?<![\w-]){_CAP_WORD}(?:\s+(?:(?:of|for|on)(?:\s+the)?\s+)?{_CAP_WORD})*")
_ORG_KEYWORDS = frozenset(
    [
        "organisation",
        "organization",
        "league",
        "council",
        "union",
        "ministry",
        "agency",
        "committee",
        "assembly",
        "bank",
        "fund",
        "court",
    ]
)
_CONNECTORS = frozenset(["of", "for", "on", "the"])
# Places that look like organisations and are too common to report every time.
_NOT_ORGANISATIONS = frozenset({"west bank"})
# Words that extend a title to its left in the context: "Foreign Ministry Spokesperson".
_TITLE_MODIFIERS = frozenset(
    [
        "foreign",
        "ministry",
        "deputy",
        "vice",
        "prime",
        "crown",
        "chief",
        "senior",
        "acting",
        "former",
        "top",
    ]
)
# Capitalised words that are not names: sentence openers and dates.
_STOP_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "on",
        "in",
        "at",
        "as",
        "by",
        "for",
        "from",
        "of",
        "to",
        "yesterday",
        "today",
        "tonight",
        "tomorrow",
        "however",
        "meanwhile",
        "but",
        "and",
        "also",
        "then",
        "later",
        "earlier",
        "this",
        "that",
        "these",
        "those",
        "it",
        "he",
        "she",
        "they",
        "we",
        "his",
        "her",
        "their",
        "its",
        "after",
        "before",
        "while",
        "when",
        "since",
        "with",
        "both",
        "all",
        "according",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)
# Role words: never part of a person's name.
_ROLE_WORDS = frozenset(
    [
        "minister",
        "ministers",
        "president",
        "vice",
        "prime",
        "foreign",
        "deputy",
        "secretary",
        "general",
        "secretary-general",
        "spokesperson",
        "spokesman",
        "spokeswoman",
        "diplomat",
        "envoy",
        "ambassador",
        "king",
        "emir",
        "sheikh",
        "crown",
        "prince",
        "princess",
        "mr",
        "mrs",
        "ms",
        "dr",
        "sir",
        "lord",
        "h.e",
        "ministry",
    ]
)
_SENTENCE_BREAK_RE = re.compile(r"[.!?…]+[\"”’)\]]*\s+(?=[\"“‘(\[]?[0-9A-ZÀ-ÖØ-Þ])")
_LAST_WORD_RE = re.compile(r"[\w.]*\w$")
_INITIALS_RE = re.compile(r"(?:[A-Z]\.)*[A-Z]")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "gen",
        "sen",
        "rep",
        "gov",
        "lt",
        "col",
        "capt",
        "sgt",
        "jr",
        "sr",
        "no",
        "vs",
        "h.e",
    ]
)
_WORD_RE = re.compile(r"\S+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans: a break is . ! ? before a capital, not after "U.N" or an initial."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_BREAK_RE.finditer(text):
        if text[m.start()] == ".":
            # The word before the full stop. It holds no space, so search from the
            # last one: from 0 every offset before is retried (quadratic in a block).
            w = _LAST_WORD_RE.search(text, text.rfind(" ", 0, m.start()) + 1, m.start())
            word = w.group() if w else ""
            if _INITIALS_RE.fullmatch(word) or word.lower() in _ABBREVIATIONS:
                continue
        spans.append((start, m.start() + len(m.group().rstrip())))
        start = m.end()
    spans.append((start, len(text)))
    return spans


# What may stand before a name that opens a sentence: "Jordan's", "Foreign Minister",
# "On Monday,": capitalised words only.
_SUBJECT_LEAD_RE = re.compile(r"(?:[\"“‘(]?[A-ZÀ-ÖØ-Þ][\w’'.-]*,?\s+)*")


def rival_speakers(article: Article, mentions: Sequence[Mention]) -> dict[int, str]:
    """Quotations whose speaker the parser took from a pronoun ("…," he said) although
    someone else opens a sentence in between: quotation index -> that other person's name.

    The parser carries the last person named with a speech verb to a later "he said";
    in '"...," Retno Marsudi told reporters. Jordan's Ayman Safadi, speaking in Amman,
    agreed. "Israel must stop," he said.' the "he" is more likely Safadi, whom it never saw
    speak. Mentions tell who the people are; one inside quotation marks does not count.
    """
    if not any(q.speaker_basis == "pronoun" for q in article.quotations):
        return {}  # most articles: nothing carried over, nothing to look at
    texts = dict(blocks_of(article))
    order = {bid: i for i, bid in enumerate(texts)}
    people = [m for m in mentions if m.kind == "people" and m.block in order]
    rivals: dict[int, str] = {}
    quoted: dict[str, list[tuple[int, int]]] = {}
    sentences: dict[str, list[tuple[int, int]]] = {}
    for index, q in enumerate(article.quotations):
        text = texts.get(q.paragraph)
        if q.speaker_basis != "pronoun" or not q.speaker or text is None:
            continue
        at = text.find(q.text)
        if at < 0:
            continue
        named = _last_named(texts, order, q.speaker, q.paragraph, at)
        if named is None:
            continue
        block, start = named
        speaker = {m.slug for m in people if m.block == block and m.start <= start < m.end}
        for m in people:
            if not (order[block], start) < (order[m.block], m.start) < (order[q.paragraph], at):
                continue
            if m.slug in speaker or (m.block == block and m.start < start + len(q.speaker)):
                continue  # the speaker, or a part of the name as the parser saw it
            block_text = texts[m.block]
            spans = quoted.setdefault(m.block, quotation_spans(block_text))
            if any(s <= m.start < e for s, e in spans):
                continue
            bounds = sentences.setdefault(m.block, sentence_spans(block_text))
            first = next((s for s, e in bounds if s <= m.start < e), 0)
            if _SUBJECT_LEAD_RE.fullmatch(block_text[first : m.start]):
                rivals[index] = m.text
                break
    return rivals


def _last_named(
    texts: dict[str, str], order: dict[str, int], name: str, block: str, before: int
) -> tuple[str, int] | None:
    """Where ``name`` was last written before offset ``before`` of ``block``."""
    ids = list(texts)
    for bid in reversed(ids[: order[block] + 1]):
        text = texts[bid]
        pos = text.rfind(name, 0, before if bid == block else len(text))
        if pos >= 0:
            return bid, pos
    return None


def _bare(word: str) -> str:
    """A word as looked up in the vocabularies: lowercase, no possessive, no punctuation."""
    return _POSSESSIVE_RE.sub("", word).lower().strip(".,;:()[]“”\"'’")


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _trim(
    text: str, start: int, end: int, covered: Sequence[tuple[int, int]], stop: frozenset[str]
) -> tuple[int, int] | None:
    """Cut stop words and known names off both ends; None if fewer than two words stay."""
    words = [(start + m.start(), start + m.end()) for m in _WORD_RE.finditer(text[start:end])]

    def drop(w: tuple[int, int]) -> bool:
        return _bare(text[w[0] : w[1]]) in stop or _overlaps(*w, covered)

    while words and drop(words[0]):
        words.pop(0)
    while words and (
        drop(words[-1])
        or _bare(text[words[-1][0] : words[-1][1]])
        in _CONNECTORS | {"bin", "ibn", "al", "de", "van"}
    ):
        words.pop()
    if len(words) < 2:
        return None
    s, e = words[0][0], words[-1][1]
    p = _POSSESSIVE_RE.search(text, s, e)
    return s, (p.start() if p is not None else e)


def _context(text: str, title_start: int, title_end: int) -> str:
    """The title with the role words right before it: "Foreign Ministry Spokesperson"."""
    start = title_start
    for w in reversed(list(_WORD_RE.finditer(text, 0, title_start))):
        if w.end() != start - 1 or w.group().lower() not in _TITLE_MODIFIERS:
            break
        start = w.start()
    return " ".join(text[start:title_end].split())


def _person_candidates(
    text: str, covered: Sequence[tuple[int, int]]
) -> list[tuple[tuple[int, int], str]]:
    """(name span, context) of capitalised names standing next to a title."""
    out: dict[tuple[int, int], str] = {}
    for pattern in _PERSON_PATTERNS:  # in order of trust: the first context wins
        for m in pattern.finditer(text):
            span = _trim(text, *m.span("name"), covered, _STOP_WORDS | _ROLE_WORDS)
            if span is None or span in out or _overlaps(*span, covered):
                continue
            words = {_bare(w) for w in text[span[0] : span[1]].split()}
            if words & (_ROLE_WORDS | _ORG_KEYWORDS):
                continue  # "African President Cyril Ramaphosa": two things run together
            title = m.span("title")
            context = (
                _context(text, *title)
                if pattern is _TITLE_THEN_NAME_RE
                else " ".join(m.group("title").split())
            )
            out[span] = context
    return sorted(out.items())


def _organisation_candidates(
    text: str, covered: Sequence[tuple[int, int]], countries: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Spans of capitalised names with an organisation word ("Ministerial Committee")."""
    out: list[tuple[int, int]] = []
    for run in _ORG_RE.finditer(text):
        # A person's title splits a run: "Foreign Ministry | Spokesperson | Hua Chunying",
        # "Secretary General | of the Organisation of Islamic Cooperation".
        pieces: list[tuple[int, int]] = []
        pos = run.start()
        for t in _TITLE_RE.finditer(text, run.start(), run.end()):
            pieces.append((pos, t.start()))
            pos = t.end()
        pieces.append((pos, run.end()))
        for start, end in pieces:
            span = _trim(text, start, end, (), _STOP_WORDS)
            if span is None:
                continue
            words = list(_WORD_RE.finditer(text, span[0], span[1]))
            keyed = [i for i, w in enumerate(words) if _bare(w.group()) in _ORG_KEYWORDS]
            if not keyed:
                continue
            tail = words[keyed[-1] + 1 :]
            if tail and not any(_bare(w.group()) in _CONNECTORS for w in tail):
                # "Russian Foreign Ministry HQ": the name ends at its keyword.
                span = (span[0], words[keyed[-1]].end())
                span = _trim(text, *span, (), _STOP_WORDS) or span
            if " ".join(text[span[0] : span[1]].lower().split()) in _NOT_ORGANISATIONS:
                continue
            # Known if a mention overlaps it, unless that is a country named inside
            # it: "Russian Foreign Ministry" is not the Russia page.
            inside = [c for c in countries if span[0] <= c[0] and c[1] <= span[1] and c != span]
            if _overlaps(*span, [c for c in covered if c not in inside]):
                continue
            out.append(span)
    return out


def find_unknown_names(article: Article, mentions: Sequence[Mention]) -> list[UnknownName]:
    """People next to a title, and organisation-like names, that no mention covers.

    Each name is reported once per article, at its first occurrence, in reading
    order; an organisation whose name ends another one found ("Security Council"
    after "UN Security Council") is not reported again.
    """
    found: list[UnknownName] = []
    seen: set[tuple[str, str]] = set()
    for block, text in named_blocks(article):
        covered = [(m.start, m.end) for m in mentions if m.block == block]
        countries = [
            (m.start, m.end) for m in mentions if m.block == block and m.kind == "countries"
        ]
        sentences = sentence_spans(text)
        spans: list[tuple[tuple[int, int], Literal["person", "organization"], str]] = [
            (span, "person", context) for span, context in _person_candidates(text, covered)
        ]
        spans += [
            (span, "organization", "")
            for span in _organisation_candidates(text, covered, countries)
        ]
        for (start, end), kind, context in sorted(spans, key=lambda x: x[0]):
            name = text[start:end]
            key = (kind, normalise_name(name))
            if key in seen:
                continue
            seen.add(key)
            sentence = next(text[s:e] for s, e in sentences if start < max(e, s + 1))
            found.append(UnknownName(name, kind, context, sentence.strip(), block))
    orgs = [normalise_name(u.name) for u in found if u.kind == "organization"]
    return [
        u
        for u in found
        if u.kind == "person"
        or not any(o != (n := normalise_name(u.name)) and o.endswith(" " + n) for o in orgs)
    ]
