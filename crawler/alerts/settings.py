"""What the alerts layer reads of the configuration: notify targets, delivery and health knobs, topics.

``AlertSetup`` is the part of ``crawler.config.Config`` the alerts layer uses, as a protocol, so
this layer never imports the config (which sits above it and compiles the topics with it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from crawler.alerts.rules import Topic
from crawler.knobs import boolean, duration, fraction, knob, names, whole


@dataclass
class NotifyTarget:
    """``[notify.<name>]``: a JSON-lines file, or the environment variable holding an Apprise URL (a secret)."""

    name: str
    url_env: str = ""
    file: str = ""


@dataclass
class DeliverySettings:
    """``[delivery]`` in khabar.toml: when and how often the outbox is tried."""

    at_close: bool = knob(True, setting="KHABAR_NOTIFY_AT_CLOSE", read=boolean,
                          help="send due alerts (and a health alert) when a crawl closes (else only `khabar alerts "
                               "deliver` sends; `khabar crawl --no-notify` turns it off for one run)")
    retry: float = knob(60.0, setting="KHABAR_NOTIFY_RETRY_SECONDS", read=duration,
                        help="a failed delivery is retried after this, then twice as long each time")
    retry_max: float = knob(6 * 3600.0, setting="KHABAR_NOTIFY_RETRY_MAX_SECONDS", read=duration,
                            help="the longest wait between two tries of a failed delivery")
    lease: float = knob(600.0, setting="KHABAR_NOTIFY_LEASE_SECONDS", read=duration,
                        help="a delivery run holds the rows it is sending this long, so two runs never send one")


@dataclass
class HealthRules:
    """``[health]`` in khabar.toml: when a run's output counts as dropped (``crawler.alerts.health``)."""

    min_date_coverage: float = knob(0.8, setting="KHABAR_HEALTH_MIN_DATE_COVERAGE", read=fraction,
                                    help="share of articles that must have a date")
    min_articles: int = knob(5, setting="KHABAR_HEALTH_MIN_ARTICLES", read=whole(1),
                             help="with fewer articles than this, coverage is not judged (too few to tell)")
    min_share_of_median: float = knob(0.3, setting="KHABAR_HEALTH_MIN_SHARE_OF_MEDIAN", read=fraction,
                                      help="'far under the median': fewer articles than this share of it")
    median_runs: int = knob(10, setting="KHABAR_HEALTH_MEDIAN_RUNS", read=whole(1),
                            help="the median is taken over this many earlier runs")
    min_history: int = knob(3, setting="KHABAR_HEALTH_MIN_HISTORY", read=whole(1),
                            help="the median is judged only after this many earlier runs")
    max_failed_share: float = knob(0.5, setting="KHABAR_HEALTH_MAX_FAILED_SHARE", read=fraction,
                                   help="share of article pages dropped as unreadable (no title, no body)")
    max_error_rate: float = knob(0.5, setting="KHABAR_HEALTH_MAX_ERROR_RATE", read=fraction,
                                 help="HTTP errors and exceptions per page fetched")
    failed_reasons: list[str] = knob(["no_title", "no_body", "parse_error"], setting="KHABAR_HEALTH_FAILED_REASONS",
                                     read=names, help="drop reasons that mean 'an article page we could not read'")
    notify: list[str] = field(default_factory=list)  # targets for health alerts (default: all); checked at load


class AlertSetup(Protocol):
    """The configuration as the alerts layer reads it (``crawler.config.Config`` is one)."""

    @property
    def topics(self) -> Mapping[str, Topic]: ...

    @property
    def notify(self) -> Mapping[str, NotifyTarget]: ...

    @property
    def delivery(self) -> DeliverySettings: ...

    @property
    def health(self) -> HealthRules: ...

    @property
    def source_name(self) -> str: ...


def targets_for(topic: Topic, setup: AlertSetup) -> list[str]:
    """The topic's own targets, else every configured target."""
    return list(topic.notify) if topic.notify else list(setup.notify)
