"""The discrepancies page and the links to it from the records concerned."""

from __future__ import annotations

from generator.build import build_project

SEED = "BRICS summit\n\nOn Monday evening, President Xi Jinping will join the BRICS summit.\n"
SHEET = """\
title: BRICS virtual summit
kind: virtual-summit
date:
  value: 2023-11-20
  basis: weekday
  note: Monday before the article's dateline
  cite:
    - source: s1
      quote: On Monday evening
disagreements:
  - about: date of the summit
    sides:
      - claim: Monday evening
        cite:
          - source: s1
            quote: On Monday evening
      - claim: still to come when the article was written
        cite:
          - source: s1
            quote: will join the BRICS summit
    note: The article speaks of Monday evening in the future tense.
"""


def test_curated_disagreement_shows_each_side_with_citations(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site({"seeds/s1.txt": SEED, "content/meetings/brics.yaml": SHEET})
    build_project(project)
    page = (project / "_site/discrepancies/index.html").read_text()
    assert '<section class="dispute" id="meetings-brics-1"' in page
    assert "date of the summit" in page
    assert "<li>Monday evening<sup" in page
    assert "<li>still to come when the article was written<sup" in page
    assert "The article speaks of Monday evening in the future tense." in page
    assert 'href="../sources/s1/#q-p1-0-17"' in page
    # Both sides quote one article, at odds with itself: the page's heading allows for it.
    assert '<h2 id="curated-title">Disagreements and doubts</h2>' in page
    assert "a source does not always agree with itself" in " ".join(page.split())
    meeting = (project / "_site/meetings/brics/index.html").read_text()
    assert 'href="../../discrepancies/#meetings-brics-1">date of the summit</a>' in meeting
    assert "date worked out from a weekday: Monday before the article&#39;s dateline" in meeting


def test_page_without_disagreements_has_no_notice(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site({"content/people/x.yaml": "name: X\n"})
    build_project(project)
    assert 'class="disputed"' not in (project / "_site/people/x/index.html").read_text()
    assert "None recorded." in (project / "_site/discrepancies/index.html").read_text()
