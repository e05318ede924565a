"""``dossier serve``: preview the site locally, rebuild on change, reload open pages.

How it fits together:

- every build goes into a fresh folder under a private temporary directory, not
  into the project's ``_site``: the preview is built with a local ``base_url``
  (``http://127.0.0.1:8000/dossier/``), so its canonical links, feed and sitemap
  must never be mistaken for (or deployed as) the published site, and a
  ``dossier build`` run next to the server never races with it. The server
  switches to a new folder only when its build succeeded, so a broken fact
  sheet leaves the *last good build* on screen; the folder before that is kept
  one more round for requests still reading it, then removed.
- the site is served under the path of ``base_url`` (``/dossier/``), as on
  GitHub Pages, so relative links and the 404 page behave as they will there;
  ``/`` redirects to that path and anything else outside it gets the 404 page.
- HTML responses get a small script before ``</body>``; it opens a Server-Sent
  Events stream at :data:`EVENTS_PATH` and reloads the page on a ``reload``
  event, or shows an overlay listing the problems on a ``problems`` event (not
  ``error``: that name is taken by EventSource's own connection-error event).
- watchfiles watches ``seeds/``, ``content/`` and ``templates/`` recursively and
  the project folder itself non-recursively for ``site.yaml`` (a recursive watch
  of the project would crawl ``.venv`` and ``.git``; watching ``site.yaml`` as a
  file would lose the watch when an editor saves by renaming a new file over
  it). watchfiles already groups a burst of events (``step``/``debounce``), and
  the builder drains whatever else queued up, so an atomic save is one rebuild.

A standard-library ``ThreadingHTTPServer`` is enough for one editor's browser
tabs; a web framework would bring more surface than it saves here.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import html
import ipaddress
import json
import mimetypes
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import watchfiles

from generator.build import BuildOptions, build_project
from generator.cache import FOLDER as CACHE_FOLDER
from generator.cache import Cache
from generator.load import Changed
from generator.problems import NOT_A_PROJECT, DossierError
from generator.write import stat_file

#: Reserved path of the Server-Sent Events stream (outside any base path).
EVENTS_PATH = "/__dossier__/events"
WATCHED_DIRS = ("seeds", "content", "templates")
CONFIG_FILE = "site.yaml"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
KEEPALIVE_SECONDS = 15.0
HOST_RE = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)(?::(\d{1,5}))?")

Log = Callable[[str], None]

# Explicit types for what a site holds, so the answer never depends on the
# machine's /etc/mime.types; anything else falls back to mimetypes.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".wasm": "application/wasm",
    ".pf_meta": "application/octet-stream",
}


class ServeError(Exception):
    """The server could not start (port taken, unknown host, ...); one line for the user."""


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    poll: bool = False
    #: watchfiles: wait this long without new events before a batch is reported (ms)
    step_ms: int = 100
    #: watchfiles: report a batch after this long even if events keep coming (ms)
    debounce_ms: int = 1600
    log_requests: bool = False


@dataclass(frozen=True)
class Snapshot:
    """What the server shows right now; replaced whole, never mutated."""

    serial: int  # bumped by every build attempt
    version: str  # identifies the last good build; changes when pages should reload
    site_dir: Path | None  # the last good build, or None before the first one
    base_path: str  # '/dossier/'
    problems: tuple[str, ...] = ()


# --------------------------------------------------------------------- watching


class InputFilter(watchfiles.DefaultFilter):
    """watchfiles' default filter, plus hidden files and editors' temporary files.

    Hidden files are never inputs (load skips them), and most editors write
    their atomic-save temporaries as hidden files.
    """

    ignore_entity_patterns = (
        *watchfiles.DefaultFilter.ignore_entity_patterns,
        r"^\.",  # hidden files: .file.yaml.tmp, .goutputstream-XYZ, .#lock
        r"^#.*#$",  # Emacs auto-save
        r"\.(tmp|temp|bak|orig|swp|swo|swx|kate-swp|crdownload)$",
        r"^4913$",  # Vim's probe file
    )


def _config_filter(root: Path) -> Callable[[watchfiles.Change, str], bool]:
    """site.yaml, and the input folders themselves: one deleted and made again (a branch
    switched, a folder restored) is watched again."""
    wanted = {str(root / CONFIG_FILE), *(str(root / d) for d in WATCHED_DIRS)}
    return lambda _change, path: path in wanted


class _Either:
    """Set when either event is: a watcher stops with the preview or when replaced."""

    def __init__(self, a: threading.Event, b: threading.Event) -> None:
        self.a, self.b = a, b

    def is_set(self) -> bool:
        return self.a.is_set() or self.b.is_set()


# --------------------------------------------------------------------- helpers


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_wildcard(host: str) -> bool:
    return host.strip("[]") in ("", "0.0.0.0", "::")


def _url_host(host: str) -> str:
    """The host as written in a URL: wildcards become 127.0.0.1, IPv6 gets brackets."""
    if _is_wildcard(host):
        return "127.0.0.1" if ":" not in host else "[::1]"
    bare = host.strip("[]")
    return f"[{bare}]" if ":" in bare else bare


def read_base_path(root: Path) -> str:
    """The path part of ``base_url`` in site.yaml ('/dossier/'), or '/' if unreadable.

    Read on its own because the local base_url must be known before the build;
    a broken site.yaml is reported by the build itself.
    """
    from generator.yamlstrict import load_yaml_file

    try:
        doc = load_yaml_file(root / CONFIG_FILE, CONFIG_FILE)
        value = doc.data.get("base_url") if isinstance(doc.data, dict) else None
    except (DossierError, OSError, UnicodeError):
        return "/"
    if not isinstance(value, str):
        return "/"
    try:
        # Compared with request paths, which arrive percent-encoded and are decoded.
        path = unquote(urlsplit(value.strip()).path, errors="strict")
    except (ValueError, UnicodeDecodeError):
        return "/"
    if not path.startswith("/"):
        path = "/" + path
    if not path.endswith("/"):
        path += "/"
    # Only a plain path is useful as a mount point.
    if "//" in path or any(seg in (".", "..") for seg in path.split("/")):
        return "/"
    if "\\" in path or any(ord(ch) < 0x20 or ch == "\x7f" for ch in path):
        return "/"
    return path


def url_path(path: str) -> str:
    """A decoded path as it is written in a URL (and in a Location header, which must be
    ASCII): /日本/ -> /%E6%97%A5%E6%9C%AC/."""
    return quote(path, safe="/!$&'()*+,;=:@~")


def clean_request_path(raw: str) -> str | None:
    """Decode the path of a request target, or return None if it is hostile.

    Rejects ``..`` segments in raw, percent-encoded and double- (or triple-)
    encoded form, NUL and other control characters, backslashes, and text that
    is not UTF-8. Legitimate links to this site never contain any of these.
    """
    if not raw.startswith("/"):
        return None
    text = raw
    decoded_once: str | None = None
    for _ in range(4):
        if "\\" in text or any(ord(ch) < 0x20 or ch == "\x7f" for ch in text):
            return None
        if ".." in text.split("/"):
            return None
        try:
            decoded = unquote(text, errors="strict")
        except UnicodeDecodeError:
            return None
        if decoded_once is None:
            decoded_once = decoded
        if decoded == text:
            break
        text = decoded
    else:
        return None  # still changing after four rounds of decoding: nobody links like that
    return decoded_once


# --------------------------------------------------------------------- the page script

_CLIENT_JS = """\
(function () {
  var s = %s;
  var box = null;
  function show(problems) {
    if (box) { box.remove(); box = null; }
    if (!problems.length) return;
    box = document.createElement("div");
    box.id = "dossier-overlay";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
      "background:rgba(24,24,24,.94);color:#f4f4f4;padding:2rem;" +
      "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace";
    var title = document.createElement("p");
    title.style.cssText = "font-weight:bold;color:#ff8a80;margin:0 0 1rem";
    title.textContent = "The last build failed (" + problems.length + " problem" +
      (problems.length === 1 ? "" : "s") + "); showing the last good build.";
    var list = document.createElement("ul");
    list.style.cssText = "margin:0;padding-left:1.2rem";
    problems.forEach(function (text) {
      var item = document.createElement("li");
      item.style.cssText = "white-space:pre-wrap;margin:.3rem 0";
      item.textContent = text;
      list.appendChild(item);
    });
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss";
    close.style.cssText = "margin-top:1rem";
    close.onclick = function () { show([]); };
    box.appendChild(title);
    box.appendChild(list);
    box.appendChild(close);
    document.body.appendChild(box);
  }
  function start() {
    show(s.problems);
    if (!window.EventSource) return;
    var events = new EventSource(s.events + "?v=" + encodeURIComponent(s.version));
    events.addEventListener("reload", function () { events.close(); location.reload(); });
    events.addEventListener("problems", function (e) { show(JSON.parse(e.data).problems); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
"""


def _script_json(value: Any) -> str:
    """JSON that is safe inside <script>: no '</script>', no '<!--', no line separators."""
    text = json.dumps(value, ensure_ascii=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


def live_script(snapshot: Snapshot) -> bytes:
    state = {
        "events": EVENTS_PATH,
        "version": snapshot.version,
        "problems": list(snapshot.problems),
    }
    return (
        '<script id="dossier-live">\n' + _CLIENT_JS % _script_json(state) + "</script>\n"
    ).encode()


def inject(page: bytes, script: bytes) -> bytes:
    """Put ``script`` before the last ``</body>``, or at the end if there is none."""
    at = page.lower().rfind(b"</body>")
    return page + script if at < 0 else page[:at] + script + page[at:]


def _problems_page(snapshot: Snapshot) -> bytes:
    items = "".join(f"<li>{html.escape(p)}</li>" for p in snapshot.problems)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Build failed · dossier</title></head><body>"
        "<h1>The site has not built yet</h1>"
        f"<p>Fix these problems and the page reloads by itself:</p><ul>{items}</ul>"
        "</body></html>\n"
    ).encode()


def _sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


# --------------------------------------------------------------------- HTTP


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream must never hold up shutdown
    block_on_close = False
    allow_reuse_address = True
    preview: Preview

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser closing a tab mid-response is not worth a traceback.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        self.preview.warn("Error while answering a request:\n" + traceback.format_exc().rstrip())


class PreviewServer6(PreviewServer):
    address_family = socket.AF_INET6


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "dossier"
    sys_version = ""

    def version_string(self) -> str:
        # The standard one joins the two with a space, leaving "dossier " behind.
        return self.server_version

    error_content_type = "text/plain; charset=utf-8"
    error_message_format = "%(code)d %(message)s\n"

    # --- plumbing

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        if self.server.preview.options.log_requests:
            self.server.preview.info(f"{self.address_string()} {format % args}")

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        *,
        send_body: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _plain(self, status: HTTPStatus, *, send_body: bool) -> None:
        self._send(
            status,
            f"{status.value} {status.phrase}\n".encode(),
            "text/plain; charset=utf-8",
            send_body=send_body,
        )

    def _redirect(self, location: str, *, send_body: bool) -> None:
        self._send(
            HTTPStatus.FOUND,
            b"",
            "text/plain; charset=utf-8",
            send_body=send_body,
            headers={"Location": location},
        )

    # --- the request

    def _answer(self, *, body: bool) -> None:
        preview = self.server.preview
        host_ok = preview.host_allowed(self.headers.get_all("Host") or [])
        if host_ok is None:
            return self._plain(HTTPStatus.BAD_REQUEST, send_body=body)
        if not host_ok:
            return self._plain(HTTPStatus.FORBIDDEN, send_body=body)
        raw_path, _, query = self.path.partition("?")
        raw_path = raw_path.partition("#")[0]
        path = clean_request_path(raw_path)
        if path is None:
            return self._plain(HTTPStatus.BAD_REQUEST, send_body=body)
        if path == EVENTS_PATH:
            return self._events(query) if body else self._plain(HTTPStatus.OK, send_body=False)
        snapshot = preview.snapshot
        base = snapshot.base_path
        if path == base.rstrip("/") or (path == "/" and base != "/"):
            return self._redirect(url_path(base), send_body=body)
        if not path.startswith(base):
            return self._not_found(snapshot, send_body=body)
        if snapshot.site_dir is None:
            page = inject(_problems_page(snapshot), live_script(snapshot))
            return self._send(
                HTTPStatus.SERVICE_UNAVAILABLE, page, CONTENT_TYPES[".html"], send_body=body
            )
        target = self._locate(snapshot.site_dir, path[len(base) :])
        if target is None:
            return self._not_found(snapshot, send_body=body)
        if target.is_dir():
            location = raw_path + "/" + (f"?{query}" if query else "")
            return self._redirect("/" + location.lstrip("/"), send_body=body)
        self._file(snapshot, target, HTTPStatus.OK, send_body=body)

    def _locate(self, site_dir: Path, rel: str) -> Path | None:
        """The file for ``rel`` inside ``site_dir``, containment checked on resolved paths."""
        try:
            root = site_dir.resolve()
            target = (root / rel.lstrip("/")).resolve()
            if target.is_dir():
                if rel and not rel.endswith("/"):
                    return target if root in (target, *target.parents) else None
                target = (target / "index.html").resolve()
            if root not in target.parents:
                return None  # a symlink (or anything else) leading outside the site
            if not target.is_file() or target.name == ".dossier-site":
                return None
            return target
        except (OSError, ValueError):
            return None

    def _file(self, snapshot: Snapshot, target: Path, status: int, *, send_body: bool) -> None:
        try:
            data = target.read_bytes()
        except OSError:
            return self._plain(HTTPStatus.NOT_FOUND, send_body=send_body)
        content_type = CONTENT_TYPES.get(target.suffix.lower())
        if content_type is None:
            guessed = mimetypes.guess_type(target.name)[0]
            content_type = guessed or "application/octet-stream"
        if target.suffix.lower() == ".html":
            data = inject(data, live_script(snapshot))
        self._send(status, data, content_type, send_body=send_body)

    def _not_found(self, snapshot: Snapshot, *, send_body: bool) -> None:
        page = snapshot.site_dir / "404.html" if snapshot.site_dir else None
        if page is not None and page.is_file():
            return self._file(snapshot, page, HTTPStatus.NOT_FOUND, send_body=send_body)
        self._plain(HTTPStatus.NOT_FOUND, send_body=send_body)

    def _events(self, query: str) -> None:
        """Stream build results until the client leaves or the server stops."""
        preview = self.server.preview
        client_version = (parse_qs(query).get("v") or [""])[0]
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.end_headers()
        self.close_connection = True
        snapshot = preview.snapshot
        try:
            self.wfile.write(b"retry: 1000\n\n")
            if snapshot.problems:
                self.wfile.write(_sse("problems", {"problems": list(snapshot.problems)}))
            elif client_version and client_version != snapshot.version:
                # A build finished between loading the page and opening this stream,
                # or the server restarted.
                self.wfile.write(_sse("reload", {"version": snapshot.version}))
            self.wfile.flush()
            for new in preview.changes(after=snapshot.serial):
                if new is None:
                    self.wfile.write(b": keep-alive\n\n")
                elif new.problems:
                    self.wfile.write(_sse("problems", {"problems": list(new.problems)}))
                else:
                    self.wfile.write(_sse("reload", {"version": new.version}))
                self.wfile.flush()
        except OSError:
            return  # the tab was closed


# --------------------------------------------------------------------- the preview


def _lasting(changes: set[tuple[watchfiles.Change, str]]) -> list[str]:
    """The changed paths worth naming: not a file that came and went within the same
    changes (an editor's temporary file, such as sed's, renamed over the one edited)."""
    came = {path for change, path in changes if change == watchfiles.Change.added}
    return [path for _, path in changes if path not in came or os.path.lexists(path)]


class Preview:
    """A running preview: server, watchers and builder. Use as a context manager.

    ``info`` and ``warn`` receive the lines meant for the terminal (stdout and
    stderr); the CLI passes ``click.echo``.
    """

    def __init__(
        self,
        root: Path,
        options: ServeOptions | None = None,
        *,
        info: Log | None = None,
        warn: Log | None = None,
    ) -> None:
        self.root = root.resolve()
        self.options = options or ServeOptions()
        self.info: Log = info or _quiet
        self.warn: Log = warn or _quiet
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._queue: queue.Queue[set[tuple[watchfiles.Change, str]]] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._watching = threading.Semaphore(0)
        self._folders_stop = threading.Event()  # ends the watcher of the input folders
        self._token = secrets.token_hex(4)
        self._builds = 0
        # One cache for the whole session: a rebuild reparses only what changed.
        self._cache = Cache(self.root / CACHE_FOLDER, session=True)
        self._workdir: Path | None = None
        self._server: PreviewServer | None = None
        self._serving = False
        self._kept: list[Path] = []
        self.snapshot = Snapshot(0, f"{self._token}.0", None, read_base_path(self.root))
        self._config_seen: tuple[int, ...] | None = None  # site.yaml's, at the last build

    # --- lifecycle

    def __enter__(self) -> Preview:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Bind, build once, then serve and watch in background threads."""
        if not (self.root / CONFIG_FILE).is_file():
            raise ServeError(f"no {CONFIG_FILE} in {self.root}; {NOT_A_PROJECT}")
        self._server = self._bind()
        self._server.preview = self
        host = self.options.host
        if not is_loopback(host):
            self.warn(
                f"Warning: serving on {host}, so other machines can reach this preview; "
                "it is meant for local use (the default is --host 127.0.0.1)."
            )
        self._workdir = Path(tempfile.mkdtemp(prefix="dossier-serve-"))
        try:
            dirs = self._folders()
            watchers = [
                (dirs, InputFilter(), True),
                ([self.root], _config_filter(self.root), False),
            ]
            for paths, watch_filter, recursive in watchers:
                if paths:
                    stop = self._folders_stop if recursive else self._stop
                    self._spawn(self._watch, paths, watch_filter, recursive, stop)
            self.rebuild()
            self._spawn(self._server.serve_forever, 0.1)
            self._serving = True
            self._spawn(self._build_loop)
            # Return once the watchers are live, so no change after start() is missed.
            for paths, _, _ in watchers:
                if paths and not self._watching.acquire(timeout=10):
                    raise ServeError("the file watcher did not start")
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop serving and watching, end open event streams, remove the builds."""
        try:
            self._stop.set()
            with self._cond:
                self._cond.notify_all()
            if self._server is not None:
                if self._serving:
                    self._server.shutdown()
                    self._serving = False
                self._server.server_close()
                self._server = None
            for thread in self._threads:
                thread.join(timeout=10)
            self._threads.clear()
        finally:
            # Even when a second Ctrl-C lands while the server shuts down: the builds of
            # the session would otherwise stay in the temporary folder, a site each.
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)
                self._workdir = None

    def wait(self) -> None:
        """Block until interrupted (Ctrl+C)."""
        while not self._stop.wait(0.5):
            pass

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://{_url_host(self.options.host)}:{self.port}"

    @property
    def url(self) -> str:
        return self.origin + url_path(self.snapshot.base_path)

    def _spawn(self, target: Callable[..., Any], *args: Any) -> None:
        thread = threading.Thread(
            target=target, args=args, name=f"dossier-{target.__name__}", daemon=True
        )
        thread.start()
        self._threads.append(thread)

    def _bind(self) -> PreviewServer:
        host, port = self.options.host, self.options.port
        server_class = PreviewServer6 if ":" in host else PreviewServer
        try:
            return server_class((host.strip("[]"), port), Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                hint = f"--port {port + 1}" if 0 < port < 65535 else "--port 0"
                raise ServeError(f"port {port} on {host} is in use; try {hint}") from None
            if exc.errno == errno.EACCES:
                raise ServeError(
                    f"not allowed to use port {port} on {host}; try a port above 1023"
                ) from None
            if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
                raise ServeError(f"cannot listen on host {host!r}: {exc.strerror}") from None
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    # --- watching and building

    def _folders(self) -> list[Path]:
        return [self.root / d for d in WATCHED_DIRS if (self.root / d).is_dir()]

    def _watch_folders_again(self) -> None:
        """Replace the watcher of the input folders with one on those there now: a
        folder deleted took its watch along, and one made since has none."""
        self._folders_stop.set()
        self._folders_stop = threading.Event()
        dirs = self._folders()
        if dirs:
            self._spawn(self._watch, dirs, InputFilter(), True, self._folders_stop)

    def _watch(
        self, paths: list[Path], watch_filter: Any, recursive: bool, stop: threading.Event
    ) -> None:
        announced = False
        try:
            for changes in watchfiles.watch(
                *paths,
                watch_filter=watch_filter,
                debounce=self.options.debounce_ms,
                step=self.options.step_ms,
                stop_event=_Either(self._stop, stop),
                rust_timeout=200,
                yield_on_timeout=True,
                force_polling=self.options.poll,
                recursive=recursive,
                raise_interrupt=False,
            ):
                if not announced:
                    announced = True
                    self._watching.release()
                if changes:
                    self._queue.put(changes)
        except Exception as exc:  # the server stays up; say why reloading stopped
            if not self._stop.is_set():
                self.warn(f"Error: watching for changes stopped: {exc}")

    def _build_loop(self) -> None:
        while not self._stop.is_set():
            try:
                changes = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            with contextlib.suppress(queue.Empty):
                while True:  # whatever else arrived meanwhile is part of the same rebuild
                    changes |= self._queue.get_nowait()
            if self._stop.is_set():
                return
            names = sorted({self._shown(path) for path in _lasting(changes)})
            if names:
                self.info(f"Changed: {', '.join(names[:5])}{' ...' if len(names) > 5 else ''}")
            folders = {str(self.root / d) for d in WATCHED_DIRS}
            if any(path in folders for _change, path in changes):
                # An input folder itself came or went: watch what is there now, and look
                # at everything again (what it held is not in this report).
                self._watch_folders_again()
                self.rebuild()
                continue
            if any(path == str(self.root / CONFIG_FILE) for _change, path in changes):
                # site.yaml has its own watcher, whose report may come before that of the
                # input folders for the same save of several files: look at every input,
                # so the build is of the files as they are (every page is rendered anew
                # anyway, for a new site.yaml).
                self.rebuild()
                continue
            self.rebuild({(path, change != watchfiles.Change.modified) for change, path in changes})

    def _shown(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return path

    def rebuild(self, changed: set[tuple[str, bool]] | None = None) -> bool:
        """Bring the served site up to date; on failure keep serving the last good build.

        The cycle collector stays off until the new site is served and collected once: on
        again as the build returned, its first pass would go over all the build made before
        the browser is told to reload: about 25 ms of a 0.45 s rebuild of 10,000 articles.
        """
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._rebuild(changed)
        finally:
            if enabled:
                gc.enable()

    def _rebuild(self, changed: set[tuple[str, bool]] | None) -> bool:
        """:meth:`rebuild`, the collector off.

        Every build goes to the same folder: a session updates it in place, file by file,
        once everything is rendered, so a build that fails changes nothing that is served.
        ``changed``: the paths the watcher reported since the last build, each with
        whether it was added or deleted (None: unknown, look at every input).
        """
        assert self._workdir is not None
        self._builds += 1
        config = self.root / CONFIG_FILE
        seen = stat_file(config)
        if changed is not None and seen != self._config_seen:
            # site.yaml changed, but its watcher has not said so yet: read it with the
            # rest, so the build is never of a new input and an old site.yaml.
            changed = changed | {(str(config), (seen is None) != (self._config_seen is None))}
        self._config_seen = seen
        base_path = read_base_path(self.root)
        output = self._workdir / "site"
        started = time.perf_counter()
        try:
            result = build_project(
                self.root,
                BuildOptions(
                    output=output,
                    base_url=self.origin + url_path(base_path),
                    # Keep parsed inputs, the model and the fingerprints in memory from
                    # one rebuild to the next; unchanged pages stay where they are.
                    session=self._cache,
                    changed=Changed.under(self.root, changed) if changed is not None else None,
                    own_output=True,  # a temporary folder only this preview writes to
                    waiting=lambda: self.warn(
                        "waiting for another build of this project to finish"
                    ),
                ),
            )
        except DossierError as exc:
            problems = tuple(str(p) for p in exc.problems) or ("the build failed",)
        except Exception as exc:  # a bug must not take the preview down
            problems = (f"the build crashed: {type(exc).__name__}: {exc}",)
            self.warn(traceback.format_exc().rstrip())
        else:
            for problem in result.warnings:
                self.warn(str(problem))
            self._publish(
                version=f"{self._token}.{self._builds}",
                site_dir=output,
                base_path=base_path,
                problems=(),
            )
            self.info(f"Built {result.pages} pages in {time.perf_counter() - started:.2f}s")
            gc.collect(1)  # what this rebuild left, now that its site is served
            return True
        if self.snapshot.site_dir is None:
            shutil.rmtree(output, ignore_errors=True)  # nothing good was ever served from it
        for line in problems:
            self.warn(line)
        count = len(problems)
        kept = "nothing to serve yet"
        if self.snapshot.site_dir is not None:
            kept = "still serving the last good build"
        self.warn(f"Error: {count} problem{'s' if count != 1 else ''}; {kept}.")
        old = self.snapshot
        self._publish(
            version=old.version, site_dir=old.site_dir, base_path=old.base_path, problems=problems
        )
        return False

    def _publish(
        self, *, version: str, site_dir: Path | None, base_path: str, problems: tuple[str, ...]
    ) -> None:
        with self._cond:
            serial = self.snapshot.serial + 1
            self.snapshot = Snapshot(serial, version, site_dir, base_path, problems)
            self._cond.notify_all()
        if site_dir is not None and site_dir not in self._kept:
            self._kept.append(site_dir)
            # Keep the previous build one more round for requests still reading it.
            while len(self._kept) > 2:
                shutil.rmtree(self._kept.pop(0), ignore_errors=True)

    def changes(self, after: int) -> Iterator[Snapshot | None]:
        """Yield each new snapshot after serial ``after``; None as a keep-alive tick.

        Ends when the preview closes.
        """
        seen = after
        while True:
            with self._cond:
                self._cond.wait_for(
                    lambda seen=seen: self._stop.is_set() or self.snapshot.serial != seen,
                    timeout=KEEPALIVE_SECONDS,
                )
                snapshot = self.snapshot
            if self._stop.is_set():
                return
            if snapshot.serial == seen:
                yield None
            else:
                seen = snapshot.serial
                yield snapshot

    # --- DNS rebinding

    def host_allowed(self, values: list[str]) -> bool | None:
        """True if the Host header names this server; None if it is missing or malformed.

        A page on evil.example whose name was re-pointed at 127.0.0.1 sends
        ``Host: evil.example``; only loopback names, the bound host and (when
        bound to all interfaces) IP literals are accepted.
        """
        if len(values) != 1:
            return None
        match = HOST_RE.fullmatch(values[0].strip())
        if match is None:
            return None
        name = match[1].lower()
        port = int(match[2]) if match[2] else 80
        if port != self.port:
            return False
        bound = _url_host(self.options.host).lower()
        if name in LOOPBACK_NAMES or name == bound:
            return True
        if _is_wildcard(self.options.host):
            try:
                ipaddress.ip_address(name.strip("[]"))
            except ValueError:
                return False
            return True
        return False


def serve_project(root: Path, options: ServeOptions, *, info: Log, warn: Log) -> None:
    """Serve the project at ``root`` until Ctrl+C or SIGTERM, then return.

    Raises ServeError if the server cannot start.
    """
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        with Preview(root, options, info=info, warn=warn) as preview:
            info(f"Serving {preview.url} (Ctrl+C to stop)")
            with contextlib.suppress(KeyboardInterrupt):
                preview.wait()
    except KeyboardInterrupt:
        pass  # stopped while starting: the caller says it stopped, as after serving
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _quiet(_text: str) -> None:
    pass


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
