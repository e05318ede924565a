"""The shipped content: coverage of the seeds, and meeting pages with the right people."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.build import BuildOptions, build_project, check_project


def section(html: str, title_id: str) -> str:
    start = html.index(f'id="{title_id}"')
    return html[start : html.index("</section>", start)]


def people_with_roles(html: str, title_id: str) -> dict[str, str]:
    """Person slug -> role text, for each entry of a Hosts/Participants list."""
    out = {}
    for item in re.findall(r"<li>(.*?)</li>", section(html, title_id), re.S):
        person = re.search(r'href="\.\./\.\./people/([a-z0-9-]+)/"', item)
        role = re.search(r'<span class="role">(.*?)</span>', item)
        if person:
            out[person.group(1)] = role.group(1) if role else ""
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    from tests.conftest import ROOT

    project = tmp_path_factory.mktemp("shipped")
    for name in ("content", "seeds", "templates"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "site.yaml", project / "site.yaml")
    build_project(project, BuildOptions(search=False))
    return project / "_site"


def test_shipped_content_passes_strict_check() -> None:
    from tests.conftest import ROOT

    checked = check_project(ROOT, strict=True)
    cov = checked.coverage
    assert cov.facts == cov.cited
    assert cov.citations == cov.verified
    assert cov.sources_cited == cov.sources == 5


def test_coverage_of_the_seeds() -> None:
    from tests.conftest import ROOT

    site = check_project(ROOT).site
    for meeting in (
        "riyadh-summit-2023-11-11",
        "beijing-wang-yi-2023-11-20",
        "beijing-han-zheng-2023-11-20",
        "moscow-lavrov-2023-11-21",
    ):
        assert meeting in site.meetings
    kinds = {m.sheet.kind for m in site.meetings.values()}
    assert {"summit", "talks", "virtual-summit", "exchange", "phone-call"} <= kinds
    for person in (
        "faisal-bin-farhan", "ayman-safadi", "sameh-shoukry", "retno-marsudi", "riyad-al-maliki",
        "hissein-brahim-taha", "wang-yi", "han-zheng", "sergey-lavrov", "maria-zakharova",
        "hua-chunying", "xi-jinping", "emmanuel-macron", "cyril-ramaphosa", "vladimir-putin",
        "mahmoud-abbas", "benjamin-netanyahu", "abdel-fattah-al-sisi",
    ):  # fmt: skip
        assert person in site.people, person
    for org in ("oic", "arab-league", "un-security-council", "brics"):
        assert org in site.organizations, org
    # Every person the sources name is covered by a fact sheet.
    assert [u.name for _, u in site.unknown_names if u.kind == "person"] == []


def test_moscow_meeting_lists_host_and_all_six_participants(site: Path) -> None:
    html = (site / "meetings/moscow-lavrov-2023-11-21/index.html").read_text()
    assert people_with_roles(html, "hosts-title") == {"sergey-lavrov": "Foreign Minister"}
    assert people_with_roles(html, "participants-title") == {
        "faisal-bin-farhan": "Foreign Minister",
        "sameh-shoukry": "Foreign Minister",
        "retno-marsudi": "Foreign Minister",
        "ayman-safadi": "Deputy Prime Minister and Foreign Minister",
        "riyad-al-maliki": "Foreign Minister",
        "hissein-brahim-taha": "Secretary General",
    }


def test_beijing_meetings_list_only_the_ministers_the_sources_name(site: Path) -> None:
    wang = (site / "meetings/beijing-wang-yi-2023-11-20/index.html").read_text()
    assert people_with_roles(wang, "hosts-title") == {"wang-yi": "Foreign Minister"}
    assert set(people_with_roles(wang, "participants-title")) == {
        "faisal-bin-farhan",
        "ayman-safadi",
        "riyad-al-maliki",
    }
    han = (site / "meetings/beijing-han-zheng-2023-11-20/index.html").read_text()
    assert people_with_roles(han, "hosts-title") == {"han-zheng": "Vice President"}
    assert set(people_with_roles(han, "participants-title")) == {
        "faisal-bin-farhan",
        "ayman-safadi",
        "riyad-al-maliki",
    }
    # A committee member list is not an attendance list: no Shoukry or Marsudi in Beijing.
    assert "sameh-shoukry" not in wang and "retno-marsudi" not in wang


def test_the_announced_summit_reads_as_announced_everywhere(site: Path) -> None:
    # 003 says Xi "will participate": the sources announce the BRICS summit, none reports it.
    page = (site / "meetings/brics-extraordinary-virtual-summit/index.html").read_text()
    assert (
        "<dt>Status</dt><dd>Announced: the sources report it as planned, and none says it "
        "took place.</dd>" in page
    )
    assert '<span class="presence">(online)</span>' in page and "took part" not in page
    home = (site / "index.html").read_text()
    assert "virtual summit (announced)</span>" in home
    timeline = (site / "timeline/index.html").read_text()
    assert '<span class="kind">virtual summit (announced)</span>' in timeline
    # A meeting held says nothing of its status.
    assert (
        "<dt>Status</dt>" not in (site / "meetings/moscow-lavrov-2023-11-21/index.html").read_text()
    )


def test_derived_dates_say_how_they_were_worked_out(site: Path) -> None:
    han = (site / "meetings/beijing-han-zheng-2023-11-20/index.html").read_text()
    assert re.search(r'<span class="basis"[^>]*>date (worked out|inferred)', han)


def test_people_index_heads_its_two_groups(site: Path) -> None:
    html = (site / "people/index.html").read_text()
    ministers = html[html.index(">Ministers</h2>") : html.index(">Other people</h2>")]
    others = html[html.index(">Other people</h2>") :]
    assert 'href="sergey-lavrov/"' in ministers and 'href="benjamin-netanyahu/"' in ministers
    assert 'href="abdel-fattah-al-sisi/"' in others and 'href="xi-jinping/"' in others
    assert 'href="sergey-lavrov/"' not in others
    # Other indexes are one list, with no headings.
    assert "<h2" not in (site / "countries/index.html").read_text().split("<main", 1)[1]


def test_source_metadata_says_how_a_field_is_known_in_words(site: Path) -> None:
    tass = (site / "sources/004_a0d9051ab7e3cd86/index.html").read_text()
    published = tass[
        tass.index("<dt>Published</dt>") : tass.index("</dd>", tass.index("<dt>Published"))
    ]
    assert '<span class="basis">given by the site&#39;s editors</span>' in published
    dateline = tass[
        tass.index("<dt>Dateline</dt>") : tass.index("</dd>", tass.index("<dt>Dateline"))
    ]
    assert "year not in the dateline: from the publication date" in dateline
    assert "curated<" not in tass and "year derived" not in tass
    # The outlet is an organisation with a page: the source links to it.
    assert '<dt>Outlet</dt><dd><a href="../../organizations/tass/" dir="auto">TASS</a>' in tass
    undated = (site / "sources/002_0c70cf7e982ea60c/index.html").read_text()
    assert "<dt>Outlet</dt><dd>not stated</dd>" in undated


def section_of(page: Path, heading_id: str) -> str:
    """A page's section from its heading (by id) to the section's end."""
    html = page.read_text()
    start = html.index(f'<h2 id="{heading_id}">')
    return html[start : html.index("</section>", start)]


def test_an_outlets_page_lists_the_sources_it_published(site: Path) -> None:
    # TASS is named only in the dateline ("MOSCOW, November 21. /TASS/."), which is no
    # mention; its page still lists the report it published, with its date.
    section = section_of(site / "organizations/tass/index.html", "published-title")
    assert ">Sources it published</h2>" in section
    assert section.count("<li>") == 1
    assert '<a href="../../sources/004_a0d9051ab7e3cd86/" dir="auto">Russia shares OIC' in section
    assert '<time datetime="2023-11-21">21 November 2023</time>' in section
    # Khaama Press is the parsed outlet of source 001; an organisation that published
    # nothing has no such section.
    khaama = section_of(site / "organizations/khaama-press/index.html", "published-title")
    assert 'href="../../sources/001_662a9fa97c2a1bbd/"' in khaama
    assert "published-title" not in (site / "organizations/brics/index.html").read_text()


def test_a_post_authors_page_lists_the_posts_they_signed(site: Path) -> None:
    # Shen Shiwei is named only in the signature of a post embedded in source 000.
    section = section_of(site / "people/shen-shiwei/index.html", "posts-title")
    assert ">Posts embedded in the sources</h2>" in section
    assert section.count("<li>") == 1
    assert 'href="../../sources/000_b28059a2c29d0bad/#post3" dir="auto">Russian Foreign' in section
    # The signature links to his page; a signature no sheet covers stays plain text.
    source = (site / "sources/000_b28059a2c29d0bad/index.html").read_text()
    assert (
        '<footer>— <a class="entity people" href="../../people/shen-shiwei/">'
        'Shen Shiwei <span lang="zh">沈诗伟</span></a> (@shen_shiwei), 20 November 2023</footer>'
    ) in source
    assert "<footer>— Egypt MFA Spokesperson (@MfaEgypt), 21 November 2023</footer>" in source
    assert "posts-title" not in (site / "people/sergey-lavrov/index.html").read_text()
