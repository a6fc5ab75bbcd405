"""Scrapy settings for Khabar: the Scrapy project's own settings and its components.

Khabar's own knobs (KHABAR_*) are not defaults here: each is declared once in the typed config
model (``crawler/config.py``), read from khabar.toml, and derived into Scrapy settings by the
Khabar add-on when a crawl starts. ``-s KHABAR_...=value`` overrides any of them for one run.
"""

from __future__ import annotations

from scrapy.settings import default_settings as _scrapy_defaults

BOT_NAME = "khabar"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

USER_AGENT = "Khabar/0.1 (+https://github.com/khabar; Hindi news monitor)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
# The delay before AutoThrottle has measured the site: robots.txt comes first, so a crawl of one page waited this
# long for nothing (0.5 s was a third of a cron crawl's time); AutoThrottle takes it up from the first responses.
AUTOTHROTTLE_START_DELAY = 0.1
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

# Resolves the crawl's config (khabar.toml, environment, -s) and opens its store: every component asks it.
ADDONS = {"crawler.components.addon.KhabarAddon": 0}

DOWNLOADER_MIDDLEWARES = {
    "crawler.components.skip_known.SkipKnownMiddleware": 560,
    # After SkipKnown (it needs to know whether an article is stored), before redirects and compression.
    "crawler.components.conditional.ConditionalRequestMiddleware": 570,
    # Scrapy's, except that a page without the word "refresh" in its first bytes is not decoded to look for it.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.components.metarefresh.QuickMetaRefreshMiddleware": 580,
    # Sees 429/503 answers before RetryMiddleware (550) retries them: waits Retry-After, slows the host.
    "crawler.components.retry_after.RetryAfterMiddleware": 555,
    # Scrapy's decompression (bounded by DOWNLOAD_MAXSIZE), with a body inflating past it counted.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.components.compression.BoundedCompressionMiddleware": 590,
    # Sees redirects before RedirectMiddleware (600) follows them: loops, endless chains, other hosts.
    "crawler.components.redirects.RedirectGuardMiddleware": 610,
    # Closest to the downloader: a download cancelled for its size is a counted drop, not an error.
    "crawler.components.too_large.TooLargeMiddleware": 990,
}

# Items processed at once for each response. Scrapy starts this many tasks per response; a Khabar page yields one
# item, and a sitemap's requests are scheduled without waiting, so Scrapy's 100 only cost time (about 0.3 ms a page).
CONCURRENT_ITEMS = 16

# Scrapy 2.19's remote control would start an aiohttp web server in every crawl: Khabar has no use for it.
REMOTE_CONTROL_ENABLED = False

# Scrapy's own extensions less the two that are off (above) anyway: Scrapy imports every extension it lists, even one
# set to None in EXTENSIONS, and the remote control's module imports aiohttp, 0.08 s of a one-page crawl's start-up
# (the telnet console's imports Twisted's conch).
EXTENSIONS_BASE = {path: order for path, order in _scrapy_defaults.EXTENSIONS_BASE.items()
                   if path not in ("scrapy.extensions.remote_control.RemoteControl",
                                   "scrapy.extensions.telnet.TelnetConsole")}

EXTENSIONS = {
    # Start-up's objects frozen out of the garbage collector's sight (first, so that every later collection skips them).
    "crawler.components.heap.StartupFreezer": -100,
    # Counts every exception in a pipeline or the store; a run with one is recorded as failed.
    "crawler.components.failures.FailureMonitor": 490,
    "crawler.components.runs.CrawlRunExtension": 500,
    "crawler.components.progress.ProgressExtension": 510,
    # Ctrl-C / SIGTERM: stop fetching at once, finish the pages in flight; a second signal forces.
    "crawler.components.stopping.StopExtension": 520,
    # AutoThrottle, except that 304 Not Modified answers may speed the crawl up as 200s do.
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.components.throttle.NotModifiedAwareAutoThrottle": 0,
}

# The order DESIGN.md gives: parse -> validate -> (since) -> dedup -> store -> alert. In a cluster crawl
# (KHABAR_CLUSTER) the handoff pushes each article to Redis and dedup, store and alert are `khabar writer`'s, in
# another process. The batch is committed when due after the last stage (CommitPipeline), so an article and its
# alerts are one transaction.
ITEM_PIPELINES = {
    "pipelines.parse.ParsePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    # -a since=: an article published before the window is neither stored nor alerted (khabar/skipped/too_old);
    # before the handoff, so a cluster crawl does not send it to the writer either.
    "pipelines.since.SincePipeline": 220,
    "pipelines.handoff.HandoffPipeline": 250,
    "pipelines.dedup.DedupPipeline": 300,
    "pipelines.store.StorePipeline": 400,
    "pipelines.health.HealthPipeline": 450,
    "pipelines.alert.AlertPipeline": 500,
    "pipelines.commit.CommitPipeline": 900,
}

LOG_FORMATTER = "crawler.components.logformatter.KhabarLogFormatter"
