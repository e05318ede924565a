"""Reading input text safely: size limit, binary refusal, strict UTF-8, one newline style,
no control characters."""

from __future__ import annotations

import re
from pathlib import Path

from generator.problems import DossierError, Problem

MAX_INPUT_BYTES = 2 * 1024 * 1024
_CONTROL = re.compile("[\x01-\x08\x0b-\x1f\x7f-\x9f]")


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
        raw = file.read_bytes()
    except OSError as exc:
        raise DossierError(
            [Problem(display_path, message=f"cannot read: {exc.strerror}")]
        ) from None
    return decode_text(raw, display_path, limit=limit)
