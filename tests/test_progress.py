"""Progress while crawling: a line rewritten in place on a terminal, plain lines otherwise, a summary at the end."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from crawler.components.progress import progress_line
from tests.conftest import khabar_env, run_khabar

FAST = ("-s", "AUTOTHROTTLE_ENABLED=false")


def test_the_line_shows_the_counts() -> None:
    stats = {"response_received_count": 41, "khabar/articles/new": 20, "khabar/articles/updated": 1,
             "khabar/articles/duplicate": 2, "khabar/dropped/no_body": 1, "khabar/dropped/not_article/video": 2,
             "khabar/alerts": 6}
    assert progress_line("lokmat", stats, 12.7) == (
        "lokmat 12s: pages 41 · new 20 · updated 1 · duplicates 2 · dropped 3 · alerts 6")


def run_on_a_terminal(work: Path, *args: str) -> tuple[int, str]:
    """``khabar ARGS`` with its stdout on a pseudo-terminal, as when a person runs it."""
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=work, env=khabar_env(work),
                               stdin=subprocess.DEVNULL, stdout=child, stderr=subprocess.DEVNULL)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    return process.wait(timeout=120), b"".join(chunks).decode("utf-8")


@pytest.mark.e2e
def test_a_terminal_gets_a_live_line_then_the_summary(workdir: Path, sample_site: SampleSite) -> None:
    code, out = run_on_a_terminal(workdir, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", *FAST)
    assert code == 0, out
    # The terminal turns "\n" into "\r\n"; a live update is a "\r" that is not part of a line end.
    updates = re.findall(r"\r(?!\n)(lokmat \d+s: pages \d+ · new \d+[^\r\n]*)", out)
    assert updates, out
    assert updates[0].startswith("lokmat 0s: pages 0 · new 0")  # drawn as soon as the spider opens
    final = re.search(r"new (\d+) ·", updates[-1])
    summary = re.search(r"articles stored\s+(\d+) new", out)
    assert final and summary and final.group(1) == summary.group(1)  # the last update is the final count
    assert out.index(updates[-1]) < out.index("Crawl of lokmat finished")


@pytest.mark.e2e
def test_a_pipe_gets_plain_lines(workdir: Path, sample_site: SampleSite) -> None:
    result = run_khabar(workdir, "crawl", "lokmat", "-a", f"base_url={sample_site.url}",
                        "-s", "KHABAR_PROGRESS_LINES_INTERVAL=0.2", *FAST)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stdout
    lines = [line for line in result.stdout.splitlines() if re.match(r"lokmat \d+s: pages \d+ · ", line)]
    assert lines, result.stdout
    assert "Crawl of lokmat finished" in result.stdout
    off = run_khabar(workdir, "crawl", "lokmat", "-a", f"base_url={sample_site.url}", "--progress", "off",
                     "-s", "KHABAR_PROGRESS_LINES_INTERVAL=0.2", "-s", "CLOSESPIDER_PAGECOUNT=3", *FAST)
    # Three pages may hold no article (which three comes first varies): health may then say ALERT, exit 4.
    assert off.returncode in (0, 4) and not re.search(r"^lokmat \d+s: pages", off.stdout, re.M)
