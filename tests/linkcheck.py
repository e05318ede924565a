"""A small link checker for a built site: every internal href/src must resolve."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src") and not (tag == "link" and ("rel", "canonical") in attrs):
                self.links.append(value)
            if name == "id":
                self.ids.add(value)


def _parse(path: Path) -> _Collect:
    parser = _Collect()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def broken_links(site: Path, base_path: str = "/") -> list[str]:
    """Return 'page -> link' for every internal link whose target (or #fragment) is missing."""
    site = site.resolve()
    pages = sorted(site.rglob("*.html"))
    parsed = {p: _parse(p) for p in pages}
    broken = []
    for page, info in parsed.items():
        rel = page.relative_to(site).as_posix()
        page_url = base_path + rel
        for link in info.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc:
                if parts.scheme in ("http", "https", "mailto"):
                    continue
                broken.append(f"{rel} -> {link} (scheme)")
                continue
            url = urljoin(page_url, link)
            path = unquote(urlsplit(url).path)
            if not path.startswith(base_path):
                broken.append(f"{rel} -> {link} (outside {base_path})")
                continue
            target = site / path[len(base_path) :]
            if path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{rel} -> {link} (missing)")
                continue
            fragment = parts.fragment
            if fragment and target.suffix == ".html":
                ids = parsed[target.resolve()].ids if target.resolve() in parsed else set()
                if unquote(fragment) not in ids:
                    broken.append(f"{rel} -> {link} (no #{fragment})")
    return broken
