"""Slugs: the one path segment a record's pages live under (``people/<slug>/``).

A slug comes from a file name (``content/people/sergey-lavrov.yaml``, ``seeds/<id>.txt``)
and becomes a folder of the site, so it is checked before anything is written:
nothing but ASCII letters, digits, ``-`` and ``_``, and never a name Windows
reserves for devices (``con``, ``nul``, ``com1`` ...), which no Windows user could
check out or open. :func:`slugify` turns any text into a slug that passes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Final

#: Names Windows reserves in every folder, whatever the case or extension.
RESERVED: Final = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
#: Longest slug :func:`slugify` makes (file names are limited to 255 bytes).
MAX_LENGTH: Final = 80

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def is_reserved(name: str) -> bool:
    """Whether ``name`` is a device name on Windows (``CON``, ``nul``, ``Com1`` ...)."""
    return name.split(".", 1)[0].casefold() in RESERVED


def reserved_problem(name: str) -> str | None:
    """The message for a file name that is reserved on Windows, or None."""
    if is_reserved(name):
        return f"file name {name!r} is reserved on Windows; rename the file"
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def slugify(text: str) -> str:
    """A safe, stable slug for ``text``: ASCII lowercase letters and digits, single hyphens.

    Accents are dropped (``Sergueï Lavrov`` -> ``serguei-lavrov``); a text with no
    letters or digits left (empty, emoji, Arabic script) gets ``item-`` and a short
    hash of the text, and a Windows device name gets a hash suffix, so the result
    always matches :data:`generator.schema.SLUG_RE` and is the same on every run.
    """
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    )
    slug = _NOT_ALNUM.sub("-", ascii_text).strip("-")
    if len(slug) > MAX_LENGTH:
        slug = slug[:MAX_LENGTH].rstrip("-")
    if not slug:
        return "item-" + _digest(text)[:8]
    if is_reserved(slug):
        return f"{slug}-{_digest(text)[:6]}"
    return slug
