"""The default theme for people: overrides, right-to-left names, and what the CSS promises."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import urljoin

from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.build import BuildOptions, build_project, check_project
from generator.plan import Page
from generator.render import PageView, Renderer, relative_url, theme_dir

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _renderer() -> Renderer:
    return Renderer(check_project(ROOT).site)


def test_a_site_overrides_any_template_and_static_file(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/people/x.yaml": "name: Someone\n",
            "templates/person.html": """\
                {% extends "base.html" %}
                {% block main %}<h1>Custom person: {{ site.people[slug].sheet.name }}</h1>{% endblock %}
                """,
            "templates/static/style.css": "body { color: rebeccapurple; }\n",
            "templates/static/extra.js": "// mine\n",
        }
    )
    build_project(project, BuildOptions(search=False))
    site = project / "_site"
    assert "<h1>Custom person: Someone</h1>" in (site / "people/x/index.html").read_text()
    assert (site / "static/style.css").read_text() == "body { color: rebeccapurple; }\n"
    assert (site / "static/extra.js").read_text() == "// mine\n"
    # Templates not overridden still come from the theme, and use the site's base.html.
    assert "<h1>Timeline</h1>" in (site / "timeline/index.html").read_text()
    assert (site / "static/search.js").read_bytes() == (
        theme_dir() / "static/search.js"
    ).read_bytes()


def test_base_template_override_applies_to_every_page(make_site) -> None:  # type: ignore[no-untyped-def]
    base = (theme_dir() / "base.html").read_text().replace("<body ", '<body data-mine="yes" ')
    project = make_site({"templates/base.html": base, "content/countries/a.yaml": "name: A\n"})
    build_project(project, BuildOptions(search=False))
    for page in (project / "_site").rglob("*.html"):
        assert 'data-mine="yes"' in page.read_text(), page


def test_right_to_left_names_are_isolated_with_dir_auto(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/countries/jordan.yaml": "name: الأردن\n",
            "content/people/safadi.yaml": "name: أيمن الصفدي\ncountry: jordan\n",
            "content/meetings/m.yaml": "title: Talks\ndate: 2024-01-01\nparticipants:\n  - person: safadi\n",
        }
    )
    build_project(project, BuildOptions(search=False))
    site = project / "_site"
    person = (site / "people/safadi/index.html").read_text()
    assert '<h1 dir="auto">أيمن الصفدي</h1>' in person
    assert '<a href="../../countries/jordan/" dir="auto">الأردن</a>' in person
    meeting = (site / "meetings/m/index.html").read_text()
    assert '<a href="../../people/safadi/" dir="auto">أيمن الصفدي</a>' in meeting
    graph = (site / "graph/index.html").read_text()
    assert '<a href="../people/safadi/" dir="auto">أيمن الصفدي</a>' in graph


def test_stylesheet_covers_phones_print_dark_mode_and_focus() -> None:
    css = (theme_dir() / "static/style.css").read_text()
    for rule in (
        "@media (prefers-color-scheme: dark)",
        "@media print",
        "@media (max-width: 30rem)",
        "@media (min-width: 75rem)",
        ":focus-visible",
        ".skip:focus",
    ):
        assert rule in css, rule


def test_skip_link_targets_main_on_every_page(bundled: Path) -> None:
    build_project(bundled, BuildOptions(search=False))
    for page in (bundled / "_site").rglob("*.html"):
        html = page.read_text()
        assert '<a class="skip" href="#main">Skip to content</a>' in html, page
        assert '<main id="main"' in html, page


def test_masthead_links_every_section_from_any_depth_and_marks_the_current_one(
    bundled: Path,
) -> None:
    build_project(bundled, BuildOptions(search=False))
    site = bundled / "_site"
    sections = ["meetings", "people", "countries", "organizations", "sources",
                "discrepancies", "timeline", "graph", "search"]  # fmt: skip
    for page, current in (
        ("index.html", None),
        ("people/index.html", "people"),
        ("people/wang-yi/index.html", "people"),
        ("timeline/index.html", "timeline"),
        ("404.html", None),
    ):
        html = (site / page).read_text()
        nav = html[html.index('<nav aria-label="Sections">') : html.index("</nav>")]
        links = re.findall(r'<a href="([^"]*)"( aria-current="page")?>', nav)
        folder = page.rpartition("/")[0]
        here = "https://example.org/" + (folder + "/" if folder else "")
        top = "https://example.org/"
        if page == "404.html":  # served at any depth, it links from the site's root path
            here, top = "https://example.org/deep/er/", "https://example.org/dossier/"
        resolved = [urljoin(here, href) for href, _ in links]
        assert resolved == [urljoin(top, s + "/") for s in sections], page
        assert [s for s, (_, mark) in zip(sections, links, strict=True) if mark] == (
            [current] if current else []
        ), page


@settings(max_examples=400)
@given(
    st.sampled_from(["", "people/", "people/wang-yi/", "sources/x_1/", "a/b/c/", "feed.xml"]),
    st.lists(
        st.sampled_from(["people", "wang-yi", "x_1", "a", "..", ".", "", "#p3"]), max_size=3
    ).map("/".join),
    st.booleans(),
)
@example("people/wang-yi/", "people/wang-yi", True)  # the page itself
@example("people/wang-yi/", "people/x_1/#p3", False)  # its neighbour
@example("people/wang-yi/", "people/wang-yi/#p3", False)
def test_page_links_are_the_relative_paths_between_pages(
    page_url: str, target: str, slash: bool
) -> None:
    target += "/" if slash and target else ""
    view = PageView(_renderer(), Page(page_url, "home.html", "T", "home", {}))
    assert view.url(target) == relative_url(page_url, target)
