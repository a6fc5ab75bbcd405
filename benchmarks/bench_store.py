"""Insert + dedup rate of the storage layer, and what a second crawl of an unchanged site fetches again.

Part 1 pushes N synthetic Hindi articles (default 100,000) through the real DedupPipeline and
StorePipeline (content fingerprint, URL-key lookups, near-duplicate story assignment with MinHash/LSH,
the full-text index, aliases, batched transactions) into a fresh SQLite file. The mix: 90 % new
stories, 4 % the same story under a tracking / AMP / mobile URL, 3 % a light rewrite of an earlier
story on another site, 3 % an edit of an earlier story. It reports the per-article cost in each
stretch (up to 1,000 rows, 1,000-10,000, 10,000-N) to show it stays flat, and the peak memory.
Baseline, same run: the same rows inserted with plain sqlite-utils, one commit per article, no dedup
and no index (what a naive store does), on the first 5,000 articles.

Part 2 crawls the bundled sample site twice with real `scrapy crawl` processes and counts, on the
server, the article pages downloaded again by the second crawl: with the default re-check window (all
articles are recent, so they are re-checked with conditional requests) and with ``-a recheck=0s``.

Run: python benchmarks/bench_store.py [N]      (about 35 s for N = 100,000 on one core of a laptop)
"""

from __future__ import annotations

import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from itertools import islice, pairwise
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import sqlite_utils  # noqa: E402
from scrapy.utils.test import get_crawler  # noqa: E402

import crawler.settings as khabar_settings  # noqa: E402
from crawler.components.addon import KhabarAddon  # noqa: E402
from crawler.items import Article  # noqa: E402
from crawler.store.stories import signature  # noqa: E402
from crawler.text.urls import canonical_url  # noqa: E402
from pipelines.commit import CommitPipeline  # noqa: E402
from pipelines.dedup import DedupPipeline  # noqa: E402
from pipelines.store import StorePipeline  # noqa: E402

CHECKPOINTS = (1_000, 10_000)
BASELINE_ROWS = 5_000
CHUNK = 100  # articles generated (untimed) at a time
RECENT = 2_000  # earlier stories an alias, rewrite or edit is drawn from
WORDS = (
    "रूस यूक्रेन युद्ध सेना हमला मिसाइल ड्रोन राष्ट्रपति प्रधानमंत्री सरकार संसद चुनाव मतदान पार्टी नेता बयान "
    "अदालत सुनवाई फैसला पुलिस गिरफ्तार आरोपी जांच मामला शहर गांव किसान फसल बारिश मानसून मौसम विभाग अलर्ट "
    "बाजार शेयर सेंसेक्स निफ्टी रुपया डॉलर महंगाई बैंक रेपो दर क्रिकेट टीम मैच जीत हार कप्तान विकेट रन शतक "
    "अस्पताल मरीज डॉक्टर इलाज स्कूल छात्र परीक्षा परिणाम सड़क हादसा मौत घायल राहत बचाव अभियान समझौता बैठक "
    "विदेश मंत्री दौरा सहयोग व्यापार निवेश उद्योग कंपनी रोजगार योजना घोषणा बजट करोड़ लाख प्रतिशत बढ़ोतरी गिरावट"
).split()
GLUE = "ने को की के में से पर और कि है हैं था थे गया गई किया कहा बताया लेकिन भी अब तक".split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) if i % 2 == 0 else rng.choice(GLUE) for i in range(rng.randint(10, 18))]
    return " ".join(words) + "।"


def synthetic(count: int, seed: int = 7) -> Iterator[Article]:
    """``count`` articles, made one at a time (the input must not be what fills the memory): mostly new
    stories, some alias URLs, light rewrites on another site, and edits of recent stories. Earlier stories are
    remembered as plain (url, title, body, site) tuples, not as the articles handed to the pipelines: a crawl
    lets go of an item once it is stored, and so must the benchmark, or it measures the garbage collector
    walking 2,000 articles' worth of tokens."""
    rng = random.Random(seed)
    recent: deque[tuple[str, str, tuple[str, ...], str]] = deque(maxlen=RECENT)
    for number in range(count):
        roll = rng.random()
        if recent and roll < 0.04:  # the same story under another URL form
            url, title, body, site = rng.choice(recent)
            form = rng.choice(["?utm_source=whatsapp", "mobile", "?fbclid=x1"])
            url = url.replace("https://www.", "https://m.") if form == "mobile" else url + form
        elif recent and roll < 0.07:  # a light rewrite of an earlier story on another site
            _, title, body, _ = rng.choice(recent)
            url, title, site = f"https://www.othersite.in/news/copy-{number}", title + " (एजेंसी)", "othersite"
            body = (*body[:-1], body[-1] + " " + sentence(rng))
        elif recent and roll < 0.10:  # an edit of an earlier story (same URL, one more paragraph)
            url, title, body, site = rng.choice(recent)
            body = (*body, sentence(rng))
        else:
            section = rng.choice(["india", "international", "business", "cricket", "politics"])
            body = tuple(" ".join(sentence(rng) for _ in range(3)) + f" {number}" for _ in range(4))
            url, site = f"https://www.lokmatnews.in/{section}/story-{number}-b{1000000 + number}/", "lokmat"
            title = " ".join(rng.choice(WORDS) for _ in range(8)) + f" {number}"
        recent.append((url, title, body, site))
        yield _article(url, title, list(body), site)


def _article(url: str, title: str, body: list[str], site: str) -> Article:
    return Article(url=url, canonical_url=canonical_url(url), site=site, fetched_at="2024-06-01T00:00:00Z",
                   title=title, body=list(body), published_at="2024-06-01T10:00:00+05:30", tags=["खबर"])


def pipelines(folder: Path) -> tuple[Any, DedupPipeline, StorePipeline, CommitPipeline]:
    config = folder / "khabar.toml"
    config.write_text('[storage]\ndb = "bench.db"\n', encoding="utf-8")
    settings = {name: getattr(khabar_settings, name) for name in dir(khabar_settings) if name.isupper()}
    settings.update(KHABAR_CONFIG=str(config), KHABAR_DB=str(folder / "bench.db"), KHABAR_KEEP_HTML=False)
    crawler = get_crawler(settings_dict=settings)
    dedup, store = DedupPipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
    KhabarAddon.of(crawler).store.commit()  # opens the database before the clock starts
    return crawler, dedup, store, CommitPipeline.from_crawler(crawler)


def run_pipeline(count: int, folder: Path) -> dict[str, Any]:
    crawler, dedup, store, commit = pipelines(folder)
    marks = [0, *[c for c in CHECKPOINTS if c < count], count]
    stretches = []
    articles = synthetic(count)
    # One-off: making the MinHash permutations on first use. Counted in the total, not in the first stretch.
    started, cpu_started = time.perf_counter(), time.process_time()
    signature("रूस यूक्रेन")
    warm_up = time.perf_counter() - started
    wall_total, cpu_total = warm_up, time.process_time() - cpu_started
    for low, high in pairwise(marks):
        wall = cpu = 0.0
        for done in range(low, high, CHUNK):
            # Made outside the clock (the generator costs about a third of what the pipeline does), a chunk at a
            # time so that the input never fills the memory.
            chunk = list(islice(articles, min(CHUNK, high - done)))
            begin, cpu_begin = time.perf_counter(), time.process_time()
            for item in chunk:
                commit.process_item(store.process_item(dedup.process_item(item)))  # a crawl commits batches there
            wall += time.perf_counter() - begin
            cpu += time.process_time() - cpu_begin
        stretches.append({"rows": f"{low:,}-{high:,}", "us_per_article": wall / (high - low) * 1e6,
                          "cpu_us_per_article": cpu / (high - low) * 1e6})
        wall_total, cpu_total = wall_total + wall, cpu_total + cpu
    begin, cpu_begin = time.perf_counter(), time.process_time()
    KhabarAddon.of(crawler).store.commit()
    total = wall_total + time.perf_counter() - begin
    cpu_total += time.process_time() - cpu_begin
    stats = crawler.stats.get_stats()  # type: ignore[union-attr]
    db = KhabarAddon.of(crawler).store.db
    counts = {"articles": db["articles"].count, "revisions": db["article_revisions"].count,
              "stories": db.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone()[0]}
    KhabarAddon.of(crawler).store.close()
    return {"seconds": total, "per_second": count / total, "cpu_per_second": count / cpu_total, "warm_up_s": warm_up,
            "stretches": stretches, "counts": counts,
            "dispositions": {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("khabar/articles/")},
            "file_mb": (folder / "bench.db").stat().st_size / 1e6}


def run_baseline(count: int, folder: Path) -> dict[str, Any]:
    """sqlite-utils, one insert and one commit per article, no dedup, no full-text index."""
    db = sqlite_utils.Database(folder / "baseline.db")
    db.conn.isolation_level = None
    db.enable_wal()
    table = db["articles"]
    articles = list(synthetic(count))
    begin = time.perf_counter()
    for item in articles:
        table.insert({"url": item.url, "site": item.site, "title": item.title, "body": item.body_text,
                      "published_at": item.published_at})
    elapsed = time.perf_counter() - begin
    db.close()
    return {"rows": len(articles), "seconds": elapsed, "per_second": len(articles) / elapsed}


ARTICLE_PATH = re.compile(r"-b\d+/?$")


def refetch_on_second_crawl() -> dict[str, Any]:
    """Crawl the sample site three times into one file; count article pages the server sends in full again."""
    from crawler.app.sample_server import SAMPLE_SITE, SampleSite

    log: list[tuple[str, int]] = []
    with tempfile.TemporaryDirectory() as tmp, SampleSite(SAMPLE_SITE) as site:
        original = site.httpd.RequestHandlerClass.send_response

        def record(handler: Any, code: int, message: str | None = None) -> None:
            log.append((handler.path.split("?")[0], code))
            original(handler, code, message)

        site.httpd.RequestHandlerClass.send_response = record  # type: ignore[method-assign]
        env = {"KHABAR_DB": str(Path(tmp) / "k.db"), "KHABAR_CONFIG": str(REPO / "khabar.toml"),
               "PATH": "/usr/bin:/bin"}
        counts = []
        for args in ((), (), ("-a", "recheck=0s")):
            start = len(log)
            subprocess.run([sys.executable, "-m", "scrapy", "crawl", "lokmat", "-a", f"base_url={site.url}", *args,
                            "-s", "LOG_LEVEL=ERROR"], cwd=REPO, env=env, check=True, capture_output=True)
            articles = [code for path, code in log[start:] if ARTICLE_PATH.search(path)]
            counts.append({"requests": len(articles), "full": articles.count(200), "not_modified": articles.count(304)})
    return {"first": counts[0], "second_default_window": counts[1], "second_recheck_0s": counts[2]}


def main(count: int = 100_000) -> dict[str, Any]:
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sample = list(synthetic(1000))
    body_bytes = sum(len(a.body_text.encode()) for a in sample) / len(sample)
    folder = Path(tempfile.mkdtemp(prefix="bench_store_"))
    try:
        khabar = run_pipeline(count, folder)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the baseline's list of rows
        baseline = run_baseline(min(count, BASELINE_ROWS), folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    figures = {"articles": count, "avg_body_bytes": round(body_bytes), "khabar": khabar, "baseline": baseline,
               "peak_rss_mb": round(peak), "rss_after_imports_mb": round(rss_start),
               "refetch": refetch_on_second_crawl()}
    _print(figures)
    return figures


def _print(f: dict[str, Any]) -> None:
    k, b = f["khabar"], f["baseline"]
    print(f"{f['articles']:,} synthetic Hindi articles, {f['avg_body_bytes']:,} bytes of body on average\n")
    print(f"{'store':<58} {'articles/s':>11} {'seconds':>8}")
    label = "Khabar dedup + store (stories, FTS, aliases, batched)"
    print(f"{label:<58} {k['per_second']:>11,.0f} {k['seconds']:>8.1f}   ({k['cpu_per_second']:,.0f}/s of CPU time)")
    label = f"baseline: sqlite-utils insert, commit each, no dedup ({b['rows']:,})"
    print(f"{label:<58} {b['per_second']:>11,.0f} {b['seconds']:>8.1f}")
    print(f"(Khabar's seconds include {k['warm_up_s']:.2f} s of one-off start-up: the MinHash permutations)")
    print("\nper-article cost by rows already stored (wall / CPU):")
    for stretch in k["stretches"]:
        wall, cpu = stretch["us_per_article"], stretch["cpu_us_per_article"]
        print(f"  {stretch['rows']:>16} rows  {wall:>7.0f} µs / {cpu:>5.0f} µs")
    print(f"\noutcomes: {k['dispositions']}  ->  {k['counts']}, file {k['file_mb']:.0f} MB")
    print(f"peak RSS {f['peak_rss_mb']} MB (after imports {f['rss_after_imports_mb']} MB)")
    r = f["refetch"]
    print("\narticle pages on the unchanged sample site (requests / sent in full / 304):")
    for name, label in (("first", "first crawl"), ("second_default_window", "second crawl, default 6 h window"),
                        ("second_recheck_0s", "third crawl, -a recheck=0s")):
        row = r[name]
        print(f"  {label:<36} {row['requests']:>4} / {row['full']:>4} / {row['not_modified']:>4}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
