"""A content-addressed cache of intermediate results, under ``.cache/`` in the project.

Entries are keyed by a hash of what produced them (the input bytes, plus a stamp
of dossier's own code), so a stale entry can never be returned: an edited file
or a new dossier version simply misses. Entries are pickles written atomically;
a corrupt or unreadable entry counts as a miss. The cache only ever makes a build
faster, never different: every test of the incremental build compares its output
with a clean build.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import generator
from generator.parallel import pmap_shared
from generator.write import CACHE_FOLDER, open_new, write_all

FOLDER = CACHE_FOLDER
STALE_STAGING = 24 * 3600.0
"""Seconds after which a staging folder of another build counts as left by a killed one."""


def code_stamp() -> str:
    """A hash of dossier's own source, so results of older code are never reused."""
    package = Path(generator.__file__).parent
    digest = hashlib.sha256(generator.__version__.encode())
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key_of(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


class Cache:
    """Get and put pickled values by namespace and key; ``root=None`` keeps them in memory.

    One instance per build (or per ``serve`` session); nothing is shared between
    instances except the files on disk.
    """

    def __init__(self, root: Path | None, *, session: bool = False) -> None:
        self.root = root
        # A session (serve) keeps what it read in memory for the next build; a single
        # build hands each value to its caller and keeps no second copy.
        self.session = session or root is None
        self.lasting = session  # serves several builds
        self.stamp = code_stamp()
        self.memory: dict[tuple[str, str], Any] = {}
        self.pending: dict[tuple[str, str], Any] = {}
        self.used: dict[str, set[str]] = {}
        self.hits = 0
        self.misses = 0
        # What one build computed, for the next build of the same session to update rather
        # than recompute (each stage checks by identity that its inputs are the same objects).
        # Never written to disk and never pruned: each stage replaces its own entry.
        self.kept: dict[str, dict[str, Any]] = {}
        self.disk_pruned = False
        # Private to this cache, so workers write there without temporary names (the pid
        # and a random part: two builds never share it, even from two machines).
        name = f".staging-{os.getpid()}-{os.urandom(4).hex()}"
        self.staging = f"{root}{os.sep}{name}" if root is not None else None
        self.staged: set[tuple[str, str]] = set()
        self.existed = root is not None and root.is_dir()
        # Namespaces with no folder on disk, found so until the next flush: a cold build
        # looks up tens of thousands of entries that cannot be there.
        self.absent: set[str] = set()

    def key(self, *parts: bytes | str) -> str:
        return key_of(self.stamp, *parts)

    def get(self, namespace: str, key: str) -> Any | None:
        self.used.setdefault(namespace, set()).add(key)
        found = self.memory.get((namespace, key))
        if found is not None:
            self.hits += 1
            return found
        data = self.entry_bytes(namespace, key)
        if data is None:
            self.misses += 1
            return None
        return self.take(namespace, key, data)

    def has(self, namespace: str, key: str) -> bool:
        """Whether ``key`` has an entry, in memory or on disk (not read, not counted)."""
        if (namespace, key) in self.memory:
            return True
        if self.root is None or namespace in self.absent:
            return False
        if os.path.exists(self._path(namespace, key)):
            return True
        self._note_if_absent(namespace)
        return False

    def _note_if_absent(self, namespace: str) -> None:
        """After a miss: remember a namespace with no folder, not to look into it again."""
        assert self.root is not None
        if not os.path.isdir(f"{self.root}{os.sep}{namespace}"):
            self.absent.add(namespace)

    def in_memory(self, namespace: str, key: str) -> bool:
        """Whether :meth:`get` would find ``key`` without the disk (for a worker to ask)."""
        return (namespace, key) in self.memory

    def entry_bytes(self, namespace: str, key: str) -> bytes | None:
        """The bytes of an entry on disk, for a worker to send back unread: the caller
        turns them into the value with :meth:`take`. Counts nothing."""
        if self.root is None or namespace in self.absent:
            return None
        try:
            with open(self._path(namespace, key), "rb") as handle:
                return handle.read()
        except OSError:
            self._note_if_absent(namespace)
            return None

    def take(self, namespace: str, key: str, data: bytes) -> Any | None:
        """The value of entry bytes read by :meth:`entry_bytes`, as :meth:`get` gives it
        (None if they do not unpickle)."""
        self.used.setdefault(namespace, set()).add(key)
        found = _unpickled(data)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        if self.session:
            self.memory[(namespace, key)] = found
        return found

    def touch(self, namespace: str, *keys: str) -> None:
        """Count entries as used by this build without reading them (so prune keeps them)."""
        self.used.setdefault(namespace, set()).update(keys)

    def remember(self, namespace: str, key: str, value: Any) -> None:
        """Keep ``value`` in memory only: for results that are cheaper to rebuild than to
        read back from disk, but worth keeping between the builds of one session."""
        self.used.setdefault(namespace, set()).add(key)
        self.memory[(namespace, key)] = value

    def recall(self, namespace: str, key: str) -> Any | None:
        """A value kept with :meth:`remember` (memory only; never touches the disk)."""
        self.used.setdefault(namespace, set()).add(key)
        return self.memory.get((namespace, key))

    def put(self, namespace: str, key: str, value: Any, *, written: bool = False) -> None:
        """Remember ``value``; it reaches the disk on :meth:`flush`. ``written``: a worker
        staged its entry already (see :func:`stored`), so there is nothing to pickle."""
        self.used.setdefault(namespace, set()).add(key)
        if self.session:
            self.memory[(namespace, key)] = value
        # Pending either way: a staged entry thrown away with a failed build of a session
        # is then written by its next successful one, which finds the value in memory.
        self.pending[(namespace, key)] = value
        if written:
            self.staged.add((namespace, key))

    def entry(self, namespace: str, key: str) -> Entry | None:
        """Where a worker may store the value of ``key`` itself (None: no disk cache).

        Workers write into this build's staging folder; :meth:`flush` moves what they
        wrote into the cache, :meth:`discard` throws it away.
        """
        return (self.staging, namespace, key) if self.staging is not None and key else None

    def staged_value(self, namespace: str, key: str) -> Any | None:
        """The value a worker staged for ``key`` in this build (see :func:`stage`), read
        back from the staging folder, or from the cache once :meth:`flush` moved it there;
        None if it is in neither or does not unpickle."""
        data = None
        if self.staging is not None:
            with (
                contextlib.suppress(OSError),
                open(f"{_folder(self.staging, namespace, key)}{os.sep}{key}", "rb") as f,
            ):
                data = f.read()
        if data is None:
            data = self.entry_bytes(namespace, key)
        return _unpickled(data) if data is not None else None

    def discard(self) -> None:
        """Forget what workers staged for a build that did not succeed."""
        self.staged.clear()
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            if not self.existed:
                with contextlib.suppress(OSError):  # made only for the staging folder
                    os.rmdir(self.root)  # type: ignore[arg-type]

    def flush(self) -> None:
        """Write what this build added. Called only after a build succeeded, so a
        refused or failed build leaves the project exactly as it was."""
        pending, self.pending = self.pending, {}
        staged, self.staged = self.staged, set()
        self.absent.clear()  # what is written now is there for the next build
        if self.root is None:
            return
        self._adopt_staged()
        self.existed = True
        items = sorted((kv for kv in pending.items() if kv[0] not in staged), key=lambda kv: kv[0])
        # A cold build of a large site adds tens of thousands of entries: pickled and
        # written on every core (the entries reach the workers through fork).
        for _ in pmap_shared(_write_entry, (self.root, items), len(items)):
            pass

    def _adopt_staged(self) -> None:
        """Move the entries workers staged into the cache: a whole shard folder at once
        where the cache has none yet (every shard, on a cold build), else entry by entry."""
        assert self.root is not None and self.staging is not None
        # Any error only loses entries: a cache that cannot be written only costs speed.
        with contextlib.suppress(OSError):
            for namespace in os.listdir(self.staging):
                with contextlib.suppress(OSError):
                    self._adopt_namespace(namespace)
        shutil.rmtree(self.staging, ignore_errors=True)

    def _adopt_namespace(self, namespace: str) -> None:
        assert self.root is not None and self.staging is not None
        staged = os.path.join(self.staging, namespace)
        final = os.path.join(self.root, namespace)
        os.makedirs(final, exist_ok=True)
        for shard in os.listdir(staged):
            source, target = os.path.join(staged, shard), os.path.join(final, shard)
            with contextlib.suppress(OSError):
                if not os.path.exists(target):
                    os.rename(source, target)
                    continue
            for name in os.listdir(source) if os.path.isdir(source) else ():
                with contextlib.suppress(OSError):
                    os.replace(os.path.join(source, name), os.path.join(target, name))

    def _path(self, namespace: str, key: str) -> str:
        assert self.root is not None
        return f"{_folder(self.root, namespace, key)}{os.sep}{key}"

    def prune(self, namespaces: Iterable[str]) -> None:
        """Drop entries this build did not use, so the cache does not grow without end."""
        if self.root is None:
            return
        # A session prunes the disk once, at its first build: going through every entry
        # after each save would cost more than the rebuild; entries it leaves behind go
        # at the next build that starts afresh.
        disk = not (self.session and self.disk_pruned)
        self.disk_pruned = True
        if disk and self.root.is_dir():
            # Left by a killed build: one that ran more than a day ago (a build running
            # now, here or in another process, keeps its own).
            stale = time.time() - STALE_STAGING
            for found in os.scandir(self.root):
                with contextlib.suppress(OSError):
                    if (
                        found.name.startswith(".staging-")
                        and found.path != self.staging
                        and found.stat(follow_symlinks=False).st_mtime < stale
                    ):
                        shutil.rmtree(found.path, ignore_errors=True)
        for namespace in namespaces if disk else ():
            if namespace not in self.used:
                continue  # not looked into by this build (a session keeps site.json's pieces)
            used = self.used[namespace]
            base = self.root / namespace
            if not base.is_dir():
                continue
            for shard in os.scandir(base):
                if not shard.is_dir():
                    continue
                for entry in os.scandir(shard.path):
                    if entry.name not in used:
                        with contextlib.suppress(OSError):
                            os.unlink(entry.path)
        # Values held in memory for a long-running serve session are pruned too, once
        # they may be a tenth more than this build used (going through tens of thousands
        # after every save would cost more than the few stale ones held meanwhile).
        if len(self.memory) > 100 + 1.1 * sum(len(keys) for keys in self.used.values()):
            used = self.used
            self.memory = {k: v for k, v in self.memory.items() if k[1] in used.get(k[0], ())}
        self.used = {}


Entry = tuple[str, str, str]
"""Where a worker stages a cache entry: the staging folder, the namespace and the key."""


def _unpickled(data: bytes) -> Any | None:
    """The value of an entry's bytes, or None for a damaged entry."""
    try:
        return pickle.loads(data)
    except (EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError,
            TypeError, ValueError, OverflowError, MemoryError):  # fmt: skip
        # A flipped length byte can ask for more than memory holds.
        return None


def stored(value: Any, entry: Entry | None) -> bytes:
    """``value`` pickled, and written as the staged cache ``entry`` if there is one.

    For results made on a worker: the pickle it makes anyway to send the value back is
    the one the cache keeps, so a cold build pickles each result once, not twice, and
    the workers write the entries while they work instead of at the build's end.
    """
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    if entry is not None:
        stage(data, entry)
    return data


def _folder(base: str | Path, namespace: str, key: str) -> str:
    """The folder of an entry, in the cache or a staging folder (a string, not a Path: a
    warm build reads tens of thousands of entries)."""
    return f"{base}{os.sep}{namespace}{os.sep}{key[:2]}"


def stage(data: bytes, entry: Entry) -> bool:
    """Write ``data`` (a pickle) as the staged cache ``entry``; whether it was written (a
    cache that cannot be written only costs speed)."""
    staging, namespace, key = entry
    try:
        _write_new(_folder(staging, namespace, key), key, data)
    except OSError:
        return False
    return True


def _write_entry(job: tuple[Path, list[tuple[tuple[str, str], Any]]], index: int) -> None:
    root, items = job
    (namespace, key), value = items[index]
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    folder = _folder(root, namespace, key)
    name = f".tmp-{os.getpid()}-{key}"
    tmp = f"{folder}{os.sep}{name}"
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs speed
        _write_new(folder, name, data)
        try:
            os.replace(tmp, f"{folder}{os.sep}{key}")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def _write_new(folder: str, name: str, data: bytes) -> None:
    """``data`` as a new private file in ``folder``, whole or not at all. The folder is
    made only when found missing (a cold build writes tens of thousands of entries into
    a few hundred folders)."""
    path = f"{folder}{os.sep}{name}"
    try:
        fd = open_new(path, 0o600)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        fd = open_new(path, 0o600)
    try:
        try:
            write_all(fd, data)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)  # never a partial entry
        raise


def memo(cache: Cache | None, stage: str) -> dict[str, Any]:
    """The dict a stage keeps what it made in, for the next build of the same session.

    It lives as long as the cache: across the builds of a ``serve`` session, one build
    otherwise (and a build without a cache gets a new, empty one).
    """
    return cache.kept.setdefault(stage, {}) if cache is not None else {}
