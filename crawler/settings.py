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
    "crawler.middlewares.SkipKnownMiddleware": 560,
}

EXTENSIONS = {
    "crawler.runs.CrawlRunExtension": 500,
}

# The order DESIGN.md gives: parse -> validate -> dedup -> store -> alert.
ITEM_PIPELINES = {
    "pipelines.parse.ParsePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedup.DedupPipeline": 300,
    "pipelines.store.StorePipeline": 400,
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
# Validation: minimum characters of body text for a page to count as an article.
KHABAR_MIN_BODY_CHARS = 80
# Store the raw HTML of each page so `khabar reparse` can re-run a fixed parser.
KHABAR_KEEP_HTML = True
# Dates more than this many seconds in the future are rejected (clock skew allowance).
KHABAR_MAX_FUTURE_SECONDS = 24 * 3600
LOG_FORMATTER = "crawler.logformatter.KhabarLogFormatter"
