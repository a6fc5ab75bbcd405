"""Pages per second of a distributed crawl: 1, 2 and 4 crawler processes + one writer, beside one plain crawl.

A local 1,000-page Lokmat-like site (the sample site's articles, each made a distinct story with its own URL,
title and paragraph, listed in a news sitemap) is served by its own process on 127.0.0.1. Every row crawls all
of it with the same Scrapy settings (no AutoThrottle, 16 requests at a time per process) into a fresh file:

- baseline: one `scrapy crawl lokmat` that parses, deduplicates, stores and raises alerts itself;
- N crawlers + writer: N `scrapy crawl lokmat -s KHABAR_CLUSTER=redis://...` processes sharing scrapy-redis's
  frontier and one `khabar writer` storing what they hand over, timed from the first start to the last article
  committed;
- the writer alone: the queue filled first, then drained by `khabar writer` (its own ceiling).

Wall times include starting the processes (about 1-2 s each on this machine). Needs redis-server.
Run: python benchmarks/bench_cluster.py [PAGES]
"""

from __future__ import annotations

import html
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "crawler" / "sample_site" / "lokmat"
ORIGIN = "https://www.lokmatnews.in"
SETTINGS = ("-s", "AUTOTHROTTLE_ENABLED=false", "-s", "CONCURRENT_REQUESTS=16", "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "LOG_LEVEL=WARNING", "-s", "KHABAR_NOTIFY_AT_CLOSE=false")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def templates() -> list[tuple[str, str]]:
    """(real path, html) of the sample site's article pages with a body."""
    found = []
    for file in sorted(SAMPLE.rglob("index.html")):
        rel = file.parent.relative_to(SAMPLE).as_posix()
        text = file.read_text(encoding="utf-8")
        if re.search(r"-b\d+$", rel) and not rel.startswith("amp/") and '<div class="story-body">' in text:
            found.append((f"/{rel}/", text))
    return found


def build_site(root: Path, pages: int) -> None:
    """``pages`` distinct stories at their own URLs, listed in /news-sitemap.xml; a home page with no links."""
    rng = random.Random(17)
    sources = templates()
    words = re.findall(r"[\u0900-\u097F]+", " ".join(text for _, text in sources))
    entries = []
    for number in range(pages):
        path, text = sources[number % len(sources)]
        new_path = f"/india/bench-story-{number}-b{3_000_000 + number}/"
        title = re.search(r'<h1 class="story-title">(.*?)</h1>', text).group(1)  # type: ignore[union-attr]
        unique = " ".join(rng.choice(words) for _ in range(60))
        page = (text.replace(path, new_path).replace(title, f"{title} ({number})")
                .replace('<div class="story-body">', f'<div class="story-body"><p>{unique}।</p>', 1))
        target = root / new_path.strip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        entries.append(f"<url><loc>{ORIGIN}{new_path}</loc><news:news><news:title>{html.escape(title)} ({number})"
                       "</news:title></news:news></url>")
    (root / "news-sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + "\n".join(entries) + "\n</urlset>\n",
        encoding="utf-8")
    (root / "index.html").write_text("<html><body><h1>bench</h1></body></html>", encoding="utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    shutil.copy(SAMPLE / "404.html", root / "404.html")


def env(work: Path, db: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KHABAR_")}
    return base | {"KHABAR_CONFIG": str(work / "khabar.toml"), "KHABAR_DB": str(work / db)}


def scrapy(work: Path, site: str, db: str, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "lokmat", "-a", f"base_url={site}", *SETTINGS,
                             *extra], cwd=REPO, env=env(work, db), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def writer(work: Path, cluster: str, db: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "crawler", "writer", "--cluster", cluster, "--db", str(work / db)],
                            cwd=work, env=env(work, db), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def drained(client: Any) -> bool:
    """Nothing waiting and nothing claimed: every pushed article is committed (polled every 50 ms, in-process)."""
    time.sleep(0.05)
    return int(client.llen("khabar:items")) + int(client.llen("khabar:items:processing")) == 0


def stop_writer(process: subprocess.Popen[bytes]) -> None:
    process.terminate()  # it finishes the batch in hand (there is none) and exits
    wait(process)


def wait(process: subprocess.Popen[bytes]) -> None:
    _, err = process.communicate(timeout=1800)
    if process.returncode != 0:
        raise RuntimeError(f"{process.args} failed ({process.returncode}): {err.decode()[-1500:]}")


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1000
    if hasattr(os, "sched_setaffinity"):
        # Every core for the processes started here, whatever an earlier benchmark of `make bench` pinned.
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    program = shutil.which("redis-server")
    if not program:
        print("bench_cluster: redis-server is not installed (apt-get install redis-server); skipped")
        return
    with tempfile.TemporaryDirectory(prefix="khabar-bench-cluster-") as tmp:
        work = Path(tmp)
        shutil.copy(REPO / "khabar.toml", work / "khabar.toml")
        build_site(work / "site", pages)
        port, redis_port = free_port(), free_port()
        server = subprocess.Popen([sys.executable, "-m", "crawler.app.sample_server", str(port), str(work / "site")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        redis_process = subprocess.Popen([program, "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "",
                                          "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)
        site, cluster = f"http://127.0.0.1:{port}", f"redis://127.0.0.1:{redis_port}/0"
        time.sleep(1.0)
        import redis

        client = redis.Redis.from_url(cluster)
        rows = []
        try:
            started = time.perf_counter()
            wait(scrapy(work, site, "single.db"))
            wall = time.perf_counter() - started
            stored = count(work / "single.db", "SELECT count(*) FROM articles")
            rows.append(("one `scrapy crawl` (baseline)", wall, stored))
            for crawlers in (1, 2, 4):
                db = f"cluster{crawlers}.db"
                client.flushall()
                started = time.perf_counter()
                drain = writer(work, cluster, db)
                processes = [scrapy(work, site, db, "-s", f"KHABAR_CLUSTER={cluster}") for _ in range(crawlers)]
                for process in processes:
                    wait(process)
                while not drained(client):
                    pass
                wall = time.perf_counter() - started
                stop_writer(drain)
                rows.append((f"{crawlers} crawler{'s' * (crawlers > 1)} + writer", wall,
                             count(work / db, "SELECT count(*) FROM articles")))
            # The writer alone: fill the queue with two crawlers first, then time the drain from the moment the
            # writer holds the cluster (its start-up left out) to the last commit.
            client.flushall()
            fillers = [scrapy(work, site, "alone.db", "-s", f"KHABAR_CLUSTER={cluster}") for _ in range(2)]
            for process in fillers:
                wait(process)
            drain = writer(work, cluster, "alone.db")
            while not client.exists("khabar:writer"):
                time.sleep(0.005)
            started = time.perf_counter()
            while not drained(client):
                pass
            wall = time.perf_counter() - started
            stop_writer(drain)
            alone = count(work / "alone.db", "SELECT count(*) FROM articles")
        finally:
            for process in (server, redis_process):
                process.terminate()
                process.wait(10)
    print(f"{pages} article pages of a local site on 127.0.0.1 (plus a sitemap, robots.txt and a home page)\n")
    print(f"{'':32} {'wall s':>7} {'pages/s':>8} {'articles stored':>16}")
    for name, seconds, stored in rows:
        print(f"{name:32} {seconds:7.1f} {pages / seconds:8.0f} {stored:16}")
    print(f"{'writer alone, queue pre-filled':32} {wall:7.1f} {alone / wall:8.0f} {alone:16}  (articles/s)")


if __name__ == "__main__":
    main()
