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
    # Rule and scoring (crawler/topics.py): a boolean expression over terms and @lists; a name
    # counts only within `near` words of context vocabulary; `ignore` phrases do not count.
    rule: str = ""
    lists: dict[str, list[str]] = field(default_factory=dict)
    near: int = 0
    ignore: list[str] = field(default_factory=list)
    exclude_paths: list[str] = field(default_factory=list)
    exclude_sections: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)
    threshold: float = 1.0
    # Delivery (crawler/alerting.py): instant, digest (on the `digest` cron, IST), or auto
    # (instant from `instant_score` up, digest below); quiet hours hold alerts, IST.
    delivery: str = "instant"
    instant_score: float = 3.0
    digest: str = ""
    quiet_hours: str = ""
    once_per_story: bool = False
    compiled: Any = field(default=None, repr=False, compare=False)


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
    # Scrapy settings for this schedule's runs (-s NAME=VALUE), e.g. DOWNLOAD_DELAY.
    settings: dict[str, str] = field(default_factory=dict)


@dataclass
class HealthRules:
    """When a run's output counts as dropped (``[health]`` in the config); see crawler/health.py."""

    min_date_coverage: float = 0.8  # share of articles that must have a date
    min_articles: int = 5  # fewer articles than this: coverage is not judged (too few to tell)
    min_share_of_median: float = 0.3  # "far under the median": fewer than this share of it
    median_runs: int = 10  # the median is over this many earlier runs
    min_history: int = 3  # the median is judged only after this many earlier runs
    max_failed_share: float = 0.5  # article pages dropped as broken (no title/body, parse error)
    max_error_rate: float = 0.5  # HTTP errors and exceptions per page fetched
    notify: list[str] = field(default_factory=list)  # targets for health alerts (default: all)


@dataclass
class Config:
    source: str
    db_path: str
    recheck_seconds: float = 6 * 3600
    near_duplicate_threshold: float = 0.8
    topics: dict[str, Topic] = field(default_factory=dict)
    notify: dict[str, NotifyTarget] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    health: HealthRules = field(default_factory=HealthRules)
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
    config.health = _parse_health(source, _table(source, "health", raw.get("health", {})), config.notify)
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


TOPIC_KEYS = {"label", "any", "terms", "context", "exclude", "fields", "notify",
              "rule", "lists", "near", "ignore", "exclude_paths", "exclude_sections", "weights", "threshold",
              "delivery", "instant_score", "digest", "quiet_hours", "once_per_story"}
# Fields a rule may count or weigh: the article fields, plus "lead" (the body's first paragraph).
RULE_FIELDS = (*TOPIC_FIELDS, "lead")
DELIVERY_MODES = ("instant", "digest", "auto")
_QUIET_HOURS = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


def _parse_topics(source: str, table: dict[str, Any], notify: dict[str, NotifyTarget]) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    for topic_id, body in table.items():
        prefix = f"topics.{topic_id}"
        body = _table(source, prefix, body)
        _check_keys(source, prefix + ".", body, TOPIC_KEYS | set(EXTENDED_TOPIC_KEYS))
        topic = Topic(id=topic_id, label=str(body.get("label", topic_id)))
        for key in ("any", "terms", "context", "exclude", "notify", "ignore", "exclude_paths", "exclude_sections"):
            if key in body:
                setattr(topic, key, _string_list(source, f"{prefix}.{key}", body[key]))
        if "fields" in body:
            topic.fields = _string_list(source, f"{prefix}.fields", body["fields"])
            unknown = [f for f in topic.fields if f not in RULE_FIELDS]
            if unknown:
                raise ConfigError(source, f"{prefix}.fields",
                                  f"unknown field {unknown[0]!r} (choose from {', '.join(RULE_FIELDS)})")
        _parse_topic_rule(source, prefix, body, topic)
        _parse_topic_delivery(source, prefix, body, topic)
        if not topic.rule and not topic.any and not topic.terms:
            raise ConfigError(source, prefix, "a topic needs a 'rule', or at least one term in 'any' or 'terms'")
        for name in topic.notify:
            if name not in notify:
                raise ConfigError(source, f"{prefix}.notify", f"no notify target named {name!r}")
        topic.extra = {k: v for k, v in body.items() if k in EXTENDED_TOPIC_KEYS}
        from crawler.alerts.rules import RuleError, compile_topic  # topics imports this module

        try:
            topic.compiled = compile_topic(topic)
        except RuleError as error:
            raise ConfigError(source, f"{prefix}.{error.key}", error.problem) from None
        topics[topic_id] = topic
    return topics


def _number(source: str, key: str, value: Any, low: float = 0, high: float = float("inf")) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        bound = f"from {low:g} to {high:g}" if high != float("inf") else f"of at least {low:g}"
        raise ConfigError(source, key, f"must be a number {bound}, not {value!r}")
    return float(value)


def _parse_topic_rule(source: str, prefix: str, body: dict[str, Any], topic: Topic) -> None:
    """rule, lists, near, weights, threshold: checked here for types; the rule itself by crawler.alerts.rules."""
    if "rule" in body:
        if not isinstance(body["rule"], str) or not body["rule"].strip():
            raise ConfigError(source, f"{prefix}.rule", "must be a non-empty string such as '@terms NEAR/10 @context'")
        topic.rule = body["rule"].strip()
    lists = _table(source, f"{prefix}.lists", body.get("lists", {}))
    topic.lists = {name: _string_list(source, f"{prefix}.lists.{name}", value) for name, value in lists.items()}
    if "near" in body:
        topic.near = int(_number(source, f"{prefix}.near", body["near"], 0, 100))
        if topic.near != body["near"]:
            raise ConfigError(source, f"{prefix}.near", f"must be a whole number of words, not {body['near']!r}")
    weights = _table(source, f"{prefix}.weights", body.get("weights", {}))
    for name, value in weights.items():
        if name not in RULE_FIELDS:
            raise ConfigError(source, f"{prefix}.weights.{name}",
                              f"unknown field (choose from {', '.join(RULE_FIELDS)})")
        topic.weights[name] = _number(source, f"{prefix}.weights.{name}", value)
    if "threshold" in body:
        topic.threshold = _number(source, f"{prefix}.threshold", body["threshold"])


def _parse_topic_delivery(source: str, prefix: str, body: dict[str, Any], topic: Topic) -> None:
    """delivery, instant_score, digest (cron), quiet_hours ("HH:MM-HH:MM", IST), once_per_story."""
    if "delivery" in body:
        if body["delivery"] not in DELIVERY_MODES:
            raise ConfigError(source, f"{prefix}.delivery",
                              f"{body['delivery']!r} is not one of {', '.join(DELIVERY_MODES)}")
        topic.delivery = body["delivery"]
    if "instant_score" in body:
        topic.instant_score = _number(source, f"{prefix}.instant_score", body["instant_score"])
    if "digest" in body:
        from croniter import croniter

        if not isinstance(body["digest"], str) or not croniter.is_valid(body["digest"]):
            raise ConfigError(source, f"{prefix}.digest",
                              f"{body['digest']!r} is not a cron expression like '0 9,18 * * *'")
        topic.digest = body["digest"]
    if topic.delivery != "instant" and not topic.digest:
        raise ConfigError(source, f"{prefix}.digest",
                          f"delivery = {topic.delivery!r} needs a digest schedule, e.g. digest = '0 9,18 * * *'")
    if "quiet_hours" in body:
        value = body["quiet_hours"]
        match = _QUIET_HOURS.match(value) if isinstance(value, str) else None
        if not match or match.group(1, 2) == match.group(3, 4):
            raise ConfigError(source, f"{prefix}.quiet_hours",
                              f"{value!r} is not a time range in IST like '22:30-06:30'")
        topic.quiet_hours = value.strip()
    if "once_per_story" in body:
        if not isinstance(body["once_per_story"], bool):
            raise ConfigError(source, f"{prefix}.once_per_story", "must be true or false")
        topic.once_per_story = body["once_per_story"]


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


_SCHEDULE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def _valid_cron(cron: Any) -> bool:
    """Five cron fields (minute hour day month weekday) or a macro such as @hourly: what crontab accepts too."""
    if not isinstance(cron, str):
        return False
    if cron.strip() in CRON_MACROS:
        return True
    if len(cron.split()) != 5:
        return False
    from croniter import croniter

    return bool(croniter.is_valid(cron))


def _parse_schedules(source: str, table: dict[str, Any]) -> dict[str, Schedule]:
    """Schedules; whether each spider exists is checked when ``khabar schedule`` starts (spiders may come later)."""
    schedules: dict[str, Schedule] = {}
    for name, body in table.items():
        prefix = f"schedules.{name}"
        if not _SCHEDULE_NAME.match(name):
            raise ConfigError(source, prefix, "a schedule name may hold only letters, digits, '-' and '_'")
        body = _table(source, prefix, body)
        _check_keys(source, prefix + ".", body, {"spider", "cron", "args", "settings"})
        cron = body.get("cron")
        if not isinstance(cron, str) or not _valid_cron(cron):
            raise ConfigError(source, f"{prefix}.cron",
                              f"{cron!r} is not a cron expression like '*/30 * * * *' (minute hour day month "
                              "weekday) or @hourly/@daily")
        spider = body.get("spider", name)
        if not isinstance(spider, str) or not spider.strip():
            raise ConfigError(source, f"{prefix}.spider", "must be a spider name, e.g. 'lokmat'")
        args = _table(source, f"{prefix}.args", body.get("args", {}))
        settings = _table(source, f"{prefix}.settings", body.get("settings", {}))
        for key, value in [*args.items(), *settings.items()]:
            if isinstance(value, dict | list):
                raise ConfigError(source, f"{prefix}.{key}", "must be a single value, not a table or list")
        schedules[name] = Schedule(name=name, spider=spider.strip(), cron=cron.strip(),
                                   args={str(k): _setting_text(v) for k, v in args.items()},
                                   settings={str(k): _setting_text(v) for k, v in settings.items()})
    return schedules


def _setting_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


HEALTH_KEYS = {"min_date_coverage", "min_articles", "min_share_of_median", "median_runs", "min_history",
               "max_failed_share", "max_error_rate", "notify"}


def _parse_health(source: str, table: dict[str, Any], notify: dict[str, NotifyTarget]) -> HealthRules:
    _check_keys(source, "health.", table, HEALTH_KEYS)
    rules = HealthRules()
    for key in ("min_date_coverage", "min_share_of_median", "max_failed_share", "max_error_rate"):
        if key in table:
            setattr(rules, key, _fraction(source, f"health.{key}", table[key]))
    for key in ("min_articles", "median_runs", "min_history"):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(source, f"health.{key}", f"must be a whole number of at least 1, not {value!r}")
            setattr(rules, key, value)
    if "notify" in table:
        rules.notify = _string_list(source, "health.notify", table["notify"])
        for name in rules.notify:
            if name not in notify:
                raise ConfigError(source, "health.notify", f"no notify target named {name!r}")
    return rules


SHIPPED_CONFIG = Path(__file__).resolve().parent.parent / DEFAULT_CONFIG_NAME


def default_topics() -> dict[str, Topic]:
    """Without a config file, the topics of the shipped example khabar.toml (the russia-ukraine topic)."""
    return _parse_file(SHIPPED_CONFIG).topics if SHIPPED_CONFIG.is_file() else {}
