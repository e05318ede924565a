"""The built site in a real browser: Debian's Chromium driven by Playwright (no browser download).

The bundled site is built once for this module with base_url http://127.0.0.1:PORT/repo/ and
served by a standard-library HTTP server under /repo/, as on GitHub Pages. Screenshots at
390 and 1280 px go to test-artifacts/ (git-ignored). axe-core comes from npm into .cache/axe
(scripts/test installs it; this module installs it too when npm is there).

In CI (CI=true) a missing browser, Playwright or axe-core fails the run; elsewhere these
tests are skipped with the reason.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.build import BuildOptions, build_project
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() == "true"

LAVROV = "people/sergey-lavrov/"
MEETING = "meetings/moscow-lavrov-2023-11-21/"
COUNTRY = "countries/russia/"
SOURCE = "sources/002_0c70cf7e982ea60c/"

PAGE_KINDS = {
    "home": "",
    "meeting": MEETING,
    "person": LAVROV,
    "country": COUNTRY,
    "organization": "organizations/oic/",
    "source": SOURCE,
    "index": "people/",
    "timeline": "timeline/",
    "graph": "graph/",
    "discrepancies": "discrepancies/",
    "search": "search/",
    "404": "404.html",
}


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serve the site under /repo/; anything else is a 404 with the site's 404 page."""

    def translate_path(self, path: str) -> str:
        bare = path.split("?", 1)[0].split("#", 1)[0]
        if not bare.startswith("/repo/"):
            return str(Path(self.directory) / "__outside__")
        return super().translate_path("/" + path[len("/repo/") :])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, site folder) of the bundled site, built for and served under /repo/."""
    project = tmp_path_factory.mktemp("browser") / "bundled"
    project.mkdir()
    for name in ("content", "seeds", "templates"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "site.yaml", project / "site.yaml")
    site = project / "_site"
    site.mkdir()
    handler = functools.partial(_Handler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    base = f"http://127.0.0.1:{port}/repo/"
    build_project(project, BuildOptions(base_url=base, force=True))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, site
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, errors


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.is_file() and shutil.which("npm"):
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(AXE.parents[2]),
                "--no-audit",
                "--no-fund",
                "axe-core@4",
            ],
            capture_output=True,
            check=False,
            timeout=300,
        )
    if not AXE.is_file():
        unavailable(f"axe-core not found at {AXE} (npm install --prefix .cache/axe axe-core)")
    return AXE


def back(page: Any) -> None:
    """The browser's Back button, once the page has loaded: going back while a page still
    loads can detach the tab from Playwright (a flaky "Not attached to an active page")."""
    page.wait_for_load_state()
    page.go_back()


def test_navigate_home_to_meeting_person_country_source_and_back(
    served: tuple[str, Path], page: Any
) -> None:
    base, _ = served
    page.goto(base)
    assert page.locator("h1").inner_text()
    page.click(f'main a[href="{MEETING}"]')
    assert page.url == base + MEETING
    page.click(f'main a[href="../../{LAVROV}"]')
    assert page.url == base + LAVROV
    assert page.locator("h1").inner_text() == "Sergey Lavrov"
    page.click(f'main a[href="../../{COUNTRY}"] >> nth=0')
    assert page.url == base + COUNTRY
    back(page)
    assert page.url == base + LAVROV
    back(page)
    assert page.url == base + MEETING
    page.click(f'main .footnotes a[href^="../../{SOURCE}"] >> nth=0')
    assert page.url.startswith(base + SOURCE)
    back(page)
    back(page)
    assert page.url == base
    # The masthead brings you home from anywhere.
    page.goto(base + SOURCE)
    page.click("header a.brand")
    assert page.url == base


def test_search_for_lavrov_reaches_his_page(served: tuple[str, Path], page: Any) -> None:
    base, _ = served
    page.goto(base + "search/")
    page.fill("#search-input", "Lavrov")
    page.press("#search-input", "Enter")
    first = page.locator("#search-results li a").first
    first.wait_for(timeout=30000)
    links = page.locator("#search-results li a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    # Results point under the /repo/ base path.
    assert all(h.startswith("/repo/") for h in hrefs), hrefs
    assert "/repo/" + LAVROV in hrefs
    # A meeting's result is titled by its title alone: no footnote marks from its heading.
    titles = [links.nth(i).inner_text() for i in range(links.count())]
    assert "Sergey Lavrov meets the Arab-Islamic ministerial committee in Moscow" in titles
    assert not [t for t in titles if "[" in t], titles
    page.locator(f'#search-results a[href="/repo/{LAVROV}"]').click()
    assert page.url == base + LAVROV
    assert page.locator("h1").inner_text() == "Sergey Lavrov"


def test_search_filters_by_kind_and_country(served: tuple[str, Path], page: Any) -> None:
    base, _ = served
    page.goto(base + "search/")
    page.locator("#search-kind option[value='People']").wait_for(state="attached", timeout=30000)
    countries = page.locator("#search-country option").all_inner_texts()
    assert any(c.startswith("Russia") for c in countries), countries
    page.select_option("#search-kind", "People")
    page.fill("#search-input", "minister")
    page.press("#search-input", "Enter")
    page.locator("#search-results li").first.wait_for(timeout=30000)
    kinds = page.locator("#search-results li .meta").all_inner_texts()
    assert kinds and all(k.strip() == "People" for k in kinds), kinds
    page.select_option(
        "#search-country",
        page.locator("#search-country option", has_text="Russia").get_attribute("value"),
    )
    # The list the first search left stays until the filtered search replaces it.
    page.locator("#search-results[aria-busy='false']").wait_for(state="attached", timeout=30000)
    hrefs = page.locator("#search-results li a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert hrefs and all(h.startswith("/repo/people/") for h in hrefs), hrefs
    assert "/repo/" + LAVROV in hrefs
    assert "/repo/people/wang-yi/" not in hrefs


def test_search_page_opened_from_a_file_says_why_it_does_not_work(
    served: tuple[str, Path], page: Any
) -> None:
    _, site = served
    page.goto((site / "search" / "index.html").as_uri())
    note = page.locator("#search-file")
    note.wait_for(state="visible", timeout=10000)
    assert "web server" in note.inner_text()


def test_citation_footnote_leads_to_highlighted_passage(
    served: tuple[str, Path], page: Any
) -> None:
    base, _ = served
    page.goto(base + MEETING)
    ref = page.locator("sup.fn a").first
    target = ref.get_attribute("href")
    ref.click()
    assert page.url.endswith(target)
    note = page.locator(f"li{target}")
    assert note.is_visible()
    href = note.locator("a").first.get_attribute("href")
    note.locator("a").first.click()
    page.wait_for_url(lambda url: "/sources/" in url and "#" in url)
    page.wait_for_load_state("load")
    assert page.url.startswith(base + SOURCE.split("/")[0] + "/")
    anchor = page.url.split("#", 1)[1]
    assert href.endswith("#" + anchor) and anchor.startswith("q-")
    # What :target shows: the quote's own <mark> outlined; or, where overlapping quotes
    # share a highlight, the quote's own pieces of it in a stronger colour, and no others.
    shown = """id => {
        const el = document.getElementById(id);
        const mark = el.closest('mark');
        const box = mark.getBoundingClientRect();
        const pieces = [...mark.querySelectorAll('.q')];
        const hit = getComputedStyle(mark).getPropertyValue('--hit').trim();
        const lit = pieces.filter(p => getComputedStyle(p).backgroundColor !== 'rgba(0, 0, 0, 0)');
        return {tag: mark.tagName, outline: getComputedStyle(mark).outlineStyle,
                merged: mark.classList.contains('merged'),
                inView: box.top >= 0 && box.top < innerHeight, text: mark.textContent,
                lit: lit.map(p => p.textContent).join(''), hit,
                mine: pieces.filter(p => p.dataset.q.split(' ').includes(id))
                            .map(p => p.textContent).join('')};
    }"""
    # :target applies once the document has scrolled to the fragment; give it a moment.
    page.wait_for_function(
        f"id => {{ const s = ({shown})(id); "
        "return s.merged ? s.lit !== '' : s.outline !== 'none'; }",
        arg=anchor,
        timeout=5000,
    )
    marked = page.evaluate(shown, anchor)
    assert marked["tag"] == "MARK" and marked["inView"] and marked["text"].strip()
    if marked["merged"]:
        assert marked["outline"] == "none"
        assert marked["lit"] == marked["mine"] and marked["mine"].strip()
        assert len(marked["mine"]) < len(marked["text"])
    else:
        assert marked["outline"] != "none"
    # 002's first paragraph is cited eleven ways, most of them overlapping: a quote there
    # lights its own words only ("Foreign Minister Sergey Lavrov held a meeting in Moscow").
    page.goto(base + "sources/002_0c70cf7e982ea60c/#q-p1-16-71")
    page.wait_for_function(f"id => ({shown})(id).lit !== ''", arg="q-p1-16-71", timeout=5000)
    marked = page.evaluate(shown, "q-p1-16-71")
    assert marked["merged"] and marked["outline"] == "none"
    assert marked["lit"] == "Foreign Minister Sergey Lavrov held a meeting in Moscow"


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_axe_finds_no_serious_or_critical_violation(
    served: tuple[str, Path], page: Any, axe_script: Path, kind: str
) -> None:
    base, _ = served
    page.goto(base + PAGE_KINDS[kind])
    if kind == "search":
        page.locator("#search-kind option[value='People']").wait_for(
            state="attached", timeout=30000
        )
    page.add_script_tag(path=str(axe_script))
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{kind} ({scheme}): {bad}"


@pytest.mark.parametrize("width", [360, 390, 1280])
def test_pages_fit_the_screen_and_screenshots_are_written(
    served: tuple[str, Path], browser: Any, width: int
) -> None:
    base, _ = served
    context = browser.new_context(viewport={"width": width, "height": 800})
    pg = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        for kind, url in sorted(PAGE_KINDS.items()):
            pg.goto(base + url)
            overflow = pg.evaluate("() => document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, f"{kind} is {overflow}px wider than a {width}px screen"
            if width != 360:
                shot = ARTIFACTS / f"{kind}-{width}.png"
                pg.screenshot(path=str(shot), full_page=kind in ("home", "graph", "timeline"))
                assert shot.stat().st_size > 1000
    finally:
        context.close()


def test_dark_mode_and_print_styles_apply(served: tuple[str, Path], browser: Any) -> None:
    base, _ = served
    context = browser.new_context(color_scheme="dark")
    pg = context.new_page()
    try:
        pg.goto(base + LAVROV)
        dark = pg.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert dark == "rgb(22, 23, 26)", dark
        pg.emulate_media(media="print")
        printed = pg.evaluate(
            "() => [getComputedStyle(document.body).backgroundColor,"
            " getComputedStyle(document.querySelector('.masthead nav')).display]"
        )
        assert printed == ["rgb(255, 255, 255)", "none"], printed
        pdf = ARTIFACTS / "person-print.pdf"
        ARTIFACTS.mkdir(exist_ok=True)
        pg.pdf(path=str(pdf))
        assert pdf.stat().st_size > 1000
    finally:
        context.close()


def test_keyboard_user_sees_skip_link_and_focus(served: tuple[str, Path], page: Any) -> None:
    base, _ = served
    page.goto(base + MEETING)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => { const el = document.activeElement; const s = getComputedStyle(el);"
        " const r = el.getBoundingClientRect();"
        " return [el.className, el.getAttribute('href'), s.outlineStyle, r.left >= 0]; }"
    )
    assert focused == ["skip", "#main", "solid", True], focused
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    # The graph's people are links a keyboard reaches, with a visible focus ring.
    page.goto(base + "graph/")
    node = page.locator("svg.who-met-whom a").first
    node.focus()
    stroke = node.locator("circle").evaluate("c => getComputedStyle(c).strokeWidth")
    assert stroke == "3px", stroke
