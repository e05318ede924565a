"""Who met whom: people linked by the meetings they attended together, drawn as SVG at build time.

No JavaScript and no layout library: the drawing is a radial ("chord") layout,
computed in a few lines and fully deterministic (no randomness, no iteration
that depends on floating-point accumulation order beyond a fixed sort):

- people are placed on concentric rings; the best-connected people go on the
  outer ring, where their labels have room, and each ring is filled in order of
  the first meeting a person attended, so people who met sit side by side and
  most links stay short;
- a ring holds as many people as fit at :data:`SPACING` pixels apart, and rings
  are added inwards, so 20 people make one ring and 500 make about seven;
- labels are written radially outside the outer ring (as in a chord diagram),
  so two labels never overlap as long as their nodes are ``SPACING`` apart;
  people on inner rings have no label but a ``<title>`` tooltip, an accessible
  name, and an entry in the list printed under the drawing.

A force-directed layout would look livelier for small graphs, but costs
O(n^2) per iteration in pure Python and needs a seed to be reproducible; the
rings are readable at both ends of the range the issue asks for.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations

from markupsafe import Markup

from generator.model import Site

SPACING = 24.0
"""Minimum distance in pixels between neighbouring people on one ring."""
RING_GAP = 60.0
LABEL_ROOM = 190.0
LABEL_CHARS = 28
MIN_RADIUS = 120.0


@dataclass(frozen=True)
class Node:
    slug: str
    name: str
    meetings: tuple[str, ...]
    degree: int


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    meetings: tuple[str, ...]


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def met(self, slug: str) -> list[tuple[str, int]]:
        """People ``slug`` met, most shared meetings first, then by slug."""
        return sorted(self._met.get(slug, ()), key=lambda t: (-t[1], t[0]))

    @functools.cached_property
    def _met(self) -> dict[str, list[tuple[str, int]]]:
        """Per person, (other, shared meetings) of each edge: indexed once, as every
        person's entry on the graph page asks."""
        out: dict[str, list[tuple[str, int]]] = {}
        for e in self.edges:
            out.setdefault(e.a, []).append((e.b, len(e.meetings)))
            out.setdefault(e.b, []).append((e.a, len(e.meetings)))
        return out


@dataclass(frozen=True)
class Placed:
    node: Node
    x: float
    y: float
    angle: float
    ring: int
    labelled: bool


@dataclass(frozen=True)
class Layout:
    graph: Graph
    placed: dict[str, Placed] = field(default_factory=dict)
    radius: float = 0.0
    size: float = 0.0


def build_graph(site: Site, meeting_order: list[str]) -> Graph:
    """People who attended at least one meeting, and a link per pair that shared one."""
    attended: dict[str, list[str]] = {}
    rank = {m: i for i, m in enumerate(meeting_order)}
    # A meeting only announced brought no one together (yet).
    held = {slug for slug, r in site.meetings.items() if r.sheet.status == "held"}
    for person, items in site.attendance.items():
        met = {a.meeting for a in items if a.meeting in held}
        if person in site.people and met:
            attended[person] = sorted(met, key=lambda m: (rank.get(m, 0), m))
    by_meeting: dict[str, set[str]] = {}
    hosting: dict[str, set[str]] = {}
    for person, meetings in attended.items():
        for m in meetings:
            by_meeting.setdefault(m, set()).add(person)
    for person, items in site.attendance.items():
        for a in items:
            if a.as_host and person in attended:
                hosting.setdefault(a.meeting, set()).add(person)
    pairs: dict[tuple[str, str], list[str]] = {}
    for m in sorted(by_meeting, key=lambda m: (rank.get(m, 0), m)):
        for a, b in _together(site, m, by_meeting[m], hosting.get(m, set())):
            pairs.setdefault((a, b), []).append(m)
    edges = tuple(Edge(a, b, tuple(ms)) for (a, b), ms in sorted(pairs.items()))
    degree: dict[str, int] = {}
    for e in edges:
        degree[e.a] = degree.get(e.a, 0) + 1
        degree[e.b] = degree.get(e.b, 0) + 1
    nodes = tuple(
        Node(slug, site.people[slug].sheet.name, tuple(ms), degree.get(slug, 0))
        for slug, ms in sorted(attended.items())
    )
    return Graph(nodes, edges)


def _together(site: Site, meeting: str, people: set[str], hosts: set[str]) -> list[tuple[str, str]]:
    """The pairs of people one meeting brought together, each pair sorted.

    A phone call with a host is a call between the host and each other party: one
    record may group several calls (a president's calls to two leaders who did not
    speak to each other), so its other parties are not paired with one another.
    """
    record = site.meetings.get(meeting)
    if record is not None and record.sheet.kind == "phone-call" and hosts:
        pairs = {tuple(sorted((h, p))) for h in hosts for p in people if p != h}
        return sorted(pairs)  # type: ignore[arg-type]
    return list(combinations(sorted(people), 2))


def _capacity(radius: float) -> int:
    return max(1, int(2 * math.pi * radius // SPACING))


def _rings(n: int) -> list[float]:
    """Radii, outermost first, of the fewest rings that hold ``n`` people."""
    outer = MIN_RADIUS
    while True:
        radii = []
        r = outer
        while r >= MIN_RADIUS * 0.5 and sum(map(_capacity, radii)) < n:
            radii.append(r)
            r -= RING_GAP
        if sum(map(_capacity, radii)) >= n:
            return radii
        outer += RING_GAP / 2


def layout(graph: Graph) -> Layout:
    n = len(graph.nodes)
    if n == 0:
        return Layout(graph)
    # A single ring for small graphs, sized so that the circle is not cramped.
    radii = _rings(n)
    if len(radii) == 1:
        radii = [max(MIN_RADIUS * 1.25, n * SPACING * 2.5 / (2 * math.pi))]
    first = {
        node.slug: (node.meetings[0] if node.meetings else "", node.name) for node in graph.nodes
    }
    meeting_rank = {m: i for i, m in enumerate(_meetings_in_order(graph))}
    by_degree = sorted(graph.nodes, key=lambda nd: (-nd.degree, nd.name.casefold(), nd.slug))
    placed: dict[str, Placed] = {}
    start = 0
    for ring, radius in enumerate(radii):
        count = min(_capacity(radius), n - start) if len(radii) > 1 else n
        members = sorted(
            by_degree[start : start + count],
            key=lambda nd: (meeting_rank.get(first[nd.slug][0], 0), nd.name.casefold(), nd.slug),
        )
        for i, node in enumerate(members):
            # Start at the top and go clockwise; offset inner rings by half a step.
            angle = -math.pi / 2 + 2 * math.pi * (i + (0.5 if ring % 2 else 0.0)) / max(count, 1)
            placed[node.slug] = Placed(
                node,
                round(radius * math.cos(angle), 1),
                round(radius * math.sin(angle), 1),
                angle,
                ring,
                labelled=ring == 0,
            )
        start += count
    radius = radii[0]
    return Layout(graph, placed, radius, 2 * (radius + LABEL_ROOM))


def _meetings_in_order(graph: Graph) -> list[str]:
    seen: dict[str, None] = {}
    for edge in graph.edges:
        for m in edge.meetings:
            seen.setdefault(m, None)
    for node in graph.nodes:
        for m in node.meetings:
            seen.setdefault(m, None)
    return list(seen)


def _label(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "…"


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def render_svg(
    lay: Layout, url: Callable[[str], str], meeting_title: Callable[[str], str]
) -> Markup:
    """The drawing as inline SVG; every person is a link to their page."""
    if not lay.placed:
        return Markup("")
    half = lay.size / 2
    parts: list[Markup] = [
        Markup(
            '<svg class="who-met-whom{4}" xmlns="http://www.w3.org/2000/svg" '
            'viewBox="{0} {0} {1} {1}" '
            'width="{1}" height="{1}" aria-labelledby="graph-svg-title">'
            '<title id="graph-svg-title">Who met whom: {2} and {3}</title>\n'
        ).format(
            _num(-half),
            _num(lay.size),
            _plural(len(lay.placed), "person", "people"),
            _plural(len(lay.graph.edges), "link"),
            " dense" if len(lay.graph.edges) > 200 else "",
        ),
        Markup('<g class="edges">\n'),
    ]
    for e in lay.graph.edges:
        a, b = lay.placed[e.a], lay.placed[e.b]
        # Bend each link towards the centre so links between neighbours stay short.
        cx, cy = (a.x + b.x) * 0.25, (a.y + b.y) * 0.25
        titles = "; ".join(meeting_title(m) for m in e.meetings[:3])
        if len(e.meetings) > 3:
            titles += f"; and {len(e.meetings) - 3} more"
        parts.append(
            EDGE.format(
                _num(a.x), _num(a.y), _num(cx), _num(cy), _num(b.x), _num(b.y),
                _num(min(1 + math.log2(len(e.meetings)), 4)),
                a.node.name, b.node.name, titles,
            )
        )  # fmt: skip
    parts.append(Markup('</g>\n<g class="nodes">\n'))
    for slug in sorted(lay.placed, key=lambda s: (lay.placed[s].ring, s)):
        p = lay.placed[slug]
        r = min(4 + 1.2 * math.sqrt(p.node.degree), 10) if len(lay.placed) <= 60 else 5
        meetings = _plural(len(p.node.meetings), "meeting")
        met = _plural(p.node.degree, "person", "people")
        summary = f"{p.node.name}: {meetings}, met {met}"
        label = Markup("")
        if p.labelled:
            label = _radial_label(p, r)
        parts.append(
            NODE.format(
                url(slug), summary, _num(p.x), _num(p.y), _num(r), summary, label
            )
        )  # fmt: skip
    parts.append(Markup("</g>\n</svg>"))
    return Markup("").join(parts)


EDGE = Markup(
    '<path d="M{} {}Q{} {} {} {}" stroke-width="{}"><title>{} and {}: {}</title></path>\n'
)
NODE = Markup(
    '<a href="{}" aria-label="{}"><circle cx="{}" cy="{}" r="{}"><title>{}</title></circle>{}</a>\n'
)


def _radial_label(p: Placed, r: float) -> Markup:
    degrees = math.degrees(p.angle)
    gap = r + 4
    x = p.x + gap * math.cos(p.angle)
    y = p.y + gap * math.sin(p.angle)
    left = math.cos(p.angle) < -1e-9
    # On the left half, turn the text over so it still reads left to right.
    rotate = degrees + 180 if left else degrees
    return Markup(
        '<text x="{}" y="{}" transform="rotate({} {} {})" text-anchor="{}" '
        'dominant-baseline="middle" aria-hidden="true">{}</text>'
    ).format(
        _num(x),
        _num(y),
        _num(rotate),
        _num(x),
        _num(y),
        "end" if left else "start",
        _label(p.node.name),
    )


def _num(value: float) -> str:
    """Numbers in a fixed, short form: one decimal, no '-0'."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
