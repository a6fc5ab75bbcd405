"""Real servers the scale-out tests start on a free loopback port: ``redis-server`` and ``scrapyd``.

Each lives in its own temporary folder with its own config, listens on 127.0.0.1 only and is stopped
(SIGTERM, then SIGKILL) when its ``with`` block ends. A missing executable is a skip with that reason,
never an in-memory stand-in.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def executable(name: str, why: str) -> str:
    """The path of a program the test needs (the venv's own first), or a skip that names it."""
    found = VENV_BIN / name if (VENV_BIN / name).is_file() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed ({why})")
    return str(found)


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


class _Server:
    process: subprocess.Popen[Any]

    def __enter__(self) -> _Server:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        stop(self.process)


class RedisServer(_Server):
    """``redis-server`` on a free port of 127.0.0.1, its data in ``folder`` (append-only file on, as a cluster's
    Redis should run: a restart loses nothing)."""

    def __init__(self, folder: Path) -> None:
        program = executable("redis-server", "apt-get install redis-server; .ci/run installs it")
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [program, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(folder), "--save", "",
             "--appendonly", "yes", "--protected-mode", "yes", "--logfile", str(folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                stop(self.process)
                raise RuntimeError(f"redis-server did not start on port {self.port}: {folder / 'redis.log'}")
            time.sleep(0.05)


class ScrapydServer(_Server):
    """``scrapyd`` on a free port of 127.0.0.1, with its config, eggs, logs and job database in ``folder``."""

    def __init__(self, folder: Path) -> None:
        program = executable("scrapyd", "pip install -e '.[dev]'")
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        (folder / "scrapyd.conf").write_text(
            "[scrapyd]\nbind_address = 127.0.0.1\n"
            f"http_port = {self.port}\npoll_interval = 0.5\nmax_proc = 2\n"
            f"eggs_dir = {folder / 'eggs'}\nlogs_dir = {folder / 'logs'}\ndbs_dir = {folder / 'dbs'}\n"
            f"jobs_dir = {folder / 'jobs'}\n", encoding="utf-8")
        # Scrapyd reads ./scrapyd.conf: it runs in its folder, away from the repository's scrapy.cfg.
        self.process = subprocess.Popen([program, "--pidfile=", f"--logfile={folder / 'scrapyd.log'}"], cwd=folder,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.get("daemonstatus.json")["status"] == "ok":
                    return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                stop(self.process)
                raise RuntimeError(f"scrapyd did not start on port {self.port}: {folder / 'scrapyd.log'}")
            time.sleep(0.2)

    def get(self, endpoint: str) -> Any:
        with urllib.request.urlopen(self.url + endpoint, timeout=10) as response:
            return json.loads(response.read())

    def post(self, endpoint: str, body: bytes, content_type: str = "application/x-www-form-urlencoded") -> Any:
        request = urllib.request.Request(self.url + endpoint, data=body, headers={"Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
