"""dossier serve: end to end over a copy of the bundled site, on port 0.

Requests go over raw sockets so that hostile paths reach the server exactly as
written (http.client and urllib would normalise or refuse some of them).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from click.testing import CliRunner
from conftest import ROOT

from generator.cli import main
from generator.serve import (
    EVENTS_PATH,
    Preview,
    ServeOptions,
    clean_request_path,
    inject,
    read_base_path,
)

WANG_YI = "content/people/wang-yi.yaml"
PAGE = "/dossier/people/wang-yi/"
SERVING = re.compile(r"Serving (http://127\.0\.0\.1:(\d+)/dossier/) \(Ctrl\+C to stop\)\n")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(
    port: int, path: str, *, host: str | None = "", method: str = "GET", extra: str = ""
) -> Response:
    """One request with the target sent verbatim; ``host=None`` sends no Host header."""
    lines = [f"{method} {path} HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host or f'127.0.0.1:{port}'}")
    lines.append("Connection: close")
    raw = ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Response(int(status_line.split()[1]), headers, body)


class EventStream:
    """A Server-Sent Events client that reads with a deadline, never a fixed sleep."""

    def __init__(self, port: int, version: str = "") -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(
            f"GET {EVENTS_PATH}?v={version} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        )
        self.buffer = b""
        head = self._until(b"\r\n\r\n", time.monotonic() + 10)
        self.status = int(head.split()[1])
        self.head = head.decode("latin-1").lower()

    def _until(self, marker: bytes, deadline: float) -> bytes:
        while marker not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {marker!r} in time; got {self.buffer!r}")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise EOFError(self.buffer)
            self.buffer += chunk
        block, self.buffer = self.buffer.split(marker, 1)
        return block

    def next_event(self, timeout: float = 15) -> tuple[str, dict[str, object]]:
        deadline = time.monotonic() + timeout
        while True:
            fields: dict[str, str] = {}
            for line in self._until(b"\n\n", deadline).decode().split("\n"):
                name, _, value = line.partition(": ")
                fields[name] = value
            if "event" in fields:
                return fields["event"], json.loads(fields["data"])

    def close(self) -> None:
        self.sock.close()


def version_of(html: str) -> str:
    found = re.search(r'"version": "([^"]+)"', html)
    assert found, "no live-reload script in the page"
    return found[1]


def with_honorific(sheet: str, honorific: str) -> str:
    """A visible, harmless edit: an honorific is shown on the page and never matched."""
    assert "honorific:" not in sheet
    return sheet.replace("\nname: Wang Yi\n", f"\nname: Wang Yi\nhonorific: {honorific}\n", 1)


def atomic_write(path: Path, text: str) -> None:
    """Save as editors do: write a hidden temporary file, then rename it over the original."""
    temp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


@dataclass
class Running:
    preview: Preview
    info: list[str]
    warn: list[str]

    @property
    def port(self) -> int:
        return self.preview.port


@pytest.fixture
def running(bundled: Path) -> Iterator[Running]:
    info: list[str] = []
    warn: list[str] = []
    options = ServeOptions(port=0)  # step 100 ms: a burst of saves is one batch
    with Preview(bundled, options, info=info.append, warn=warn.append) as preview:
        yield Running(preview, info, warn)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One preview for the read-only tests (paths, hosts, types), started once per module."""
    project = tmp_path_factory.mktemp("shared") / "bundled"
    project.mkdir()
    for name in ("content", "seeds", "templates"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "site.yaml", project / "site.yaml")
    info: list[str] = []
    warn: list[str] = []
    with Preview(project, ServeOptions(port=0), info=info.append, warn=warn.append) as preview:
        yield Running(preview, info, warn)


# --------------------------------------------------------------------- live reload


def test_saved_added_and_deleted_articles_show_after_the_rebuild(
    running: Running, bundled: Path
) -> None:
    """A rebuild looks only at what the watcher reported: a file saved in place (modified,
    not replaced), a new file and a deleted one each show on the served site."""
    port = running.port
    stream = EventStream(port, version_of(request(port, PAGE).text))
    try:
        seed = bundled / "seeds/001_662a9fa97c2a1bbd.txt"
        seed.write_text(seed.read_text(encoding="utf-8") + "\nQqzv closing line.\n", "utf-8")
        assert stream.next_event()[0] == "reload"
        assert "Qqzv closing line." in request(port, "/dossier/sources/001_662a9fa97c2a1bbd/").text

        added = bundled / "seeds/005_added.txt"
        added.write_text(" date 2023-11-22 Wang Yi spoke again\n\nWang Yi spoke.\n", "utf-8")
        assert stream.next_event()[0] == "reload"
        assert request(port, "/dossier/sources/005_added/").status == 200
        assert "005_added" in request(port, PAGE).text

        added.unlink()
        assert stream.next_event()[0] == "reload"
        assert request(port, "/dossier/sources/005_added/").status == 404
        assert "005_added" not in request(port, PAGE).text
    finally:
        stream.close()


def test_edit_break_fix_without_restart(running: Running, bundled: Path) -> None:
    port = running.port
    first = request(port, PAGE)
    assert first.status == 200
    assert "Wang Yi" in first.text and "Zzqx" not in first.text
    stream = EventStream(port, version_of(first.text))
    try:
        assert stream.status == 200 and "text/event-stream" in stream.head

        # 1. An edit (saved atomically) reloads the page, with the new content.
        sheet = bundled / WANG_YI
        good = with_honorific(sheet.read_text(encoding="utf-8"), "Zzqx")
        atomic_write(sheet, good)
        event, data = stream.next_event()
        assert event == "reload"
        edited = request(port, PAGE)
        assert edited.status == 200 and "Zzqx" in edited.text
        assert data["version"] == version_of(edited.text) != version_of(first.text)

        # 2. A broken fact sheet: an overlay event naming the file; the old pages stay.
        broken = good.replace("\ncountry: china\n", "\ncountry: chna\n")
        atomic_write(sheet, broken)
        line = broken.splitlines().index("country: chna") + 1
        event, data = stream.next_event()
        assert event == "problems"
        problem = (
            f"content/people/wang-yi.yaml:{line}:10: country: unknown country id 'chna'. "
            "Did you mean 'china'?"
        )
        assert data == {"problems": [problem]}
        stale = request(port, PAGE)
        assert stale.status == 200
        assert "Zzqx" in stale.text  # the last good build
        assert 'id="dossier-live"' in stale.text
        assert f"content/people/wang-yi.yaml:{line}:10: country:" in stale.text  # overlay
        assert problem in running.warn  # the terminal shows the same problem
        # A page opened while the build is broken gets the overlay event at once.
        late = EventStream(port, version_of(stale.text))
        try:
            assert late.next_event() == ("problems", {"problems": [problem]})
        finally:
            late.close()

        # 3. Fixing it reloads and recovers, without a restart.
        atomic_write(sheet, good)
        event, data = stream.next_event()
        assert event == "reload"
        fixed = request(port, PAGE)
        assert fixed.status == 200 and "Zzqx" in fixed.text
        assert '"problems": []' in fixed.text
        assert data["version"] == version_of(fixed.text)
    finally:
        stream.close()
    # Three saves, three rebuilds: an atomic save is one change.
    assert len([line for line in running.info if line.startswith("Changed: ")]) == 3
    assert [line for line in running.info if line.startswith("Changed: ")][0] == (
        f"Changed: {WANG_YI}"
    )


def test_burst_of_saves_is_one_rebuild(running: Running, bundled: Path) -> None:
    page = request(running.port, PAGE)
    stream = EventStream(running.port, version_of(page.text))
    try:
        for slug in ("wang-yi", "sergey-lavrov", "ayman-safadi"):
            sheet = bundled / f"content/people/{slug}.yaml"
            atomic_write(sheet, sheet.read_text(encoding="utf-8") + "\n")
        (bundled / "content/people/.#wang-yi.yaml").write_text("lock", encoding="utf-8")
        (bundled / "content/people/wang-yi.yaml~").write_text("backup", encoding="utf-8")
        assert stream.next_event()[0] == "reload"
    finally:
        stream.close()
    changed = [line for line in running.info if line.startswith("Changed: ")]
    assert changed == [
        "Changed: content/people/ayman-safadi.yaml, content/people/sergey-lavrov.yaml, "
        "content/people/wang-yi.yaml"
    ]


def test_an_editors_temporary_file_is_not_named_as_changed(running: Running, bundled: Path) -> None:
    page = request(running.port, PAGE)
    stream = EventStream(running.port, version_of(page.text))
    sheet = bundled / "content/people/wang-yi.yaml"
    try:
        # As `sed -i` saves: a temporary file beside the original, not hidden, renamed over it.
        temp = sheet.with_name("sedAb3kQz")
        temp.write_text(sheet.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        os.replace(temp, sheet)
        assert stream.next_event()[0] == "reload"
    finally:
        stream.close()
    assert [line for line in running.info if line.startswith("Changed: ")] == [
        "Changed: content/people/wang-yi.yaml"
    ]


def test_site_yaml_and_templates_are_watched(running: Running, bundled: Path) -> None:
    page = request(running.port, "/dossier/")
    stream = EventStream(running.port, version_of(page.text))
    try:
        config = bundled / "site.yaml"
        atomic_write(config, config.read_text().replace("title: The Arab", "title: Qqzz The Arab"))
        assert stream.next_event()[0] == "reload"
        assert "Qqzz" in request(running.port, "/dossier/").text
        base = bundled / "templates/base.html"
        base.write_text(base.read_text().replace("</body>", "<p>Tpltmark</p>\n</body>"))
        assert stream.next_event()[0] == "reload"
        assert "Tpltmark" in request(running.port, "/dossier/").text
    finally:
        stream.close()


def test_an_input_folder_deleted_and_made_again_is_watched_again(
    running: Running, bundled: Path, tmp_path: Path
) -> None:
    # A branch switched or a folder restored from a copy: the watch on the old folder
    # went with it, and the preview served a site without fact sheets from then on.
    wang = "/dossier/people/wang-yi/"

    def until(test: Callable[[Any], bool]) -> None:
        # The folder's own watcher and the project's both report the change, in either
        # order: each may be a rebuild, so wait for what is served rather than count them.
        deadline = time.monotonic() + 20
        while not test(request(running.port, wang)):
            assert time.monotonic() < deadline, running.info
            time.sleep(0.05)

    assert request(running.port, wang).status == 200
    shutil.copytree(bundled / "content", tmp_path / "content")
    shutil.rmtree(bundled / "content")
    until(lambda page: page.status == 404)
    shutil.copytree(tmp_path / "content", bundled / "content")
    until(lambda page: page.status == 200)
    # Its files are watched too: an edit in the folder made again shows.
    sheet = bundled / "content/people/wang-yi.yaml"
    atomic_write(sheet, with_honorific(sheet.read_text(encoding="utf-8"), "Mr."))
    until(lambda page: ">Mr.</span> Wang Yi</h1>" in page.text)
    assert running.warn == []  # the watcher replaced says nothing of having stopped


def test_a_rebuild_is_of_the_inputs_as_they_are_whichever_watcher_reports_first(
    bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """site.yaml and the input folders have a watcher each, and one save of several files
    can reach the build as two reports. Whichever comes first, the build reads every file
    as it is on disk: never a new sheet with the old site.yaml, or the reverse."""
    import watchfiles

    def idle(*_paths: Any, stop_event: Any, **_options: Any) -> Iterator[set[Any]]:
        yield set()  # started; the reports come from the test
        while not stop_event.is_set():
            time.sleep(0.05)

    monkeypatch.setattr(watchfiles, "watch", idle)
    with Preview(bundled, ServeOptions(port=0)) as preview:
        before = preview.snapshot
        config, sheet = bundled / "site.yaml", bundled / "content/people/wang-yi.yaml"
        original = config.read_text()
        config.write_text(
            original.replace("language: en", "language: '12'").replace("/dossier/", "/r1/")
        )
        sheet.write_text(sheet.read_text() + "# edited\n")
        # The input folders' watcher reports the sheet; site.yaml's has not reported yet.
        assert preview.rebuild({(str(sheet), False)}) is False
        after = preview.snapshot
        assert (after.site_dir, after.base_path, after.version) == (
            before.site_dir,
            "/dossier/",
            before.version,
        )
        assert after.problems == (
            "site.yaml:7:11: language: must be a language tag such as en or pt-BR",
        )
        # site.yaml fixed, a second sheet for Wang Yi added; site.yaml's watcher reports
        # first: the build sees the new sheet too, and refuses the pair.
        config.write_text(original)
        (bundled / "content/people/wang-yi.yml").write_text(sheet.read_text())
        preview._queue.put({(watchfiles.Change.modified, str(config))})
        deadline = time.monotonic() + 60
        while preview.snapshot.serial == after.serial and time.monotonic() < deadline:
            time.sleep(0.05)
        problems = preview.snapshot.problems
        assert len(problems) == 1 and "wang-yi.yml" in problems[0], problems
        assert preview.snapshot.site_dir == before.site_dir


def test_the_collector_is_off_until_a_rebuild_is_served_then_back_on(
    running: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    import generator.serve as serve
    from generator.problems import DossierError, Problem

    seen: list[bool] = []
    build = serve.build_project

    def recording(*args, fail: bool = False, **kwargs):  # type: ignore[no-untyped-def]
        result = build(*args, **kwargs)
        seen.append(gc.isenabled())  # as the build returns, before its site is served
        if fail:
            raise DossierError([Problem("site.yaml", message="made to fail")])
        return result

    monkeypatch.setattr(serve, "build_project", recording)
    assert gc.isenabled()
    assert running.preview.rebuild() is True
    assert gc.isenabled()
    monkeypatch.setattr(serve, "build_project", lambda *a, **k: recording(*a, fail=True, **k))
    assert running.preview.rebuild() is False  # a failed build puts it back too
    assert seen == [False, False]
    assert gc.isenabled()


def test_stale_page_reloads_as_soon_as_it_connects(running: Running) -> None:
    stream = EventStream(running.port, "an-older-version")
    try:
        event, data = stream.next_event()
        assert event == "reload"
        assert data["version"] == running.preview.snapshot.version
    finally:
        stream.close()


def test_broken_at_start_serves_the_problems_then_recovers(bundled: Path) -> None:
    sheet = bundled / WANG_YI
    good = sheet.read_text(encoding="utf-8")
    sheet.write_text(good + '"<img src=x onerror=alert(1)>": x\n', encoding="utf-8")
    warn: list[str] = []
    with Preview(bundled, ServeOptions(port=0, step_ms=50), warn=warn.append) as preview:
        waiting = request(preview.port, "/dossier/")
        assert waiting.status == 503
        line = len(good.splitlines()) + 1
        assert f"content/people/wang-yi.yaml:{line}:1: " in waiting.text
        # Problem text is data, never markup: escaped in the page and in the script.
        assert "<img" not in waiting.text
        assert "&lt;img src=x" in waiting.text and "\\u003cimg src=x" in waiting.text
        # One problem: the meetings that name wang-yi get no false "unknown id" on top.
        assert warn[-1] == "Error: 1 problem; nothing to serve yet."
        stream = EventStream(preview.port, version_of(waiting.text))
        try:
            assert stream.next_event()[0] == "problems"
            atomic_write(sheet, good)
            assert stream.next_event()[0] == "reload"
        finally:
            stream.close()
        assert request(preview.port, "/dossier/").status == 200


def test_open_event_stream_does_not_block_shutdown(bundled: Path) -> None:
    preview = Preview(bundled, ServeOptions(port=0))
    preview.start()
    stream = EventStream(preview.port, "")
    try:
        started = time.monotonic()
        preview.close()
        assert time.monotonic() - started < 3
        with pytest.raises(EOFError):
            stream.next_event(timeout=5)
    finally:
        stream.close()


# --------------------------------------------------------------------- serving


def test_base_path_redirects_and_404(shared: Running) -> None:
    port = shared.port
    root = request(port, "/")
    assert (root.status, root.headers["location"]) == (302, "/dossier/")
    assert request(port, "/dossier").headers["location"] == "/dossier/"
    folder = request(port, "/dossier/people?x=1")
    assert (folder.status, folder.headers["location"]) == (302, "/dossier/people/?x=1")
    outside = request(port, "/people/wang-yi/")
    assert outside.status == 404
    assert "Page not found" in outside.text and 'id="dossier-live"' in outside.text
    missing = request(port, "/dossier/people/nobody/")
    assert missing.status == 404 and "Page not found" in missing.text
    assert request(port, "/dossier/", method="HEAD").body == b""


@pytest.mark.parametrize("depth", ["/dossier/nowhere", "/dossier/people/nobody/deeper/still/"])
def test_404_page_links_and_assets_work_at_any_depth(shared: Running, depth: str) -> None:
    missing = request(shared.port, depth)
    assert missing.status == 404
    links = re.findall(r'(?:href|src)="([^"#]+)', missing.text)
    assert any(link.endswith("style.css") for link in links)
    origin = f"http://127.0.0.1:{shared.port}"
    for link in links:
        target = urljoin(origin + depth, link)
        if target.startswith(origin):
            assert request(shared.port, target[len(origin) :]).status == 200, link


def test_poll_mode_sees_changes(bundled: Path) -> None:
    options = ServeOptions(port=0, poll=True, step_ms=50)
    with Preview(bundled, options) as preview:
        page = request(preview.port, PAGE)
        stream = EventStream(preview.port, version_of(page.text))
        try:
            sheet = bundled / WANG_YI
            atomic_write(sheet, with_honorific(sheet.read_text(encoding="utf-8"), "Pollq"))
            assert stream.next_event()[0] == "reload"
        finally:
            stream.close()
        assert "Pollq" in request(preview.port, PAGE).text


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/dossier/", "text/html; charset=utf-8"),
        ("/dossier/404.html", "text/html; charset=utf-8"),
        ("/dossier/static/style.css", "text/css; charset=utf-8"),
        ("/dossier/planted/feed.xml", "application/xml; charset=utf-8"),
        ("/dossier/planted/site.json", "application/json"),
        ("/dossier/planted/search.js", "text/javascript; charset=utf-8"),
        ("/dossier/planted/logo.svg", "image/svg+xml"),
        ("/dossier/planted/blob.unknownext", "application/octet-stream"),
    ],
)
def test_content_types_and_nosniff(shared: Running, path: str, content_type: str) -> None:
    site = shared.preview.snapshot.site_dir
    assert site is not None
    (site / "planted").mkdir(exist_ok=True)
    for name in ("feed.xml", "site.json", "search.js", "logo.svg", "blob.unknownext"):
        (site / "planted" / name).write_text("<x></body>", encoding="utf-8")
    response = request(shared.port, path)
    assert response.status == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-length"] == str(len(response.body))
    # The reload script goes into HTML only.
    assert (b'id="dossier-live"' in response.body) == content_type.startswith("text/html")


def test_absolute_urls_point_at_the_preview(shared: Running) -> None:
    page = request(shared.port, PAGE).text
    assert f'href="http://127.0.0.1:{shared.port}/dossier/people/wang-yi/"' in page
    assert "example.github.io" not in page
    assert shared.info[-1].startswith("Built ")
    assert shared.preview.url == f"http://127.0.0.1:{shared.port}/dossier/"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/dossier/../site.yaml", 400),
        ("/../../../../etc/passwd", 400),
        ("/dossier/%2e%2e/%2e%2e/site.yaml", 400),
        ("/dossier/%2E%2E%2Fsite.yaml", 400),
        ("/dossier/.%2e/site.yaml", 400),
        ("/dossier/%252e%252e/%252e%252e/site.yaml", 400),
        ("/dossier/%25252e%25252e/site.yaml", 400),
        ("/dossier/%c0%ae%c0%ae/site.yaml", 400),
        ("/dossier/index.html%00.css", 400),
        ("/dossier/%00", 400),
        ("/dossier/%2500", 400),
        ("/dossier/\x00", 400),
        ("/dossier/..\\..\\site.yaml", 400),
        ("/dossier/..%5c..%5csite.yaml", 400),
        ("/dossier/%255c", 400),
        ("/dossier/%0d%0aSet-Cookie:x=1", 400),
        ("http://evil.example/dossier/", 400),
        ("/dossier//etc/passwd", 404),
        ("//etc/passwd", 404),
        ("/dossier/.dossier-site", 404),
        ("/dossier/" + "a" * 5000, 404),
    ],
)
def test_hostile_paths(shared: Running, path: str, status: int) -> None:
    response = request(shared.port, path)
    assert response.status == status
    assert b"Traceback" not in response.body and b"root:" not in response.body
    assert b"base_url" not in response.body  # site.yaml never leaks
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not shared.warn


def test_symlinks_out_of_the_site_are_404(running: Running, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.txt").write_text("TOP-SECRET", encoding="utf-8")
    site = running.preview.snapshot.site_dir
    assert site is not None
    (site / "leak.txt").symlink_to(secret / "key.txt")
    (site / "leakdir").symlink_to(secret, target_is_directory=True)
    (site / "home.html").symlink_to(site / "index.html")  # inside: fine
    (secret / "index.html").write_text("TOP-SECRET", encoding="utf-8")
    (site / "outdir").mkdir()
    (site / "outdir" / "index.html").symlink_to(secret / "index.html")
    paths = (
        "/dossier/leak.txt",
        "/dossier/leakdir/key.txt",
        "/dossier/leakdir/",
        "/dossier/leakdir",
    )
    for path in (*paths, "/dossier/outdir/", "/dossier/outdir/index.html"):
        response = request(running.port, path)
        assert response.status == 404, path
        assert b"TOP-SECRET" not in response.body
    assert request(running.port, "/dossier/home.html").status == 200


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("127.0.0.1:{port}", 200),
        ("localhost:{port}", 200),
        ("LOCALHOST:{port}", 200),
        ("[::1]:{port}", 200),
        ("evil.example", 403),
        ("evil.example:{port}", 403),
        ("localhost.evil.example:{port}", 403),
        ("127.0.0.1.nip.io:{port}", 403),
        ("127.0.0.1:1", 403),
        ("127.0.0.1", 403),
        (None, 400),
        ("evil example", 400),
        ("127.0.0.1:{port}@evil.example", 400),
    ],
)
def test_host_header_guards_against_dns_rebinding(
    shared: Running, host: str | None, status: int
) -> None:
    value = None if host is None else host.format(port=shared.port)
    assert request(shared.port, "/dossier/", host=value).status == status
    assert request(shared.port, EVENTS_PATH, host=value, method="HEAD").status == status


def test_two_host_headers_are_refused(shared: Running) -> None:
    response = request(shared.port, "/dossier/", extra="Host: evil.example\r\n")
    assert response.status == 400


def test_binding_elsewhere_warns(bundled: Path) -> None:
    warn: list[str] = []
    with Preview(bundled, ServeOptions(host="0.0.0.0", port=0), warn=warn.append) as preview:
        assert warn[0].startswith("Warning: serving on 0.0.0.0, so other machines can reach")
        # Bound to every interface, IP literals are fine, names still are not.
        assert request(preview.port, "/dossier/", host=f"10.1.2.3:{preview.port}").status == 200
        assert request(preview.port, "/dossier/", host=f"evil.example:{preview.port}").status == 403


# --------------------------------------------------------------------- CLI


def test_port_in_use_is_one_line_and_exit_1(bundled: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["-C", str(bundled), "serve", "--port", str(port)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: port {port} on 127.0.0.1 is in use; try --port {port + 1}\n"
    assert result.stdout == ""


def test_serve_outside_a_project_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "serve", "--port", "0"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no site.yaml in {tmp_path}; is this a dossier project? "
        "(run dossier in its folder, or give it with -C FOLDER)\n"
    )


def test_serve_command_prints_the_url_and_stops_on_ctrl_c(bundled: Path, tmp_path: Path) -> None:
    temp = tmp_path / "tmp"  # where the session keeps its builds, removed when it stops
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "-C", str(bundled), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(temp)},
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()])
    reader.start()
    try:
        deadline = time.monotonic() + 30
        url = None
        while url is None:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            found = SERVING.fullmatch(line)
            if found:
                url, port = found[1], int(found[2])
        assert port != 0
        answer = request(port, "/dossier/")
        assert answer.status == 200, answer.text
        # A second Ctrl-C may land while the server shuts down (a terminal, a supervisor
        # passing the signal on): still one clean stop.
        process.send_signal(signal.SIGINT)
        time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=10)
        stderr = process.stderr.read() if process.stderr else ""
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()
    assert "Traceback" not in stderr
    assert list(temp.iterdir()) == []
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert rest[-1:] == ["Stopped.\n"] and rest.count("Stopped.\n") == 1, rest


# --------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/dossier/people/wang-yi/", "/dossier/people/wang-yi/"),
        ("/dossier/sources/caf%C3%A9/", "/dossier/sources/café/"),
        ("/dossier/a%20b", "/dossier/a b"),
        ("/dossier/./x", "/dossier/./x"),
        ("/dossier/../x", None),
        ("/dossier/%2e%2e/x", None),
        ("/dossier/%252e%252e/x", None),
        ("/dossier/%00", None),
        ("/dossier/%5c", None),
        ("/dossier/%ff", None),
        ("dossier/", None),
    ],
)
def test_clean_request_path(raw: str, expected: str | None) -> None:
    assert clean_request_path(raw) == expected


def test_inject_goes_before_the_last_body_end() -> None:
    assert inject(b"<p>x</p></BODY></html>", b"<s>") == b"<p>x</p><s></BODY></html>"
    assert inject(b"<p>no body</p>", b"<s>") == b"<p>no body</p><s>"


@pytest.mark.parametrize(
    ("base_url", "path"),
    [
        ("https://example.github.io/dossier/", "/dossier/"),
        ("https://example.github.io/dossier", "/dossier/"),
        ("https://example.org", "/"),
        ("https://example.org/a/../b/", "/"),
        # Decoded, as request paths are before they are compared with it.
        ("https://example.org/%7Euser/site/", "/~user/site/"),
        ("https://example.org/caf%C3%A9/", "/café/"),
        ("https://example.org/日本/", "/日本/"),
        ("https://example.org/a%2F..%2Fb/", "/"),
        ("https://example.org/%FF/", "/"),
    ],
)
def test_read_base_path(tmp_path: Path, base_url: str, path: str) -> None:
    (tmp_path / "site.yaml").write_text(f"title: t\nbase_url: {base_url}\n", encoding="utf-8")
    assert read_base_path(tmp_path) == path


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/caf%C3%A9/", "/caf%C3%A9/"),
        ("/café/", "/caf%C3%A9/"),
        ("/日本/", "/%E6%97%A5%E6%9C%AC/"),
        ("/%7Euser/site/", "/~user/site/"),
    ],
)
def test_a_base_path_with_encoded_or_non_ascii_characters_is_served(
    bundled: Path, path: str, location: str
) -> None:
    config = bundled / "site.yaml"
    config.write_text(
        config.read_text().replace(
            "https://example.github.io/dossier/", f"https://x.example.org{path}"
        )
    )
    with Preview(bundled, ServeOptions(port=0)) as preview:
        assert preview.url == f"http://127.0.0.1:{preview.port}{location}"
        root = request(preview.port, "/")
        assert (root.status, root.headers["location"]) == (302, location)
        page = request(preview.port, location + "people/wang-yi/")
        assert page.status == 200 and "<h1" in page.text
        assert f'<link rel="canonical" href="{preview.url}people/wang-yi/">' in page.text
        assert request(preview.port, location.rstrip("/")).headers["location"] == location


def test_read_base_path_without_site_yaml(tmp_path: Path) -> None:
    assert read_base_path(tmp_path) == "/"


def test_server_header_has_no_trailing_space(bundled: Path) -> None:
    with Preview(bundled, ServeOptions(port=0, step_ms=50)) as preview:
        raw = (
            f"GET /dossier/ HTTP/1.1\r\nHost: 127.0.0.1:{preview.port}\r\nConnection: close\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", preview.port), timeout=10) as sock:
            sock.sendall(raw.encode("latin-1"))
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        assert b"\r\nServer: dossier\r\n" in data.partition(b"\r\n\r\n")[0] + b"\r\n"
