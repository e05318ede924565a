"""Show that mention matching and citation checking grow linearly with the corpus.

    python benchmarks/linear.py DIR [DIR ...]     # dossier projects, e.g. corpus sizes 1k and 10k

For each project: the words of all articles, then the time of one process to find
every mention (no cache) and to locate every citation's quote, per 1,000 words, with
the cycle collector set as a build sets it.
Linear growth shows as a steady time per 1,000 words across sizes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from generator.build import _collector_off
from generator.citations import find_quote
from generator.load import load_site
from generator.mentions import build_matcher, find_mentions
from generator.model import build_model, name_entries, walk_citations


def measure(project: Path) -> str:
    inputs = load_site(project)
    site, _ = build_model(inputs, unknown_names=False)
    assert site is not None
    words = sum(len(b.text.split()) for s in site.sources.values() for b in s.article.blocks)
    kinds = {k: site.kind(k) for k in ("people", "countries", "organizations", "meetings")}
    matcher = build_matcher(name_entries(kinds))
    started = time.perf_counter()
    mentions = sum(len(find_mentions(matcher, s.article)) for s in site.sources.values())
    matching = time.perf_counter() - started
    started = time.perf_counter()
    quotes = 0
    flat: dict[str, Any] = {}  # as the model does: each article's passages normalised once
    for kind in kinds:
        for record in site.kind(kind).values():
            for _loc, cite in walk_citations(record.sheet):
                find_quote(site.sources[cite.source].article, cite.quote, flat)
                quotes += 1
    citing = time.perf_counter() - started
    per_words = matching * 1000 / words * 1000
    per_quote = citing / max(quotes, 1) * 1000
    return (
        f"{project}: {len(site.sources)} articles, {words} words; "
        f"matching {matching:.2f}s ({mentions} mentions, {per_words:.2f} ms per 1,000 words); "
        f"citations {citing:.2f}s ({quotes} quotes, {per_quote:.3f} ms per quote)"
    )


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        # With the cycle collector set as a build sets it: at its default threshold its
        # passes over the whole site, ten times larger at ten times the articles, would
        # be timed as matching.
        with _collector_off():
            print(measure(Path(arg)), flush=True)
