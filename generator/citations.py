"""Finding a quoted passage in a source.

A citation's quote must appear in its source. The comparison forgives only what
copying text between programs changes: runs of whitespace, the style of quote
marks and the kind of dash. Case, spelling and punctuation must match.
"""

from __future__ import annotations

import difflib
import re
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


def find_quote(article: Article, quote: str) -> Location | None:
    """Locate ``quote`` within one passage of ``article``, or None."""
    needle = normalise(quote)
    if not needle:
        return None
    for block_id, text in source_passages(article):
        if needle not in normalise(text):
            continue
        # The same first match, found in the text itself: each space of the needle stands
        # for a run of whitespace there, and quote marks and dashes are unified char for
        # char (so offsets in the unified text are offsets in the text).
        pattern = r"\s+".join(re.escape(word) for word in needle.split(" "))
        found = re.search(pattern, text.translate(_QUOTES))
        if found is not None:
            return Location(block_id, found.start(), found.end())
    return None


def closest_passage(article: Article, quote: str) -> str:
    """The stretch of the source most like ``quote``, to show beside an error.

    Candidates are runs of words about as long as the quote, so the suggestion reads
    as a passage, not a fragment cut mid-word.
    """
    needle = normalise(quote)
    size = len(needle.split())
    best = (0.0, "")
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
