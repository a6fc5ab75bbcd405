"""Zee News Hindi (zeenews.india.com/hindi): articles at /hindi/<section>/.../<slug>/<id>.

Many pages carry no JSON-LD at all: OpenGraph, meta keywords and the breadcrumb give
most fields, and the byline gives the author and the visible date
("Last Updated: Sep 13, 2023, 16:28 PM IST", a 24-hour clock with a stray PM).
"""

from __future__ import annotations

from crawler.components.site import SiteSpider
from crawler.extract.fields import SiteFields


class ZeeNewsSpider(SiteSpider):
    name = "zeenews"
    origin = "https://zeenews.india.com"
    start_paths = ("/hindi", "/hindi/india", "/hindi/world")
    sitemaps = ("/hindi/sitemaps/news-sitemap.xml",)
    feeds = ("/hindi/india/rss",)
    article_path = r"^/hindi/(?:amp/)?(?!photos/|video/)[a-z0-9-]+(?:/[a-z0-9-]+)*/[a-z0-9-]+/\d{6,}$"
    listing_path = r"^/hindi/(?:india|world|business|sports|entertainment|india/[a-z-]+)$"
    fields = SiteFields(
        authors=".article_byline .writtenby a",
        published=".article_byline .article_date",
    )
