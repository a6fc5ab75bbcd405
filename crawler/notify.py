"""Delivering alerts: a JSON-lines file, or any Apprise URL read from an environment variable.

Pending alerts are delivered at the end of a crawl (and by ``khabar alerts deliver``);
an alert stays pending until every target took it, so a failed delivery is retried
on a later run.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler import dates
from crawler.config import Config, NotifyTarget
from crawler.storage import utc_now

logger = logging.getLogger(__name__)


def message(alert: dict[str, Any]) -> dict[str, Any]:
    published = dates.parse_iso(alert["published_at"]) if alert.get("published_at") else None
    matched = json.loads(alert["matched"] or "{}")
    return {
        "topic": alert["topic"], "title": alert["title"], "site": alert["site"], "url": alert["url"],
        "published_ist": dates.to_iso(published.astimezone(dates.IST)) if published else None,
        "matched_terms": matched.get("terms", []), "alert_id": alert["id"],
    }


def _text(msg: dict[str, Any]) -> str:
    terms = ", ".join(msg["matched_terms"])
    return f"{msg['title']}\n{msg['site']} · {msg['published_ist'] or 'no date'} IST\n" \
           f"matched: {terms}\n{msg['url']}"


def send(target: NotifyTarget, msg: dict[str, Any]) -> None:
    """Deliver one message to one target; raises on failure."""
    if target.file:
        path = Path(target.file)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(msg, ensure_ascii=False) + "\n")
        return
    url = os.environ.get(target.url_env, "")
    if not url:
        raise RuntimeError(f"environment variable {target.url_env} is not set")
    import apprise

    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise RuntimeError(f"{target.url_env} does not hold a valid Apprise URL")
    if not notifier.notify(title=f"[{msg['topic']}] {msg['title']}", body=_text(msg)):
        raise RuntimeError(f"delivery to {target.name} failed")


PENDING_SQL = """
SELECT alerts.id, alerts.topic, alerts.matched, articles.title, articles.site, articles.url,
       articles.published_at
FROM alerts JOIN articles ON articles.id = alerts.article_id
WHERE alerts.status = 'pending' ORDER BY alerts.id
"""


def deliver_pending(db: sqlite_utils.Database, config: Config) -> tuple[int, int]:
    """Deliver every pending alert to its topic's targets (all targets if it names none)."""
    if not config.notify:
        return 0, 0
    sent = failed = 0
    for row in db.execute(PENDING_SQL).fetchall():
        alert = dict(zip(["id", "topic", "matched", "title", "site", "url", "published_at"], row, strict=True))
        topic = config.topics.get(alert["topic"])
        names = topic.notify if topic and topic.notify else list(config.notify)
        try:
            for name in names:
                send(config.notify[name], message(alert))
        except Exception as error:  # any target failing keeps the alert pending for the next run
            failed += 1
            logger.warning("alert %s not delivered yet: %s", alert["id"], error)
            continue
        db.execute("UPDATE alerts SET status = 'sent', delivered_at = ? WHERE id = ?", [utc_now(), alert["id"]])
        sent += 1
    return sent, failed
