"""The ``khabar`` command line: a thin layer over the crawler and the database.

Every command takes ``--db PATH`` and ``--config PATH``; without them the database
path comes from KHABAR_DB, else the config file, else data/khabar.db, and the config
from KHABAR_CONFIG, else ./khabar.toml, else built-in defaults.
"""

from __future__ import annotations

import signal
import sys
from typing import TYPE_CHECKING, Any

import click

from crawler.app.cli_support import (
    PUBLISHED,
    TERMS,
    check_delivery_setup,
    common_options,
    crawl_failed,
    emit,
    exit_with_crawl_status,
    finish_crawl,
    get_config,
    json_text,
    no_notify_option,
    open_db,
    parse_pairs,
    progress_mode,
    progress_option,
    since_option,
    utc_option,
)
from crawler.app.cli_topics import topics
from crawler.text.cleaning import terminal_safe  # stdlib only: cheap to import with the command line

if TYPE_CHECKING:
    from crawler.config import Config


class _Lazy:
    """A module imported on first use: ``queries.search(...)`` reads as before and costs nothing until a command
    calls it (so `khabar --help` imports click alone, `khabar search` no Scrapy)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), attribute)


queries = _Lazy("crawler.app.queries")


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
@progress_option
@no_notify_option
@common_options
def crawl(spider: str, spider_args: tuple[str, ...], settings: tuple[str, ...], verbose: bool, progress: str,
          no_notify: bool, db_path: str | None, config_path: str | None) -> None:
    """Crawl one site (or the generic `article`/`feed` spiders) into the database.

    \b
    Examples:
      khabar crawl lokmat
      khabar crawl lokmat -a base_url=http://127.0.0.1:8808 -a max_pages=2
      khabar crawl article -a url=https://www.lokmatnews.in/international/some-story-b1234567/
    """
    from crawler.components.heap import collector_paused

    with collector_paused():  # start-up makes objects to keep: no collection walks them (crawler/components/heap.py)
        from crawler.app.runner import CrawlError, run_crawl

        config = get_config(config_path, db_path)
    given = parse_pairs(settings, "-s")
    check_delivery_setup(config, no_notify or given.get("KHABAR_NOTIFY_AT_CLOSE", "").lower() in {"false", "0", "no"})
    overrides = given | ({"KHABAR_NOTIFY_AT_CLOSE": "false"} if no_notify else {})
    try:
        summary = run_crawl(spider, parse_pairs(spider_args, "-a"), config,
                            settings=overrides, verbose=verbose, progress=progress_mode(progress))
    except CrawlError as error:
        raise crawl_failed(error) from None
    finish_crawl(summary)


@cli.command()
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's INFO log.")
@progress_option
@no_notify_option
@common_options
def demo(verbose: bool, progress: str, no_notify: bool, db_path: str | None, config_path: str | None) -> None:
    """Serve the bundled sample site on 127.0.0.1, crawl it, and show what was stored.

    Needs no network. Example: KHABAR_DB=/tmp/demo.db khabar demo
    """
    from crawler.app.runner import CrawlError, run_crawl
    from crawler.app.sample_server import SampleSite

    config = get_config(config_path, db_path)
    check_delivery_setup(config, no_notify)
    with SampleSite() as site:
        click.echo(f"Serving the sample Lokmat site at {site.url}; crawling it into {config.db_path} ...")
        try:
            summary = run_crawl("lokmat", {"base_url": site.url}, config, verbose=verbose,
                                progress=progress_mode(progress),
                                settings={"KHABAR_NOTIFY_AT_CLOSE": "false"} if no_notify else None)
        except CrawlError as error:
            raise crawl_failed(error) from None
    click.echo(queries.format_summary(summary))
    db = open_db(config)
    click.echo("\nLatest articles stored:")
    emit(queries.latest_articles(db, limit=8), False, ["published_at", "section", "title", "url"], "(none)",
         flexible=("title",), times=("published_at",), headers=PUBLISHED)
    click.echo("\nAlerts:")
    emit(queries.alerts(db, limit=20), False, ["topic", "published_at", "title", "matched_terms", "url"], "(none)",
         flexible=("title", "matched_terms"), times=("published_at",), headers=PUBLISHED | TERMS)
    click.echo(f"\nTry: khabar search 'यूक्रेन' --db {config.db_path}")
    exit_with_crawl_status(summary)


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, help="Most results to show.")
@click.option("--site", help="Only this site (spider name).")
@click.option("--collapse", is_flag=True, help="One row per story: copies of the same story on other sites folded.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@utc_option
@common_options
def search(query: str, limit: int, site: str | None, collapse: bool, as_json: bool, utc: bool, db_path: str | None,
           config_path: str | None) -> None:
    """Full-text search that finds whole Hindi words and their spelling variants.

    \b
    Words, "quoted phrases", AND, OR, NOT and prefix* work; English names find their
    Hindi spellings and back (Zelensky finds ज़ेलेंस्की):
      khabar search यूक्रेन
      khabar search '"व्लादिमीर पुतिन" NOT क्रिकेट'
      khabar search Zelensky
      khabar search 'Russia*' --json
      khabar search यूक्रेन --collapse      (one row per story across sites)
    """
    config = get_config(config_path, db_path)
    db = open_db(config)
    try:
        rows = queries.search(db, query, limit=limit, site=site, collapse=collapse, names=config.names)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    emit(rows, as_json, ["published_at", "site", "title", "snippet", "url"], "No articles match.",
         flexible=("title", "snippet"), times=("published_at",), utc=utc, headers=PUBLISHED)


@cli.group(invoke_without_command=True)
@click.option("--topic", help="Only this topic id, e.g. russia-ukraine.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@utc_option
@common_options
@click.pass_context
def alerts(ctx: click.Context, topic: str | None, limit: int, as_json: bool, utc: bool, db_path: str | None,
           config_path: str | None) -> None:
    """List the alerts raised, newest first, with why they fired and their delivery state.

    \b
    Examples:
      khabar alerts --topic russia-ukraine --json
      khabar alerts test russia-ukraine        which stored articles a rule matches, and why
      khabar alerts backfill russia-ukraine    apply a new or changed rule to stored articles
      khabar alerts deliver                    send what is due, retry failed deliveries
    """
    ctx.obj = {"db_path": db_path, "config_path": config_path}
    if ctx.invoked_subcommand is not None:
        return
    from crawler.alerts.recording import list_alerts

    db = open_db(get_config(config_path, db_path))
    rows = list_alerts(db, topic=topic, limit=limit)
    if not as_json:
        for row in rows:
            row["matched_terms"] = ", ".join(row["matched"].get("terms", []))
    emit(rows, as_json, ["created_at", "topic", "score", "delivery", "state", "title", "matched_terms", "url"],
         "No alerts.", flexible=("title", "state", "matched_terms"), times=("created_at",), utc=utc,
         headers={"created_at": "raised"} | TERMS)


def _alerts_config(ctx: click.Context, db_path: str | None, config_path: str | None,
                   settings: tuple[str, ...] = ()) -> Config:
    """--db/--config given after the subcommand, else before it (khabar alerts --db X deliver)."""
    parent = ctx.obj or {}
    return get_config(config_path or parent.get("config_path"), db_path or parent.get("db_path"), settings)


def _writable_db(config: Config) -> Any:
    from crawler.store.migrations import migrate

    db = open_db(config)
    try:
        migrate(db)  # an older file gets the outbox before alerts are written to it
    except Exception as error:
        raise click.ClickException(f"cannot upgrade the database at {config.db_path}: {error}") from None
    return db


@alerts.command(name="test")
@click.argument("topic")
@click.option("--misses", is_flag=True, help="Also every article that names the topic and raised no alert, with the "
                                             "reason: the part of the rule that failed, an exclusion, the "
                                             "threshold, or a passing mention.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@common_options
@click.pass_context
def alerts_test(ctx: click.Context, topic: str, misses: bool, as_json: bool, db_path: str | None,
                config_path: str | None) -> None:
    """Show which stored articles TOPIC's rule matches, and why (--json: which spelling of a name matched);
    writes and sends nothing.

    Example: khabar alerts test russia-ukraine --misses
    """
    from crawler.alerts.recording import try_topic

    config = _alerts_config(ctx, db_path, config_path)
    try:
        rows = try_topic(open_db(config), config, topic, misses=misses)
    except KeyError as error:
        raise click.ClickException(str(error.args[0])) from None
    if not as_json:
        for row in rows:
            terms = row["terms"][:6] + (["…"] if len(row["terms"]) > 6 else [])
            row["why"] = ", ".join(terms) if row["would_alert"] else row["reason"]
            row["in"] = ", ".join(row["fields"])
            row["alerted"] = "yes" if row["already_alerted"] else "no"
    emit(rows, as_json, ["article_id", "score", "delivery", "alerted", "in", "why", "title"],
         f"No stored article matches {topic}.", flexible=("why", "title"))


@alerts.command(name="backfill")
@click.argument("topic")
@click.option("--notify", is_flag=True, help="Also send the new alerts (default: store them without notifying).")
@common_options
@click.pass_context
def alerts_backfill(ctx: click.Context, topic: str, notify: bool, db_path: str | None,
                    config_path: str | None) -> None:
    """Apply TOPIC's rule to every stored article: one alert per article, ever.

    Example: khabar alerts backfill russia-ukraine --notify
    """
    from crawler.alerts.delivery import deliver_due
    from crawler.alerts.recording import backfill

    config = _alerts_config(ctx, db_path, config_path)
    db = _writable_db(config)
    try:
        counts = backfill(db, config, topic, notify=notify)
    except KeyError as error:
        raise click.ClickException(str(error.args[0])) from None
    click.echo(f"{topic}: {counts['articles']} articles checked, {counts['matched']} match, "
               f"{counts['created']} new alerts ({counts['exists']} already there, "
               f"{counts['same_story']} skipped as the same story)")
    if notify:
        report = deliver_due(db, config)
        click.echo(f"sent {report.sent}, failed {report.failed} (retried later), waiting {report.waiting}")
    elif counts["created"]:
        click.echo("stored without notifying (add --notify to send them)")


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@alerts.command(name="deliver")
@click.option("--retry-now", is_flag=True, help="Retry failed deliveries now instead of after their backoff.")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE",
              help="A delivery knob for this run, e.g. -s KHABAR_NOTIFY_LEASE_SECONDS=60 (else [delivery] in the "
                   "config).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@common_options
@click.pass_context
def alerts_deliver(ctx: click.Context, retry_now: bool, settings: tuple[str, ...], as_json: bool,
                   db_path: str | None, config_path: str | None) -> None:
    """Send the alerts that are due from the outbox: retries, digests, alerts held for quiet hours.

    Run it from cron every few minutes so digests go out when no crawl is running. Retry backoff and the
    lease come from [delivery] in the config, or -s for one run. --retry-now also takes over the lease of a
    run that was killed while sending.
    Example: khabar alerts deliver --retry-now
    """
    from crawler.alerts.delivery import deliver_due, missing_secrets

    config = _alerts_config(ctx, db_path, config_path, settings)
    for problem in missing_secrets(config):  # the other targets still get theirs; this one's rows wait
        click.echo(f"Warning: {problem}", err=True)
    db = _writable_db(config)
    # SIGTERM (cron's timeout, systemd) stops like Ctrl-C: the deliveries being sent get their leases back.
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        report = deliver_due(db, config, retry_now=retry_now)
    except KeyboardInterrupt:
        click.echo("stopped; unsent deliveries wait in the outbox for the next run", err=True)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if as_json:
        click.echo(json_text(report.as_dict()))
        return
    click.echo(f"sent {report.sent} deliveries in {report.messages} messages, failed {report.failed} "
               f"(retried later), waiting {report.waiting}")
    for error in dict.fromkeys(report.errors):
        click.echo(f"  {terminal_safe(error)}", err=True)


@cli.command()
@click.option("--limit", default=20, show_default=True)
@click.option("--spider", help="Only runs of this spider.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts (with health and drop reasons).")
@utc_option
@common_options
def runs(limit: int, spider: str | None, as_json: bool, utc: bool, db_path: str | None,
         config_path: str | None) -> None:
    """Show the latest crawl runs: counts, status and crawl health.

    \b
    health is ok, ALERT with what dropped (no articles, dates missing, far under
    the site's median), or 'not judged' for a stopped or refused run.
    Example: khabar runs --limit 5    khabar runs --spider lokmat --json
    """
    from crawler.alerts.health import summary

    rows = queries.runs(open_db(get_config(config_path, db_path)), limit=limit, spider=spider)
    if not as_json:
        rows = [row | {"health": summary(row.get("health_status"), row["health"]),
                       "scheduled": row.get("scheduled") or ""} for row in rows]
    emit(rows, as_json,
         ["id", "spider", "scheduled", "started_at", "status", "finish_reason", "pages", "new", "updated",
          "unchanged", "duplicates", "skipped", "dropped", "errors", "alerts", "health"], "No crawl runs yet.",
         flexible=("health", "finish_reason"), times=("started_at",), utc=utc, headers={"started_at": "started"})


@cli.command()
@click.option("--print-cron", is_flag=True, help="Print equivalent crontab lines and exit.")
@click.option("--print-systemd", is_flag=True, help="Print equivalent systemd .service and .timer units and exit.")
@click.option("--print-scrapyd", "scrapyd_url", is_flag=False, flag_value="http://localhost:6800", default=None,
              metavar="[URL]", help="Print crontab lines that have a Scrapyd server (default http://localhost:6800) "
                                    "run the schedules, and exit.")
@click.option("--list", "list_only", is_flag=True, help="List the schedules with their next run and exit.")
@click.option("--now", "run_now", is_flag=True, help="Run every schedule once right away, then keep to the schedule.")
@click.option("--only", multiple=True, metavar="NAME", help="Only this schedule (repeatable).")
@common_options
def schedule(print_cron: bool, print_systemd: bool, scrapyd_url: str | None, list_only: bool, run_now: bool,
             only: tuple[str, ...], db_path: str | None, config_path: str | None) -> None:
    """Run the config's [schedules] in the foreground until SIGTERM or Ctrl-C.

    \b
    Each run is a `khabar crawl` subprocess; one run per spider at a time; a slot
    missed while the machine was down runs once. Stopping forwards SIGTERM so the
    crawl in progress finishes cleanly.
    Examples:
      khabar schedule
      khabar schedule --list
      khabar schedule --print-cron >> my-crontab
      khabar schedule --print-systemd
      khabar schedule --print-scrapyd http://scrapyd.internal:6800
    """
    import logging

    from crawler.app import schedule as scheduling
    from crawler.store.sqlite import DatabaseError

    config = get_config(config_path, db_path)
    try:
        chosen = scheduling.chosen_schedules(config, only)
        if print_cron:
            click.echo(scheduling.cron_lines(config, chosen), nl=False)
        elif print_systemd:
            click.echo(scheduling.systemd_units(config, chosen), nl=False)
        elif scrapyd_url:
            click.echo(scheduling.scrapyd_lines(config, chosen, scrapyd_url), nl=False)
        elif list_only:
            emit(scheduling.schedule_table(config, chosen), False,
                 ["name", "spider", "cron", "args", "next_run", "last_started_at", "last_exit_code"], "",
                 flexible=("args",), times=("next_run", "last_started_at"))
        else:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
            scheduling.run_foreground(config, chosen, run_now=run_now)
    except (scheduling.ScheduleError, DatabaseError) as error:
        raise click.ClickException(str(error)) from None


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-p", "--port", default=8001, show_default=True, help="Port to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open it in the web browser.")
@common_options
def serve(host: str, port: int, open_browser: bool, db_path: str | None, config_path: str | None) -> None:
    """Browse and search the database in Datasette (optional extra: pip install 'khabar[serve]').

    \b
    Canned queries: Hindi-safe search, latest articles, alerts by topic, articles
    per topic per day, site health; facets by site, section and topic.
    Example: khabar serve --port 8001   then open http://127.0.0.1:8001/khabar/search?q=यूक्रेन
    """
    from crawler.app import serve as serving
    from crawler.store.sqlite import DatabaseError

    config = get_config(config_path, db_path)
    try:
        serving.build_datasette(config.db_path)  # fail now, with a sentence, if Datasette or the file is missing
    except (serving.ServeError, DatabaseError) as error:
        raise click.ClickException(str(error)) from None
    url = serving.database_url(config.db_path, host, port)
    click.echo(f"Serving {config.db_path} at {url} (Ctrl-C stops)")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    serving.serve(config.db_path, host, port)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--excel", is_flag=True, help="CSV that Excel opens with its Hindi intact (UTF-8 with a byte order "
                                             "mark); implies --format csv.")
@click.option("--site", help="Only this site.")
@click.option("--topic", help="Only articles that raised an alert for this topic.")
@click.option("--since", callback=since_option,
              help="Only articles published since: 6h, 2d, a date (2024-06-01, midnight India time) or a date-time; "
                   "the same forms as -a since=.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="-",
              help="File (default: stdout); replaced only when the whole export is written.")
@common_options
def export(fmt: str, excel: bool, site: str | None, topic: str | None, since: str | None, output: str,
           db_path: str | None, config_path: str | None) -> None:
    """Write articles out as JSON lines or CSV.

    \b
    Examples:
      khabar export --format csv --topic russia-ukraine -o ukraine.csv
      khabar export --excel --since 2d -o last-two-days.csv     (opens in Excel with Hindi intact)
    """
    db = open_db(get_config(config_path, db_path))
    if excel:
        fmt = "csv"
    # utf-8-sig writes the byte order mark Excel needs to read the file as UTF-8 instead of the local code page.
    encoding = "utf-8-sig" if excel else "utf-8"
    from crawler.app.output import OutputError, output_file

    try:
        # Written beside the file and renamed over it when complete: a failure leaves the old file as it was.
        with output_file(output, encoding) as out:
            count = queries.export(db, out, fmt, site=site, topic=topic, since=since)
    except OutputError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"exported {count} articles", err=True)


@cli.command(name="coverage")
@click.option("--golden", "golden_dir", type=click.Path(file_okay=False),
              help="Folder of golden pages (default: the ones shipped in the package, crawler/golden).")
@click.option("--stored", is_flag=True, help="Also measure the stored articles (implied by --db).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@common_options
def coverage_command(golden_dir: str | None, stored: bool, as_json: bool, db_path: str | None,
                     config_path: str | None) -> None:
    """Field coverage per site: the share of pages with each field filled, in percent.

    \b
    Examples:
      khabar coverage                        # golden pages, as the parser reads them now
      khabar coverage --db data/khabar.db    # and the articles stored in that file
      khabar coverage --stored --json
    """
    from pathlib import Path

    from crawler.app import coverage

    db = get_config(config_path, db_path).db_path if (stored or db_path) else None
    try:
        result = coverage.report(Path(golden_dir) if golden_dir else None, db)
    except coverage.CoverageError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json_text(result))
        return
    titles = {"golden": "Golden pages (crawler/golden), as the parser reads them", "stored": f"Stored articles ({db})"}
    for source, table in result.items():
        click.echo(f"{titles[source]}:\n{coverage.format_table(table) if table else '(no articles)'}\n")


@cli.command()
@click.option("--site", help="Only this site's articles.")
@common_options
def reparse(site: str | None, db_path: str | None, config_path: str | None) -> None:
    """Parse the stored pages again (after a parser fix), fetching nothing.

    Articles whose content changed are updated; the old version is kept in article_revisions.
    Example: khabar reparse --site lokmat
    """
    from crawler.app.reparse import reparse as reparse_pages

    config = get_config(config_path, db_path)
    open_db(config).close()  # a clear error when there is no database yet
    store = config.open_store()
    try:
        counts = reparse_pages(store, site=site)
    finally:
        store.close()
    click.echo(", ".join(f"{name}: {n}" for name, n in sorted(counts.items())) or "no stored articles")


@cli.command()
@click.option("--cluster", "cluster_url", metavar="URL",
              help="The cluster's Redis, e.g. redis://127.0.0.1:6379/0 (default: [cluster] url in the config).")
@click.option("--until-idle", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Exit once the queue has been empty this long (default: run until SIGTERM or Ctrl-C).")
@click.option("-s", "settings", multiple=True, metavar="NAME=VALUE",
              help="A knob for this run, e.g. -s KHABAR_BATCH_SIZE=200 (articles per commit).")
@click.option("-v", "--verbose", is_flag=True, help="Log each alert and a progress line every 10 s.")
@common_options
def writer(cluster_url: str | None, until_idle: float | None, settings: tuple[str, ...], verbose: bool,
           db_path: str | None, config_path: str | None) -> None:
    """Store a cluster crawl's articles: the one process that writes the SQLite file.

    \b
    Crawler processes started with -s KHABAR_CLUSTER=URL (on any hosts) push parsed
    articles to Redis; this drains them through the same dedup, store and alert code as
    a one-process crawl. Stopped or killed at any moment, it resumes without losing or
    doubling an article. Examples:
      khabar writer --cluster redis://127.0.0.1:6379/0 --db data/khabar.db
      khabar writer --cluster redis://127.0.0.1:6379/0 --until-idle 30
    """
    import logging
    import signal
    import threading

    from crawler.app.writer import Writer
    from crawler.store.cluster import ClusterError, connect
    from crawler.store.sqlite import DatabaseError

    pairs = parse_pairs(settings, "-s")
    if cluster_url:
        pairs["KHABAR_CLUSTER"] = cluster_url
    config = get_config(config_path, db_path, tuple(f"{name}={value}" for name, value in pairs.items()))
    if not config.cluster.url:
        raise click.ClickException("which cluster? give its Redis: --cluster redis://HOST:PORT/DB "
                                   "(or [cluster] url in the config)")
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s")
    open_db(config, create=True).close()  # a clear sentence if the file cannot be created or opened
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())  # finish the batch in hand, then exit
    try:
        draining = Writer(config, connect(config.cluster.url))
        click.echo(f"Writing the articles of the cluster at {config.cluster.url} into {config.db_path}", err=True)
        draining.run(until_idle=until_idle, stop=stop)
    except (ClusterError, DatabaseError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(draining.summary())


@cli.command(name="list")
def list_spiders() -> None:
    """List the spiders (same as `scrapy list`). Example: khabar list"""
    from crawler.components.sites import spider_names

    for name in spider_names():
        click.echo(name)


cli.add_command(topics)


def main() -> None:
    try:
        cli(prog_name="khabar")
    except KeyboardInterrupt:
        sys.exit(130)
