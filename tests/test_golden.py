"""Golden pages: every site's saved pages parse into the fields written by hand beside them.

``crawler/golden/<site>/<name>.html`` is a page in that site's markup (with the broken JSON-LD,
wrong charsets and boilerplate real sites serve); ``<name>.json`` holds what the page says,
written by hand. A failure lists every field that differs. After a deliberate parser change,
``make golden`` rewrites the JSON (review the diff before committing it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.app import golden
from crawler.components.site import SiteSpider
from crawler.components.sites import site_class, site_names
from tests.conftest import REPO

CASES = golden.cases()
ARTICLES = [case for case in CASES if case.expected.get("page_kind") == "article"]
SITES = site_names()
SPIDERS = Path(__file__).resolve().parent.parent / "spiders"


def _site_class(site: str) -> type[SiteSpider]:
    return site_class(site)


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)[:3000]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_page_parses_into_its_expected_fields(case: golden.GoldenCase) -> None:
    differences = golden.differences(case, case.parse())
    report = "\n".join(f"{field}:\n  expected {_show(want)}\n  actual   {_show(got)}"
                       for field, (want, got) in differences.items())
    assert not differences, f"{case.id} differs from {case.json_file.name}:\n{report}"


@pytest.mark.parametrize("case", ARTICLES, ids=[case.id for case in ARTICLES])
def test_article_json_states_every_field(case: golden.GoldenCase) -> None:
    missing = [field for field in (*golden.INPUT_KEYS, *golden.FIELDS) if field not in case.expected]
    assert not missing, f"{case.json_file} does not state {missing}"


@pytest.mark.parametrize("site", SITES)
def test_every_site_has_a_golden_article(site: str) -> None:
    assert any(case.site == site for case in ARTICLES), f"no golden article page for {site}"


def test_non_article_pages_are_covered() -> None:
    kinds = {case.expected.get("page_kind") for case in CASES}
    assert {"challenge", "consent", "video", "gallery", "liveblog"} <= kinds


def test_the_pages_really_carry_the_breakage_they_test() -> None:
    """Guard the fixtures themselves: broken JSON-LD, no JSON-LD, microdata only, a lying charset."""
    broken, without, microdata_only, lying_charset = 0, 0, 0, 0
    for case in ARTICLES:
        raw = case.html_file.read_bytes()
        text = raw.decode("utf-8")
        scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.DOTALL)
        broken += any(not _is_json(script) for script in scripts)
        without += not scripts
        microdata_only += not scripts and "itemprop=\"headline\"" in text
        lying_charset += b'charset="windows-1252"' in raw
    assert broken >= 7 and without >= 2 and microdata_only >= 1 and lying_charset >= 1


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("case", ARTICLES, ids=[case.id for case in ARTICLES])
def test_site_class_takes_its_article_urls_for_articles(case: golden.GoldenCase) -> None:
    spider = _site_class(case.site)
    for url in filter(None, (case.expected["url"], case.expected["canonical_url"], case.expected["amp_url"])):
        assert re.search(spider.article_path, urlsplit(url).path), f"{spider.name} does not see {url} as an article"
    if spider.listing_path:
        assert not re.search(spider.listing_path, urlsplit(case.expected["canonical_url"]).path)


@pytest.mark.parametrize("site", SITES)
def test_site_class_is_small_and_declares_its_discovery(site: str) -> None:
    spider = _site_class(site)
    lines = (SPIDERS / f"{site}.py").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 80
    assert spider.origin.startswith("https://") and spider.sitemaps and spider.feeds
    assert all(path.startswith("/") for path in (*spider.sitemaps, *spider.feeds, *spider.start_paths))


def test_regenerate_script_rewrites_only_what_differs(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    site = tmp_path / "zeenews"
    shutil.copytree(golden.GOLDEN_DIR / "zeenews", site)
    target = site / "weather-heavy-rain-alert.json"
    original = target.read_text(encoding="utf-8")
    edited = json.loads(original)
    edited["title"] = "गलत शीर्षक"
    target.write_text(json.dumps(edited, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    untouched = (site / "consent-wall.json").stat().st_mtime_ns
    script = [sys.executable, str(REPO / "scripts" / "regenerate_golden.py"),
              "--root", str(tmp_path)]
    check = subprocess.run([*script, "--check"], capture_output=True, text=True, timeout=60)
    assert check.returncode == 1 and "title" in check.stdout and "गलत शीर्षक" in check.stdout
    assert json.loads(target.read_text(encoding="utf-8"))["title"] == "गलत शीर्षक"
    subprocess.run(script, capture_output=True, text=True, timeout=60, check=True)
    assert target.read_text(encoding="utf-8") == original
    assert (site / "consent-wall.json").stat().st_mtime_ns == untouched
