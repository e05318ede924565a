"""Feeds and metadata: Atom, sitemap, Open Graph, JSON-LD on every page, /data/site.json."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build import BuildOptions, build_project

BASE = "https://example.org/repo/"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
def site(bundled: Path) -> Path:
    build_project(bundled, BuildOptions(base_url=BASE, search=False))
    return bundled / "_site"


def page_file(site: Path, url: str) -> Path:
    assert url.startswith(BASE), url
    rel = url[len(BASE) :]
    return site / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


def jsonld_of(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(b) for b in blocks]


def test_atom_feed_is_valid_and_dated_from_content(site: Path, bundled: Path) -> None:
    root = ET.parse(site / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    assert root.find(f"{ATOM}id").text == BASE
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == BASE + "feed.xml"
    entries = root.findall(f"{ATOM}entry")
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(ids) == len(set(ids))
    meetings = [i for i in ids if "/meetings/" in i]
    sources = [i for i in ids if "/sources/" in i]
    assert len(meetings) == len(list((bundled / "content/meetings").glob("*.yaml")))
    assert len(sources) == len(list((bundled / "seeds").glob("*.txt")))
    dates = []
    for e in entries:
        for name in ("id", "title", "updated"):
            assert (e.find(f"{ATOM}{name}").text or "").strip(), name
        assert RFC3339.fullmatch(e.find(f"{ATOM}updated").text)
        link = e.find(f"{ATOM}link[@rel='alternate']").get("href")
        assert link == e.find(f"{ATOM}id").text
        assert page_file(site, link).is_file()
        dates.append(e.find(f"{ATOM}updated").text)
    # Newest first, and the feed is as new as its newest entry: dates from content, not the clock.
    assert dates == sorted(dates, reverse=True)
    assert root.find(f"{ATOM}updated").text == dates[0]
    moscow = next(
        e
        for e in entries
        if e.find(f"{ATOM}id").text.endswith("/meetings/moscow-lavrov-2023-11-21/")
    )
    assert moscow.find(f"{ATOM}updated").text == "2023-11-21T00:00:00Z"
    assert moscow.find(f"{ATOM}published").text == "2023-11-21T00:00:00Z"

    def entry(path: str) -> ET.Element:
        return next(e for e in entries if e.find(f"{ATOM}id").text.endswith(path))

    # A bound is given as one, and is not a publication date.
    calls = entry("/meetings/putin-phone-calls-after-2023-10-07/")
    assert calls.find(f"{ATOM}summary").text.startswith("on or after 2023-10-07 · phone call.")
    assert calls.find(f"{ATOM}published") is None
    # 002 states no date: it is ordered by the meeting it reports, and not said to be
    # published on that day.
    undated = entry("/sources/002_0c70cf7e982ea60c/")
    assert "The article states no date" in undated.find(f"{ATOM}summary").text
    assert undated.find(f"{ATOM}published") is None


def test_feed_limit_keeps_the_newest_entries(bundled: Path, site: Path, tmp_path: Path) -> None:
    every = ET.parse(site / "feed.xml").getroot().findall(f"{ATOM}entry")
    assert 3 < len(every) <= 50  # the default limit holds the whole bundled site
    config = bundled / "site.yaml"
    config.write_text(config.read_text() + "feed_limit: 3\n")
    build_project(bundled, BuildOptions(output=tmp_path / "out", base_url=BASE, search=False))
    root = ET.parse(tmp_path / "out/feed.xml").getroot()
    ids = [e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")]
    assert ids == [e.find(f"{ATOM}id").text for e in every[:3]]
    assert root.find(f"{ATOM}updated").text == every[0].find(f"{ATOM}updated").text


def test_feed_is_the_same_on_another_day(
    bundled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    build_project(bundled, BuildOptions(output=tmp_path / "a", search=False))

    class Later(dt.date):
        @classmethod
        def today(cls) -> dt.date:
            return dt.date(2031, 1, 1)

    monkeypatch.setattr(dt, "date", Later)
    build_project(bundled, BuildOptions(output=tmp_path / "b", search=False))
    assert (tmp_path / "a/feed.xml").read_bytes() == (tmp_path / "b/feed.xml").read_bytes()


def test_sitemap_lists_every_page_and_only_pages(site: Path) -> None:
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    locs = [u.find(f"{SITEMAP}loc").text for u in root.findall(f"{SITEMAP}url")]
    assert len(locs) == len(set(locs))
    files = {page_file(site, loc) for loc in locs}
    assert all(f.is_file() for f in files), [str(f) for f in files if not f.is_file()]
    pages = {p for p in site.rglob("*.html")} - {site / "404.html"}
    assert files == pages


def test_every_page_has_open_graph_and_parseable_json_ld(site: Path) -> None:
    for path in sorted(site.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        not_found = path == site / "404.html"
        for prop in ("og:title", "og:type", "og:url", "og:site_name", "og:description"):
            if prop == "og:url" and not_found:
                continue
            assert re.search(rf'<meta property="{prop}" content="[^"]+">', html), (path, prop)
        blocks = jsonld_of(html)
        assert len(blocks) == 1, path
        data = blocks[0]
        assert data["@context"] == "https://schema.org"
        assert data["@type"], path
        if not_found:
            # Served at whatever address was not found: it claims none, the home page's least.
            assert "og:url" not in html and 'rel="canonical"' not in html
            assert "@id" not in data and "url" not in data
        else:
            canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html)
            assert canonical and data.get("@id", canonical[1]) == canonical[1], path


def test_json_ld_types_per_page_kind(site: Path) -> None:
    def ld(rel: str) -> dict:
        return jsonld_of((site / rel / "index.html").read_text(encoding="utf-8"))[0]

    event = ld("meetings/moscow-lavrov-2023-11-21")
    assert event["@type"] == "Event"
    assert event["startDate"] == "2023-11-21"
    assert event["location"]["@type"] == "Place" and event["location"]["name"] == "Moscow"
    assert event["location"]["address"]["addressCountry"] == "Russia"
    names = {a["name"] for a in event["attendee"]}
    assert {"Sergey Lavrov", "Faisal bin Farhan Al Saud"} <= names
    lavrov = next(a for a in event["attendee"] if a["name"] == "Sergey Lavrov")
    assert lavrov["@type"] == "Person" and lavrov["@id"] == BASE + "people/sergey-lavrov/"
    assert event["superEvent"]["@id"] == BASE + "meetings/committee-tour-2023-11/"
    tour = ld("meetings/committee-tour-2023-11")
    assert [e["@id"] for e in tour["subEvent"]] == [
        BASE + "meetings/beijing-han-zheng-2023-11-20/",  # same day: by slug
        BASE + "meetings/beijing-wang-yi-2023-11-20/",
        BASE + "meetings/moscow-lavrov-2023-11-21/",
    ]
    assert "subEvent" not in event
    assert event["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    # Known only as "on or before 21 November", with no one's presence stated: neither a
    # start date nor an attendance mode is made up.
    exchange = ld("meetings/xi-macron-exchange")
    assert "startDate" not in exchange and "eventAttendanceMode" not in exchange
    summit = ld("meetings/egyptian-president-summit")
    assert summit["startDate"] and "eventAttendanceMode" not in summit
    online = ld("meetings/brics-extraordinary-virtual-summit")
    assert online["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert online["eventStatus"] == "https://schema.org/EventScheduled"  # announced only
    assert "eventStatus" not in event

    person = ld("people/sergey-lavrov")
    assert person["@type"] == "Person"
    assert "Sergei Lavrov" in person["alternateName"]
    assert any(a["name"] == "Russia" for a in person["affiliation"])

    taha = ld("people/hissein-brahim-taha")
    assert "Hussein Ibrahim Taha" in taha["alternateName"]

    assert ld("countries/russia")["@type"] == "Country"
    oic = ld("organizations/oic")
    assert oic["@type"] == "Organization" and "OIC" in oic["alternateName"]

    article = ld("sources/002_0c70cf7e982ea60c")
    assert article["@type"] == "NewsArticle"
    assert article["headline"]
    assert "datePublished" not in article  # 002 states no date, and none is made up
    dated = ld("sources/003_ab5f22e0f36654c7")
    assert dated["datePublished"] == "2023-11-21"
    assert dated["inLanguage"] == "en"
    assert ld("")["@type"] == "WebSite"


def test_json_ld_cannot_be_broken_out_of(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/people/x.yaml": """\
                name: "Evil </script><script>alert(1)</script> & 'Co'"
                """,
        }
    )
    build_project(project, BuildOptions(search=False))
    html = (project / "_site/people/x/index.html").read_text(encoding="utf-8")
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert script is not None
    assert "<" not in script.group(1) and "&" not in script.group(1)
    assert json.loads(script.group(1))["name"] == "Evil </script><script>alert(1)</script> & 'Co'"
    assert "<script>alert(1)" not in html


def test_site_json_has_everything_and_validates_against_its_schema(
    site: Path, bundled: Path
) -> None:
    import jsonschema

    raw = (site / "data/site.json").read_bytes()
    data = json.loads(raw)
    # Written in pieces, it is still exactly compact JSON with a final newline.
    assert raw == (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    schema = json.loads((site / "data/site.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["$schema"] == BASE + "data/site.schema.json" == schema["$id"]
    for kind in ("meetings", "people", "countries", "organizations"):
        ids = {e["id"] for e in data[kind]}
        assert ids == {p.stem for p in (bundled / "content" / kind).glob("*.yaml")}, kind
        for entry in data[kind]:
            assert page_file(site, entry["url"]).is_file()
    assert {s["id"] for s in data["sources"]} == {p.stem for p in (bundled / "seeds").glob("*.txt")}
    assert data["citations"] and all(c["verified"] for c in data["citations"])
    for cite in data["citations"][:20]:
        url = cite["passage"]["url"]
        page, anchor = url.split("#")
        assert f'id="{anchor}"' in page_file(site, page).read_text(encoding="utf-8")
    # A broken document does not validate: the schema says something.
    broken = dict(data, meetings=[{"id": "x"}])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)
    lavrov = next(p for p in data["people"] if p["id"] == "sergey-lavrov")
    assert lavrov["sheet"]["name"] == "Sergey Lavrov"


def test_feed_and_sitemap_templates_can_be_overridden(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site({"templates/sitemap.xml": "<urlset>mine</urlset>\n"})
    build_project(project, BuildOptions(search=False))
    assert (project / "_site/sitemap.xml").read_text() == "<urlset>mine</urlset>\n"


@given(
    st.sampled_from(
        [
            "https://u.github.io/r/",
            "https://x.org/",
            "/",
            "",
            "/repo/",
            "https://a.b/c?d=1",
            "https://x.org/a//b/",
            "https://x.org/a/./b/",
            "https://x.org/a/../b/",
            "HTTPS://Example.org//dossier/",
            "https://x.org/r/#top",
        ]
    ),
    st.text(alphabet=st.sampled_from("ab._-/~:?#%"), max_size=10),
)
def test_absolute_urls_are_what_urljoin_makes(base: str, target: str) -> None:
    from urllib.parse import urljoin

    from generator.render import join_url

    assert join_url(base, target) == urljoin(base, target)


def _plain_the_long_way(text: str, limit: int) -> str:
    """What feeds._plain does with every text, markup or not."""
    import html

    import nh3

    text = html.unescape(nh3.clean(text, tags=set()))
    text = re.sub(r"[*_`#>]+", "", re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text))
    text = " ".join(text.split())
    return text[:limit].rsplit(" ", 1)[0] + "…" if len(text) > limit else text


@settings(max_examples=3000)
@given(
    st.one_of(
        st.text(st.characters(exclude_categories=("Cs",)), max_size=60),  # nh3 takes no surrogates
        st.text(st.sampled_from("ab \u00a0\t\n\r\x00\x0c\ufeff<>&*_#[]()`é"), max_size=40),
    )
)
def test_plain_descriptions_skip_the_sanitiser_only_where_it_changes_nothing(text: str) -> None:
    from generator.feeds import _plain

    assert _plain(text, 30) == _plain_the_long_way(text, 30)


def test_site_json_made_ahead_in_steps_is_the_same_whatever_was_done_ahead(
    bundled: Path,
) -> None:
    # A build makes the fact sheets' and citations' part of /data/site.json while workers
    # render (prepare_site_data), as far as it gets; site_data_bytes does the rest.
    from dataclasses import replace
    from functools import partial

    from generator.build import check_project
    from generator.feeds import prepare_site_data, site_data_bytes
    from generator.render import join_url

    site = check_project(bundled).site
    absolute = partial(join_url, "https://example.org/")
    whole = bytes(site_data_bytes(site, absolute, {}))
    for steps in (0, 1, 2, 1000):
        kept: dict[str, object] = {}
        ahead = prepare_site_data(site, absolute, kept)
        for _ in zip(range(steps), ahead, strict=False):
            pass
        assert bytes(site_data_bytes(site, absolute, kept)) == whole
    # A session's next build: a citation made again (its source changed) and made ahead
    # is new JSON, never the last build's file.
    first = site.citations[0]
    changed = replace(first, quote=first.quote + " (edited)")
    site2 = replace(site, citations=(changed, *site.citations[1:]))
    for _ in prepare_site_data(site2, absolute, kept):
        pass
    again = bytes(site_data_bytes(site2, absolute, kept))
    assert again == bytes(site_data_bytes(site2, absolute, {})) != whole
    assert b"(edited)" in again


def test_site_json_of_a_one_off_build_is_the_same_file_left_in_its_pieces(bundled: Path) -> None:
    # A session joins the sources' JSON in blocks to reuse them; a one-off build writes the
    # pieces as they are, so it never holds the file twice. The bytes are the same, and
    # they are JSON that json.loads reads back.
    import json
    from functools import partial

    from generator.build import check_project
    from generator.feeds import site_data_bytes
    from generator.render import join_url

    site = check_project(bundled).site
    absolute = partial(join_url, "https://example.org/")
    joined = site_data_bytes(site, absolute, {})
    loose = site_data_bytes(site, absolute, {}, lasting=False)
    assert len(loose.parts) > len(joined.parts)
    assert bytes(loose) == bytes(joined)
    assert len(json.loads(bytes(loose))["sources"]) == len(site.sources) == 5
