"""What the ``khabar`` commands share: options, the config and database, tables, and how a crawl ends."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from crawler.text.cleaning import terminal_safe  # stdlib only: cheap to import with the command line

if TYPE_CHECKING:
    from crawler.config import Config

# Commands import what they need when they run (the crawler, SQLite helpers, numpy ...): `khabar --help` imports
# click alone, `khabar search` no Scrapy.

os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                        help="Config file (default: KHABAR_CONFIG, else ./khabar.toml).")(func)
    func = click.option("--db", "db_path", type=click.Path(dir_okay=False),
                        help="SQLite file (default: KHABAR_DB, else the config's storage.db, "
                        "else data/khabar.db).")(func)
    return func


def progress_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--progress", type=click.Choice(["auto", "live", "lines", "off"]), default="auto",
                        show_default=True,
                        help="Live counts while crawling: one line rewritten in place on a terminal (auto), "
                             "a plain line every 10 s otherwise.")(func)


def no_notify_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--no-notify", is_flag=True,
                        help="Send nothing in this run: alerts wait in the outbox for `khabar alerts deliver` "
                             "(a missing notify secret is then a warning, not an error).")(func)


def check_delivery_setup(config: Config, no_notify: bool) -> None:
    """A notify target whose secret is missing stops the command before it crawls; with --no-notify it is a
    warning. Secrets live in the environment (url_env), so this is checked in the environment the crawl runs in."""
    from crawler.alerts.delivery import missing_secrets

    problems = missing_secrets(config)
    if not problems:
        return
    if no_notify or not config.delivery.at_close:
        for problem in problems:
            click.echo(f"Warning: {problem}", err=True)
        return
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    raise click.ClickException(f"{problems[0]}{more}; or run with --no-notify to keep alerts in the outbox")


def progress_mode(choice: str) -> str:
    if choice != "auto":
        return choice
    return "live" if sys.stdout.isatty() else "lines"


def get_config(config_path: str | None, db_path: str | None, settings: tuple[str, ...] = ()) -> Config:
    """The config of this command: --config / --db, then any -s KHABAR_... knob."""
    from crawler.config import ConfigError, load_config

    try:
        return load_config(config_path, db_override=db_path, overrides=parse_pairs(settings, "-s"))
    except ConfigError as error:
        raise click.ClickException(f"bad config: {error}") from None


def open_db(config: Config, create: bool = False) -> Any:
    from crawler.store.connection import connect
    from crawler.store.sqlite import DatabaseError

    try:
        return connect(config.db_path, create=create)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None


# Characters JSON may carry raw that a terminal would act on (C1 controls, bidirectional overrides): printed as
# \uXXXX escapes, which any JSON reader turns back into the same text.
_JSON_UNSAFE = re.compile("[\u007f-\u009f\u202a-\u202e\u2066-\u2069]")


def json_text(value: Any) -> str:
    """JSON for scripts that is also safe on a terminal (json.dumps already escapes C0 controls)."""
    text = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def emit(rows: list[dict[str, Any]], as_json: bool, columns: list[str], empty: str, *, flexible: tuple[str, ...] = (),
         times: tuple[str, ...] = (), utc: bool = False, headers: dict[str, str] | None = None) -> None:
    """JSON as stored (UTC, full text) for scripts; else a table fitted to the terminal, ``times`` in IST (UTC with
    --utc), ``flexible`` columns cut between graphemes."""
    if as_json:
        click.echo(json_text(rows))
        return
    if not rows:
        click.echo(empty)
        return
    from crawler.app import tables

    # Crawled text made safe to print: no escape sequences or control characters (rows stored before Khabar cleaned
    # them out of crawled text may still hold them).
    safe = [{key: terminal_safe(value) if isinstance(value, str) else value for key, value in row.items()}
            for row in rows]
    shown = tables.with_times(safe, times, utc)
    click.echo(tables.render(shown, columns, flexible=flexible, headers=headers))


def utc_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--utc", is_flag=True, help="Show times in UTC instead of India time (IST, +05:30).")(func)


class CrawlFailed(click.ClickException):
    """A CrawlError as the one sentence the user sees, ending the command with the error's exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        return self.code


def crawl_failed(error: Any) -> click.ClickException:
    return CrawlFailed(str(error), int(error.code))


def exit_with_crawl_status(summary: dict[str, Any]) -> None:
    """A crawl that was stopped, failed or unhealthy ends the command with its exit status, said on stderr."""
    from crawler.app.exit_codes import MEANING, ExitCode, crawl_exit

    code = crawl_exit(summary["stats"])
    if code:
        failure = summary["stats"].get("khabar/run_failure")
        detail = f" ({terminal_safe(failure)})" if code == ExitCode.FAILED and failure else ""
        click.echo(f"exit status {int(code)}: {MEANING[code]}{detail}", err=True)
        sys.exit(int(code))


def finish_crawl(summary: dict[str, Any]) -> None:
    from crawler.app import queries

    click.echo(queries.format_summary(summary))
    exit_with_crawl_status(summary)


def parse_pairs(pairs: tuple[str, ...], flag: str) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{flag} {pair!r} must look like NAME=VALUE")
        parsed[name.strip()] = value
    return parsed


def since_option(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--since as `-a since=` reads it: 6h, 2d, a date (midnight India time) or a date-time; the UTC moment."""
    from crawler.text.clock import parse_since
    from crawler.text.dates import to_utc_iso

    if value is None:
        return None
    try:
        moment = parse_since(value, flag="--since")
    except ValueError as error:
        raise click.BadParameter(str(error).removeprefix("--since "), ctx, param) from None
    return to_utc_iso(moment) if moment else None


# Column headers that say the time zone the cells are shown in.
PUBLISHED = {"published_at": "published"}
TERMS = {"matched_terms": "matched"}
