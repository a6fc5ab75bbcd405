"""The one settings model: ``Config``, from built-in defaults, ``khabar.toml``, the environment and ``-s``.

Every knob is declared once, with its default, its key in khabar.toml and its Scrapy setting name
(``crawler.knobs.knob``), in the settings section of the layer that uses it:

    [storage]   crawler.store.articles.StoreSettings      KHABAR_DB, KHABAR_BATCH_SIZE ...
    [crawl]     CrawlSettings (below)                      KHABAR_RECHECK_SECONDS, KHABAR_SKIP_KNOWN ...
    [dedup]     crawler.store.stories.DedupSettings        KHABAR_NEAR_DUPLICATE_THRESHOLD
    [delivery]  crawler.alerts.settings.DeliverySettings   KHABAR_NOTIFY_RETRY_SECONDS ...
    [health]    crawler.alerts.settings.HealthRules        KHABAR_HEALTH_MIN_DATE_COVERAGE ...
    [cluster]   crawler.store.cluster.ClusterSettings      KHABAR_CLUSTER, KHABAR_CLUSTER_LEASE_SECONDS

Precedence, lowest first: the default; the config file (``--config``, else KHABAR_CONFIG, else
./khabar.toml); KHABAR_DB from the environment; ``--db``; a ``-s KHABAR_...=value`` override, for that
run only. Scrapy settings are derived from the result in one function (``scrapy_settings``); in a
crawl, ``crawler.components.addon.KhabarAddon`` resolves the config once and every component asks it.

A bad config is refused before any crawl begins with the file, the key and what is wrong
(``ConfigError``). Secrets never live in the file: notify targets name the environment variable
that holds the URL.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.alerts.rules import TOPIC_FIELDS, RuleError, Topic, compile_topic
from crawler.alerts.settings import DeliverySettings, HealthRules, NotifyTarget
from crawler.knobs import Knob, KnobError, boolean, choice, duration, knob, knobs_of, names, number, size, whole
from crawler.store.articles import ArticleStore, StoreSettings
from crawler.store.cluster import ClusterSettings
from crawler.store.stories import DedupSettings
from crawler.text.hindi import search_tokens
from crawler.text.names import NameIndex, shipped_names, shipped_table

DEFAULT_CONFIG_NAME = "khabar.toml"
DEFAULTS_SOURCE = "(built-in defaults)"
PROGRESS_MODES = ("off", "live", "lines")


class ConfigError(Exception):
    """A config problem, phrased for the person who wrote the file (or typed the -s)."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source, self.key, self.problem = source, key, problem


def cores() -> int:
    """The CPUs this process may run on (its affinity, as a container or taskset limits it), else all of them."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


@dataclass
class CrawlSettings:
    """``[crawl]`` in khabar.toml: what a crawl fetches again, and how it reports."""

    recheck: float = knob(6 * 3600.0, setting="KHABAR_RECHECK_SECONDS", read=duration,
                          help="stored articles first seen longer ago than this are not fetched again; inside "
                               "it they are re-checked for edits (0s: never re-fetch)")
    skip_known: bool = knob(True, setting="KHABAR_SKIP_KNOWN", read=boolean,
                            help="skip article URLs already stored (-a skip_known=false for one run)")
    conditional_requests: bool = knob(True, setting="KHABAR_CONDITIONAL_REQUESTS", read=boolean,
                                      help="send If-None-Match / If-Modified-Since where a server gave validators")
    min_body_chars: int = knob(80, setting="KHABAR_MIN_BODY_CHARS", read=whole(0),
                               help="a page with less body text than this is not an article (dropped as no_body)")
    spider_lock: bool = knob(True, setting="KHABAR_SPIDER_LOCK", read=boolean,
                             help="at most one crawl per spider and database at a time")
    unlocked_spiders: list[str] = knob(["article"], setting="KHABAR_UNLOCKED_SPIDERS", read=names,
                                       help="spiders that may run side by side (they fetch only what they are given)")
    progress: str = knob("off", setting="KHABAR_PROGRESS", read=choice(*PROGRESS_MODES),
                         help="progress while crawling: off, live (one line rewritten in place) or lines")
    progress_interval: float = knob(1.0, setting="KHABAR_PROGRESS_INTERVAL", read=number(0.05),
                                    help="seconds between refreshes of the live progress line")
    progress_lines_interval: float = knob(10.0, setting="KHABAR_PROGRESS_LINES_INTERVAL", read=number(0.05),
                                          help="seconds between plain progress lines")
    parse_workers: int = knob(cores(), setting="KHABAR_PARSE_WORKERS", read=whole(0, 256),
                              help="processes that parse pages beside the crawl (HTML, extraction, tokens, "
                                   "fingerprints, topics): one per core by default; 0 parses in the crawl's own "
                                   "process")
    parse_pool_after: float = knob(0.25, setting="KHABAR_PARSE_POOL_AFTER", read=duration,
                                   help="start the parse workers once parsing in the crawl's own process has taken "
                                        "this much CPU time (0s: with the first page), so that a crawl of a few "
                                        "pages does not pay for starting them")


@dataclass
class LimitSettings:
    """``[limits]`` in khabar.toml: bounds on what one crawl takes in, so hostile or broken sites cannot exhaust
    memory, disk or time. Each bound that is hit is counted under the reason in its help."""

    download_max: int = knob(10 * 1024**2, setting="KHABAR_DOWNLOAD_MAX_BYTES", read=size,
                             help="a response larger than this, before or after decompression, is dropped "
                                  "(too_large; a gzip bomb stops here); Scrapy's DOWNLOAD_MAXSIZE; 0: no limit")
    download_warn: int = knob(2 * 1024**2, setting="KHABAR_DOWNLOAD_WARN_BYTES", read=size,
                              help="a response larger than this is logged; Scrapy's DOWNLOAD_WARNSIZE")
    body_chars: int = knob(200_000, setting="KHABAR_MAX_BODY_CHARS", read=whole(1),
                           help="an article body is stored up to this many characters, cut at a paragraph "
                                "(truncated/body); a real story is under 50,000")
    field_chars: int = knob(5_000, setting="KHABAR_MAX_FIELD_CHARS", read=whole(1),
                            help="any other text field (title, summary, an author ...) is cut at this length "
                                 "(truncated/<field>)")
    list_items: int = knob(200, setting="KHABAR_MAX_LIST_ITEMS", read=whole(1),
                           help="lists (authors, tags, highlights, related links) keep this many items "
                                "(truncated/<field>)")
    sitemap_depth: int = knob(3, setting="KHABAR_SITEMAP_DEPTH", read=whole(1),
                              help="sitemap indexes are followed this many levels down (discovery/too_deep): an "
                                   "index of indexes of sitemaps is depth 2")
    discovery_documents: int = knob(500, setting="KHABAR_DISCOVERY_DOCUMENTS", read=whole(1),
                                    help="sitemaps and feeds fetched per run at most (discovery/over_document_limit)")
    entries_per_document: int = knob(10_000, setting="KHABAR_ENTRIES_PER_DOCUMENT", read=whole(1),
                                     help="entries taken from one sitemap or feed, and links from one page, newest "
                                          "first (discovery/over_entry_limit)")
    pages_per_run: int = knob(20_000, setting="KHABAR_PAGES_PER_RUN", read=whole(0),
                              help="a crawl stops after this many responses (finish reason closespider_pagecount); "
                                   "Scrapy's CLOSESPIDER_PAGECOUNT; 0: no limit")
    retry_after_max: float = knob(120.0, setting="KHABAR_RETRY_AFTER_MAX_SECONDS", key="retry_after_max",
                                  read=duration,
                                  help="a 429/503 answer's Retry-After is honoured up to this long; a longer one "
                                       "drops the request (retry_after_too_long) and slows the host by this much")


# The knob sections of Config, by their [table] in khabar.toml.
SECTIONS = ("storage", "crawl", "limits", "dedup", "delivery", "health", "cluster")
# Scrapy's own settings that a knob stands for: derived from the knob unless set explicitly (-s DOWNLOAD_MAXSIZE=).
NATIVE_SETTINGS = {"DOWNLOAD_MAXSIZE": ("limits", "download_max"), "DOWNLOAD_WARNSIZE": ("limits", "download_warn"),
                   "CLOSESPIDER_PAGECOUNT": ("limits", "pages_per_run")}


@dataclass
class Config:
    source: Path | None = None  # the config file read, or None for the built-in defaults
    storage: StoreSettings = field(default_factory=StoreSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    health: HealthRules = field(default_factory=HealthRules)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    topics: dict[str, Topic] = field(default_factory=dict)
    notify: dict[str, NotifyTarget] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    # Names across scripts for search (crawler/text/names.toml, extended by [names]).
    names: NameIndex = field(default_factory=shipped_names)

    @property
    def db_path(self) -> str:
        return self.storage.db

    @property
    def source_name(self) -> str:
        """The config file, or "(built-in defaults)", for messages."""
        return str(self.source) if self.source else DEFAULTS_SOURCE

    def knobs(self) -> Iterator[tuple[str, Knob, Any]]:
        """(section, knob, section object) for every knob, in declaration order."""
        for section in SECTIONS:
            values = getattr(self, section)
            for found in knobs_of(values):
                yield section, found, values

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = "-s") -> Config:
        """A copy with ``{SETTING_NAME: value}`` applied (``-s KHABAR_RECHECK_SECONDS=60``); other names are
        ignored (see ``unknown_overrides``)."""
        changed = dataclasses.replace(self, **{s: dataclasses.replace(getattr(self, s)) for s in SECTIONS})
        for _section, found, values in changed.knobs():
            if found.setting in overrides:
                setattr(values, found.attribute, _read(found, overrides[found.setting], origin, found.setting))
        return changed

    def scrapy_settings(self) -> dict[str, Any]:
        """The Scrapy settings this config stands for: every knob under its KHABAR_* name, and the Scrapy settings
        some knobs stand for (``NATIVE_SETTINGS``)."""
        derived: dict[str, Any] = {found.setting: getattr(values, found.attribute) for _, found, values in self.knobs()}
        for name, (section, attribute) in NATIVE_SETTINGS.items():
            derived[name] = getattr(getattr(self, section), attribute)
        if self.source:
            derived["KHABAR_CONFIG"] = str(self.source)
        if self.cluster.url:
            derived.update(cluster_scrapy_settings(self.cluster.url))
        return derived

    def open_store(self) -> ArticleStore:
        """The store of one process, fully configured: the one place it is built."""
        return ArticleStore.open(self.storage, self.dedup)

    def __deepcopy__(self, memo: dict[int, Any]) -> Config:
        """The config itself: a resolved config is never changed (``with_overrides`` makes a new one), and Scrapy
        deep-copies its settings, this config among them (KHABAR_CONFIG_MODEL), twice per crawl; copying the
        compiled topics cost a crawl of one page 0.2 s."""
        return self


def cluster_scrapy_settings(url: str) -> dict[str, Any]:
    """What KHABAR_CLUSTER stands for in Scrapy: scrapy-redis's scheduler (through Khabar's subclass, whose popped
    requests survive a killed crawler) and its dupefilter, keys per spider under khabar:, kept between processes."""
    return {
        "SCHEDULER": "crawler.components.frontier.ClusterScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "crawler.components.frontier.ReliablePriorityQueue",
        "SCHEDULER_QUEUE_KEY": "khabar:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": "khabar:%(spider)s:dupefilter",
        # The frontier outlives each process: ClusterScheduler clears it only when the whole crawl is done.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": url,
    }


@dataclass
class Schedule:
    name: str
    spider: str
    cron: str
    args: dict[str, str] = field(default_factory=dict)
    # Scrapy settings for this schedule's runs (-s NAME=VALUE), e.g. DOWNLOAD_DELAY.
    settings: dict[str, str] = field(default_factory=dict)


def knob_settings() -> dict[str, tuple[str, Knob]]:
    """Every knob by its Scrapy setting name: {KHABAR_...: (section, knob)}."""
    return {found.setting: (section, found) for section, found, _ in Config().knobs()}


# Scrapy settings of Khabar's that are not knobs: the config file itself, the resolved config a
# `khabar crawl` hands to its crawler, and the name of the schedule that started a run.
NOT_KNOBS = frozenset({"KHABAR_CONFIG", "KHABAR_CONFIG_MODEL", "KHABAR_SCHEDULE"})


def unknown_overrides(names_given: Iterator[str] | list[str]) -> list[str]:
    """KHABAR_* names that are neither knobs nor the settings above: most likely typos."""
    known = knob_settings().keys() | NOT_KNOBS
    return [name for name in names_given if name.startswith("KHABAR_") and name not in known]


def overrides_in(settings: Mapping[str, Any] | Any) -> dict[str, Any]:
    """The knob values a Scrapy ``Settings`` (or a dict of -s values) sets: every KHABAR_* knob present."""
    return {name: settings[name] for name in knob_settings() if settings.get(name) is not None}


def config_for_crawl(settings: Any) -> Config:
    """The config of one crawl, from its Scrapy settings: the config ``khabar crawl`` resolved and handed over
    (KHABAR_CONFIG_MODEL), else the file KHABAR_CONFIG names (else the usual search); then every KHABAR_*
    knob the settings hold (-s, a spider's custom_settings, Scrapyd's setting=) wins for this run."""
    base = settings.get("KHABAR_CONFIG_MODEL")
    if not isinstance(base, Config):
        base = load_config(settings.get("KHABAR_CONFIG") or None)
    return base.with_overrides(overrides_in(settings))


def _read(found: Knob, value: Any, source: str, key: str) -> Any:
    try:
        return found.read(value)
    except KnobError as error:
        raise ConfigError(source, key, str(error)) from None


def find_config_path(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """--config, else KHABAR_CONFIG, else ./khabar.toml, else None (built-in defaults)."""
    chosen = explicit or os.environ.get("KHABAR_CONFIG")
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise ConfigError(str(path), "(file)", "no such config file")
        return path
    local = Path.cwd() / DEFAULT_CONFIG_NAME
    return local if local.is_file() else None


def load_config(explicit: str | os.PathLike[str] | None = None, db_override: str | None = None,
                overrides: Mapping[str, Any] | None = None) -> Config:
    """Read and validate the config. ``db_override`` is --db; ``overrides`` are -s KHABAR_... values."""
    path = find_config_path(explicit)
    if path is None:
        config = Config(topics=default_topics())
    else:
        config = _parse_file(path)
    config.storage.db = db_override or os.environ.get("KHABAR_DB") or config.storage.db
    return config.with_overrides(overrides) if overrides else config


def _parse_file(path: Path) -> Config:
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(source, "(syntax)", f"not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(source, "(file)", f"cannot be read: {error.strerror or error}") from None
    _check_keys(source, "", raw, {*SECTIONS, "topics", "notify", "schedules", "names"})
    config = Config(source=path)
    for section in SECTIONS:
        table = _table(source, section, raw.get(section, {}))
        extra = {"notify"} if section == "health" else set()
        values = getattr(config, section)
        known = {found.key: found for found in knobs_of(values)}
        _check_keys(source, f"{section}.", table, known.keys() | extra)
        for key, value in table.items():
            if key in known:
                setattr(values, known[key].attribute, _read(known[key], value, source, f"{section}.{key}"))
    if not config.storage.db:
        raise ConfigError(source, "storage.db", "must be a non-empty path string")
    config.storage.db = _relative_to(path, config.storage.db)
    config.notify = _parse_notify(source, _table(source, "notify", raw.get("notify", {})))
    for target in config.notify.values():
        target.file = _relative_to(path, target.file) if target.file else ""
    config.topics = _parse_topics(source, _table(source, "topics", raw.get("topics", {})), config.notify)
    config.schedules = _parse_schedules(source, _table(source, "schedules", raw.get("schedules", {})))
    config.names = _parse_names(source, _table(source, "names", raw.get("names", {})))
    config.health.notify = _health_targets(source, raw.get("health", {}), config.notify)
    return config


def _relative_to(config_file: Path, value: str) -> str:
    """Relative paths in the config are relative to the config file's folder."""
    return value if os.path.isabs(value) else str(config_file.parent / value)


def _table(source: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(source, key, f"must be a table, not {type(value).__name__}")
    return value


def _check_keys(source: str, prefix: str, table: dict[str, Any], known: set[str] | Any) -> None:
    for key in table:
        if key not in known:
            raise ConfigError(source, f"{prefix}{key}",
                              f"unknown key (known keys here: {', '.join(sorted(known))})")


def _string_list(source: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(source, key, "must be a list of non-empty strings")
    return [v.strip() for v in value]


TOPIC_KEYS = {"label", "any", "terms", "context", "exclude", "fields", "notify",
              "rule", "lists", "names", "variants", "near", "lead_sentences", "min_sentences",
              "subject", "subject_sentences",
              "ignore", "exclude_paths", "exclude_sections", "weights", "threshold",
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
        _check_keys(source, prefix + ".", body, TOPIC_KEYS)
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
    names = _table(source, f"{prefix}.names", body.get("names", {}))
    topic.names = {name: _string_list(source, f"{prefix}.names.{name}", value) for name, value in names.items()}
    if "variants" in body:
        if not isinstance(body["variants"], bool):
            raise ConfigError(source, f"{prefix}.variants", f"must be true or false, not {body['variants']!r}")
        topic.variants = body["variants"]
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
    if "subject" in body:
        if not isinstance(body["subject"], str) or not body["subject"].strip():
            raise ConfigError(source, f"{prefix}.subject", "must be a non-empty string such as '@ukraine OR @front'")
        topic.subject = body["subject"].strip()
    for key in ("lead_sentences", "min_sentences", "subject_sentences"):
        if key in body:
            value = body[key]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                raise ConfigError(source, f"{prefix}.{key}", f"must be a whole number from 0 to 100, not {value!r}")
            setattr(topic, key, value)


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


def _parse_names(source: str, table: dict[str, Any]) -> NameIndex:
    """``[names]``: ``Label = ["spelling", ...]``, added to the shipped list (same label: more spellings)."""
    added: dict[str, list[str]] = shipped_table()
    for label, spellings in table.items():
        if not search_tokens(label):
            raise ConfigError(source, f"names.{label}", "a name needs letters to search for")
        added[label] = added.get(label, []) + _string_list(source, f"names.{label}", spellings)
    return NameIndex.from_table(added)


def _setting_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _health_targets(source: str, table: Any, notify: dict[str, NotifyTarget]) -> list[str]:
    """``[health] notify``: the targets for health alerts (default: every target)."""
    if not isinstance(table, dict) or "notify" not in table:
        return []
    chosen = _string_list(source, "health.notify", table["notify"])
    for name in chosen:
        if name not in notify:
            raise ConfigError(source, "health.notify", f"no notify target named {name!r}")
    return chosen


# The default config ships inside the package (an installed Khabar has it); the repository's khabar.toml is the
# same file, kept identical by tests/test_packaging.py.
SHIPPED_CONFIG = Path(__file__).resolve().parent / DEFAULT_CONFIG_NAME


def default_topics() -> dict[str, Topic]:
    """Without a config file, the topics of the shipped example khabar.toml (the russia-ukraine topic)."""
    return _parse_file(SHIPPED_CONFIG).topics if SHIPPED_CONFIG.is_file() else {}
