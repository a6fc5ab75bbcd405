"""Real notification receivers on 127.0.0.1 for alert tests: an HTTP webhook and an SMTP server."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Webhook:
    """An HTTP server in a thread that records every POST (path, headers and JSON body); ``status`` is its answer,
    given ``hold`` seconds after the body arrived (``received`` is set then)."""

    def __init__(self, port: int | None = None, status: int = 200, hold: float = 0.0) -> None:
        self.port = port or free_port()
        self.status = status
        self.hold = hold
        self.posts: list[dict[str, Any]] = []
        self.received = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    def unique(self) -> list[dict[str, Any]]:
        """The posts a receiver that honours Idempotency-Key keeps: the first of each key."""
        seen: dict[str, dict[str, Any]] = {}
        for post in self.posts:
            seen.setdefault(post["headers"].get("Idempotency-Key") or str(id(post)), post)
        return list(seen.values())

    @property
    def url(self) -> str:
        """The Apprise URL of this receiver (a JSON webhook)."""
        return f"json://127.0.0.1:{self.port}/hook"

    def start(self) -> Webhook:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.status < 300:
                    receiver.posts.append({"path": self.path, "json": json.loads(body.decode("utf-8")),
                                           "headers": dict(self.headers)})
                receiver.received.set()
                time.sleep(receiver.hold)  # a slow receiver: the sender may be killed before the answer
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def titles(self) -> list[str]:
        return [post["json"]["title"] for post in self.posts]

    def __enter__(self) -> Webhook:
        return self.start()

    def __exit__(self, *args: Any) -> None:
        self.stop()


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"


class Mailbox:
    """An SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it receives."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = _Inbox()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        """An Apprise mailto:// URL that sends through this server without TLS or login."""
        return (f"mailto://127.0.0.1:{self.port}?smtp=127.0.0.1&mode=insecure"
                "&from=khabar@example.org&to=desk@example.org")

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return self.inbox.messages

    def __enter__(self) -> Mailbox:
        self._controller.start()
        return self

    def __exit__(self, *args: Any) -> None:
        self._controller.stop()
