"""Exit statuses cron and systemd can trust, from real `khabar crawl` processes (crawler/app/exit_codes.py):
0 healthy, 4 unhealthy (an unreachable site), 5 refused, 130 stopped by Ctrl-C / SIGTERM, which stops fetching
at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from crawler.store.runs import SpiderLock
from tests.conftest import khabar_env, rows, run_khabar

pytestmark = pytest.mark.e2e

ARTICLES = 120
ARTICLE_SECONDS = 0.4  # each article page answers this slowly, so a crawl is still busy when stopped


class SlowSite:
    """A Lokmat-like site on 127.0.0.1 whose home page lists many stories and whose article pages are slow;
    it records when each request arrived."""

    def __init__(self, delay: float = ARTICLE_SECONDS) -> None:
        self.arrivals: list[tuple[float, str]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                site.arrivals.append((time.monotonic(), self.path))
                if self.path == "/":
                    links = "".join(f'<li><a href="/international/story-{n}-b{1000 + n}/">कहानी {n}</a></li>'
                                    for n in range(ARTICLES))
                    self._send(200, f"<html><body><ul>{links}</ul></body></html>")
                elif "/international/story-" in self.path:
                    time.sleep(delay)
                    self._send(200, "<html><head><title>कहानी</title></head><body><h1 class='story-title'>कहानी"
                                    "</h1><div class='story-body'><p>" + "यूक्रेन में बातचीत जारी है। " * 20
                                    + "</p></div></body></html>")
                else:
                    self._send(404, "not found")

            def _send(self, status: int, text: str) -> None:
                body = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def articles_fetched(self, before: float = float("inf")) -> int:
        return sum(1 for moment, path in list(self.arrivals) if "/story-" in path and moment < before)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def slow_site() -> SlowSite:
    site = SlowSite()
    yield site
    site.close()


def start_crawl(work: Path, site_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "crawler", "crawl", "lokmat", "-a", f"base_url={site_url}",
                             "--progress", "off"], cwd=work, env=khabar_env(work), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_until(condition, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def last_run(work: Path) -> dict:
    return dict(rows(work / "khabar.db", "SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0])


def test_ctrl_c_stops_fetching_at_once_and_exits_130(workdir: Path, slow_site: SlowSite) -> None:
    crawl = start_crawl(workdir, slow_site.url)
    try:
        wait_until(lambda: slow_site.articles_fetched() >= 3)
        crawl.send_signal(signal.SIGINT)
        stopped_at = time.monotonic()
        out, err = crawl.communicate(timeout=60)
    finally:
        if crawl.poll() is None:
            crawl.kill()
    took = time.monotonic() - stopped_at
    assert crawl.returncode == 130, err[-3000:]
    assert "stopping, press again to force" in err
    assert "exit status 130: stopped by Ctrl-C or SIGTERM" in err
    assert "Traceback" not in err
    # Requests already on the wire finish; none starts after the signal (Scrapy's default went on for seconds).
    started_after = slow_site.articles_fetched() - slow_site.articles_fetched(before=stopped_at + 0.2)
    assert started_after == 0, slow_site.arrivals[-10:]
    assert took < ARTICLE_SECONDS * 4 + 5
    assert slow_site.articles_fetched() < ARTICLES
    run = last_run(workdir)
    assert (run["status"], run["finish_reason"], run["health_status"]) == ("stopped", "shutdown", "not judged")
    assert "stopped before the end (shutdown)" in out and "left unfetched" in out


def test_sigterm_twice_forces_the_stop(workdir: Path) -> None:
    site = SlowSite(delay=20)  # pages in flight would hold a graceful stop for 20 s
    crawl = start_crawl(workdir, site.url)
    try:
        wait_until(lambda: site.articles_fetched() >= 2)
        crawl.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        crawl.send_signal(signal.SIGTERM)
        _, err = crawl.communicate(timeout=15)
    finally:
        if crawl.poll() is None:
            crawl.kill()
        site.close()
    assert crawl.returncode == 130, err[-3000:]
    assert "stopping, press again to force" in err and "forcing stop" in err


def test_an_unreachable_site_is_unhealthy_exit_4(workdir: Path) -> None:
    with SampleSite() as site:
        closed = site.url  # the port is free again once this server stops
    result = run_khabar(workdir, "crawl", "lokmat", "-a", f"base_url={closed}", "-s", "RETRY_TIMES=0",
                        "--progress", "off")
    assert result.returncode == 4, result.stderr[-3000:]
    assert "exit status 4: finished, crawl health ALERT" in result.stderr
    assert "Traceback" not in result.stderr
    run = last_run(workdir)
    assert (run["status"], run["health_status"], run["pages"]) == ("finished", "alert", 0)
    assert run["errors"] > 0


def test_a_healthy_crawl_exits_0_and_a_refused_one_5(workdir: Path, sample_site: SampleSite) -> None:
    healthy = run_khabar(workdir, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", "--progress", "off")
    assert healthy.returncode == 0, healthy.stderr[-3000:]
    assert " in " in healthy.stdout.splitlines()[0]  # the summary says how long it took
    lock = SpiderLock.for_db(workdir / "khabar.db", "lokmat")
    assert lock.acquire()
    try:
        refused = run_khabar(workdir, "crawl", "lokmat", "-a", f"base_url={sample_site.url}")
    finally:
        lock.release()
    assert refused.returncode == 5, refused.stderr
    assert "already being crawled" in refused.stderr and "Traceback" not in refused.stderr
