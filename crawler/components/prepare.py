"""What is done to a fetched page before it is stored, in the crawl process or in a parse worker: the CPU work.

``Preparer.prepare(page)`` decodes the page, parses it into an ``Article`` (the site's selectors, then the
generic extractor) and makes, from its words tokenized once, everything the later stages need that costs CPU
time: the content fingerprint (dedup), the search form of each full-text column (the index), the story text
and signature (stories), the topic matches (alerts); and it packs the raw page for the pages table. Those are
kept with the article (``Article.derived``), where the stages find them made: the same functions compute them
here and there, so the stored result cannot depend on where a page was prepared. The tokens themselves are let
go once used: they are most of an article's weight and nothing later needs them. The result is plain data a
worker can send back (``crawler.components.parsepool``); the crawl process only looks things up and writes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from crawler.alerts.matcher import TopicMatcher
from crawler.alerts.rules import Topic
from crawler.extract.fields import SiteFields, build_article
from crawler.items import Article, Page
from crawler.store.articles import search_forms
from crawler.store.compression import pack
from crawler.store.dedup import content_hash
from crawler.store.stories import article_bands, article_signature, article_story_text


@dataclass
class PrepareSetup:
    """What preparing needs from the crawl, as plain data a worker process can be given when it starts."""

    fields: dict[str, SiteFields | None] = field(default_factory=dict)  # each site's selectors, by spider name
    topics: dict[str, Topic] = field(default_factory=dict)
    keep_html: bool = True
    log_level: int = logging.INFO  # the least severe log record a worker sends back to the crawl's log

    @classmethod
    def of_crawl(cls, config: Any, log_level: int = logging.INFO) -> PrepareSetup:
        """From a crawl's ``crawler.config.Config``: every site's selectors, the topics, the storage choice."""
        from crawler.components.sites import site_fields, spider_names

        return cls(fields={name: site_fields(name) for name in spider_names()}, topics=dict(config.topics),
                   keep_html=config.storage.keep_html, log_level=log_level)


class Preparer:
    def __init__(self, setup: PrepareSetup) -> None:
        self.setup = setup
        self.matcher = TopicMatcher(setup.topics)  # compiled once; the alert stage's has the same key

    def prepare(self, page: Page) -> Article:
        """The page, parsed, with what dedup, the store and the alert stage need made (raises on a broken page)."""
        article = build_article(page, self.setup.fields.get(page.site))
        content_hash(article)
        search_forms(article)
        article_story_text(article)
        article_signature(article)
        article_bands(article)
        self.matcher.match_article(article)
        article.forget("tokens")
        if self.setup.keep_html and article.html is not None:
            article.packed_html = pack(page.utf8())  # = pack_page(article.html), without encoding the page again
        article.html = None
        return article
