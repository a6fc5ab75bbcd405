"""Rewrite the golden JSON files from what the parser now reads (``make golden``).

Only for a deliberate parser change: run it, read the diff it prints (and ``git diff
crawler/golden``), and keep it only where the new value is what the page really says.
The expected values are otherwise written by hand.

    python scripts/regenerate_golden.py              # rewrite every file that differs
    python scripts/regenerate_golden.py --check      # only report; exit 1 if any differs
    python scripts/regenerate_golden.py bhaskar      # only these sites (or site/name)

An article page's file states every field; a non-article page's file states its
``page_kind`` (and whatever else it already listed). ``url`` and ``fetched_at`` are inputs
and are never touched.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.app import golden


def expected_from(case: golden.GoldenCase) -> dict[str, object]:
    article = case.parse()
    stated = [key for key in golden.FIELDS if key in case.expected]
    keys = golden.FIELDS if article.page_kind == "article" else tuple(stated) or ("page_kind",)
    fresh = {key: case.expected[key] for key in golden.INPUT_KEYS if key in case.expected}
    fresh.update(golden.actual_fields(article, keys))
    return fresh


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="site or site/name to regenerate (default: all)")
    parser.add_argument("--check", action="store_true", help="report differences without writing")
    parser.add_argument("--root", type=Path, default=golden.GOLDEN_DIR, help="golden folder (default: crawler/golden)")
    args = parser.parse_args(argv)
    changed = 0
    for case in golden.cases(args.root):
        if args.only and case.site not in args.only and case.id not in args.only:
            continue
        fresh = expected_from(case)
        if fresh == case.expected:
            continue
        changed += 1
        for key in sorted(set(fresh) | set(case.expected)):
            if fresh.get(key) != case.expected.get(key):
                old = json.dumps(case.expected.get(key), ensure_ascii=False)[:200]
                new = json.dumps(fresh.get(key), ensure_ascii=False)[:200]
                print(f"{case.id}: {key}\n  - {old}\n  + {new}")
        if not args.check:
            case.json_file.write_text(json.dumps(fresh, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    verb = "differ" if args.check else "rewritten"
    print(f"{changed} golden file(s) {verb}", file=sys.stderr)
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
