"""The ``khabar`` command line: a thin layer over the crawler and the database.

Every command takes ``--db PATH`` and ``--config PATH``; without them the database
path comes from KHABAR_DB, else the config file, else data/khabar.db, and the config
from KHABAR_CONFIG, else ./khabar.toml, else built-in defaults.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from crawler import queries
from crawler.config import Config, ConfigError, load_config
from crawler.db import DatabaseError, connect

os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                        help="Config file (default: KHABAR_CONFIG, else ./khabar.toml).")(func)
    func = click.option("--db", "db_path", type=click.Path(dir_okay=False),
                        help="SQLite file (default: KHABAR_DB, else the config's storage.db, else data/khabar.db).")(func)
    return func


def get_config(config_path: str | None, db_path: str | None) -> Config:
    try:
        return load_config(config_path, db_override=db_path)
    except ConfigError as error:
        raise click.ClickException(f"bad config: {error}") from None


def open_db(config: Config, create: bool = False) -> Any:
    try:
        return connect(config.db_path, create=create)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None


def emit(rows: list[dict[str, Any]], as_json: bool, columns: list[str], empty: str) -> None:
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(empty)
        return
    from tabulate import tabulate

    click.echo(tabulate([[row.get(c, "") for c in columns] for row in rows], headers=columns))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="khabar")
def cli() -> None:
    """Khabar (खबर): crawl Hindi news sites into one SQLite file and raise topic alerts.

    \b
    Start with:  khabar demo
    Then:        khabar search "यूक्रेन"   khabar alerts   khabar runs
    """


@cli.command()
@click.argument("spider")
@click.option("-a", "spider_args", multiple=True, metavar="NAME=VALUE",
              help="Spider argument, e.g. -a base_url=http://127.0.0.1:8808 -a max_pages=2.")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE", help="Scrapy setting for this run.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's INFO log.")
@common_options
def crawl(spider: str, spider_args: tuple[str, ...], settings: tuple[str, ...], verbose: bool,
          db_path: str | None, config_path: str | None) -> None:
    """Crawl one site (or the generic `article`/`feed` spiders) into the database.

    \b
    Examples:
      khabar crawl lokmat
      khabar crawl lokmat -a base_url=http://127.0.0.1:8808 -a max_pages=2
      khabar crawl article -a url=https://www.lokmatnews.in/international/some-story-b1234567/
    """
    from crawler.runner import CrawlError, run_crawl

    config = get_config(config_path, db_path)
    try:
        summary = run_crawl(spider, parse_pairs(spider_args, "-a"), config,
                            settings=parse_pairs(settings, "-s"), verbose=verbose)
    except CrawlError as error:
        raise click.ClickException(str(error)) from None
    click.echo(queries.format_summary(summary))


def parse_pairs(pairs: tuple[str, ...], flag: str) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{flag} {pair!r} must look like NAME=VALUE")
        parsed[name.strip()] = value
    return parsed


@cli.command()
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's INFO log.")
@common_options
def demo(verbose: bool, db_path: str | None, config_path: str | None) -> None:
    """Serve the bundled sample site on 127.0.0.1, crawl it, and show what was stored.

    Needs no network. Example: KHABAR_DB=/tmp/demo.db khabar demo
    """
    from crawler.runner import CrawlError, run_crawl
    from crawler.sample_server import SampleSite

    config = get_config(config_path, db_path)
    with SampleSite() as site:
        click.echo(f"Serving the sample Lokmat site at {site.url}; crawling it into {config.db_path} ...")
        try:
            summary = run_crawl("lokmat", {"base_url": site.url}, config, verbose=verbose)
        except CrawlError as error:
            raise click.ClickException(str(error)) from None
    click.echo(queries.format_summary(summary))
    db = open_db(config)
    click.echo("\nLatest articles stored:")
    emit(queries.latest_articles(db, limit=8), False, ["published_at", "section", "title"], "(none)")
    click.echo("\nAlerts:")
    emit(queries.alerts(db, limit=20), False, ["topic", "published_at", "title", "matched_terms"], "(none)")
    click.echo(f"\nTry: khabar search 'यूक्रेन' --db {config.db_path}")


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, help="Most results to show.")
@click.option("--site", help="Only this site (spider name).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@common_options
def search(query: str, limit: int, site: str | None, as_json: bool, db_path: str | None,
           config_path: str | None) -> None:
    """Full-text search that finds whole Hindi words and their spelling variants.

    \b
    Words, "quoted phrases", AND, OR, NOT and prefix* work:
      khabar search यूक्रेन
      khabar search '"व्लादिमीर पुतिन" NOT क्रिकेट'
      khabar search 'Russia*' --json
    """
    db = open_db(get_config(config_path, db_path))
    try:
        rows = queries.search(db, query, limit=limit, site=site)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    emit(rows, as_json, ["published_at", "site", "title", "snippet"], "No articles match.")


@cli.command()
@click.option("--topic", help="Only this topic id, e.g. russia-ukraine.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@common_options
def alerts(topic: str | None, limit: int, as_json: bool, db_path: str | None, config_path: str | None) -> None:
    """List the alerts raised, newest first.

    Example: khabar alerts --topic russia-ukraine --json
    """
    db = open_db(get_config(config_path, db_path))
    emit(queries.alerts(db, topic=topic, limit=limit), as_json,
         ["created_at", "topic", "status", "title", "matched_terms"], "No alerts.")


@cli.command()
@click.option("--limit", default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@common_options
def runs(limit: int, as_json: bool, db_path: str | None, config_path: str | None) -> None:
    """Show the latest crawl runs and their counts.

    Example: khabar runs --limit 5
    """
    db = open_db(get_config(config_path, db_path))
    emit(queries.runs(db, limit=limit), as_json,
         ["id", "spider", "started_at", "finish_reason", "pages", "new", "updated", "duplicates", "dropped",
          "alerts"], "No crawl runs yet.")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--site", help="Only this site.")
@click.option("--topic", help="Only articles that raised an alert for this topic.")
@click.option("--since", help="Only articles published since this ISO date, e.g. 2024-01-01.")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="File (default: stdout).")
@common_options
def export(fmt: str, site: str | None, topic: str | None, since: str | None, output: Any,
           db_path: str | None, config_path: str | None) -> None:
    """Write articles out as JSON lines or CSV.

    Example: khabar export --format csv --topic russia-ukraine -o ukraine.csv
    """
    db = open_db(get_config(config_path, db_path))
    count = queries.export(db, output, fmt, site=site, topic=topic, since=since)
    click.echo(f"exported {count} articles", err=True)


@cli.command(name="list")
def list_spiders() -> None:
    """List the spiders (same as `scrapy list`). Example: khabar list"""
    from crawler.runner import spider_names

    for name in spider_names():
        click.echo(name)


def main() -> None:
    try:
        cli(prog_name="khabar")
    except KeyboardInterrupt:
        sys.exit(130)
