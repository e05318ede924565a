"""The pipeline in one place: load -> model -> checks -> plan -> render -> write.

Each stage is a function of the previous one's output. Problems from all stages
are gathered and the run fails once, so an editor sees every mistake at once.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import time
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from generator import search
from generator.cache import FOLDER as CACHE_FOLDER
from generator.cache import Cache, key_of, memo, stage
from generator.checks import Coverage, check_site
from generator.feeds import (
    data_files,
    documents,
    encodes_every_source,
    prepare_site_data,
    source_piece,
)
from generator.incremental import (
    ENTITY_KINDS,
    SITE_WIDE,
    Fingerprints,
    Stat,
    site_stamp,
    stat_of,
)
from generator.load import Changed, load_site
from generator.model import Site, build_model
from generator.parallel import MIN_PARALLEL, pmap_shared, stopping
from generator.plan import Page, Related, plan_pages
from generator.problems import DossierError, Problem
from generator.render import Renderer, join_url, theme_dir
from generator.schema import base_url_problem
from generator.uptodate import input_digest, output_stats, state_key
from generator.write import (
    MARKER,
    Carry,
    Data,
    HeldSignals,
    Later,
    check_output,
    clear_leftovers,
    exclusive,
    restore_swapped,
    stat_file,
    update_site,
    write_site,
)
from generator.yamlstrict import load_yaml_file

# What the build keeps in .cache/ (other tools may keep their own folders there).
CACHE_NAMESPACES = ("yaml", "articles", "mentions", "quotes", "markdown", "pieces", "pages",
                    "state")  # fmt: skip


@dataclass(frozen=True)
class BuildOptions:
    output: Path | None = None
    base_url: str | None = None
    strict: bool = False
    force: bool = False
    progress: Progress | None = None
    """Called as pages render (``done``, ``total``, ``stage``); the CLI draws it on a terminal."""
    search: bool = True
    """Build the Pagefind index when the binary is there (False: never, e.g. for quick previews)."""
    cache: bool = True
    """Keep parsed inputs and page fingerprints in the project's .cache/ to rebuild faster."""
    carried: Carried | None = None
    """Filled in with what the build rendered and what it carried over (for tests, --profile)."""
    previous: Path | None = None
    """An earlier build of this site to carry unchanged pages over from (default: the output)."""
    profile: bool = False
    """Time each stage and each template (renders in one process, so the times add up)."""
    session: Cache | None = None
    """A cache kept in memory between the builds of one process (``serve``), over .cache/."""
    changed: Changed | None = None
    """In a session: what the file watcher saw change since the previous build (None:
    unknown, so every input file is looked at)."""
    waiting: Callable[[], None] | None = None
    """Called when another build of the project is running, before waiting for it to end."""
    own_output: bool = False
    """The output folder is the session's own (``serve``'s temporary folder): nothing else
    writes there, so a page carried over is not stat'ed to see that it is still ours."""


Progress = Callable[[int, int, str], None]

AUTO = object()


class Stopwatch:
    """Adds the time since the last lap to ``timings[name]`` (does nothing without a dict)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.last = now


@dataclass(frozen=True)
class Checked:
    """A site that passed the checks, with what the checks found."""

    site: Site
    pages: list[Page]
    warnings: list[Problem]
    coverage: Coverage
    related: Related
    """Cross-references, for the parts of page contexts made only when a page is rendered."""


@dataclass(frozen=True)
class BuildResult:
    output: Path
    files: int
    pages: int
    seconds: float
    warnings: list[Problem] = field(default_factory=list)
    coverage: Coverage | None = None
    kinds: dict[str, int] = field(default_factory=dict)
    """Pages written per page kind (``meeting``, ``person``, ... ``home``), in a fixed order."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage: ``check`` (load, model, checks, plan), ``render``, ``search``,
    ``write``."""
    held: Any = field(default=None, repr=False, compare=False)
    """What the build made in memory (the checked site, the cache), alive as long as the
    result is: a process that exits right after building (the CLI) can then skip freeing
    millions of objects one by one (0.4 s at 10,000 articles)."""


KIND_ORDER = (
    "home", "meeting", "person", "country", "organization", "source", "index",
    "timeline", "graph", "discrepancies", "search", "404",
)  # fmt: skip


def pages_per_kind(pages: list[Page]) -> dict[str, int]:
    counts = Counter(p.kind for p in pages)
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    return {k: counts[k] for k in sorted(counts, key=lambda k: (rank.get(k, len(rank)), k))}


def check_project(
    root: Path,
    *,
    strict: bool = False,
    base_url: str | None = None,
    cache: Cache | None = None,
    timings: dict[str, float] | None = None,
    unknown_names: bool = True,
    changed: Changed | None = None,
) -> Checked:
    """Run every stage but rendering and writing; raise DossierError if anything is wrong."""
    clock = Stopwatch(timings)
    inputs = load_site(root, cache, changed)
    _settle()
    clock.lap("load")
    site, problems = build_model(inputs, cache, unknown_names=unknown_names)
    del inputs
    if cache is not None and not cache.lasting:
        # What load and model keep is for a session's next build only; a single build
        # would carry every seed's text to its end (40 MB on a site of 10,000 articles).
        for stage in ("load", "model"):
            cache.kept.pop(stage, None)
    _settle()
    clock.lap("model")
    pages: list[Page] = []
    cov = None
    if site is not None:
        if base_url:
            site = _with_base_url(site, base_url, problems)
        found, cov = check_site(site, memo(cache, "checks"))
        problems.extend(found)
        clock.lap("checks")
        lasting = cache is not None and cache.lasting
        pages, collisions, related = plan_pages(site, memo(cache, "plan"), remember=lasting)
        _settle()
        problems.extend(collisions)
        clock.lap("plan")
    errors = [
        p if p.is_error else replace(p, strict=True) for p in problems if p.is_error or strict
    ]
    if errors or site is None or cov is None:
        raise DossierError(sorted(errors, key=_order))
    return Checked(site, pages, sorted(problems, key=_order), cov, related)


def _settle() -> None:
    """Exempt what the stages so far have built from the cycle collector.

    A site of 10,000 articles is millions of long-lived objects; each full pass of
    Python's cycle collector over them costs seconds, and a growing heap triggers
    many. Frozen objects are still freed as soon as nothing refers to them.
    """
    gc.freeze()


def _order(p: Problem) -> tuple[str, int, int, str]:
    return (p.path, p.line, p.col, p.message)


def _with_base_url(site: Site, base_url: str, problems: list[Problem]) -> Site:
    """The site with ``base_url`` in place of site.yaml's: one given on the command line
    (``--base-url``, serve's local address) says where this build is served, so it is not
    held to site.yaml's custom domain."""
    try:
        given = {**site.config.model_dump(), "base_url": base_url, "domain": None}
        config = site.config.model_validate(given)
    except ValidationError:
        why = base_url_problem(base_url) or "must be an http:// or https:// URL"
        problems.append(Problem("--base-url", message=f"{base_url!r} {why}"))
        return site
    return replace(site, config=config.model_copy(update={"domain": site.config.domain}))


def static_files(root: Path) -> dict[str, bytes]:
    """Assets from the bundled theme, overridden file by file by the project's templates/static."""
    files: dict[str, bytes] = {}
    for base in (theme_dir() / "static", root / "templates" / "static"):
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                # Links here lead to files of the project (load_site refuses the rest).
                if path.is_file():
                    files["static/" + path.relative_to(base).as_posix()] = path.read_bytes()
    return files


def _site_files(
    site: Site,
    absolute: Callable[[str], str],
    kept: dict[str, Any],
    ready: dict[str, Any] | None = None,
    store: _Store | None = None,
    *,
    lasting: bool,
) -> list[tuple[str, Data]]:
    """The files besides pages: /data/, the theme's and the project's static files, and
    the marker files GitHub Pages reads. ``ready``: sources of /data/site.json encoded
    on the workers. ``store``: where the encoded sources are kept (a one-off build's).
    ``lasting``: ``kept`` serves the next build of a session. Each of ``ready`` is the
    source's bytes, or the size of what a worker staged in the ``store``."""
    if store is not None:
        ready = _stored_pieces(site, absolute, store, ready or {})
    data = data_files(site, absolute, kept, ready, lasting=lasting)
    extra: list[tuple[str, Data]] = list(data)
    extra.extend(sorted(static_files(site.root).items()))
    # GitHub Pages would otherwise run Jekyll, which hides files starting with '_'.
    extra.append((".nojekyll", b""))
    if site.config.domain:
        extra.append(("CNAME", (site.config.domain.strip() + "\n").encode("ascii", "replace")))
    return extra


# Pages handed to a worker at once. The pages a worker rendered ahead of their turn wait
# in the main process until written; at 10,000 articles, spans of the default size (400
# pages, tens of MB where they are country pages) added some 80 MiB to the peak.
_RENDER_SPAN = 64

# Sources of /data/site.json encoded per worker job, on a build that renders on workers.
_ENCODE_CHUNK = 250


class _Store(NamedTuple):
    """Where a one-off build keeps each source's encoded entry of /data/site.json, and
    the cache key of each."""

    cache: Cache
    keys: dict[str, str]


def _store(cache: Cache, site: Site, base: str) -> _Store:
    """Each key is what the entry is made of: the source's text and metadata (its
    digest), the names looked for (its mentions) and the base URL (its links)."""
    names = site.names_key
    return _Store(
        cache,
        {s: cache.key("piece", base, names, s, src.digest) for s, src in site.sources.items()},
    )


def _stored_pieces(
    site: Site, absolute: Callable[[str], str], store: _Store, ready: dict[str, bytes | int]
) -> dict[str, bytes | Later]:
    """Every source's entry in /data/site.json: encoded on the workers (``ready``, which
    staged them), kept in the cache by an earlier build, or encoded here.

    A one-off build after one article changed encodes that one, not ten thousand.
    (A session keeps the pieces in memory instead; see feeds.site_data_bytes.)
    """
    cache, keys = store
    out: dict[str, bytes | Later] = {}
    for slug in site.sources:
        key = keys[slug]
        piece = ready.get(slug)
        if type(piece) is int:  # staged: read back when the file is written
            load = partial(_staged_piece, site, slug, absolute, cache, key)
            piece = Later(piece, load)
            cache.put("pieces", key, piece, written=True)
        elif piece is not None:
            cache.put("pieces", key, piece)
        else:
            piece = cache.get("pieces", key)
            if piece is None:
                piece = source_piece(site, slug, absolute)
                cache.put("pieces", key, piece)
        out[slug] = piece
    return out


def _staged_piece(
    site: Site, slug: str, absolute: Callable[[str], str], cache: Cache, key: str
) -> bytes:
    """A source's entry of /data/site.json as a worker staged it; made again if it cannot
    be read back (the same bytes: the writer checks their count)."""
    piece = cache.staged_value("pieces", key)
    return piece if isinstance(piece, bytes) else source_piece(site, slug, absolute)


def _render_indexed(
    job: tuple[
        Renderer, list[Page], Related, list[list[str]], bool, Fingerprints | None, _Store | None
    ],
    index: int,
) -> bytes | list[bytes | int] | tuple[bytes, float, str | None]:
    """Page ``index``; past the pages, a chunk of sources encoded for /data/site.json.

    With ``timed`` (a --profile build) or ``prints`` the page comes as (bytes, seconds
    it took, fingerprint): a worker's own record of its templates' times dies with it,
    and a first build fingerprints its pages where they are rendered.
    """
    renderer, pages, related, chunks, timed, prints, store = job
    if index >= len(pages):
        site, absolute = renderer.site, partial(join_url, renderer.base_url)
        slugs = chunks[index - len(pages)]
        pieces: list[bytes | int] = [source_piece(site, s, absolute) for s in slugs]
        if store is not None:
            # Staged as cache entries, a piece travels back as its size only: the writer
            # reads it back from there (see _stored_pieces), and the build never holds
            # the sources of /data/site.json all at once.
            for i, slug in enumerate(slugs):
                piece = pieces[i]
                entry = store.cache.entry("pieces", store.keys[slug])
                data = pickle.dumps(piece, protocol=pickle.HIGHEST_PROTOCOL)
                if entry is not None and stage(data, entry):
                    pieces[i] = len(piece)  # type: ignore[arg-type]
        return pieces
    planned = page = pages[index]
    slug = page.context.get("slug")
    if slug is not None and page.kind in ENTITY_KINDS:
        more = related.from_sources(ENTITY_KINDS[page.kind], slug)
        page = replace(page, context={**page.context, **more})
    if not timed and prints is None:
        return renderer.render(page)
    started = time.perf_counter()
    data = renderer.render(page)
    spent = time.perf_counter() - started
    return data, spent, prints.alone(planned) if prints is not None else None


@dataclass
class Carried:
    """Bookkeeping of an incremental build: page fingerprints, and what was reused."""

    fingerprints: dict[str, str] = field(default_factory=dict)
    reused: int = 0
    """Entity and source pages carried over from the previous site."""
    rendered: int = 0
    """Entity and source pages rendered (the site-wide pages are always rendered)."""
    rendered_pages: list[str] = field(default_factory=list)
    """The output paths of the entity and source pages rendered."""
    template_times: dict[str, list[float]] = field(default_factory=dict)
    """Per template: [pages rendered, seconds] (complete only in a --profile build)."""
    stats: dict[str, Stat] = field(default_factory=dict)
    """The stat of each file carried over, as checked before carrying it."""


def render_files(
    checked: Checked,
    *,
    search_binary: Path | None | object = AUTO,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    cache: Cache | None = None,
    previous: Path | None = None,
    carried: Carried | None = None,
    profile: bool = False,
    own_output: bool = False,
) -> Iterable[tuple[str, Data | Carry]]:
    """Every file of the site as ``(path, bytes)``: pages, feeds, data, assets, search index.

    ``search_binary`` is the Pagefind executable (found automatically by default;
    None: no index, and the search page says search is unavailable). With a
    ``cache`` and the ``previous`` site, a page whose inputs did not change is
    given as the Path of its previous file instead of bytes, and is not rendered.
    Everything is produced before the writer swaps anything in, so a failure
    anywhere leaves the previous site as it was.
    """
    site = checked.site
    preparing = time.perf_counter()
    binary = search.pagefind_binary() if search_binary is AUTO else search_binary
    assert binary is None or isinstance(binary, Path)
    jinja_cache = None
    if cache is not None and cache.root is not None:
        jinja_cache = cache.root / "jinja"
        jinja_cache.mkdir(parents=True, exist_ok=True)
    renderer = Renderer(
        site, search=binary is not None, bytecode_cache=jinja_cache, kept=memo(cache, "render")
    )
    prose = memo(cache, "prose")
    # The summaries are those of the last build, unless the fact sheets changed, or the
    # site's language, by which runs in other scripts are marked.
    language = site.config.language
    if (
        site.sheets_token is not None
        and prose.get("token") is site.sheets_token
        and prose.get("language") == language
    ):
        renderer.prose = prose["html"]
    else:
        renderer.prepare_prose(cache)
        prose.update(token=site.sheets_token, html=renderer.prose, language=language)
    carried = carried if carried is not None else Carried()
    # A --profile build times each page where it is rendered, here or on a worker.
    carried.template_times = {} if profile else renderer.template_times
    clock = time.perf_counter()
    pages = checked.pages
    manifest: dict[str, tuple[str, Stat]] = {}
    prints = None
    if cache is not None:
        stamp = site_stamp(site, renderer, cache.stamp, memo(cache, "stamp"))
        prints = Fingerprints(site, renderer, stamp, memo(cache, "fingerprints"), checked.related)
        if previous is not None:
            manifest = cache.get("pages", manifest_key(previous)) or {}
    # The feed and the sitemap are fingerprinted and carried over like pages.
    everything = [*pages, *documents(site, pages, memo(cache, "feed"))]
    outputs: list[Data | Carry | None] = [None] * len(everything)
    todo: list[int] = []
    base = str(previous) + os.sep if previous is not None else ""
    # With nothing to carry over (a first build, one not in a session), every page is
    # rendered: each is fingerprinted, for the next build, where it is rendered.
    later = prints if prints is not None and not manifest and not cache.lasting else None
    # The loop runs for every page of the site on every build: names bound once.
    of = prints.of if prints is not None and later is None else lambda _page: None
    fingerprints, stats, count = carried.fingerprints, carried.stats, len(pages)
    for i, page in enumerate(everything):
        fp = of(page)
        if fp is not None:
            out = page.output
            fingerprints[out] = fp
            before = manifest.get(out)
            if before is not None and before[0] == fp and previous is not None:
                path = base + out
                if own_output or stat_of(path) == before[1]:
                    outputs[i] = Carry(path)
                    stats[out] = before[1]
                    if i < count:
                        carried.reused += 1
                    continue
        todo.append(i)
    if prints is not None:
        prints.done()
    total = len(todo)
    if timings is not None:
        # The renderer, and each page's fingerprint to tell what can be carried over.
        timings["prepare"] = time.perf_counter() - preparing
    # Progress counts pages (HTML); the feed and the sitemap are rendered after them.
    page_total = sum(1 for i in todo if i < len(pages))
    carried.rendered_pages = [
        pages[i].output for i in todo if i < len(pages) and pages[i].output in carried.fingerprints
    ]
    carried.rendered = len(carried.rendered_pages)
    spent = [0.0]
    data_kept = memo(cache, "data")
    lasting = cache is not None and cache.lasting
    # A one-off build keeps each source's encoded entry of /data/site.json in the cache
    # on disk; a session keeps them in memory (data_kept).
    store = None
    if cache is not None and cache.root is not None and not cache.lasting:
        store = _store(cache, site, join_url(renderer.base_url, ""))

    def produce() -> Iterator[tuple[str, Data | Carry]]:
        """Pages in plan order as they are rendered, then the site-wide files.

        Time spent here is counted as rendering; time the consumer spends between
        items (writing them) is not.
        """
        started = time.perf_counter()
        # When many pages are rendered (on the workers) and /data/site.json is made
        # afresh, the workers encode its sources too, after the pages.
        chunks: list[list[str]] = []
        absolute = partial(join_url, renderer.base_url)
        if total >= MIN_PARALLEL and encodes_every_source(site, absolute, data_kept):
            ids = list(site.sources)
            if store is not None:  # those an earlier build encoded are read at the end
                ids = [s for s in ids if not store.cache.has("pieces", store.keys[s])]
            chunks = [ids[k : k + _ENCODE_CHUNK] for k in range(0, len(ids), _ENCODE_CHUNK)]
        # A session renders its site-wide pages here, never on a worker, whose memos die
        # with it: the next rebuild renders these pages again, and finds kept what they
        # are made of (the sources index's rows, say).
        here: dict[int, int] = {}
        if cache is not None and cache.lasting and total >= MIN_PARALLEL:
            site_wide = [i for i in todo if everything[i].kind in SITE_WIDE]
            here = {i: k for k, i in enumerate(site_wide)}  # page index -> index in local
        away = [i for i in todo if i not in here] if here else todo
        jobs = (renderer, [everything[i] for i in away], checked.related, chunks, profile,
                later, store)  # fmt: skip
        local = (renderer, [everything[i] for i in here], checked.related, [], profile, later,
                 store)  # fmt: skip
        # What /data/site.json holds besides the sources is made here while workers render.
        rendered = iter(
            pmap_shared(
                _render_indexed,
                jobs,
                len(away) + len(chunks),
                meanwhile=prepare_site_data(site, absolute, data_kept),
                span=_RENDER_SPAN,
            )
        )
        with stopping(rendered):
            extra: list[tuple[str, Data]] = []
            first: list[Any] = []
            if not chunks:
                # The first page starts the workers (forked before the data files below add
                # to this process); the data files are then made here while they render.
                first = [next(rendered)] if away else []
                extra = _site_files(site, absolute, data_kept, store=store, lasting=lasting)
            done = 0
            for i, page in enumerate(everything):
                out = outputs[i]
                if out is None:
                    if i in here:
                        out = _render_indexed(local, here[i])
                    else:
                        out = first.pop() if first else next(rendered)
                    if profile or later is not None:
                        out, seconds, fp = out
                        if profile:
                            spent_on = carried.template_times.setdefault(page.template, [0, 0.0])
                            spent_on[0] += 1
                            spent_on[1] += seconds
                        if fp is not None:
                            fingerprints[page.output] = fp
                            if i < len(pages):
                                carried.rendered_pages.append(page.output)
                    if i < len(pages):
                        done += 1
                        if progress:
                            progress(done, page_total, "render")
                spent[0] += time.perf_counter() - started
                yield page.output, out
                started = time.perf_counter()
            if chunks:
                ready: dict[str, bytes | int] = {}
                for ids, encoded in zip(chunks, rendered, strict=True):
                    ready.update(zip(ids, encoded, strict=True))
                extra = _site_files(site, absolute, data_kept, ready, store, lasting=lasting)
            carried.rendered = len(carried.rendered_pages)
            spent[0] += time.perf_counter() - started
            if timings is not None:
                timings["render"] = spent[0]
        yield from extra

    if binary is None:
        # Streamed to the writer: a large site is never held in memory all at once.
        return produce()
    files = list(produce())
    clock = time.perf_counter()
    if progress:
        progress(page_total, page_total, "search")
    as_bytes = [
        (path, Path(data).read_bytes() if isinstance(data, Carry) else bytes(data))
        for path, data in files
    ]
    files.extend(search.index_files(as_bytes, binary, language=site.config.language))
    if timings is not None:
        timings["search"] = time.perf_counter() - clock
    return files


# A session (serve) updates its site in place when it renders at most this many pages;
# above that, a staging folder swapped in whole costs no more. A one-off build always
# writes a staging folder.
IN_PLACE_LIMIT = 500


def _in_place(output: Path, previous: Path | None, binary: Path | None, carried: Carried) -> bool:
    """Whether to update the previous site where it is rather than write a new one."""
    return (
        binary is None  # a search index is rebuilt over every page anyway
        and previous is not None
        and carried.rendered <= IN_PLACE_LIMIT
        and not output.is_symlink()
        and (output / MARKER).is_file()
        and previous.resolve() == output.resolve()
    )


def _noted(
    files: Iterable[tuple[str, Data | Carry]],
    names: set[str],
    made: dict[str, Data],
    paged: Container[str],
) -> Iterator[tuple[str, Data | Carry]]:
    """The files as they pass, their names noted, and the bytes of those neither carried
    nor pages (which their fingerprints carry over; holding them all would cost memory)."""
    for rel, data in files:
        names.add(rel)
        if not isinstance(data, Carry) and rel not in paged:
            made[rel] = data
        yield rel, data


def manifest_key(output: Path) -> str:
    return key_of("manifest", str(output.resolve()))


def _configured_output(root: Path) -> Path | None:
    """The output folder site.yaml asks for, read without the rest of the pipeline."""
    try:
        data = load_yaml_file(root / "site.yaml", "site.yaml").data
    except DossierError:
        return None
    value = data.get("output", "_site") if isinstance(data, dict) else None
    return root / value if isinstance(value, str) and value else None


def _up_to_date(
    root: Path, options: BuildOptions, cache: Cache, started: float
) -> tuple[BuildResult | None, str, Path | None]:
    """The recorded result if nothing changed since the last build; else None and the digest."""
    output = options.output or _configured_output(root)
    if output is None or not options.cache or options.profile or options.previous is not None:
        return None, "", output
    binary = search.pagefind_binary() if options.search else None
    digest = input_digest(
        root,
        cache.stamp,
        (str(output.resolve()), options.base_url, options.search, str(binary), options.strict),
    )
    state = cache.get("state", state_key(output))
    if not state or state.get("digest") != digest or not (output / MARKER).is_file():
        return None, digest, output
    if output_stats(output) != state["stats"]:
        return None, digest, output
    if options.carried is not None:
        options.carried.reused = state["entity_pages"]
    result = replace(state["result"], seconds=time.perf_counter() - started)
    return replace(result, timings={"check": result.seconds}), digest, output


def build_project(root: Path, options: BuildOptions | None = None) -> BuildResult:
    """Build the site of the project at ``root``; raise DossierError on any problem."""
    options = options or BuildOptions()
    with exclusive(root, options.waiting), _collector_off():
        # Before anything can fail: a build killed mid-swap may have left no site in place.
        output = options.output or _configured_output(root)
        if output is not None:
            restore_swapped(output)
        return _build(root, options)


@contextlib.contextmanager
def _collector_off() -> Iterator[None]:
    """Keep the cycle collector from running while a build runs (and in the workers it forks).

    A build makes millions of objects that live until it ends, and next to no cycles (a
    few hundred objects at 10,000 articles); each automatic pass goes over the young
    ones again, which cost a cold build of 10,000 articles 0.6 s even at a threshold
    of 200,000. What the build leaves is freed by reference counting; serve collects
    once after each rebuild. The collector's state is put back afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(root: Path, options: BuildOptions) -> BuildResult:
    started = time.perf_counter()
    if options.session is not None:
        cache = options.session
    else:
        cache = Cache(root / CACHE_FOLDER if options.cache else None)
    try:
        return _build_with(root, options, cache, started)
    except BaseException:
        cache.discard()  # a failed build leaves the cache as it was, too
        raise


def _build_with(root: Path, options: BuildOptions, cache: Cache, started: float) -> BuildResult:
    done, digest, planned_output = None, "", None
    if options.session is None:
        # A session has its own way of seeing that nothing changed: every stage reuses
        # what it made last time, and nothing is rendered or written.
        done, digest, planned_output = _up_to_date(root, options, cache, started)
    if done is not None:
        check_output(done.output, root, force=options.force)
        clear_leftovers(done.output)  # of a build killed after all, or in a failed swap
        cache.prune(())  # nothing read that needs keeping
        return done
    stages: dict[str, float] = {}
    checked = check_project(
        root,
        strict=options.strict,
        base_url=options.base_url,
        cache=cache,
        timings=stages,
        unknown_names=False,
        changed=options.changed if options.session is not None else None,
    )
    timings = {"check": time.perf_counter() - started}
    if options.profile:
        timings = dict(stages)
    output = options.output or (root / checked.site.config.output)
    # Refuse a dangerous output before rendering, which already writes compiled templates.
    check_output(output, root, force=options.force)
    binary = search.pagefind_binary() if options.search else None
    warnings = list(checked.warnings)
    if options.search and binary is None:
        warnings.append(search.MISSING)
    previous = options.previous or (output if (output / MARKER).is_file() else None)
    carried = options.carried if options.carried is not None else Carried()
    files = render_files(
        checked,
        search_binary=binary,
        progress=options.progress,
        timings=timings,
        cache=cache if options.cache else None,
        previous=previous,
        carried=carried,
        profile=options.profile,
        own_output=options.own_output and options.session is not None,
    )
    clock = time.perf_counter()
    # The up-to-date check of the next build compares the new site's files with their
    # stats now, which the writer takes as it writes them.
    saves_state = bool(
        options.cache
        and digest
        and options.session is None
        and planned_output is not None
        and planned_output.resolve() == output.resolve()
    )
    stats: dict[str, Stat] | None = {} if saves_state else None
    # Once the new site starts going in place, Ctrl-C and SIGTERM wait until the build
    # has recorded it in the cache (see HeldSignals).
    with HeldSignals() as held:
        # Closed whatever happens: a writer that fails stops the workers still rendering,
        # before the failed build's staged cache entries are thrown away.
        with stopping(files):
            written = memo(cache, "written")  # the files the last in-place update left
            in_place = options.session is not None and _in_place(output, previous, binary, carried)
            if in_place:
                before = written.get("names") if written.get("output") == output else None
                if before is None:
                    written["same"] = {}
                count, names = update_site(
                    output,
                    files,
                    root,
                    force=options.force,
                    before=before,
                    same=written["same"],
                    paged=carried.fingerprints,
                )
                written.update(output=output, names=names)
            elif options.session is not None:
                # What a session writes whole, the next in-place update starts from: every name,
                # and the bytes and stat of each file written rather than carried.
                names: set[str] = set()
                made: dict[str, Data] = {}
                noted = _noted(files, names, made, carried.fingerprints)
                count = write_site(
                    output, noted, root, force=options.force, previous=previous, held=held
                )
                same = {rel: (data, stat_file(output / rel)) for rel, data in made.items()}
                written.update(output=output, names=names, same=same)
            else:
                count = write_site(
                    output,
                    files,
                    root,
                    force=options.force,
                    previous=previous,
                    stats=stats,
                    held=held,
                )
                written.clear()
        spent_rendering = timings.get("render", 0.0) + timings.get("search", 0.0)
        # With streaming, rendering happened while writing; count it once, as rendering.
        timings["write"] = max(
            0.0, time.perf_counter() - clock - (spent_rendering if binary is None else 0.0)
        )
        result = BuildResult(
            output=output,
            files=count,
            pages=len(checked.pages),
            seconds=time.perf_counter() - started,
            warnings=warnings,
            coverage=checked.coverage,
            kinds=pages_per_kind(checked.pages),
            timings=timings,
        )
        clock = time.perf_counter()
        if options.cache:
            # Record what each page's file now is, so the next build can carry it over.
            manifest = {}
            base = str(output) + os.sep
            # A file updated in place was either carried (its stat is known) or written now.
            known = carried.stats if in_place else (stats or {})
            for out, fp in carried.fingerprints.items():
                st = known.get(out) or stat_of(base + out)
                if st is not None:
                    manifest[out] = (fp, st)
            cache.put("pages", manifest_key(output), manifest)
            if saves_state:
                cache.put(
                    "state",
                    state_key(output),
                    {
                        "digest": digest,
                        "stats": stats,
                        "entity_pages": carried.rendered + carried.reused,
                        "result": result,
                    },
                )
        cache.flush()
        cache.prune(CACHE_NAMESPACES)
        # What the build printed covers the whole of it, saving the cache included.
        timings = {**timings, "cache": time.perf_counter() - clock}
        return replace(
            result, seconds=time.perf_counter() - started, timings=timings, held=(checked, cache)
        )
