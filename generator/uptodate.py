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

INPUT_FOLDERS = ("content", "seeds", "templates")


def _files(base: Path) -> list[Path]:
    found = []
    for folder, dirs, names in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        found += [Path(folder) / n for n in sorted(names) if not n.startswith(".")]
    return found


def input_digest(root: Path, stamp: str, options: tuple[Any, ...]) -> str:
    """One hash of every input file's path and bytes, the code stamp and the options."""
    digest = hashlib.sha256()
    digest.update(repr((stamp, options)).encode())
    bases = [(root, root / "site.yaml")]
    bases += [(root, root / name) for name in INPUT_FOLDERS]
    bases.append((theme_dir(), theme_dir()))
    for rel_to, base in bases:
        paths = [base] if base.is_file() else _files(base) if base.is_dir() else []
        for path in paths:
            try:
                data = path.read_bytes()
            except OSError:
                data = b"\0unreadable"
            name = path.relative_to(rel_to).as_posix().encode()
            digest.update(len(name).to_bytes(4, "little") + name)
            digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def output_stats(output: Path) -> dict[str, Stat]:
    """Size, modification time and inode of every file in the output folder."""
    stats: dict[str, Stat] = {}
    for folder, _dirs, names in os.walk(output):
        for name in names:
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            stats[os.path.relpath(path, output)] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return stats


def state_key(output: Path) -> str:
    return key_of("state", str(output.resolve()))
