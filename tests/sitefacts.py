"""Facts read from the sample site's own files (never from the code under test)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from lxml import html as lxml_html

from crawler.app.sample_server import SAMPLE_SITE
from tests.conftest import SEED_SPEC


def article_files(root: Path = SAMPLE_SITE) -> list[Path]:
    """Every canonical article page (not AMP copies) of the site."""
    return sorted(p for p in root.rglob("index.html")
                  if "-b" in p.parent.name and p.parent.name.rsplit("-b", 1)[-1].isdigit()
                  and "amp" not in p.relative_to(root).parts)


def has_body(page: Path) -> bool:
    tree = lxml_html.fromstring(page.read_bytes())
    return bool(tree.cssselect(".story-body p"))


def headline(page: Path) -> str:
    tree = lxml_html.fromstring(page.read_bytes())
    return " ".join(tree.cssselect("h1")[0].text_content().split())


def seed_spec() -> dict:
    return json.loads(SEED_SPEC.read_text(encoding="utf-8"))


def seed_page(root: Path = SAMPLE_SITE) -> Path:
    title = seed_spec()["title"]
    return next(p for p in article_files(root) if headline(p) == title)


def second_urls(root: Path = SAMPLE_SITE) -> int:
    """How many other URLs of stored stories the site links: AMP copies plus distinct tracking links."""
    amp_copies = len(list((root / "amp").rglob("index.html"))) if (root / "amp").is_dir() else 0
    tracked = {m for page in root.rglob("*.html")
               for m in re.findall(r'href="(/[^"]*\?utm_[^"]*)"', page.read_text(encoding="utf-8"))}
    return amp_copies + len(tracked)
