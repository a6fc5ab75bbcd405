"""Scrapy settings for Khabar, and the defaults of every KHABAR_* setting.

Pipelines and middlewares read their settings from here through ``from_crawler``;
``-s NAME=value`` on the command line overrides any of them for one run.
"""

from __future__ import annotations

BOT_NAME = "khabar"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

USER_AGENT = "Khabar/0.1 (+https://github.com/khabar; Hindi news monitor)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    "crawler.components.skip_known.SkipKnownMiddleware": 560,
    # After SkipKnown (it needs to know whether an article is stored), before redirects and compression.
    "crawler.components.skip_known.ConditionalRequestMiddleware": 570,
}

EXTENSIONS = {
    "crawler.components.runs.CrawlRunExtension": 500,
    "crawler.components.progress.ProgressExtension": 510,
    # AutoThrottle, except that 304 Not Modified answers may speed the crawl up as 200s do.
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.components.skip_known.NotModifiedAwareAutoThrottle": 0,
}

# The order DESIGN.md gives: parse -> validate -> dedup -> store -> alert.
ITEM_PIPELINES = {
    "pipelines.parse.ParsePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedup.DedupPipeline": 300,
    "pipelines.store.StorePipeline": 400,
    "pipelines.health.HealthPipeline": 450,
    "pipelines.alert.AlertPipeline": 500,
}

# --- Khabar settings (UPPER_SNAKE, overridable with -s) ---------------------
# Database file; empty means: KHABAR_DB env var, else the config file, else data/khabar.db.
KHABAR_DB = ""
# Config file; empty means: KHABAR_CONFIG env var, else ./khabar.toml, else built-in defaults.
KHABAR_CONFIG = ""
# Articles first seen longer ago than this are not fetched again (seconds). 6 hours.
KHABAR_RECHECK_SECONDS = 6 * 3600
# Skip article URLs already stored (outside the re-check window).
KHABAR_SKIP_KNOWN = True
# Send If-None-Match / If-Modified-Since where a server gave an ETag / Last-Modified (304 = unchanged).
KHABAR_CONDITIONAL_REQUESTS = True
# Database writes are committed every KHABAR_BATCH_SIZE articles or KHABAR_BATCH_SECONDS, whichever comes first
# (the seconds bound how long another crawl may wait for the write lock, and what a kill can lose).
KHABAR_BATCH_SIZE = 500
KHABAR_BATCH_SECONDS = 2.0
# How long a crawl waits for the write lock another process holds before it drops the item it is storing
# (counted as khabar/dropped/database_locked; the page is fetched again next run). The wait blocks the crawl.
KHABAR_LOCK_WAIT_SECONDS = 30.0
# Validation: minimum characters of body text for a page to count as an article.
KHABAR_MIN_BODY_CHARS = 80
# Store the raw HTML of each page so `khabar reparse` can re-run a fixed parser.
KHABAR_KEEP_HTML = True
LOG_FORMATTER = "crawler.components.logformatter.KhabarLogFormatter"

# --- Runs, health, progress (crawler/runs.py, crawler/health.py, crawler/progress.py) ---
# The schedule that started this crawl (set by `khabar schedule`); recorded in crawl_runs.scheduled.
KHABAR_SCHEDULE = ""
# At most one crawl per spider and database at a time (a lock file next to the database).
KHABAR_SPIDER_LOCK = True
# Spiders that may run side by side (the generic article spider fetches whatever URLs it is given).
KHABAR_UNLOCKED_SPIDERS = ["article"]
# Drop reasons that mean "an article page we could not read" for crawl health (a redesign's first sign).
KHABAR_HEALTH_FAILED_REASONS = ["no_title", "no_body", "parse_error"]
# Progress while crawling: "off", "live" (one line rewritten in place, for a terminal) or "lines".
KHABAR_PROGRESS = "off"
# Seconds between refreshes of the live line, and between plain progress lines.
KHABAR_PROGRESS_INTERVAL = 1.0
KHABAR_PROGRESS_LINES_INTERVAL = 10.0

# --- Alerts (pipelines/alert.py, crawler/notify.py) ---
# Send due alerts from the outbox when the crawl closes (else only `khabar alerts deliver` sends).
KHABAR_NOTIFY_AT_CLOSE = True
# A failed delivery is retried after 60 s, then 2 min, 4 min ... at most every 6 hours; never dropped.
KHABAR_NOTIFY_RETRY_SECONDS = 60
KHABAR_NOTIFY_RETRY_MAX_SECONDS = 6 * 3600
# A delivery run holds the rows it is sending this long, so two runs never send the same alert.
KHABAR_NOTIFY_LEASE_SECONDS = 600
