"""Stage 6, *write*: put the rendered files on disk without ever leaving a half-built site.

Everything is written into a staging folder beside the output, which is then
swapped in: one atomic exchange of the two folders where the system has it, else
two renames, between which a killed build leaves the previous site under a
leftover's name, put back by the next build. If anything fails before the swap,
the previous site is untouched; leftovers of an interrupted run are cleared by
the next one.
A marker file records that dossier owns the folder, so it never cleans a
folder full of someone else's files.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from generator.problems import DossierError, InterruptedAfterWriting, Problem, Stopped

Stat = tuple[int, int, int]  # size, mtime_ns, inode of an output file


def stat_key(st: os.stat_result) -> Stat:
    """What tells an output file apart from a rewritten one: size, mtime, inode."""
    return (st.st_size, st.st_mtime_ns, st.st_ino)


MARKER = ".dossier-site"

# What a project is made of: the folders a build reads, its cache and its history. No
# output folder may be one of them or lie inside one, --force or not.
INPUT_FOLDERS = ("content", "seeds", "templates")
CACHE_FOLDER = ".cache"
_PROJECT_PARTS = (*INPUT_FOLDERS, CACHE_FOLDER, ".git")


LOCK = ".dossier-lock"


@contextlib.contextmanager
def exclusive(project: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the project's lock while a build runs: two builds at once (a second terminal,
    ``serve`` and ``build``, two CI jobs) would share the staging folder and the cache,
    and could leave half a site. The second waits for the first, after ``waiting()``.

    The lock file exists only while a build holds it. A project whose folder cannot be
    written to (built elsewhere with --no-cache) is built without one. The lock is the
    operating system's, so it dies with its process.
    """
    path = project / LOCK
    told = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None and not told:
                waiting()
                told = True
            fcntl.flock(fd, fcntl.LOCK_EX)
        # The build that held it may have removed the file meanwhile, and another may
        # have made and locked a new one: the lock counts only on the file still there.
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)  # before unlocking, so nobody locks a file on its way out
        os.close(fd)


class Carry(str):
    """The path of a previous site's file that the new site keeps as it is.

    A string, not a Path: a rebuild of a large site hands thousands of them on.
    """

    __slots__ = ()


class Later:
    """A piece of a file whose bytes are read only when the file is written: ``size``
    bytes, given by ``load``. A large file made of many such pieces is never in memory
    whole (/data/site.json's sources, staged on disk by the workers that made them)."""

    __slots__ = ("size", "load")

    def __init__(self, size: int, load: Callable[[], bytes]) -> None:
        self.size = size
        self.load = load

    def __len__(self) -> int:
        return self.size


def _loaded(parts: Sequence[bytes | Later]) -> list[bytes]:
    out = []
    for part in parts:
        if type(part) is Later:
            data = part.load()
            if len(data) != part.size:  # the file's size is already counted on
                raise OSError(f"a piece of {part.size} bytes read back as {len(data)}")
            out.append(data)
        else:
            out.append(part)  # type: ignore[arg-type]
    return out


class Pieces:
    """A file's bytes as consecutive pieces, written with ``writev`` and never joined.

    For ``/data/site.json``, tens of MB made of per-source pieces: joining them into
    one bytes object costs as much as writing the file, on every rebuild of a session.
    """

    __slots__ = ("parts", "size")

    def __init__(self, parts: Iterable[bytes | Later]) -> None:
        self.parts = tuple(parts)
        self.size = sum(map(len, self.parts))

    def __bytes__(self) -> bytes:
        return b"".join(_loaded(self.parts))

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"Pieces({len(self.parts)} parts, {self.size} bytes)"


Data = bytes | Pieces


def _iov_max() -> int:
    """Pieces to hand one writev call: the system's limit (1024 on Linux), at most 1024;
    16, the least POSIX allows, where it cannot be told."""
    try:
        limit = os.sysconf("SC_IOV_MAX")
    except (AttributeError, ValueError, OSError):
        return 16
    return min(1024, limit) if limit > 0 else 16


_IOV_MAX = _iov_max()


def same_data(a: Data, b: Data) -> bool:
    """The two hold the same bytes (joins pieces only when both are not the very same)."""
    if a is b:
        return True
    if len(a) != len(b):
        return False
    if isinstance(a, Pieces) and isinstance(b, Pieces) and a.parts == b.parts:
        return True
    return bytes(a) == bytes(b)


def write_all(fd: int, data: Data) -> None:
    """Write all of ``data`` to ``fd``: bytes in one go, pieces with ``writev``."""
    if isinstance(data, Pieces) and hasattr(os, "writev"):  # not on Windows
        parts = data.parts
        for start in range(0, len(parts), _IOV_MAX):
            batch = _loaded(parts[start : start + _IOV_MAX])
            done = os.writev(fd, batch)
            if done != sum(map(len, batch)):  # a short write: finish from where it stopped
                _write_view(fd, memoryview(b"".join(batch))[done:])
        return
    _write_view(fd, memoryview(bytes(data)))


def _write_view(fd: int, view: memoryview) -> None:
    while view:
        view = view[os.write(fd, view) :]


def open_new(path: str, mode: int) -> int:
    """A new file at ``path``, created here (never reached through a link planted there);
    a file already there, left by an earlier run, is replaced."""
    try:
        return os.open(path, _NEW_FILE, mode)
    except FileExistsError:
        os.unlink(path)
        return os.open(path, _NEW_FILE, mode)


_NEW_FILE = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
)


MARKER_TEXT = "This folder is written by dossier; its contents are replaced on every build.\n"


def _staging_name(output: Path, tag: str) -> Path:
    return output.parent / f".{output.name}.dossier-{tag}"


def check_output(output: Path, project: Path, *, force: bool = False) -> None:
    """Refuse output folders that would destroy something: the project, its parents, its
    inputs, cache and history, a git working tree, ~, /. Building replaces the whole
    folder, so --force lifts none of these."""
    out = output.resolve()
    proj = project.resolve()
    home = Path.home().resolve()
    shown = str(output)
    if out == proj or out in proj.parents:
        raise DossierError(
            [Problem(shown, message="output folder is the project or contains it; refused")]
        )
    for name in _PROJECT_PARTS:
        part = (proj / name).resolve()  # a linked folder is protected where it lies
        if out == part or part in out.parents or out in part.parents:
            where = "is" if out == part else "is inside" if part in out.parents else "holds"
            raise DossierError(
                [Problem(shown, message=f"output folder {where} the project's {name}/; refused")]
            )
    if (out / ".git").exists():
        raise DossierError(
            [Problem(shown, message="output folder is a git working tree (it holds .git); refused")]
        )
    if out == home or out == Path(out.anchor):
        raise DossierError(
            [Problem(shown, message="output folder is your home or the root folder; refused")]
        )
    if out.exists() and not out.is_dir():
        raise DossierError([Problem(shown, message="output exists and is not a folder; refused")])
    if output.is_symlink() and not force:
        # Checked on the path as given: ``out`` is resolved and so never a link.
        raise DossierError(
            [
                Problem(
                    shown,
                    message="output folder is a symbolic link; use --force to replace the link "
                    "(not what it points to) with a folder",
                )
            ]
        )
    if not force and out.exists() and not (out / MARKER).is_file() and any(out.iterdir()):
        raise DossierError(
            [
                Problem(
                    shown,
                    message="output folder holds files dossier did not write "
                    f"(no {MARKER} marker); use --force to replace it",
                )
            ]
        )


def _place(target: str, data: Data | Carry, old: str | None, exact: bool) -> os.stat_result | None:
    """Put one file of the new site in staging: carried over, linked if unchanged, or written.

    ``exact``: the process's umask leaves a new file at 0644, so no chmod is needed.
    Returns the stat of a file written here (None for one linked).
    """
    if isinstance(data, Carry):
        _carry(data, target)
        return None
    if old is not None and _link_if_same(old, data, target):
        return None
    st = _create(target, data)
    if not exact:
        os.chmod(target, 0o644)  # changes no size, time of modification or inode
    return st


def _create(target: str, data: Data) -> os.stat_result:
    """Write a file that staging does not hold yet (the same path twice: the last wins);
    its stat once written."""
    fd = open_new(target, 0o644)
    try:
        write_all(fd, data)
        return os.fstat(fd)
    finally:
        os.close(fd)


def _carry(old: str, target: str) -> None:
    """Bring a previous file into the new site: a hard link, or a copy where links fail."""
    # Only a regular file: a link planted in the previous site would be linked as a link,
    # and the chmod below would follow it out of the site.
    if not stat.S_ISREG(os.lstat(old).st_mode):
        raise DossierError(
            [Problem(old, message="file of the previous site is not a regular file; refused")]
        )
    try:
        os.link(old, target)
    except OSError:
        with open(old, "rb") as handle:
            _create(target, handle.read())
    os.chmod(target, 0o644)


def _link_if_same(old: str, data: Data, target: str) -> bool:
    """Link the previous file instead of writing ``data`` when the bytes are the same."""
    if not _holds(old, data):
        return False
    try:
        os.link(old, target)
    except OSError:
        return False
    os.chmod(target, 0o644)
    return True


def _umask() -> int | None:
    """The process's umask, read without changing it (Linux); None where unknown."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _make_folder(root: str, rel: str, made: set[str]) -> None:
    """Create the folder ``rel`` under ``root`` and any parents it lacks, one level at a time.

    Every folder in staging is made here, so each is known to be a real folder: a name
    already taken (by a link carried over as a file, say) is refused, never followed.
    """
    missing = []
    while rel and rel not in made:
        missing.append(rel)
        rel = os.path.dirname(rel)
    for folder in reversed(missing):
        path = root + folder
        try:
            os.mkdir(path, 0o755)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                raise DossierError(
                    [Problem(folder, message="page path runs through a file or link; refused")]
                ) from None
        made.add(folder)


def restore_swapped(output: Path) -> None:
    """Put back the previous site that a build killed between the two renames of a swap
    left under a leftover's name, with no site in place."""
    old = _staging_name(output, "old")
    if not (output.exists() or output.is_symlink()) and (old / MARKER).is_file():
        with contextlib.suppress(OSError):  # then the next successful build writes one
            os.replace(old, output)


def clear_leftovers(output: Path) -> None:
    """Remove staging folders left by a build that was killed."""
    restore_swapped(output)
    for tag in ("staging", "old"):
        _remove(_staging_name(output, tag))


class HeldSignals:
    """Ctrl-C and SIGTERM held from the moment the new site starts going in place until
    the build has recorded it (its cache), then acted on: the command never stops with
    the site swapped and its cache thrown away, saying that nothing was written.

    Only the main thread can set handlers; elsewhere (serve's builds) nothing is held.
    """

    def __init__(self) -> None:
        self.got: int | None = None
        self.saved: dict[int, Any] = {}

    def hold(self) -> None:
        if self.saved or threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.saved[signum] = signal.signal(signum, self._note)

    def _note(self, signum: int, _frame: object) -> None:
        if self.got is None:
            self.got = signum

    def __enter__(self) -> HeldSignals:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_exc: object) -> None:
        for signum, handler in self.saved.items():
            signal.signal(signum, handler)
        got, self.got, self.saved = self.got, None, {}
        if got is None or kind is not None:
            return
        handler = signal.getsignal(got)
        if handler is signal.default_int_handler:
            raise InterruptedAfterWriting()
        if callable(handler):  # the command's own for SIGTERM: exit 143
            try:
                handler(got, None)
            except Stopped as exc:
                exc.written = True
                raise
        elif handler == signal.SIG_DFL:
            signal.raise_signal(got)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux's renameat2 with RENAME_EXCHANGE); False where
    the system or the file system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return done == 0


def _remove(path: Path) -> None:
    # A link is removed itself; rmtree refuses links and would never reach what they point to.
    if path.is_symlink():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def write_site(
    output: Path,
    files: Iterable[tuple[str, Data | Carry]],
    project: Path,
    *,
    force: bool = False,
    previous: Path | None = None,
    stats: dict[str, Stat] | None = None,
    held: HeldSignals | None = None,
) -> int:
    """Write ``(relative path, bytes)`` pairs as the new site at ``output``; return the count.

    A pair may give a Path instead of bytes: an unchanged file of the previous
    site, carried over as a hard link. A file whose bytes equal the previous
    site's is linked too, so a rebuild writes only what changed.

    ``stats``: filled with the size, time of modification and inode of every file of
    the new site, by relative path, as a walk of it would find them; taken as the files
    are written, beside the workers still rendering, rather than by a walk at the end.
    ``held``: holds Ctrl-C and SIGTERM from the swap on (the caller acts on them).
    """
    check_output(output, project, force=force)
    output.parent.mkdir(parents=True, exist_ok=True)
    clear_leftovers(output)
    if previous is None and (output / MARKER).is_file() and not output.is_symlink():
        previous = output
    staging = _staging_name(output, "staging")
    count = 0
    # Plain strings, not Paths: a large site is tens of thousands of files, and each
    # Path operation costs more than the system call it leads to.
    root = str(staging.resolve()) + os.sep
    before = str(previous) + os.sep if previous is not None else None
    umask = _umask()
    # The umask clears no bit of 0755: new files come out 0644 and folders 0755 as asked.
    exact = umask is not None and umask & 0o755 == 0
    made: set[str] = set()
    try:
        staging.mkdir(mode=0o755)
        for rel, data in files:
            clean = os.path.normpath(rel)
            # Containment by the normalised name; the folders below are all made here.
            if os.path.isabs(clean) or clean in (".", "..") or clean.startswith(".." + os.sep):
                raise DossierError(
                    [Problem(rel, message="page path leaves the output folder; refused")]
                )
            folder = os.path.dirname(clean)
            if folder and folder not in made:
                _make_folder(root, folder, made)
            old = before + rel if before is not None else None
            st = _place(root + clean, data, old, exact)
            if stats is not None:
                stats[clean] = stat_key(st or os.lstat(root + clean))
            count += 1
        (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        os.chmod(staging / MARKER, 0o644)
        if stats is not None:
            stats[MARKER] = stat_key(os.lstat(staging / MARKER))
        if not exact:
            for folder in [str(staging), *(root + f for f in made)]:
                os.chmod(folder, 0o755)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if held is not None:
        held.hold()
    old = _staging_name(output, "old")
    there = output.exists() or output.is_symlink()
    if there and not output.is_symlink() and _exchange(staging, output):
        old = staging  # the previous site, now under the staging folder's name
    else:
        if there:
            os.replace(output, old)
        os.replace(staging, output)
    with contextlib.suppress(OSError):  # the new site is in place; the next build clears the rest
        _remove(old)
    return count


def update_site(
    output: Path,
    files: Iterable[tuple[str, Data | Carry]],
    project: Path,
    *,
    force: bool = False,
    before: set[str] | None = None,
    same: dict[str, tuple[Data, Any]] | None = None,
    paged: Container[str] = (),
) -> tuple[int, set[str]]:
    """Bring the previous site at ``output`` up to date file by file; return the count
    and the paths of the site's files.

    For a rebuild that changes a few files of a large site, where copying or linking
    every file into a staging folder would cost more than the rendering. Everything is
    produced first (``files`` is consumed before anything is touched), so a failure
    while rendering still leaves the previous site as it was. Then each changed file
    is replaced with a rename (a reader never sees half a file), and the files the new
    site no longer has are removed: those of ``before`` (the files the previous build
    wrote), or, without it, every file found in the folder. ``same``: a session's
    record of the bytes and stat of each file it wrote or found in place; a file
    whose bytes and stat are both unchanged is not read back to be compared. Files
    in ``paged`` (pages, which their fingerprints carry over) are not recorded.
    """
    check_output(output, project, force=force)
    items = list(files)
    root = output.resolve()
    prefix = str(root) + os.sep
    wanted: set[str] = set()
    for rel, data in items:
        # A carried file is where this check already let it be written.
        if not isinstance(data, Carry) and not os.path.normpath(
            os.path.join(prefix, rel)
        ).startswith(prefix):
            raise DossierError(
                [Problem(rel, message="page path leaves the output folder; refused")]
            )
        wanted.add(rel)
    # First every changed file goes into a temporary file beside its target; only when
    # all are written are they renamed over the old ones. A failure in the first phase
    # (a full disk, say) removes the temporary files and leaves the site as it was.
    renames: list[tuple[str, Path]] = []
    made: list[Path] = []  # folders the new site adds, removed again on failure
    try:
        for rel, data in items:
            if isinstance(data, Carry):
                continue  # the previous file, carried over where it is
            target = root / rel
            # Containment on the resolved folder: a link planted in the site must not lead out.
            parent = target.parent.resolve()
            if parent != root and root not in parent.parents:
                raise DossierError(
                    [Problem(rel, message="page path leaves the output folder; refused")]
                )
            known = same.get(rel) if same is not None else None
            if known is not None and same_data(known[0], data) and stat_file(target) == known[1]:
                continue
            if not _holds(target, data):
                missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
                made.extend(reversed(missing))
                renames.append((_write_beside(target, data), target))
    except BaseException:
        for tmp, _target in renames:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    for tmp, target in renames:
        os.replace(tmp, target)
    if same is not None:
        same.clear()
        for rel, data in items:
            if not isinstance(data, Carry) and rel not in paged:
                same[rel] = (data, stat_file(root / rel))
    stale = (before if before is not None else _files_in(root)) - wanted - {MARKER}
    folders: set[Path] = set()
    for rel in sorted(stale):
        path = root / rel
        with contextlib.suppress(OSError):
            path.unlink()
            folders.update(p for p in path.parents if root in p.parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if now empty
    return len(items), wanted


def _write_beside(target: Path, data: Data) -> str:
    """Write ``data`` to a new temporary file in ``target``'s folder; return its path."""
    target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".dossier-tmp-")
    try:
        try:
            write_all(fd, data)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def stat_file(path: Path) -> tuple[int, int, int, int] | None:
    """What tells a file written in place apart from any other: type, size, mtime, inode."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino)


def _holds(target: Path | str, data: Data) -> bool:
    """The file at ``target`` is a regular file with exactly these bytes."""
    try:
        st = os.lstat(target)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        with open(target, "rb") as handle:
            return handle.read() == bytes(data)
    except OSError:
        return False


def _files_in(root: Path) -> set[str]:
    found = set()
    for folder, _dirs, names in os.walk(root):
        rel = os.path.relpath(folder, root)
        for name in names:
            found.add(name if rel == "." else f"{rel}/{name}")
    return found
