"""Khabar under a real Scrapyd: the egg scrapyd-deploy builds, addversion.json, schedule.json with KHABAR_DB,
listjobs.json.

The schedule call is the one `khabar schedule --print-scrapyd` prints for cron, sent as cron's curl would send it.
"""

from __future__ import annotations

import shlex
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from crawler.app.sample_server import SampleSite
from tests.conftest import REPO, query, run_khabar
from tests.servers import ScrapydServer, executable

pytestmark = pytest.mark.e2e


def build_litter() -> set[str]:
    """What a package build could leave in the checkout: build/, dist/, *.egg-info, and any change git sees."""
    found = {path.name for path in REPO.iterdir() if path.name in {"build", "dist"} or path.name.endswith(".egg-info")}
    status = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=normal"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    return found | {line for line in status if not line.endswith(("__pycache__/", ".pytest_cache/"))}


def build_egg(target: Path) -> None:
    """`scrapyd-deploy --build-egg`, as a user runs it from the checkout (setup.py builds in a temporary folder)."""
    program = executable("scrapyd-deploy", "pip install -e '.[dev]'")
    before = build_litter()
    built = subprocess.run([program, "--build-egg", str(target)], cwd=REPO, capture_output=True, text=True, timeout=180)
    assert built.returncode == 0, built.stderr[-3000:]
    assert target.stat().st_size > 10_000
    assert build_litter() == before, "building the egg left files in the checkout"


def printed_schedule_call(work: Path, scrapyd_url: str) -> tuple[str, list[tuple[str, str]]]:
    """The crontab line `khabar schedule --print-scrapyd URL --only lokmat` prints, as (endpoint, -d fields)."""
    printed = run_khabar(work, "schedule", "--print-scrapyd", scrapyd_url, "--only", "lokmat")
    assert printed.returncode == 0, printed.stderr
    [line] = [line for line in printed.stdout.splitlines() if not line.startswith("#")]
    words = shlex.split(line.split(" curl ", 1)[1].replace("\\%", "%"))
    endpoint = next(word for word in words if word.startswith("http"))
    fields = [tuple(words[i + 1].split("=", 1)) for i, word in enumerate(words) if word == "-d"]
    return endpoint, fields  # type: ignore[return-value]


def test_a_deployed_egg_crawls_the_sample_site_under_scrapyd(tmp_path: Path, workdir: Path, sample_site: SampleSite,
                                                             crawled_sample: Path) -> None:
    import requests

    egg = tmp_path / "khabar.egg"
    build_egg(egg)
    config = workdir / "khabar.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('args = { max_pages = "3" }', f'args = {{ base_url = "{sample_site.url}" }}', 1),
                      encoding="utf-8")
    with ScrapydServer(tmp_path / "scrapyd") as scrapyd:
        with egg.open("rb") as upload:
            added = requests.post(scrapyd.url + "addversion.json", data={"project": "khabar", "version": "1"},
                                  files={"egg": ("khabar.egg", upload)}, timeout=60).json()
        assert added["status"] == "ok", added
        assert {"lokmat", "article", "feed"} <= set(scrapyd.get("listspiders.json?project=khabar")["spiders"])
        endpoint, fields = printed_schedule_call(workdir, scrapyd.url)
        assert endpoint == scrapyd.url + "schedule.json"
        assert ("setting", f"KHABAR_DB={workdir / 'khabar.db'}") in fields
        scheduled = scrapyd.post("schedule.json", urllib.parse.urlencode(fields).encode())
        assert scheduled["status"] == "ok", scheduled
        deadline = time.monotonic() + 180
        while True:
            jobs = scrapyd.get("listjobs.json?project=khabar")
            if any(job["id"] == scheduled["jobid"] for job in jobs["finished"]):
                break
            assert time.monotonic() < deadline, f"the Scrapyd job did not finish: {jobs}"
            time.sleep(0.5)
        log = next((tmp_path / "scrapyd" / "logs" / "khabar" / "lokmat").glob(f"{scheduled['jobid']}.log"))
        assert "Khabar database: " + str(workdir / "khabar.db") in log.read_text(encoding="utf-8")
    db = workdir / "khabar.db"
    reference = crawled_sample / "khabar.db"
    assert query(db, "SELECT spider, status, scheduled FROM crawl_runs") == [("lokmat", "finished", "lokmat")]
    stored = query(db, "SELECT url, title FROM articles ORDER BY url")
    assert len(stored) > 10 and stored == query(reference, "SELECT url, title FROM articles ORDER BY url")
    alerts = "SELECT a.url, t.topic FROM alerts t JOIN articles a ON a.id = t.article_id ORDER BY 1, 2"
    assert query(db, alerts) and query(db, alerts) == query(reference, alerts)
