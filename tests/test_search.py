"""Pagefind search: what is indexed, filters, determinism, and builds without (or with a
broken) binary."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import search
from generator.build import BuildOptions, build_project
from generator.cli import main
from generator.problems import DossierError
from tests.linkcheck import broken_links
from tests.test_build import tree

needs_pagefind = pytest.mark.skipif(
    search.pagefind_binary() is None and os.environ.get("CI", "").lower() != "true",
    reason="Pagefind binary not installed (pip install 'pagefind[bin]')",
)

ENTITY_KINDS = ("meetings", "people", "countries", "organizations", "sources")


@needs_pagefind
def test_every_entity_and_source_page_is_indexed_with_filters(bundled: Path) -> None:
    build_project(bundled, BuildOptions(base_url="https://user.github.io/repo/"))
    site = bundled / "_site"
    entry = json.loads((site / "pagefind/pagefind-entry.json").read_text())
    entity_pages = [p for kind in ENTITY_KINDS for p in (site / kind).glob("*/index.html")]
    assert sum(lang["page_count"] for lang in entry["languages"].values()) == len(entity_pages)
    for page in entity_pages:
        html = page.read_text(encoding="utf-8")
        assert '<main id="main" data-pagefind-body>' in html, page
        assert '<meta data-pagefind-filter="kind[content]"' in html, page
    lavrov = (site / "people/sergey-lavrov/index.html").read_text(encoding="utf-8")
    assert '<meta data-pagefind-filter="kind[content]" content="People">' in lavrov
    assert '<meta data-pagefind-filter="country[content]" content="Russia">' in lavrov
    for other in ("index.html", "timeline/index.html", "people/index.html", "search/index.html"):
        assert "data-pagefind-body" not in (site / other).read_text(encoding="utf-8"), other
    search_page = (site / "search/index.html").read_text(encoding="utf-8")
    assert 'data-bundle="../pagefind/pagefind.js"' in search_page
    assert "search-unavailable" not in search_page
    assert broken_links(site, "/repo/") == []


@needs_pagefind
def test_two_builds_with_search_are_byte_identical(bundled: Path, tmp_path: Path) -> None:
    build_project(bundled, BuildOptions(output=tmp_path / "a"))
    build_project(bundled, BuildOptions(output=tmp_path / "b"))
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert any(k.startswith("pagefind/filter/") for k in a)
    assert a == b


def test_build_without_pagefind_warns_and_says_search_is_unavailable(
    bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "pagefind_binary", lambda: None)
    result = build_project(bundled, BuildOptions(base_url="https://user.github.io/repo/"))
    assert search.MISSING in result.warnings
    site = bundled / "_site"
    assert not (site / "pagefind").exists()
    page = (site / "search/index.html").read_text(encoding="utf-8")
    assert "Search is not available in this copy of the site" in page
    assert "search.js" not in page
    assert 'href="../search/"' in (site / "people/index.html").read_text(encoding="utf-8")
    assert broken_links(site, "/repo/") == []


def test_cli_prints_the_missing_pagefind_warning(
    bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(bundled / "no-such-binary"))
    result = CliRunner().invoke(main, ["-C", str(bundled), "build"])
    assert result.exit_code == 0, result.output
    assert str(search.MISSING) in result.stderr
    assert str(search.MISSING).startswith("search: Pagefind binary not found")
    assert result.stdout.startswith("Built ")


def test_failing_pagefind_fails_the_build_and_keeps_the_previous_site(
    bundled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "pagefind_binary", lambda: None)
    build_project(bundled)
    before = tree(bundled / "_site")
    broken = tmp_path / "pagefind"
    broken.write_text("#!/bin/sh\necho 'index exploded' >&2\nexit 3\n")
    broken.chmod(broken.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(search, "pagefind_binary", lambda: broken)
    with pytest.raises(DossierError) as info:
        build_project(bundled)
    assert str(info.value) == "search: Pagefind failed (exit 3): index exploded"
    assert tree(bundled / "_site") == before
    assert not [p for p in bundled.iterdir() if p.name.startswith("._site")]


def test_cbor_round_trip_and_sorted_filters() -> None:
    value = ["kind", [["People", [3, 1]], ["Countries", [0]], ["Ära", [2]]]]
    assert search._cbor_decode(search._cbor_encode(value))[0] == value
    for n in (0, 23, 24, 255, 256, 65535, 65536, 2**32):
        assert search._cbor_decode(search._cbor_encode(n))[0] == n
    meta = ["1.0", [["en_abc", 10]], [], [["kind", "en_old"]], [], ["title"]]
    files = {
        "pagefind-entry.json": (
            b'{"version":"1.0","languages":{"en":{"hash":"en_meta","page_count":1}}}'
        ),
        "pagefind.en_meta.pf_meta": search._pack(meta),
        "filter/en_old.pf_filter": search._pack(value),
    }
    out = search.canonical_bundle(files)
    entry = json.loads(out["pagefind-entry.json"])
    new_meta = search._unpack(out[f"pagefind.{entry['languages']['en']['hash']}.pf_meta"])
    ((name, new_hash),) = new_meta[3]
    assert name == "kind"
    index = search._unpack(out[f"filter/{new_hash}.pf_filter"])
    assert index == ["kind", [["Countries", [0]], ["People", [1, 3]], ["Ära", [2]]]]
    assert "filter/en_old.pf_filter" not in out
    # Shuffled input, same output.
    shuffled = dict(
        files, **{"filter/en_old.pf_filter": search._pack(["kind", list(reversed(value[1]))])}
    )
    assert search.canonical_bundle(shuffled) == out
