"""Knowing that nothing changed: the fast path of a rebuild with identical inputs.

Before any parsing, a build hashes every input file (site.yaml, content/, seeds/,
templates/ and the bundled theme), dossier's own code and the build options. If
that digest equals the one recorded by the last successful build into the same
output folder, and every file of that folder is still the one the build wrote
(same size, modification time and inode), the site is already up to date and
nothing needs to run. Any difference, however small, takes the normal path.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from generator.cache import key_of
from generator.incremental import Stat
from generator.render import theme_dir
from generator.textio import folder_refusal, inside, refusal
from generator.write import INPUT_FOLDERS, stat_key


def _files(
    base: str, rel: str, seen: set[tuple[int, int]] | None = None, root_real: str | None = None
) -> list[tuple[str, str, str | None]]:
    """(path, name relative to the input's base, with "/", where to check it) of every
    file under ``base``, in sorted order, leaving out hidden names and __pycache__.
    Strings, not Paths: a large site has tens of thousands of inputs, and this runs
    before every build. ``root_real``: the project's resolved path (None for the bundled
    theme); given with a file only for a link or what is not a regular file, the rest
    being read as they are (their type comes with the listing, at no cost)."""
    found: list[tuple[str, str, str | None]] = []
    seen = set() if seen is None else seen
    try:
        st = os.stat(base)
        entries = sorted(os.scandir(base), key=lambda e: e.name)
    except OSError:
        return found
    if (st.st_dev, st.st_ino) in seen:
        return found  # a folder linked into itself
    seen.add((st.st_dev, st.st_ino))
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            # Linked folders too, as far as the build reads them (not out of the project:
            # the build refuses those, and this hash is then never the one recorded).
            if entry.name != "__pycache__" and (
                not entry.is_symlink()
                or root_real is None
                or inside(os.path.realpath(entry.path), root_real)
            ):
                found += _files(entry.path, f"{rel}{entry.name}/", seen, root_real)
        elif root_real is not None and entry.is_file(follow_symlinks=False):
            found.append((entry.path, rel + entry.name, None))  # a plain file: read as it is
        else:
            found.append((entry.path, rel + entry.name, root_real))
    return found


def _read(path: str, root_real: str | None) -> bytes:
    """A file's bytes for the hash; a marker instead for what the build refuses to read
    (reading a FIFO would block, a device would never end)."""
    if root_real is not None:
        why = refusal(path, root_real)
        if why is not None:
            return b"\0refused: " + why.encode()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return b"\0unreadable"


def input_digest(root: Path, stamp: str, options: tuple[Any, ...]) -> str:
    """One hash of every input file's path and bytes, the code stamp and the options."""
    digest = hashlib.sha256()
    digest.update(repr((stamp, options)).encode())
    root_real = os.path.realpath(root)
    bases: list[tuple[Path, str, str | None]] = [(root / "site.yaml", "site.yaml", root_real)]
    bases += [(root / name, name + "/", root_real) for name in INPUT_FOLDERS]
    bases.append((theme_dir(), "", None))
    for base, rel, within in bases:
        if within is not None and base.is_dir() and folder_refusal(str(base), within):
            paths = [(str(base), rel, within)]  # hashed as refused, not walked
        elif base.is_dir():
            paths = _files(str(base), rel, None, within)
        else:
            paths = [(str(base), rel, within)]
        for path, name, check in paths:
            data = _read(path, check)
            encoded = name.encode("utf-8", "surrogateescape")
            digest.update(len(encoded).to_bytes(4, "little") + encoded)
            digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def output_stats(output: Path) -> dict[str, Stat]:
    """Size, modification time and inode of every file in the output folder."""
    stats: dict[str, Stat] = {}
    cut = len(str(output)) + 1
    for folder, _dirs, names in os.walk(output):
        rel = folder[cut:] + os.sep if len(folder) >= cut else ""
        for name in names:
            try:
                st = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            stats[rel + name] = stat_key(st)
    return stats


def state_key(output: Path) -> str:
    return key_of("state", str(output.resolve()))
