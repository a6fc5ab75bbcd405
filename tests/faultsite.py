"""A fault-injecting news site on 127.0.0.1, for the fault suite (tests/test_faults_e2e.py).

Every path is one fault a real site (or an attacker) can serve: a gzip bomb, a page larger than any
article, a redirect loop, an endless chain of sitemap indexes, a malformed feed, HTML nested past
lxml's depth limit, a robots-disallowed page, 503/429 answers with Retry-After, control characters
in a title, XXE and billion-laughs sitemaps, a connection cut mid-body ... beside ordinary articles
(``/story/<n>``), so each test can check that the good pages survive the bad ones. Loopback only;
every loop on the server side is bounded (at most ``MAX_STREAM`` bytes streamed, ``MAX_CHAIN`` links
of a chain), and every request is logged with its time (``FaultSite.log``).

The Hindi text is written here for the tests; no page of a real site is copied.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_STREAM = 60 * 1024 * 1024  # the most any streamed answer sends, whatever the client does
MAX_CHAIN = 1000  # the chain of sitemap indexes ends here at the latest (the crawler must stop long before)

SENTENCES = [
    "रूस और यूक्रेन के बीच युद्ध के चलते सीमा के पास के गांवों में रहने वाले लोग सुरक्षित स्थानों की ओर जा रहे हैं।",
    "सरकार ने कहा कि राहत सामग्री की पहली खेप आज शाम तक प्रभावित इलाकों में पहुंच जाएगी।",
    "स्थानीय प्रशासन के अनुसार बिजली और पानी की आपूर्ति को बहाल करने का काम तेजी से चल रहा है।",
    "विशेषज्ञों का मानना है कि आने वाले हफ्तों में हालात सामान्य होने में समय लग सकता है।",
    "अधिकारियों ने नागरिकों से अपील की है कि वे अफवाहों पर ध्यान न दें और आधिकारिक सूचना का इंतजार करें।",
]


def story_text(number: int, paragraphs: int = 4) -> list[str]:
    """Paragraphs of a story; ``number`` makes each story's text its own (no two are duplicates)."""
    return [f"समाचार {number} अनुच्छेद {p}: " + " ".join(SENTENCES[(number + p + i) % len(SENTENCES)]
                                                    for i in range(3)) for p in range(paragraphs)]


def article_html(title: str, paragraphs: list[str], *, wrap: tuple[str, str] = ("", "")) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html lang='hi'><head><meta charset='utf-8'><title>{title}</title>"
            "<meta property='article:published_time' content='2024-06-01T10:00:00+05:30'></head><body>"
            f"{wrap[0]}<article><h1>{title}</h1><div class='story-body'>{body}</div></article>{wrap[1]}"
            "</body></html>")


def story(number: int) -> str:
    return article_html(f"परीक्षण समाचार {number}: राहत कार्य जारी", story_text(number))


def _gzip_bomb(decompressed: int = 200 * 1024 * 1024) -> bytes:
    """About 200 KB of gzip that inflates to ``decompressed`` bytes of zeros."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\0" * (1024 * 1024)
    parts = [packer.compress(chunk) for _ in range(decompressed // len(chunk))]
    return b"".join(parts) + packer.flush()


class FaultSite:
    """``with FaultSite() as site:`` serves the faults at ``site.url``; ``site.log`` is [(time, path, status)]."""

    def __init__(self) -> None:
        self.log: list[tuple[float, str, int]] = []
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._bomb: bytes | None = None
        handler = type("Handler", (_Handler,), {"site": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hit(self, path: str) -> int:
        """Count a request to ``path``; returns how many there have been, this one included."""
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            return self.hits[path]

    def record(self, path: str, status: int) -> None:
        with self._lock:
            self.log.append((time.monotonic(), path, status))

    def times(self, path: str) -> list[float]:
        return [moment for moment, logged, _ in self.log if logged == path]

    @property
    def bomb(self) -> bytes:
        if self._bomb is None:
            self._bomb = _gzip_bomb()
        return self._bomb

    def __enter__(self) -> FaultSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    site: FaultSite
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        route = ROUTES.get(parts.path) or next((fn for prefix, fn in PREFIX_ROUTES if parts.path.startswith(prefix)),
                                               None)
        try:
            if route is None:
                self.answer(404, b"not here")
            else:
                route(self, parts.path, parse_qs(parts.query))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler hung up (it was told to, past its limits)

    # --- answers ---------------------------------------------------------------------------------------------
    def answer(self, status: int, body: bytes | str, kind: str = "text/html; charset=utf-8",
               headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.site.record(urlsplit(self.path).path, status)
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def stream(self, total: int, declared: bool) -> None:
        """``total`` bytes of one endless paragraph (at most MAX_STREAM), with or without a Content-Length."""
        self.site.record(urlsplit(self.path).path, 200)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if declared:
            self.send_header("Content-Length", str(total))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        head = article_html("बहुत बड़ा पन्ना", ["शुरुआत"]).encode()[:-len("</body></html>")] + b"<p>"
        self.wfile.write(head)
        sent, chunk = len(head), ("बहुत लंबा पाठ " * 4000).encode()
        while sent < min(total, MAX_STREAM):
            piece = chunk[:min(total, MAX_STREAM) - sent]
            self.wfile.write(piece)
            sent += len(piece)


def _story(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    number = int(path.rsplit("/", 1)[-1] or 0)
    handler.answer(200, story(number))


def _robots(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    handler.answer(200, "User-agent: *\nDisallow: /private/\n", "text/plain")


def _private(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    handler.answer(200, story(900))


def _gzip_bomb_page(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    handler.answer(200, handler.site.bomb, headers={"Content-Encoding": "gzip"})


def _huge(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    handler.stream(50 * 1024 * 1024, declared=path.endswith("declared"))


def _long_article(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    """Under the download limit, over every field limit: a 300,000-character title, a 3 MB body."""
    paragraphs = [" ".join(story_text(7000 + n, 1)) * 8 for n in range(400)]
    handler.answer(200, article_html("लंबा शीर्षक " * 25_000, paragraphs))


def _deep(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    """A story inside 300 unclosed <font> tags (lxml's default limit is 256 levels) or 5,000 nested <div>s."""
    levels = 5000 if path.endswith("deeper") else 300
    tag = "div" if levels > 300 else "font"
    close = "</div>" * levels if tag == "div" else ""
    handler.answer(200, article_html(f"गहरा पन्ना {levels}: राहत कार्य", story_text(levels),
                                     wrap=(f"<{tag}>" * levels, close)))


def _control_characters(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    title = "नियंत्रण \x1b]0;PWNED\x07अक्षर \x1b[31mलाल\x1b[0m समाचार\x07"
    handler.answer(200, article_html(title, [p + " \x1b[2J" for p in story_text(31)]))


def _redirect(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    target = {"/loop-a": "/loop-b", "/loop-b": "/loop-a",
              "/offsite": f"http://localhost:{handler.site.port}/story/41"}[path]
    handler.answer(302, b"", headers={"Location": target})


def _busy(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    """/busy: 503 twice, then the story; /ratelimited: 429 once; /busy-forever: Retry-After of an hour."""
    count = handler.site.hit(path)
    if path == "/busy-forever":
        handler.answer(503, b"come back later", headers={"Retry-After": "3600"})
    elif (path == "/busy" and count <= 2) or (path == "/ratelimited" and count <= 1):
        status = 503 if path == "/busy" else 429
        handler.answer(status, b"slow down", headers={"Retry-After": "1"})
    else:
        handler.answer(200, story(51 if path == "/busy" else 52))


def _promise_100_kb(handler: _Handler, path: str) -> None:
    """A 200's headers announcing 100,000 bytes of HTML, of which the caller sends what it likes."""
    handler.site.record(path, 200)
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()


def _cut_off(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    """A Content-Length of 100,000 and the connection closed after 2,000 bytes."""
    _promise_100_kb(handler, path)
    handler.wfile.write(story(61).encode()[:2000])
    handler.close_connection = True


def _bad_gzip(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    handler.answer(200, b"\x1f\x8b this is not gzip at all", headers={"Content-Encoding": "gzip"})


def _not_http(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    handler.answer(302, b"", headers={"Location": "file:///etc/passwd"})


def _empty(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    handler.answer(200, b"")


def _binary(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    handler.answer(200, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "image/png")


def _bad_encoding(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    """A story in UTF-8 with invalid bytes strewn in, declared as UTF-8."""
    data = story(71).encode().replace("राहत".encode(), b"\xff\xfe" + "राहत".encode())
    handler.answer(200, data)


def _slow(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    """Headers, then one byte a second: the crawler's download timeout must end it (at most 60 s here)."""
    _promise_100_kb(handler, path)
    for _ in range(60):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(1)


# --- discovery documents ------------------------------------------------------------------------------------


def rss(links: list[str]) -> str:
    items = "".join(f"<item><title>खबर</title><link>{link}</link>"
                    f"<pubDate>{formatdate(usegmt=True)}</pubDate></item>" for link in links)
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


def _chain(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    """A sitemap index whose one child is the next index: ?n=0 -> ?n=1 -> ... (the server stops at MAX_CHAIN)."""
    n = int(query.get("n", ["0"])[0])
    if n >= MAX_CHAIN:
        handler.answer(404, b"end of the chain")
        return
    child = f"{handler.site.url}/chain?n={n + 1}"
    handler.answer(200, '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        f"<sitemap><loc>{child}</loc></sitemap></sitemapindex>", "application/xml")


def _bad_feed(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    """Three items, each broken its own way: an unescaped &, an unclosed tag, and the feed cut off mid-item."""
    base = handler.site.url
    feed = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Tom & Jerry news</title>'
            f"<item><title>रूस & यूक्रेन</title><link>{base}/story/81</link></item>"
            f"<item><title>खुला टैग<link>{base}/story/82</link><description><b>मोटा</description></item>"
            f"<item><title>कटा हुआ</title><link>{base}/story/83</link><descri")
    handler.answer(200, feed, "application/rss+xml")


def _xxe(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    handler.answer(200, '<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        f"<url><loc>{handler.site.url}/story/91?&x;</loc></url></urlset>", "application/xml")


def _laughs(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    entities = '<!ENTITY l0 "ha">' + "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">'
                                               for i in range(1, 10))
    handler.answer(200, f'<?xml version="1.0"?><!DOCTYPE u [{entities}]>'
                        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        f"<url><loc>{handler.site.url}/story/92</loc><lastmod>&l9;</lastmod></url></urlset>",
                   "application/xml")


def _gzip_sitemap_bomb(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    """A .xml.gz sitemap (gzip as the file itself, no Content-Encoding) that inflates to 200 MB."""
    handler.answer(200, handler.site.bomb, "application/x-gzip")


# The pages the suite's feed lists. The 429/503 answers are served under another host name (localhost), so the
# back-off they cause slows that host only and the rest of the suite runs at full speed.
FEED_PATHS = ["/story/1", "/story/2", "/story/3", "/gzip-bomb", "/huge", "/huge-declared", "/long-article",
              "/deep", "/deeper", "/control", "/loop-a", "/offsite", "/private/secret", "/cut-off", "/empty",
              "/binary", "/bad-encoding", "/slow", "/bad-gzip", "/to-file", "/" + "long" * 700]
SLOWED_PATHS = ["/busy", "/ratelimited", "/busy-forever"]


def _feed(handler: _Handler, path: str, query: dict[str, list[str]]) -> None:
    other = f"http://localhost:{handler.site.port}"
    links = [handler.site.url + p for p in FEED_PATHS] + [other + p for p in SLOWED_PATHS]
    handler.answer(200, rss(links), "application/rss+xml")


Route = Callable[[_Handler, str, dict[str, list[str]]], Any]
ROUTES: dict[str, Route] = {
    "/robots.txt": _robots, "/feed.xml": _feed, "/gzip-bomb": _gzip_bomb_page, "/huge": _huge,
    "/huge-declared": _huge, "/long-article": _long_article, "/deep": _deep, "/deeper": _deep,
    "/control": _control_characters, "/loop-a": _redirect, "/loop-b": _redirect, "/offsite": _redirect,
    "/busy": _busy, "/ratelimited": _busy, "/busy-forever": _busy, "/cut-off": _cut_off, "/empty": _empty,
    "/binary": _binary, "/bad-encoding": _bad_encoding, "/slow": _slow, "/chain": _chain,
    "/bad-gzip": _bad_gzip, "/to-file": _not_http, "/bad-feed.xml": _bad_feed, "/xxe.xml": _xxe,
    "/laughs.xml": _laughs, "/bomb-sitemap.xml.gz": _gzip_sitemap_bomb,
}
PREFIX_ROUTES: list[tuple[str, Route]] = [("/story/", _story), ("/private/", _private)]

# Sitemaps and feeds the suite's crawl starts from.
START_DOCUMENTS = ["/feed.xml", "/chain?n=0", "/bad-feed.xml", "/xxe.xml", "/laughs.xml", "/bomb-sitemap.xml.gz"]


def tree_memory_mb(pid: int) -> float:
    """The memory of a process and all its descendants (parse workers ...), in MB: the sum of their proportional set
    sizes (/proc/PID/smaps_rollup: pages shared after a fork counted once in all), else of their resident sizes."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            children = " ".join(child.read_text() for child in Path(f"/proc/{current}/task").glob("*/children"))
            rollup = Path(f"/proc/{current}/smaps_rollup")
            lines = (rollup if rollup.exists() else Path(f"/proc/{current}/status")).read_text().splitlines()
        except OSError:
            continue  # gone meanwhile
        total += next((int(line.split()[1]) for line in lines if line.startswith(("Pss:", "VmRSS:"))), 0)
        pending += [int(child) for child in children.split()]
    return total / 1024


def run_measured(command: list[str], cwd: Path, env: dict[str, str],
                 timeout: float = 180) -> tuple[int, str, str, float]:
    """Run ``command``; (exit status, stdout, stderr, peak memory in MB). The peak is the larger of the process's own
    rusage high-water mark (its reaped children included) and the whole process tree's memory (``tree_memory_mb``),
    sampled every 50 ms: parse workers run beside the crawl, and their memory counts too."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        done = threading.Event()
        sampled = [0.0]

        def sample() -> None:
            while not done.wait(0.05):
                sampled[0] = max(sampled[0], tree_memory_mb(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            done.set()
            watchdog.cancel()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        peak = max(usage.ru_maxrss / 1024, sampled[0])  # Linux reports ru_maxrss in kilobytes
        return (process.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                peak)
