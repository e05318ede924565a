"""Finding a quoted passage in a source.

A citation's quote must appear in its source. The comparison forgives only what
copying text between programs changes: runs of whitespace, the style of quote
marks and the kind of dash. Case, spelling and punctuation must match.
"""

from __future__ import annotations

import difflib
import itertools
import re
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


def normalise(text: str) -> str:
    """Whitespace collapsed, quote marks and dashes unified; nothing else changes."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


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
    for block_id, unified, flat in passages:
        at = flat.find(needle)
        if at < 0:
            continue
        if found is not None:
            return found, True
        # The first match in the flat text is the first in the text itself.
        last = at + len(needle) - 1
        found = Location(block_id, _offset(unified, flat, at), _offset(unified, flat, last) + 1)
        if flat.find(needle, at + 1) >= 0:
            return found, True
    return found, False


_Flat = tuple[str, str, str]
_WORD = re.compile(r"\S+")


def _flatten(article: Article) -> list[_Flat]:
    return [_flat(passage) for passage in source_passages(article)]


def _flat(passage: tuple[str, str]) -> _Flat:
    """(block id, text with quote marks and dashes unified, that text normalised).
    Unifying changes characters one for one, so offsets in it are offsets in the text;
    normalising only collapses each run of whitespace to one space."""
    block_id, text = passage
    unified = text.translate(_QUOTES)
    return block_id, unified, " ".join(unified.split())


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
        words = normalise(text).split(" ")
        for start in range(len(words)):
            for count in (size - 1, size, size + 1):
                if count < 1 or start + count > len(words):
                    continue
                candidate = " ".join(words[start : start + count])
                matcher.set_seq1(candidate)
                if matcher.real_quick_ratio() <= best[0] or matcher.quick_ratio() <= best[0]:
                    continue
                ratio = matcher.ratio()
                if ratio > best[0]:
                    best = (ratio, candidate)
    return best[1]
