"""Golden pages: saved pages of each site with the fields a parser must read from them.

``crawler/golden/<site>/<name>.html`` is a page in that site's markup; ``<name>.json`` beside
it holds the URL it was fetched under (``url``), when (``fetched_at``, the parser's "now"
for plausible dates) and the expected fields, written by hand from what the page says.
The golden tests, ``scripts/regenerate_golden.py``, ``khabar coverage`` and
``benchmarks/bench_extract.py`` all read them through this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.components.sites import site_fields
from crawler.extract.fields import build_article
from crawler.items import Article, Page
from crawler.text.cleaning import decode_html

# Inside the package, so an installed `khabar coverage` has them too.
GOLDEN_DIR = Path(__file__).resolve().parents[1] / "golden"
INPUT_KEYS = ("url", "fetched_at")
# The Article attributes a golden JSON may state, in the order the files list them.
FIELDS = ("page_kind", "canonical_url", "amp_url", "title", "authors", "published_at", "updated_at", "section",
          "summary", "highlights", "dateline", "body", "tags", "related", "more_from_section", "image_url",
          "language")


@dataclass(frozen=True)
class GoldenCase:
    site: str
    name: str
    html_file: Path
    expected: dict[str, Any]

    @property
    def json_file(self) -> Path:
        return self.html_file.with_suffix(".json")

    @property
    def id(self) -> str:
        return f"{self.site}/{self.name}"

    def page(self) -> Page:
        """The page as a spider would hand it over: bytes decoded by their real encoding (the
        ``<meta charset>`` may lie)."""
        html = decode_html(self.html_file.read_bytes(), None)
        return Page(url=self.expected["url"], html=html, site=self.site, fetched_at=self.expected["fetched_at"])

    def parse(self) -> Article:
        return build_article(self.page(), site_fields(self.site))


def cases(root: Path = GOLDEN_DIR) -> list[GoldenCase]:
    """Every golden page under ``root``, sorted by site and name."""
    found = []
    for html_file in sorted(root.glob("*/*.html")):
        json_file = html_file.with_suffix(".json")
        expected = json.loads(json_file.read_text(encoding="utf-8")) if json_file.is_file() else {}
        found.append(GoldenCase(html_file.parent.name, html_file.stem, html_file, expected))
    return found


def actual_fields(article: Article, keys: tuple[str, ...] = FIELDS) -> dict[str, Any]:
    return {key: getattr(article, key) for key in keys}


def differences(case: GoldenCase, article: Article) -> dict[str, tuple[Any, Any]]:
    """Field -> (expected, actual) for every stated field the parser got wrong."""
    return {key: (value, getattr(article, key)) for key, value in case.expected.items()
            if key not in INPUT_KEYS and getattr(article, key) != value}
