"""Field coverage per site: the share of a site's pages with each field filled.

Two sources: the golden pages (``crawler/golden``), parsed by the current parser, which
shows what the extractor reads from each site's markup; and, given a database, the
articles stored there, which shows what real crawls got. ``khabar coverage`` prints both.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

from crawler.app import golden

FIELDS = ("title", "authors", "published_at", "updated_at", "section", "summary", "highlights", "dateline", "body",
          "tags", "related", "more_from_section", "image_url")
# Column headers short enough for a terminal.
SHORT = {"published_at": "published", "updated_at": "updated", "highlights": "highl.", "more_from_section": "more",
         "image_url": "image"}
Coverage = dict[str, dict[str, Any]]


def _filled(value: Any) -> bool:
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                return bool(json.loads(stripped))
            except ValueError:
                return True
        return bool(stripped)
    return bool(value)


def _shares(rows_by_site: dict[str, list[dict[str, Any]]]) -> Coverage:
    table: Coverage = {}
    for site in sorted(rows_by_site):
        rows = rows_by_site[site]
        table[site] = {"pages": len(rows)}
        for field in FIELDS:
            table[site][field] = sum(_filled(row.get(field)) for row in rows) / len(rows) if rows else 0.0
    return table


def golden_coverage(root: Path = golden.GOLDEN_DIR) -> Coverage:
    """Coverage over each site's golden article pages, as the current parser reads them."""
    by_site: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in golden.cases(root):
        if case.expected.get("page_kind", "article") != "article":
            continue
        by_site[case.site].append(golden.actual_fields(case.parse(), FIELDS))
    return _shares(by_site)


def stored_coverage(db_path: str | Path) -> Coverage:
    """Coverage over the articles stored in a Khabar database, per site."""
    conn = sqlite3.connect(Path(db_path).resolve().as_uri() + "?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
        wanted = ["site", *(field for field in FIELDS if field in columns)]
        rows = conn.execute(f"SELECT {', '.join(wanted)} FROM articles").fetchall()
    finally:
        conn.close()
    by_site: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_site[row["site"]].append(dict(row))
    return _shares(by_site)


def table_rows(coverage: Coverage) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows for printing: the site, its page count, then each field as a percentage."""
    headers = ["site", "pages", *(SHORT.get(field, field) for field in FIELDS)]
    rows = [[site, values["pages"], *(f"{round(100 * values[field])}" for field in FIELDS)]
            for site, values in coverage.items()]
    if coverage:
        pages = sum(values["pages"] for values in coverage.values())
        rows.append(["all", pages, *(f"{round(100 * sum(v[f] * v['pages'] for v in coverage.values()) / pages)}"
                                     for f in FIELDS)])
    return headers, rows


def format_table(coverage: Coverage) -> str:
    from tabulate import tabulate

    headers, rows = table_rows(coverage)
    return tabulate(rows, headers=headers, disable_numparse=True, stralign="right")


class CoverageError(Exception):
    """A coverage source that cannot be read, phrased for the user."""


def report(golden_root: Path | None = None, db_path: str | Path | None = None) -> dict[str, Coverage]:
    """``{"golden": ..., "stored": ...}``: golden pages always (when present), stored articles given a database."""
    root = golden_root or golden.GOLDEN_DIR
    result: dict[str, Coverage] = {}
    if root.is_dir() and any(root.glob("*/*.html")):
        result["golden"] = golden_coverage(root)
    elif golden_root is not None or db_path is None:
        raise CoverageError(f"no golden pages under {root}: pass --golden PATH, or --db PATH for stored articles")
    if db_path is not None:
        if not Path(db_path).is_file():
            raise CoverageError(f"no database at {db_path}: run `khabar crawl SPIDER` first")
        try:
            result["stored"] = stored_coverage(db_path)
        except sqlite3.DatabaseError as error:
            raise CoverageError(f"cannot read articles from {db_path}: {error}") from None
    return result
