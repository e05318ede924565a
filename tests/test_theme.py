"""The default theme for people: overrides, right-to-left names, and what the CSS promises."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import urljoin

from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.build import BuildOptions, build_project, check_project
from generator.cli import main
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
            "templates/person.html": (
                '{% extends "base.html" %}\n'
                "{% block main %}<h1>Custom person: {{ site.people[slug].sheet.name }}</h1>"
                "{% endblock %}\n"
            ),
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
            "content/meetings/m.yaml": (
                "title: Talks\ndate: 2024-01-01\nparticipants:\n  - person: safadi\n"
            ),
        }
    )
    build_project(project, BuildOptions(search=False))
    site = project / "_site"
    # Each is also marked as Arabic, which an English page's voice would not read.
    safadi = '<span lang="ar" dir="rtl">أيمن الصفدي</span>'
    person = (site / "people/safadi/index.html").read_text()
    assert f'<h1 dir="auto">{safadi}</h1>' in person
    assert (
        '<a href="../../countries/jordan/" dir="auto"><span lang="ar" dir="rtl">الأردن</span></a>'
        in person
    )
    meeting = (site / "meetings/m/index.html").read_text()
    assert f'<a href="../../people/safadi/" dir="auto">{safadi}</a>' in meeting
    graph = (site / "graph/index.html").read_text()
    assert f'<a href="../people/safadi/" dir="auto">{safadi}</a>' in graph


def test_text_in_another_script_is_marked_with_its_language(make_site) -> None:  # type: ignore[no-untyped-def]
    """WCAG's "language of parts": a screen reader reads 沈诗伟 in an English page as
    English unless told otherwise. Attributes (a tooltip, the meta description) keep
    their text as it is."""
    article = (
        "Talks in Moscow\n\n"
        "MOSCOW, November 21 (Reuters) - Sergei Lavrov (Сергей Лавров) met Ayman Safadi "
        "(أيمن الصفدي), an aide said.\n\n"
        "Tokyo's envoy (東京タワー、すごい) and Seoul's (김정은 위원장) sent notes; "
        "Beijing's spokesman Mao Ning (毛宁) spoke.\n"
    )
    project = make_site(
        {
            "seeds/000_moscow.txt": article,
            "seeds/001_shen.txt": "沈诗伟 in Moscow\n\nThe envoy arrived in Moscow on Monday.\n",
            "content/people/lavrov.yaml": (
                "name: Sergei Lavrov\naliases:\n  - name: Сергей Лавров\n"
            ),
            "content/people/mao.yaml": (
                "name: Mao Ning\nsummary: Spokeswoman (毛宁) of the ministry.\n"
                "aliases:\n  - name: 毛宁\n"
            ),
        }
    )
    build_project(project, BuildOptions(search=False))
    site = project / "_site"
    source = (site / "sources/000_moscow/index.html").read_text()
    assert (
        '(<a class="entity people" href="../../people/lavrov/">'
        '<span lang="ru">Сергей Лавров</span></a>)' in source
    )
    assert '(<span lang="ar" dir="rtl">أيمن الصفدي</span>)' in source
    assert '(<span lang="ja">東京タワー、すごい</span>)' in source
    assert '(<span lang="ko">김정은 위원장</span>)' in source
    # A title too, on its page and in the list of sources.
    shen = (site / "sources/001_shen/index.html").read_text()
    assert '<h1 dir="auto" id="title"><span lang="zh">沈诗伟</span> in Moscow</h1>' in shen
    listing = (site / "sources/index.html").read_text()
    assert 'dir="auto"><span lang="zh">沈诗伟</span> in Moscow</a>' in listing
    mao = (site / "people/mao/index.html").read_text()
    assert '<p>Spokeswoman (<span lang="zh">毛宁</span>) of the ministry.</p>' in mao
    assert '<meta name="description" content="Spokeswoman (毛宁) of the ministry.">' in mao
    lavrov = (site / "people/lavrov/index.html").read_text()
    assert '<li><span dir="auto"><span lang="ru">Сергей Лавров</span></span> ' in lavrov
    # The passage listed under "Mentioned in" is marked too.
    assert '(<strong><span lang="ru">Сергей Лавров</span></strong>)' in lavrov
    # Nothing is marked in a page whose language is written in that script.
    project = make_site(
        {"seeds/000_moscow.txt": article},
        site="title: T\nbase_url: https://example.org/\nlanguage: ru\n",
    )
    build_project(project, BuildOptions(search=False))
    source = (project / "_site/sources/000_moscow/index.html").read_text()
    assert '<div class="text" lang="ru">' in source
    assert '(<a class="entity people" href="../../people/lavrov/">Сергей Лавров</a>)' in source
    assert '(<span lang="ar" dir="rtl">أيمن الصفدي</span>)' in source


def test_a_source_in_another_language_says_so_where_its_words_are_shown(make_site) -> None:  # type: ignore[no-untyped-def]
    article = (
        "Entretiens à Moscou\n\nMOSCOU, 21 novembre (Reuters) - Sergueï Lavrov a reçu "
        "ses homologues, a-t-il déclaré.\n"
    )
    project = make_site(
        {
            "seeds/000_moscou.txt": article,
            "content/sources.yaml": "000_moscou:\n  language: fr\n",
            "content/people/lavrov.yaml": (
                "name: Sergei Lavrov\naliases:\n  - name: Sergueï Lavrov\n"
            ),
        }
    )
    build_project(project, BuildOptions(search=False))
    site = project / "_site"
    source = (site / "sources/000_moscou/index.html").read_text()
    assert '<html lang="en">' in source
    assert '<h1 dir="auto" id="title" lang="fr">Entretiens à Moscou</h1>' in source
    assert '<div class="text" lang="fr">' in source
    assert '"inLanguage": "fr"' in source
    lavrov = (site / "people/lavrov/index.html").read_text()
    assert '<li lang="fr"><a class="passage" href="../../sources/000_moscou/#p1">' in lavrov
    # Arabic is written right to left: the text and its passages say so too, as does a
    # whole site in Arabic.
    (project / "content/sources.yaml").write_text("000_moscou:\n  language: ar\n")
    build_project(project, BuildOptions(search=False))
    source = (site / "sources/000_moscou/index.html").read_text()
    assert '<div class="text" lang="ar" dir="rtl">' in source
    assert '<h1 dir="auto" id="title" lang="ar">' in source  # dir="auto" lays it out
    lavrov = (site / "people/lavrov/index.html").read_text()
    assert '<li lang="ar" dir="rtl"><a class="passage"' in lavrov
    assert '<html lang="en">' in lavrov
    (project / "site.yaml").write_text(
        (project / "site.yaml").read_text().replace("language: en", "") + "language: ar\n"
    )
    build_project(project, BuildOptions(search=False))
    assert '<html lang="ar" dir="rtl">' in (site / "people/lavrov/index.html").read_text()
    # Not a language tag: a located error.
    (project / "content/sources.yaml").write_text('000_moscou:\n  language: "fr FR"\n')
    result = CliRunner().invoke(main, ["-C", str(project), "build", "--no-search"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "content/sources.yaml:2:13: 000_moscou.language: must be a language tag such as en or pt-BR"
    )


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
