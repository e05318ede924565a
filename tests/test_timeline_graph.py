"""The timeline page and the who-met-whom drawing, on the bundled site and on synthetic ones."""

from __future__ import annotations

import math
import random
import re
from pathlib import Path

import pytest

from generator.build import BuildOptions, build_project, check_project
from generator.graph import SPACING, build_graph, layout
from generator.plan import meeting_order, timeline


def synthetic(people: int, meetings: int, per_meeting: int, seed: int = 7) -> dict[str, str]:
    """Fact sheets for ``people`` people and ``meetings`` meetings (a fixed seed: the same
    every run)."""
    rng = random.Random(seed)
    files: dict[str, str] = {}
    for i in range(people):
        files[f"content/people/p{i:03d}.yaml"] = (
            f"name: Person Number {i:03d} of the Synthetic Delegation\n"
        )
    for j in range(meetings):
        day = 1 + j % 28
        who = rng.sample(range(people), per_meeting)
        parts = "".join(f"  - person: p{k:03d}\n" for k in who)
        files[f"content/meetings/m{j:03d}.yaml"] = (
            f"title: Meeting {j}\ndate: 2024-{1 + j // 28 % 12:02d}-{day:02d}\nleg: Leg {j // 10}\n"
            f"participants:\n{parts}"
        )
    return files


def test_timeline_lists_every_meeting_in_date_order_grouped_by_leg(bundled: Path) -> None:
    checked = check_project(bundled)
    site = checked.site
    groups = timeline(site)
    listed = [m for g in groups for m in g.meetings]
    assert sorted(listed) == sorted(site.meetings)
    dates = [site.meetings[m].sheet.date.value for m in listed]
    assert dates == sorted(dates)
    beijing = next(g for g in groups if g.label == "Beijing leg")
    assert set(beijing.meetings) == {"beijing-wang-yi-2023-11-20", "beijing-han-zheng-2023-11-20"}
    assert beijing.part_of == "committee-tour-2023-11"

    build_project(bundled, BuildOptions(search=False))
    html = (bundled / "_site/timeline/index.html").read_text(encoding="utf-8")
    for slug in site.meetings:
        assert f'href="../meetings/{slug}/"' in html, slug
    # Each meeting shows place, hosts and participants.
    item = html[html.index('href="../meetings/moscow-lavrov-2023-11-21/"') :]
    item = item[: item.index("</li>\n    </ol>")]
    assert "<dt>Place</dt>" in item and "Moscow" in item
    assert "<dt>Hosts</dt>" in item and 'href="../people/sergey-lavrov/"' in item
    assert "<dt>Participants</dt>" in item
    # Dates whose basis is not 'stated' are marked; stated ones are not.
    han = html[html.index('href="../meetings/beijing-han-zheng-2023-11-20/"') :]
    han = han[: han.index("</h3>") + 200 + han[200:].index("</p>")]
    assert 'class="derived"' in han
    wang = html[html.index('href="../meetings/beijing-wang-yi-2023-11-20/"') :]
    wang = wang[: wang.index("</p>")]
    assert 'class="derived"' not in wang


def test_timeline_marks_bounded_dates(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(
        {
            "content/meetings/a.yaml": "title: A\ndate:\n  value: 2024-01-02\n  qualifier: after\n",
            "content/meetings/b.yaml": "title: B\ndate: 2024-01-01\n",
        }
    )
    build_project(project, BuildOptions(search=False))
    html = (project / "_site/timeline/index.html").read_text(encoding="utf-8")
    assert html.index('href="../meetings/b/"') < html.index('href="../meetings/a/"')
    a = html[html.index('href="../meetings/a/"') :]
    assert "on or after" in a[: a.index("</p>")] and 'class="derived"' in a[: a.index("</p>")]
    b = html[html.index('href="../meetings/b/"') :]
    assert 'class="derived"' not in b[: b.index("</p>")]
    # A's heading gives its day as a bound too, not as the day it happened.
    assert (
        '<h2 class="tl-head" id="t-a-title">On or after <time datetime="2024-01-02">'
        "2 January 2024</time></h2>" in html
    )
    assert '<h2 class="tl-head" id="t-b-title"><time datetime="2024-01-01">1 January' in html


def test_graph_on_the_bundled_site_links_every_node_to_its_person(bundled: Path) -> None:
    build_project(bundled, BuildOptions(search=False))
    html = (bundled / "_site/graph/index.html").read_text(encoding="utf-8")
    svg = html[html.index("<svg") : html.index("</svg>")]
    nodes = re.findall(r'<a href="\.\./people/([a-z0-9-]+)/"', svg)
    assert "sergey-lavrov" in nodes and "wang-yi" in nodes
    for slug in nodes:
        assert (bundled / "_site/people" / slug / "index.html").is_file()
    assert "<script" not in html.split("</head>")[1]  # drawn at build time, no JavaScript
    # Lavrov met Faisal bin Farhan in Moscow: a line joins them, with its meeting as a tooltip.
    assert re.search(
        r"<title>(Faisal bin Farhan Al Saud and Sergey Lavrov"
        r"|Sergey Lavrov and Faisal bin Farhan Al Saud): ",
        svg,
    )
    # The BRICS summit is only announced: it brought Ramaphosa and Xi together in no
    # source, so it draws no line (and Ramaphosa, with no other meeting, no circle).
    assert "Cyril Ramaphosa" not in svg and "Xi Jinping" in svg
    # Counted in plain words: "met 2 people", not "persons".
    assert "Benjamin Netanyahu: 1 meeting, met 1 person" in svg
    assert "Sergey Lavrov: " in svg and "persons" not in html
    assert re.search(r"Sergey Lavrov: 1 meeting, met \d+ people", svg)
    # Every person with a meeting is in the list under the drawing too.
    listing = html[html.index('<ul class="met-list">') :]
    assert listing.count('<li><a href="../people/') == len(set(nodes))


def test_graph_layout_is_deterministic_and_readable_at_20_people(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(synthetic(20, 12, 3))
    site = check_project(project).site
    graph = build_graph(site, meeting_order(site))
    one, two = layout(graph), layout(build_graph(site, meeting_order(site)))
    assert one == two
    assert len(one.placed) == len({s for s in site.attendance})
    # At this size every person is named in the drawing, and no two are closer than SPACING.
    assert all(p.labelled for p in one.placed.values())
    points = list(one.placed.values())
    assert (
        min(
            math.dist((a.x, a.y), (b.x, b.y)) for i, a in enumerate(points) for b in points[i + 1 :]
        )
        >= SPACING
    )


def test_graph_is_readable_and_bounded_at_500_people(make_site) -> None:  # type: ignore[no-untyped-def]
    project = make_site(synthetic(500, 400, 4))
    build_project(project, BuildOptions(search=False))
    site = check_project(project).site
    lay = layout(build_graph(site, meeting_order(site)))
    n = len(lay.placed)
    assert n > 450
    labelled = [p for p in lay.placed.values() if p.labelled]
    # Labels only on the outer ring: some, not all, and never two labels on top of each other
    # (radial labels whose nodes are at least SPACING apart do not overlap at 11px).
    assert 40 <= len(labelled) < n
    for i, a in enumerate(labelled):
        for b in labelled[i + 1 :]:
            assert math.dist((a.x, a.y), (b.x, b.y)) >= SPACING - 0.5
    # The best-connected people are the ones named.
    top = sorted(lay.placed.values(), key=lambda p: -p.node.degree)[: len(labelled) // 2]
    assert all(
        p.labelled
        for p in top
        if p.node.degree > max(q.node.degree for q in lay.placed.values() if not q.labelled)
    )
    # Nodes do not sit on top of each other anywhere.
    points = sorted((p.x, p.y) for p in lay.placed.values())
    assert len(set(points)) == n
    html = (project / "_site/graph/index.html").read_text(encoding="utf-8")
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert len(svg.encode()) < 600_000, len(svg)
    assert svg.count("<a href=") == n
    assert svg.count("<text") == len(labelled)
    assert svg.count("<title>") >= n  # every person has a tooltip, labelled or not


@pytest.mark.parametrize("size", [0, 1, 2])
def test_graph_of_tiny_sites(make_site, size: int) -> None:  # type: ignore[no-untyped-def]
    project = make_site(synthetic(max(size, 1), size and 1, size) if size else {})
    build_project(project, BuildOptions(search=False))
    html = (project / "_site/graph/index.html").read_text(encoding="utf-8")
    assert "<h1>Who met whom</h1>" in html
    if size == 0:
        assert "No meeting has people recorded yet." in html


def test_a_phone_call_links_its_host_to_each_party_not_the_parties_to_each_other(
    make_site,  # type: ignore[no-untyped-def]
) -> None:
    # One record for a president's calls to two leaders, as the bundled site keeps
    # Putin's calls to Abbas and Netanyahu: the two leaders never spoke to each other.
    people = {
        f"content/people/{s}.yaml": f"name: {n}\n"
        for s, n in (
            ("host", "Ana Host"),
            ("one", "Ben One"),
            ("two", "Cy Two"),
            ("three", "Di Three"),
        )
    }
    project = make_site(
        {
            **people,
            "content/meetings/calls.yaml": "title: Calls\nkind: phone-call\ndate: 2024-01-02\n"
            "hosts:\n  - person: host\n"
            "participants:\n  - person: one\n  - person: two\n",
            "content/meetings/talks.yaml": "title: Talks\ndate: 2024-01-03\n"
            "participants:\n  - person: one\n  - person: two\n  - person: three\n",
            "content/meetings/call.yaml": "title: Call\nkind: phone-call\ndate: 2024-01-04\n"
            "participants:\n  - person: two\n  - person: three\n",
        }
    )
    build_project(project, BuildOptions(search=False))
    html = (project / "_site/graph/index.html").read_text(encoding="utf-8")
    titles = re.findall(r"<title>([^<:]+ and [^<:]+): ([^<]+)</title>", html)
    assert sorted(titles) == [
        ("Ana Host and Ben One", "Calls"),
        ("Ana Host and Cy Two", "Calls"),
        ("Ben One and Cy Two", "Talks"),
        ("Ben One and Di Three", "Talks"),
        ("Di Three and Cy Two", "Talks; Call"),
    ]
