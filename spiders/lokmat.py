"""Lokmat Hindi (lokmatnews.in): articles at /<section>/<slug>-b<digits>/."""

from __future__ import annotations

from crawler.components.site import SiteSpider
from crawler.extract.fields import LinkBlock, SiteFields


class LokmatSpider(SiteSpider):
    name = "lokmat"
    origin = "https://www.lokmatnews.in"
    start_paths = ("/",)
    sitemaps = ("/news-sitemap.xml", "/sitemap.xml")
    feeds = tuple(f"/rss/{section}.xml" for section in ("india", "international", "politics", "business", "cricket"))
    article_path = r"^/(?:amp/)?[a-z0-9-]+(?:/[a-z0-9-]+)*/[a-z0-9-]+-b\d+/?$"
    listing_path = r"^/(?:[a-z0-9-]+/(?:page/\d+/)?|topics/[^/]+/(?:page/\d+/)?)$"
    fields = SiteFields(
        title="h1.story-title",
        authors=".byline a.author",
        published=".byline time.pub-date",
        summary="h2.story-summary",
        highlights=".highlights li",
        dateline=".story-body .dateline",
        body=".story-body > p",
        body_exclude=".dateline",
        tags=".story-tags a",
        related=LinkBlock(items=".related-news li a", title=".headline", category=".category"),
        more_from_section=LinkBlock(items=".section-news li a", title=".headline", category=".category"),
        title_suffixes=(" - Lokmat Hindi News",),
    )
