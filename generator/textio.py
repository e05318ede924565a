"""Reading input text safely: size limit, binary refusal, strict UTF-8, one newline style,
no control characters."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from generator.problems import DossierError, Problem

MAX_INPUT_BYTES = 2 * 1024 * 1024
# Control characters, and the bidirectional embeddings, overrides and isolates (a right-to-
# left override makes text read otherwise than it is spelt, beside a verified quotation).
_CONTROL = re.compile("[\x01-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _too_large(display_path: str, limit: int) -> Problem:
    return Problem(display_path, message=f"file is larger than {limit // 1024} KiB; refused")


def refuse_utf16(raw: bytes, display_path: str) -> None:
    """Name UTF-16 for what it is (Windows editors save it as "Unicode"); its NUL bytes
    would otherwise make it look like a binary file."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16's byte order marks
        raise DossierError(
            [Problem(display_path, 1, message="saved as UTF-16; save the file as UTF-8")]
        )


def decode_text(raw: bytes, display_path: str, *, limit: int = MAX_INPUT_BYTES) -> str:
    """Bytes of an input file to text with LF newlines, or a DossierError naming the line."""
    if len(raw) > limit:
        raise DossierError([_too_large(display_path, limit)])
    refuse_utf16(raw, display_path)
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DossierError(
            [Problem(display_path, line, message="looks like a binary file (NUL byte); refused")]
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DossierError(
            [
                Problem(
                    display_path,
                    line,
                    col,
                    message=f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
                    "save the file as UTF-8",
                )
            ]
        ) from None
    return clean_text(text)


def clean_text(text: str) -> str:
    """Text with LF newlines and no control characters (see :func:`decode_text`)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Other control characters (escape sequences, bells, vertical tabs) carry nothing a
    # reader could see and must never reach a page: spacing ones become a space, the rest go.
    return _CONTROL.sub(lambda m: " " if m.group() in "\x0b\x0c\x85" else "", text)


def read_text(file: Path, display_path: str, *, limit: int = MAX_INPUT_BYTES) -> str:
    try:
        size = file.stat().st_size
        # Refuse before reading, so a huge file costs nothing.
        if size > limit:
            raise DossierError([_too_large(display_path, limit)])
        raw = read_capped(file, limit)
    except OSError as exc:
        raise DossierError(
            [Problem(display_path, message=f"cannot read: {exc.strerror}")]
        ) from None
    return decode_text(raw, display_path, limit=limit)


def read_capped(file: Path | str, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of ``file``: enough to tell it is too large, however
    large it is (a device's size is 0, and it never ends)."""
    with open(file, "rb") as handle:
        return handle.read(limit + 1)


def inside(real: str, root_real: str) -> bool:
    """``real`` (a resolved path) is ``root_real`` or under it."""
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def refusal(path: str, root_real: str) -> str | None:
    """Why the build must not read the input at ``path``, or None when it may.

    A link may lead to a file of the project (git-annex keeps files so), not out of it:
    a committed link to /etc/passwd would publish it. And only a regular file is read:
    a FIFO would block the build, and a device never ends.
    """
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            if not inside(os.path.realpath(path), root_real):
                return "a link to a file outside the project; refused"
            st = os.stat(path)
    except OSError:
        return None  # gone or unreadable: the reader says so
    if stat.S_ISDIR(st.st_mode):
        return "a folder, not a file; refused"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (a pipe or a device); refused"
    return None


def folder_refusal(path: str, root_real: str) -> str | None:
    """Why the build must not read the files in the folder at ``path`` (it is, or is
    in, a link out of the project), or None."""
    if not inside(os.path.realpath(path), root_real):
        return "a link to a folder outside the project; refused"
    return None
