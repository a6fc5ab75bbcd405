"""Loading and validating ``khabar.toml``.

A bad config is refused at start, before any crawl begins, with the file, the key
and what is wrong (``ConfigError``). Secrets never live in the file: notification
targets name the environment variable that holds the URL.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DB = "data/khabar.db"
DEFAULT_CONFIG_NAME = "khabar.toml"
TOPIC_FIELDS = ("title", "summary", "highlights", "body", "tags")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ConfigError(Exception):
    """A config problem, phrased for the person who wrote the file."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source, self.key, self.problem = source, key, problem


@dataclass
class Topic:
    id: str
    label: str
    # Strong terms: any one of them is enough (e.g. the compound रूस-यूक्रेन).
    any: list[str] = field(default_factory=list)
    # Anchor terms that count only together with a context term.
    terms: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=lambda: list(TOPIC_FIELDS))
    notify: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class NotifyTarget:
    name: str
    url_env: str = ""
    file: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Schedule:
    name: str
    spider: str
    cron: str
    args: dict[str, str] = field(default_factory=dict)


@dataclass
class Config:
    source: str
    db_path: str
    recheck_seconds: float = 6 * 3600
    near_duplicate_threshold: float = 0.8
    topics: dict[str, Topic] = field(default_factory=dict)
    notify: dict[str, NotifyTarget] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def parse_duration(value: Any, source: str = "", key: str = "") -> float:
    """'6h', '30m', '2d', 90 -> seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not match:
        raise ConfigError(source, key, f"{value!r} is not a duration such as '90s', '30m', '6h' or '2d'")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def find_config_path(explicit: str | None = None) -> Path | None:
    """--config, else KHABAR_CONFIG, else ./khabar.toml, else None (built-in defaults)."""
    chosen = explicit or os.environ.get("KHABAR_CONFIG")
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise ConfigError(str(path), "(file)", "no such config file")
        return path
    local = Path.cwd() / DEFAULT_CONFIG_NAME
    return local if local.is_file() else None


def load_config(explicit: str | None = None, db_override: str | None = None) -> Config:
    """Read and validate the config; ``db_override`` is --db (wins over everything)."""
    path = find_config_path(explicit)
    if path is None:
        config = Config(source="(built-in defaults)", db_path=DEFAULT_DB)
        config.topics = default_topics()
    else:
        config = _parse_file(path)
    config.db_path = db_override or os.environ.get("KHABAR_DB") or config.db_path
    return config


def _parse_file(path: Path) -> Config:
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(source, "(syntax)", f"not valid TOML: {error}") from None
    _check_keys(source, "", raw, {"storage", "crawl", "dedup", "topics", "notify", "schedules", "health"})
    storage = _table(source, "storage", raw.get("storage", {}))
    _check_keys(source, "storage.", storage, {"db"})
    crawl = _table(source, "crawl", raw.get("crawl", {}))
    _check_keys(source, "crawl.", crawl, {"recheck"})
    dedup = _table(source, "dedup", raw.get("dedup", {}))
    _check_keys(source, "dedup.", dedup, {"near_duplicate_threshold"})
    db_path = storage.get("db", DEFAULT_DB)
    if not isinstance(db_path, str) or not db_path:
        raise ConfigError(source, "storage.db", "must be a non-empty path string")
    db_path = _relative_to(path, db_path)
    config = Config(source=source, db_path=db_path, raw=raw)
    if "recheck" in crawl:
        config.recheck_seconds = parse_duration(crawl["recheck"], source, "crawl.recheck")
    if "near_duplicate_threshold" in dedup:
        config.near_duplicate_threshold = _fraction(source, "dedup.near_duplicate_threshold",
                                                    dedup["near_duplicate_threshold"])
    config.notify = _parse_notify(source, _table(source, "notify", raw.get("notify", {})))
    for target in config.notify.values():
        target.file = _relative_to(path, target.file) if target.file else ""
    config.topics = _parse_topics(source, _table(source, "topics", raw.get("topics", {})), config.notify)
    config.schedules = _parse_schedules(source, _table(source, "schedules", raw.get("schedules", {})))
    return config


def _relative_to(config_file: Path, value: str) -> str:
    """Relative paths in the config are relative to the config file's folder."""
    return value if os.path.isabs(value) else str(config_file.parent / value)


def _table(source: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(source, key, f"must be a table, not {type(value).__name__}")
    return value


def _check_keys(source: str, prefix: str, table: dict[str, Any], known: set[str]) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(source, f"{prefix}{key}",
                              f"unknown key (known keys here: {', '.join(sorted(known))})")


def _fraction(source: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ConfigError(source, key, f"must be a number between 0 and 1, not {value!r}")
    return float(value)


def _string_list(source: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(source, key, "must be a list of non-empty strings")
    return [v.strip() for v in value]


TOPIC_KEYS = {"label", "any", "terms", "context", "exclude", "fields", "notify"}


def _parse_topics(source: str, table: dict[str, Any], notify: dict[str, NotifyTarget]) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    for topic_id, body in table.items():
        prefix = f"topics.{topic_id}"
        body = _table(source, prefix, body)
        _check_keys(source, prefix + ".", body, TOPIC_KEYS | set(EXTENDED_TOPIC_KEYS))
        topic = Topic(id=topic_id, label=str(body.get("label", topic_id)))
        for key in ("any", "terms", "context", "exclude", "notify"):
            if key in body:
                setattr(topic, key, _string_list(source, f"{prefix}.{key}", body[key]))
        if "fields" in body:
            topic.fields = _string_list(source, f"{prefix}.fields", body["fields"])
            unknown = [f for f in topic.fields if f not in TOPIC_FIELDS]
            if unknown:
                raise ConfigError(source, f"{prefix}.fields",
                                  f"unknown field {unknown[0]!r} (choose from {', '.join(TOPIC_FIELDS)})")
        if not topic.any and not topic.terms:
            raise ConfigError(source, prefix, "a topic needs at least one term in 'any' or 'terms'")
        for name in topic.notify:
            if name not in notify:
                raise ConfigError(source, f"{prefix}.notify", f"no notify target named {name!r}")
        topic.extra = {k: v for k, v in body.items() if k in EXTENDED_TOPIC_KEYS}
        topics[topic_id] = topic
    return topics


# Keys later features add to a topic (weights, delivery); accepted and kept in ``extra``.
EXTENDED_TOPIC_KEYS: tuple[str, ...] = ()


def _parse_notify(source: str, table: dict[str, Any]) -> dict[str, NotifyTarget]:
    targets: dict[str, NotifyTarget] = {}
    for name, body in table.items():
        prefix = f"notify.{name}"
        body = _table(source, prefix, body)
        _check_keys(source, prefix + ".", body, {"url_env", "file"})
        if "url" in body:
            raise ConfigError(source, f"{prefix}.url", "secrets never go in the file: use url_env")
        target = NotifyTarget(name=name, url_env=str(body.get("url_env", "")), file=str(body.get("file", "")))
        if not target.url_env and not target.file:
            raise ConfigError(source, prefix, "needs url_env (an environment variable name) or file")
        targets[name] = target
    return targets


def _parse_schedules(source: str, table: dict[str, Any]) -> dict[str, Schedule]:
    schedules: dict[str, Schedule] = {}
    for name, body in table.items():
        prefix = f"schedules.{name}"
        body = _table(source, prefix, body)
        _check_keys(source, prefix + ".", body, {"spider", "cron", "args"})
        cron = body.get("cron")
        if not isinstance(cron, str) or len(cron.split()) not in (5, 6):
            raise ConfigError(source, f"{prefix}.cron", f"{cron!r} is not a cron expression like '*/30 * * * *'")
        args = _table(source, f"{prefix}.args", body.get("args", {}))
        schedules[name] = Schedule(name=name, spider=str(body.get("spider", name)), cron=cron,
                                   args={str(k): str(v) for k, v in args.items()})
    return schedules


SHIPPED_CONFIG = Path(__file__).resolve().parent.parent / DEFAULT_CONFIG_NAME


def default_topics() -> dict[str, Topic]:
    """Without a config file, the topics of the shipped example khabar.toml (the russia-ukraine topic)."""
    return _parse_file(SHIPPED_CONFIG).topics if SHIPPED_CONFIG.is_file() else {}
