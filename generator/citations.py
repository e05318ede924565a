"""Finding a quoted passage in a source.

A citation's quote must appear in its source. The comparison forgives only what
copying text between programs changes: runs of whitespace, the style of quote
marks and the kind of dash, characters that show nothing (soft hyphens, zero-width
spaces and joiners) and how an accented letter is encoded (é as one character or as
e and a combining accent). Case, spelling and punctuation must match.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from generator.article import Article

_QUOTES = str.maketrans(
    {
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")
# Shown as nothing: soft hyphen, zero-width space, non-joiner and joiner, word joiner, BOM.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_DROP_INVISIBLE = str.maketrans(dict.fromkeys(_INVISIBLE))
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")


def normalise(text: str) -> str:
    """Whitespace collapsed, quote marks and dashes unified, invisible characters dropped,
    accents composed; nothing else changes."""
    text = text.translate(_QUOTES).translate(_DROP_INVISIBLE)
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass(frozen=True)
class Location:
    """Where a quote sits: a block id (or ``title``) and character offsets in its text."""

    block: str
    start: int
    end: int


def source_passages(article: Article) -> list[tuple[str, str]]:
    """The citable text of an article as (block id, text) pairs, in order."""
    passages: list[tuple[str, str]] = []
    if article.title.basis == "parsed" and article.title.value:
        passages.append(("title", article.title.value))
    passages.extend((b.id, b.text) for b in article.blocks)
    return passages


def find_quote(
    article: Article, quote: str, memo: dict[str, tuple[Article, list[_Flat]]] | None = None
) -> Location | None:
    """Locate ``quote`` within one passage of ``article``, or None.

    ``memo``: kept by a caller that looks up many quotes, so each article's passages
    are normalised once (by article id; an article of that id made anew is redone).
    """
    return locate_quote(article, quote, memo)[0]


def locate_quote(
    article: Article, quote: str, memo: dict[str, tuple[Article, list[_Flat]]] | None = None
) -> tuple[Location | None, bool]:
    """:func:`find_quote`, and whether the quote is in the article again after that
    (a footnote can point at one place only: the first)."""
    needle = normalise(quote)
    if not needle:
        return None, False
    passages: Iterable[_Flat]
    if memo is None:
        passages = map(_flat, source_passages(article))  # one at a time, until found
    else:
        hit = memo.get(article.id)
        if hit is None or hit[0] is not article:
            hit = memo[article.id] = (article, _flatten(article))
        passages = hit[1]
    found = None
    for block_id, unified, flat, mapped in passages:
        at = _find(flat, needle, mapped, 0)
        if at < 0:
            continue
        if found is not None:
            return found, True
        # The first match in the flat text is the first in the text itself.
        last = at + len(needle) - 1
        if mapped is not None:
            found = Location(block_id, mapped[0][at], mapped[1][last])
        else:
            start, end = _offset(unified, flat, at), _offset(unified, flat, last) + 1
            found = Location(block_id, start, end)
        if _find(flat, needle, mapped, at + 1) >= 0:
            return found, True
    return found, False


def _find(flat: str, needle: str, mapped: tuple[list[int], list[int]] | None, at: int) -> int:
    """``flat.find(needle, at)``, skipping a match that begins or ends inside a letter
    composed with its accents (quoting "á" does not find the á of a doubly accented á́)."""
    at = flat.find(needle, at)
    if mapped is None:
        return at
    starts, ends = mapped
    while at >= 0:
        after = at + len(needle)
        if (at == 0 or ends[at - 1] <= starts[at]) and (
            after == len(flat) or starts[after] >= ends[after - 1]
        ):
            return at
        at = flat.find(needle, at + 1)
    return at


# (block id, its text with quote marks and dashes unified, that text normalised, and for
# a text whose normalising does more than collapse whitespace, where each character of
# the normalised text starts and ends in the text)
_Flat = tuple[str, str, str, tuple[list[int], list[int]] | None]
_WORD = re.compile(r"\S+")


def _flatten(article: Article) -> list[_Flat]:
    return [_flat(passage) for passage in source_passages(article)]


def _flat(passage: tuple[str, str]) -> _Flat:
    """Unifying changes characters one for one, so offsets in it are offsets in the text;
    most texts hold no invisible character and no accent to compose, and normalising
    them only collapses each run of whitespace to one space."""
    block_id, text = passage
    unified = text.translate(_QUOTES)
    if _INVISIBLE_RE.search(unified) is None and unicodedata.is_normalized("NFC", unified):
        return block_id, unified, " ".join(unified.split()), None
    flat, starts, ends = _mapped(unified)
    return block_id, unified, flat, (starts, ends)


def _mapped(text: str) -> tuple[str, list[int], list[int]]:
    """``normalise(text)``, with where each of its characters starts and ends in ``text``.

    Character by character: only for a text with invisible characters or accents to
    compose. A letter and the combining marks after it are composed together.
    """
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    space, i, n = False, 0, len(text)
    while i < n:
        j = i + 1
        if not text[i].isspace():  # (a mark after a space stays a character of its own)
            while j < n and (
                unicodedata.combining(text[j])
                or "\u1160" <= text[j] <= "\u11ff"
                or text[j] in _INVISIBLE
            ):
                j += 1  # its marks (or a Hangul syllable's vowel and final), and what is unseen
        kept = [k for k in range(i, j) if text[k] not in _INVISIBLE]
        cluster = "".join(text[k] for k in kept)
        if cluster and not cluster.isspace():
            if space and chars:
                chars.append(" ")
                starts.append(i)
                ends.append(i)
            space = False
            composed = unicodedata.normalize("NFC", cluster)
            if composed == cluster:  # each character stands for itself
                chars.extend(cluster)
                starts.extend(kept)
                ends.extend(k + 1 for k in kept)
            else:  # composed: each stands for the whole cluster
                chars.extend(composed)
                starts.extend([i] * len(composed))
                ends.extend([j] * len(composed))
        elif cluster:
            space = True
        i = j
    return "".join(chars), starts, ends


def _offset(unified: str, flat: str, at: int) -> int:
    """Where the character at ``flat[at]`` (not a space) is in ``unified``: the same place
    in the same word, counting words."""
    word = flat.count(" ", 0, at)
    within = at - (flat.rfind(" ", 0, at) + 1)
    start = next(itertools.islice(_WORD.finditer(unified), word, None)).start()
    return start + within


# A misspelt word or two keeps a passage above this similarity (0.9 and more); a quote
# that is not in the source at all (a dateline, say, which is not part of the text)
# finds nothing above 0.4.
_CLOSE_ENOUGH = 0.6


def closest_passage(article: Article, quote: str) -> str:
    """The stretch of the source most like ``quote``, to show beside an error.

    Candidates are runs of words about as long as the quote, so the suggestion reads
    as a passage, not a fragment cut mid-word. Nothing ("") when no passage is even
    half like the quote: a stray match would only mislead.
    """
    needle = normalise(quote)
    size = len(needle.split())
    best = (_CLOSE_ENOUGH, "")
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(needle)
    for _block, text in source_passages(article):
        # Compared as normalised, shown as the source writes it (its quote marks, its
        # accents), so that it can be copied into the quote.
        spans = [m.span() for m in _WORD.finditer(text)]
        words = [normalise(text[a:b]) for a, b in spans]
        for start in range(len(words)):
            for count in (size - 1, size, size + 1):
                if count < 1 or start + count > len(words):
                    continue
                candidate = " ".join(w for w in words[start : start + count] if w)
                matcher.set_seq1(candidate)
                if matcher.real_quick_ratio() <= best[0] or matcher.quick_ratio() <= best[0]:
                    continue
                ratio = matcher.ratio()
                if ratio > best[0]:
                    shown = text[spans[start][0] : spans[start + count - 1][1]]
                    best = (ratio, " ".join(shown.split()))
    return best[1]


def why_not_found(article: Article, quote: str, file_text: str) -> str:
    """What tells a quote with no passage like it apart: it runs across paragraphs, or
    stands in the file outside the article's text (a dateline, a byline, a signature)."""
    needle = normalise(quote)
    if not needle:
        return ""
    if needle in normalise(" ".join(text for _block, text in source_passages(article))):
        return "it runs across paragraphs; quote one paragraph at a time"
    if needle in normalise(file_text):
        return (
            "it is in the file but not in the article's text (a dateline, byline or post "
            "signature, which a quote cannot cite)"
        )
    return ""
