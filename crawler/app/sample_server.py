"""A static HTTP server for the bundled sample site (and test copies of it), on 127.0.0.1 only.

It serves a folder the way a news site's web server would: ``/path/`` is
``path/index.html``, query strings are ignored (tracking links reach the same page),
unknown paths get the site's 404 page, and ETag / Last-Modified allow conditional requests.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import threading
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

SAMPLE_SITE = Path(__file__).resolve().parent.parent / "sample_site" / "lokmat"


class _Handler(BaseHTTPRequestHandler):
    root: Path
    server_version = "KhabarSample/1.0"

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("sample site: " + format, *args)

    def _resolve(self) -> Path | None:
        path = unquote(urlsplit(self.path).path)
        candidate = (self.root / path.lstrip("/")).resolve()
        if not str(candidate).startswith(str(self.root.resolve())):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def do_GET(self) -> None:
        file = self._resolve()
        if file is None:
            self._send(404, self.root / "404.html")
            return
        body = file.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = file.stat().st_mtime
        if self.headers.get("If-None-Match") == etag or self._not_modified_since(modified):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._send(200, file, body, {"ETag": etag, "Last-Modified": formatdate(modified, usegmt=True)})

    def _not_modified_since(self, modified: float) -> bool:
        since = self.headers.get("If-Modified-Since")
        if not since or self.headers.get("If-None-Match"):
            return False
        try:
            return int(modified) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False

    def _send(self, status: int, file: Path, body: bytes | None = None, headers: dict[str, str] | None = None) -> None:
        if body is None:
            body = file.read_bytes() if file.is_file() else b"not found"
        kind = mimetypes.guess_type(file.name)[0] or "text/html"
        if file.name.endswith(".xml"):
            kind = "application/xml"
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8" if kind.startswith(("text/", "application/x"))
                         else kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class SampleSite:
    """Serve ``root`` on 127.0.0.1 in a background thread: ``with SampleSite() as site: site.url``."""

    def __init__(self, root: Path = SAMPLE_SITE, port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"root": Path(root)})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> SampleSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    """``python -m crawler.app.sample_server [PORT] [ROOT]``: serve the sample site in the foreground."""
    import sys

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8808
    root = Path(sys.argv[2]) if len(sys.argv) > 2 else SAMPLE_SITE
    site = SampleSite(root, port)
    print(f"serving {root} at {site.url} (Ctrl-C stops)")
    try:
        site.httpd.serve_forever()
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":
    main()
