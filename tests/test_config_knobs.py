"""One settings model: every knob's default written once, read from khabar.toml, and overridden by -s for one run.

Parametrized over the knobs the model declares (``crawler.config.knob_settings``), never over a hand-kept list:
a knob added later is tested here at once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawler.components.addon import KhabarAddon
from crawler.components.skip_known import SkipKnownMiddleware
from crawler.config import Config, ConfigError, config_for_crawl, knob_settings, load_config
from crawler.knobs import Knob, KnobError
from tests.conftest import project_settings, query, run_khabar

KNOBS = knob_settings()


def two_other_values(found: Knob, default: Any) -> tuple[Any, Any]:
    """Two valid values of a knob, different from its default and from each other: (for the file, for -s)."""
    candidates: list[Any]
    if isinstance(default, bool):
        candidates = [not default, default]  # only two: the file flips it, -s flips it back
    elif isinstance(default, list):
        candidates = [["alpha", "beta"], ["gamma"]]
    elif isinstance(default, str):
        candidates = ["lines", "live", "off", "other.db", "third.db", "redis://127.0.0.1:6390/1",
                      "redis://127.0.0.1:6391/2"]
    else:
        candidates = [0.25, 0.75, 1, 2, 3, 7, 12, 90, 600, 7200]
    accepted = []
    for value in candidates:
        try:
            value = found.read(value)
        except KnobError:
            continue
        if value != default and value not in accepted:
            accepted.append(value)
        if len(accepted) == 2 or (isinstance(default, bool) and accepted):
            break
    if isinstance(default, bool):
        return accepted[0], default
    assert len(accepted) == 2, f"no two test values for {found.setting}"
    return accepted[0], accepted[1]


def toml_value(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, bool) else str(value).lower()


def as_dash_s(value: Any) -> str:
    """The value as it arrives from the command line: always a string."""
    return ",".join(value) if isinstance(value, list) else str(value).lower() if isinstance(value, bool) else str(value)


def config_file(folder: Path, section: str, key: str, value: Any) -> Path:
    path = folder / "khabar.toml"
    path.write_text(f"[{section}]\n{key} = {toml_value(value)}\n", encoding="utf-8")
    return path


def current(config: Config, section: str, found: Knob) -> Any:
    return getattr(getattr(config, section), found.attribute)


@pytest.mark.parametrize("setting", sorted(KNOBS))
def test_file_sets_a_knob_and_dash_s_wins_for_that_run(setting: str, tmp_path: Path) -> None:
    section, found = KNOBS[setting]
    default = current(Config(), section, found)
    in_file, on_command_line = two_other_values(found, default)
    path = config_file(tmp_path, section, found.key, in_file)
    from_file = load_config(path)
    if setting == "KHABAR_DB":
        in_file = str(tmp_path / in_file)  # relative to the config file's folder
    assert current(from_file, section, found) == in_file
    overridden = load_config(path, overrides={setting: as_dash_s(on_command_line)})
    assert current(overridden, section, found) == on_command_line
    assert current(load_config(path), section, found) == in_file  # the override was for one run only


@pytest.mark.parametrize("setting", sorted(KNOBS))
def test_a_crawler_sees_the_dash_s_value_of_every_knob(setting: str, tmp_path: Path) -> None:
    """What `scrapy crawl -s NAME=VALUE` does: the value at command-line priority, a khabar.toml beside it."""
    section, found = KNOBS[setting]
    in_file, on_command_line = two_other_values(found, current(Config(), section, found))
    crawler = get_crawler(settings_dict=project_settings(
        KHABAR_CONFIG=str(config_file(tmp_path, section, found.key, in_file)), **{setting: as_dash_s(on_command_line)}))
    config = KhabarAddon.of(crawler).config
    assert current(config, section, found) == on_command_line
    assert crawler.settings[setting] == on_command_line  # the derived Scrapy setting agrees
    assert config_for_crawl(crawler.settings) == config


def test_dash_s_recheck_wins_over_the_file_in_the_middleware(tmp_path: Path) -> None:
    """The bug this model fixed: with a khabar.toml present, -s KHABAR_RECHECK_SECONDS=60 was ignored (21600)."""
    path = tmp_path / "khabar.toml"
    path.write_text('[crawl]\nrecheck = "6h"\n', encoding="utf-8")
    settings = project_settings(KHABAR_CONFIG=str(path), KHABAR_DB=str(tmp_path / "k.db"), KHABAR_RECHECK_SECONDS="60")
    middleware = SkipKnownMiddleware.from_crawler(get_crawler(settings_dict=settings))
    assert middleware.recheck_seconds(Spider("lokmat")) == 60


def test_a_bad_override_names_the_setting() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(overrides={"KHABAR_BATCH_SIZE": "many"})
    assert caught.value.key == "KHABAR_BATCH_SIZE" and "whole number" in caught.value.problem


def test_every_knob_has_help_and_a_setting_name() -> None:
    for setting, (section, found) in KNOBS.items():
        assert setting.startswith("KHABAR_") and found.help, (section, found.attribute)


def test_source_is_a_path_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config().source is None and load_config().source_name == "(built-in defaults)"
    path = tmp_path / "khabar.toml"
    path.write_text("", encoding="utf-8")
    assert load_config().source == path


# --- the delivery knobs reach `khabar alerts deliver` -------------------------------------------------------

DELIVERY_CONFIG = """
[storage]
db = "khabar.db"
[delivery]
retry = "5m"
[notify.hook]
url_env = "KHABAR_TEST_UNSET_HOOK"
[topics.kim]
any = ["किम जोंग उन"]
"""


def next_attempts(db: Path) -> list[datetime]:
    return [datetime.fromisoformat(row[0].replace("Z", "+00:00"))
            for row in query(db, "SELECT next_attempt_at FROM deliveries ORDER BY id")]


@pytest.mark.e2e
def test_alerts_deliver_takes_retry_from_the_config_and_from_dash_s(tmp_path: Path) -> None:
    """Before: `khabar alerts deliver` took the retry and lease from constants; neither the file nor -s counted."""
    (tmp_path / "khabar.toml").write_text(DELIVERY_CONFIG, encoding="utf-8")
    article = tmp_path / "page.html"
    article.write_text("<html><body><h1>किम जोंग उन रूस पहुंचे</h1><article><p>" + "किम जोंग उन ने पुतिन से "
                       "मुलाकात की और दोनों देशों के बीच सहयोग पर लंबी बातचीत हुई। " * 3 + "</p></article></body></html>",
                       encoding="utf-8")
    from crawler.app.sample_server import SampleSite
    from tests.alert_receivers import free_port

    with SampleSite(tmp_path) as site:
        # The hook is set (a crawl refuses a missing secret up front) but nothing listens there: deliveries fail.
        env = {"KHABAR_CONFIG": str(tmp_path / "khabar.toml"), "PATH": "/usr/bin:/bin",
               "KHABAR_TEST_UNSET_HOOK": f"json://127.0.0.1:{free_port()}/hook"}
        crawl = run_khabar(tmp_path, "crawl", "article", "-a", f"url={site.url}/page.html", env=env)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    db = tmp_path / "khabar.db"
    query_db = query(db, "SELECT count(*) FROM alerts")
    assert query_db == [(1,)]
    # The crawl tried once when it closed (attempt 1: retry after 5 min, from the file); each failure doubles.
    assert query(db, "SELECT attempts FROM deliveries") == [(1,)]
    started = datetime.now(UTC)
    second = run_khabar(tmp_path, "alerts", "deliver", "--retry-now", env=env)
    assert second.returncode == 0 and "failed 1" in second.stdout, second.stdout + second.stderr
    [retry_at] = next_attempts(db)
    assert timedelta(minutes=9) < retry_at - started < timedelta(minutes=11)  # [delivery] retry = "5m", doubled
    started = datetime.now(UTC)
    third = run_khabar(tmp_path, "alerts", "deliver", "--retry-now", "-s", "KHABAR_NOTIFY_RETRY_SECONDS=20", env=env)
    assert third.returncode == 0, third.stderr
    [retry_at] = next_attempts(db)
    assert timedelta(seconds=70) < retry_at - started < timedelta(seconds=90)  # 20 s from -s, x4 after 3 failures
