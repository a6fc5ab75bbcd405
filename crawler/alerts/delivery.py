"""Delivering alerts from the SQLite outbox: Apprise URLs and JSON-lines files.

Each alert owes one delivery per notify target (table ``deliveries``). A run sends what is
due: instant alerts one message each, digest alerts one message per (target, topic). A
delivery is claimed with a lease naming its process (so two runs never send the same row),
and marked sent in its own transaction right after the target accepted it, so a success is
never repeated. A run that stops cleanly (an error, Ctrl-C, SIGTERM) gives its leases back; the
lease of a run that was killed outright is taken over by ``--retry-now`` once its process is gone.
A failure keeps the row pending with the error and a next attempt after an exponential backoff;
nothing is ever dropped.

Exactly once where the target allows it: every message carries an idempotency key, the same on
every attempt (an alert's key is made of its topic, article URL and target; a digest's of its
alerts' keys). Apprise targets that take custom headers (JSON/XML/form webhooks, e-mail) get it as
``Idempotency-Key``, so a receiver can drop the repeat of a message whose sender was killed between
sending and recording it; the file target writes it in each line and skips a line already written.
Targets without headers (Slack, Telegram, Discord ...) can see such a repeat.

Apprise URLs hold secrets, so they are read from the environment variable the config names, never
from the file, and no URL reaches the log: Apprise's own messages have them cut (``HideSecrets``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.alerts.recording import stamp, utc
from crawler.alerts.settings import AlertSetup, NotifyTarget, targets_for
from crawler.store.runs import pid_alive
from crawler.text import dates

logger = logging.getLogger(__name__)

KEY_HEADER = "Idempotency-Key"
FILE_TAIL_BYTES = 4 * 1024 * 1024  # how far back the file target looks for a line it already wrote
_URL = re.compile(r"\b([A-Za-z][\w+.-]{1,30}://)\S+")


class HideSecrets(logging.Filter):
    """Apprise logs the URLs it is given (a mistyped scheme: the whole URL, tokens and passwords included): every
    URL in its messages is cut to its scheme."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "://" in message:
            record.msg, record.args = _URL.sub(r"\1(hidden)", message), ()
        return True


_HIDE_SECRETS = HideSecrets()
for _name in ("apprise", "apprise.plugins"):
    if _HIDE_SECRETS not in logging.getLogger(_name).filters:
        logging.getLogger(_name).addFilter(_HIDE_SECRETS)


def alert_key(topic: str, url: str, target: str) -> str:
    """The idempotency key of one alert to one target: the same on every attempt, in every Khabar."""
    return "khabar-" + hashlib.sha256(f"{topic}\x1f{url}\x1f{target}".encode()).hexdigest()[:32]


def message_key(records: list[dict[str, Any]]) -> str:
    """The key of a message: its one alert's, or (a digest, a health alert) made of what it carries."""
    keys = [str(r.get("idempotency_key") or json.dumps(r, sort_keys=True, ensure_ascii=False)) for r in records]
    if len(keys) == 1 and keys[0].startswith("khabar-"):
        return keys[0]
    return "khabar-" + hashlib.sha256("\x1e".join(sorted(keys)).encode()).hexdigest()[:32]


class DeliveryError(Exception):
    """A target did not take a message; the text goes to deliveries.last_error."""


@dataclass
class DeliveryReport:
    sent: int = 0  # deliveries (alert x target) that went out in this run
    failed: int = 0  # deliveries that failed in this run (retried later)
    waiting: int = 0  # deliveries still pending after the run (held, backing off, or failed)
    messages: int = 0  # messages sent (a digest carries several alerts)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "waiting": self.waiting, "messages": self.messages,
                "errors": self.errors}


# ---------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------


def _ist(value: str | None) -> datetime | None:
    moment = dates.parse_iso(value) if value else None
    return moment.astimezone(dates.IST) if moment else None


def alert_record(row: dict[str, Any], label: str) -> dict[str, Any]:
    """What a target receives about one alert; also the JSON-lines record."""
    matched = json.loads(row["matched"] or "{}")
    published = _ist(row["published_at"])
    return {
        "alert_id": row["alert_id"], "topic": row["topic"], "label": label, "delivery": row["delivery"],
        "title": row["title"], "site": row["site"], "url": row["url"],
        "published_ist": dates.to_iso(published) if published else None,
        "seen_ist": dates.to_iso(seen) if (seen := _ist(row["first_seen_at"])) else None,
        "matched_terms": matched.get("terms", []), "matched_words": matched.get("words", []),
        "fields": matched.get("fields", []), "score": matched.get("score", row.get("score")),
        "idempotency_key": alert_key(row["topic"], row["url"] or "", row.get("target") or ""),
    }


def _when(record: dict[str, Any]) -> str:
    if record.get("published_ist"):
        return datetime.fromisoformat(record["published_ist"]).strftime("%Y-%m-%d %H:%M IST (+05:30)")
    if record.get("seen_ist"):
        return datetime.fromisoformat(record["seen_ist"]).strftime("seen %Y-%m-%d %H:%M IST (+05:30)")
    return "no date"


def render_one(record: dict[str, Any]) -> str:
    lines = [record.get("title", ""), f"{record.get('site', '')} · {_when(record)}"]
    if record.get("matched_terms"):
        where = f" (in {', '.join(record['fields'])}; score {record['score']:g})" if record.get("fields") else ""
        lines.append(f"matched: {', '.join(record['matched_terms'])}{where}")
    if record.get("url"):
        lines.append(record["url"])
    return "\n".join(lines)


def render(records: list[dict[str, Any]]) -> tuple[str, str]:
    """(title, body) of one message: a single alert, or a digest of several."""
    first = records[0]
    label = first.get("label") or first.get("topic", "khabar")
    if first.get("delivery") != "digest":
        return f"[{label}] {first.get('title', '')}", render_one(first)
    title = f"[{label}] digest: {len(records)} article{'s' if len(records) != 1 else ''}"
    return title, "\n\n".join(f"{n}. {render_one(r)}" for n, r in enumerate(records, 1))


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------


def send(target: NotifyTarget, records: list[dict[str, Any]] | dict[str, Any]) -> None:
    """Deliver one message (one alert, a digest, or any record such as a health alert); raises DeliveryError."""
    if isinstance(records, dict):
        records = [records]
    key = message_key(records)
    if target.file:
        _append_once(target, records, key)
        return
    url = os.environ.get(target.url_env, "").strip()
    if not url:
        raise DeliveryError(f"environment variable {target.url_env} is not set")
    import apprise

    notifier = apprise.Apprise()
    with apprise.LogCapture(level=logging.WARNING) as log:
        if not notifier.add(_with_key(apprise, url, key)):
            raise DeliveryError(f"{target.url_env} does not hold a valid Apprise URL (its scheme or form is not one "
                                "Apprise knows; see https://github.com/caronc/apprise/wiki)")
        title, body = render(records)
        try:
            ok = notifier.notify(title=title, body=body)
        except Exception as error:  # a plugin bug must not lose the alert: it stays in the outbox
            raise DeliveryError(f"{target.name}: {type(error).__name__}") from None
    if not ok:
        detail = " ".join(_URL.sub(r"\1(hidden)", line.split(" - ", 2)[-1]) for line in log.getvalue().splitlines()
                          if line.strip())
        raise DeliveryError(f"{target.name} refused the message: {detail or 'no reason given'}")


def _with_key(apprise: Any, url: str, key: str) -> str:
    """The URL with the message's idempotency key as a header, for Apprise targets that send custom headers."""
    instance = apprise.Apprise.instantiate(url)
    headers = (getattr(type(instance), "template_kwargs", None) or {}).get("headers") if instance else None
    if not headers or headers.get("prefix") != "+":
        return url
    return f"{url}{'&' if '?' in url else '?'}+{KEY_HEADER}={key}"


def _append_once(target: NotifyTarget, records: list[dict[str, Any]], key: str) -> None:
    """Append the message's lines, unless a run killed after writing them already did (its key is in the tail)."""
    path = Path(target.file)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file():
            with path.open("rb") as existing:
                existing.seek(max(0, path.stat().st_size - FILE_TAIL_BYTES))
                if f'"message_key": "{key}"'.encode() in existing.read():
                    logger.info("%s already holds message %s: not written again", target.file, key)
                    return
        with path.open("a", encoding="utf-8") as out:
            out.write("".join(json.dumps(r | {"message_key": key}, ensure_ascii=False) + "\n" for r in records))
    except OSError as error:
        raise DeliveryError(f"cannot write {target.file}: {error.strerror or error}") from None


# ---------------------------------------------------------------------------
# The outbox
# ---------------------------------------------------------------------------

DUE_SQL = """
SELECT d.id, d.alert_id, d.target, d.attempts, d.lease_until, d.lease_owner, a.topic, a.delivery, a.matched,
       a.score, ar.title, ar.site, ar.url, ar.published_at, ar.first_seen_at
FROM deliveries d JOIN alerts a ON a.id = d.alert_id JOIN articles ar ON ar.id = a.article_id
WHERE d.status = 'pending' AND (d.lease_until IS NULL OR d.lease_until < :now OR :retry_now)
  AND (d.next_attempt_at <= :now
       OR (:retry_now AND (d.attempts > 0 OR d.lease_until >= :now)
           AND (a.held_until IS NULL OR a.held_until <= :now)))
ORDER BY d.id
"""


def lease_owner() -> str:
    """Who holds a lease: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_gone(owner: str | None) -> bool:
    """A lease held by a process of this host that no longer runs (killed mid-send): nobody will finish it."""
    host, _, pid = (owner or "").rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not pid_alive(int(pid))


def _claimable(row: dict[str, Any], now: datetime, retry_now: bool) -> bool:
    if not row["lease_until"] or row["lease_until"] < stamp(now):
        return True
    return retry_now and _owner_gone(row["lease_owner"])


def adopt_orphans(db: sqlite_utils.Database, config: AlertSetup, now: datetime) -> int:
    """Pending alerts without outbox rows (written before the outbox existed) get them now."""
    orphans = db.execute("SELECT id, topic FROM alerts WHERE status = 'pending' AND NOT EXISTS "
                         "(SELECT 1 FROM deliveries WHERE deliveries.alert_id = alerts.id)").fetchall()
    if not orphans:
        return 0
    with _transaction(db):
        for alert_id, topic_id in orphans:
            topic = config.topics.get(topic_id)
            targets = targets_for(topic, config) if topic else list(config.notify)
            for target in targets:
                db.execute("INSERT OR IGNORE INTO deliveries (alert_id, target, status, attempts, next_attempt_at, "
                           "created_at) VALUES (?, ?, 'pending', 0, ?, ?)", [alert_id, target, stamp(now), stamp(now)])
            if not targets:
                db.execute("UPDATE alerts SET status = 'silent' WHERE id = ?", [alert_id])
    return len(orphans)


@contextmanager
def _transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on the autocommit connection."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _groups(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """One message per instant alert and target; one per (target, topic) for digest alerts."""
    grouped: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        key = (row["target"], row["topic"]) if row["delivery"] == "digest" else (row["target"], "#", row["id"])
        grouped.setdefault(key, []).append(row)
    return list(grouped.values())


def _claim(db: sqlite_utils.Database, rows: list[dict[str, Any]], now: datetime, lease: float,
           retry_now: bool = False) -> list[dict[str, Any]]:
    """Lease the rows to this process: free ones, and with ``retry_now`` those whose holder was killed."""
    claimed = []
    with _transaction(db):
        for row in rows:
            if not _claimable(row, now, retry_now):
                continue
            cursor = db.execute(
                "UPDATE deliveries SET lease_until = ?, lease_owner = ? WHERE id = ? AND status = 'pending' "
                "AND (lease_until IS NULL OR lease_until < ? OR lease_owner IS ?)",
                [stamp(now + timedelta(seconds=lease)), lease_owner(), row["id"], stamp(now), row["lease_owner"]])
            if cursor.rowcount:
                claimed.append(row)
    return claimed


def _release(db: sqlite_utils.Database, rows: Iterable[dict[str, Any]]) -> None:
    """Give back the leases of rows this run claimed and did not finish (it is stopping)."""
    ids = [row["id"] for row in rows]
    if not ids:
        return
    if db.conn.in_transaction:
        db.execute("ROLLBACK")
    db.execute(f"UPDATE deliveries SET lease_until = NULL, lease_owner = NULL WHERE status = 'pending' AND "
               f"lease_owner = ? AND id IN ({', '.join('?' * len(ids))})", [lease_owner(), *ids])


def _mark_sent(db: sqlite_utils.Database, rows: Iterable[dict[str, Any]], now: datetime) -> None:
    with _transaction(db):
        for row in rows:
            db.execute("UPDATE deliveries SET status = 'sent', delivered_at = ?, attempts = attempts + 1, "
                       "lease_until = NULL, lease_owner = NULL, last_error = NULL WHERE id = ?",
                       [stamp(now), row["id"]])
            db.execute("UPDATE alerts SET status = 'sent', delivered_at = ? WHERE id = ? AND NOT EXISTS "
                       "(SELECT 1 FROM deliveries WHERE alert_id = ? AND status != 'sent')",
                       [stamp(now), row["alert_id"], row["alert_id"]])


def backoff(attempts: int, base: float, ceiling: float) -> float:
    """Seconds before the next try after ``attempts`` failures: base, 2x, 4x ... up to ceiling."""
    return float(min(base * 2 ** max(attempts - 1, 0), ceiling))


def _mark_failed(db: sqlite_utils.Database, rows: Iterable[dict[str, Any]], now: datetime, error: str,
                 base: float, ceiling: float) -> None:
    with _transaction(db):
        for row in rows:
            retry_at = now + timedelta(seconds=backoff(row["attempts"] + 1, base, ceiling))
            db.execute("UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, "
                       "lease_until = NULL, lease_owner = NULL WHERE id = ?",
                       [error[:500], stamp(retry_at), row["id"]])


def deliver_due(db: sqlite_utils.Database, config: AlertSetup, now: datetime | None = None, *,
                retry_now: bool = False) -> DeliveryReport:
    """Send every due delivery; ``retry_now`` also retries failed ones before their backoff ends. Retries and
    the lease follow ``config.delivery`` (``[delivery]`` in khabar.toml, or -s KHABAR_NOTIFY_...)."""
    settings = config.delivery
    moment = utc(now)
    if db.conn.in_transaction:
        db.execute("COMMIT")  # the crawl's last batch: alerts must be stored before they are sent
    adopt_orphans(db, config, moment)
    cursor = db.execute(DUE_SQL, {"now": stamp(moment), "retry_now": int(retry_now)})
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    report = DeliveryReport()
    claimed: list[dict[str, Any]] = []
    try:
        for group in _groups(rows):
            claimed = _claim(db, group, moment, settings.lease, retry_now)
            if claimed:
                _deliver(db, config, claimed, moment, report)
            claimed = []
    finally:
        _release(db, claimed)  # stopped mid-send (an error, Ctrl-C, SIGTERM): the next run need not wait the lease
    report.waiting = db.execute("SELECT count(*) FROM deliveries WHERE status = 'pending'").fetchone()[0]
    return report


def _deliver(db: sqlite_utils.Database, config: AlertSetup, claimed: list[dict[str, Any]], moment: datetime,
             report: DeliveryReport) -> None:
    """Send one claimed message and record what happened."""
    settings = config.delivery
    target = config.notify.get(claimed[0]["target"])
    topic = config.topics.get(claimed[0]["topic"])
    records = [alert_record(row, topic.label if topic else row["topic"]) for row in claimed]
    try:
        if target is None:
            raise DeliveryError(f"no notify target named {claimed[0]['target']!r} in {config.source_name}")
        send(target, records)
    except DeliveryError as error:
        _mark_failed(db, claimed, moment, str(error), settings.retry, settings.retry_max)
        report.failed += len(claimed)
        report.errors.append(str(error))
        logger.warning("alert delivery to %s failed (will retry): %s", claimed[0]["target"], error)
        return
    _mark_sent(db, claimed, moment)
    report.sent += len(claimed)
    report.messages += 1


def targets_in_use(config: AlertSetup) -> list[str]:
    """The notify targets something will send to: the topics' targets and the health alerts' targets."""
    used: dict[str, None] = {}
    for topic in config.topics.values():
        used |= dict.fromkeys(targets_for(topic, config))
    used |= dict.fromkeys(config.health.notify or list(config.notify))
    return [name for name in used if name in config.notify]


def missing_secrets(config: AlertSetup) -> list[str]:
    """One sentence per target in use whose ``url_env`` names an unset variable: checked before a crawl starts,
    so a missing secret is not found five failed deliveries later."""
    problems = []
    for name in targets_in_use(config):
        target = config.notify[name]
        if target.url_env and not os.environ.get(target.url_env, "").strip():
            problems.append(f"notify.{name}: the environment variable {target.url_env} is not set (it holds the "
                            f"Apprise URL; `khabar schedule --print-systemd` shows where to put it)")
    return problems
