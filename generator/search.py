"""Full-text search: run Pagefind over the rendered pages and return its bundle as files.

Pagefind (its PyPI wheel, ``pagefind[bin]``, ships the binary) reads HTML from
a folder and writes a static index plus the ``pagefind.js`` that queries it in
the browser. We never let it write into the output folder: the rendered pages
are copied into a private temporary folder, Pagefind writes its bundle into
another one, and the bundle comes back as ``(path, bytes)`` pairs that go
through :func:`generator.write.write_site` with every other file. So a failed
index fails the build before anything is written, and the previous site stays
intact, exactly like a failed render.

What is indexed is decided by the templates: pages whose ``<main>`` carries
``data-pagefind-body`` (meetings, people, countries, organisations, sources);
every other page is left out by Pagefind itself once one page uses the
attribute. Filters come from ``data-pagefind-filter`` elements on those pages.

Without the binary the build still succeeds: the caller adds a warning and the
search page says that search is not available in this copy of the site.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.problems import DossierError, Problem, Severity

BUNDLE = "pagefind"
"""Folder of the site that holds the search bundle (``/pagefind/pagefind.js``)."""

TIMEOUT = 600.0

MISSING = Problem(
    "search",
    message="Pagefind binary not found, so the site has no search index; "
    "the search page says search is unavailable. Install it with: pip install 'pagefind[bin]'",
    severity=Severity.WARNING,
)


def pagefind_binary() -> Path | None:
    """The Pagefind executable: $PAGEFIND_BINARY_PATH, the pagefind_bin wheel, or one on PATH."""
    env = os.environ.get("PAGEFIND_BINARY_PATH")
    if env:
        return Path(env) if Path(env).is_file() else None
    try:
        from pagefind_bin import get_executable  # the binary shipped in the PyPI wheel

        return Path(get_executable())
    except (ImportError, FileNotFoundError):
        pass
    found = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(found) if found else None


def index_files(
    files: Iterable[tuple[str, bytes]], binary: Path, *, language: str = "en"
) -> list[tuple[str, bytes]]:
    """Run Pagefind over the HTML among ``files``; return its bundle under ``pagefind/``.

    Raises :class:`DossierError` when Pagefind fails, so nothing is written.
    """
    with tempfile.TemporaryDirectory(prefix="dossier-pagefind-") as tmp:
        site = Path(tmp) / "site"
        bundle = Path(tmp) / "bundle"
        for rel, data in files:
            if rel.endswith(".html"):
                path = site / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        command = [
            str(binary),
            "--site",
            str(site),
            "--output-path",
            str(bundle),
            # One index for the whole site: pages quote sources in other languages, and a
            # per-language split would hide an English page from a search made on another.
            "--force-language",
            language.split("-")[0] or "en",
            "--quiet",
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=tmp
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DossierError(
                [Problem("search", message=f"Pagefind could not run: {exc}")]
            ) from None
        if done.returncode != 0 or not (bundle / "pagefind.js").is_file():
            detail = " ".join((done.stderr or done.stdout).split())[-500:]
            raise DossierError(
                [Problem("search", message=f"Pagefind failed (exit {done.returncode}): {detail}")]
            )
        found = {
            path.relative_to(bundle).as_posix(): path.read_bytes()
            for path in sorted(bundle.rglob("*"))
            if path.is_file()
        }
    # A Pagefind whose files are laid out differently: keep its bundle as it is (search
    # works; only byte-identical rebuilds are lost, which tests/test_search.py would show).
    with contextlib.suppress(ValueError, KeyError, IndexError, TypeError, OSError):
        found = canonical_bundle(found)
    return [(f"{BUNDLE}/{rel}", data) for rel, data in sorted(found.items())]


# -- making the bundle deterministic ----------------------------------------------------------
#
# Pagefind 1.x writes each filter's values (and the list of filters) in the order of a Rust
# HashMap, which is randomised per process ("TODO: Change filter indexes to BTree to give them
# a stable hash" in pagefind/src/index/mod.rs). Everything else in the bundle is already stable.
# So we decode the filter files and the meta file (gzip around "pagefind_dcd" + CBOR), sort
# them, encode them again and name them after their new content, exactly as Pagefind names
# files (a content hash, so browsers may cache them forever). No CBOR library is needed: the
# files use definite-length unsigned integers, strings and arrays only.

SIGNATURE = b"pagefind_dcd"


def _cbor_decode(data: bytes, at: int = 0) -> tuple[Any, int]:
    head = data[at]
    major, info = head >> 5, head & 0x1F
    at += 1
    if info < 24:
        value = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        value = int.from_bytes(data[at : at + size], "big")
        at += size
    else:
        raise ValueError(f"unsupported CBOR item {head:#x}")
    if major == 0:
        return value, at
    if major == 2:
        return bytes(data[at : at + value]), at + value
    if major == 3:
        return data[at : at + value].decode("utf-8"), at + value
    if major == 4:
        items = []
        for _ in range(value):
            item, at = _cbor_decode(data, at)
            items.append(item)
        return items, at
    raise ValueError(f"unsupported CBOR major type {major}")


def _cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError("integer too large")


def _cbor_encode(value: Any) -> bytes:
    if isinstance(value, bool):
        raise ValueError("unsupported CBOR value")
    if isinstance(value, int):
        return _cbor_head(0, value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_encode(v) for v in value)
    raise ValueError(f"unsupported CBOR value {type(value).__name__}")


def _unpack(data: bytes) -> Any:
    raw = gzip.decompress(data)
    if not raw.startswith(SIGNATURE):
        raise ValueError("not a Pagefind data file")
    value, end = _cbor_decode(raw, len(SIGNATURE))
    if end != len(raw):
        raise ValueError("trailing bytes in a Pagefind data file")
    return value


def _pack(value: Any) -> bytes:
    # mtime=0 and a fixed level: the gzip stream depends on the content only.
    return gzip.compress(SIGNATURE + _cbor_encode(value), compresslevel=9, mtime=0)


def _content_hash(value: Any, length: int) -> str:
    return hashlib.sha256(_cbor_encode(value)).hexdigest()[:length]


def canonical_bundle(files: dict[str, bytes]) -> dict[str, bytes]:
    """The same bundle with filter values and filters in sorted order, renamed to match."""
    entry = json.loads(files["pagefind-entry.json"])
    out = dict(files)
    for language, info in sorted(entry["languages"].items()):
        meta_name = f"pagefind.{info['hash']}.pf_meta"
        meta = _unpack(files[meta_name])
        # MetaIndex: [version, pages, index_chunks, filters, sorts, meta_fields]; filters are
        # [name, hash] pairs naming filter/<hash>.pf_filter, each [name, [[value, [pages]]...]].
        filters = meta[3]
        renamed = []
        for name, old in sorted(filters, key=lambda f: f[0]):
            path = f"filter/{old}.pf_filter"
            index = _unpack(files[path])
            index[1] = sorted(([v, sorted(pages)] for v, pages in index[1]), key=lambda vp: vp[0])
            new = f"{language}_{_content_hash(index, 7)}"
            del out[path]
            out[f"filter/{new}.pf_filter"] = _pack(index)
            renamed.append([name, new])
        meta[3] = renamed
        meta_hash = f"{language}_{_content_hash(meta, 10)}"
        del out[meta_name]
        out[f"pagefind.{meta_hash}.pf_meta"] = _pack(meta)
        info["hash"] = meta_hash
    out["pagefind-entry.json"] = json.dumps(
        entry, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    return out
