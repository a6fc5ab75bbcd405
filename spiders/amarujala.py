"""Amar Ujala (amarujala.com): articles at /<section>[/<city>]/<slug>[-YYYY-MM-DD].

JSON-LD and OpenGraph give the fields; the page adds the "more from this section" list.
Photo galleries (/photo-gallery/) and videos (/video/) are not articles.
"""

from __future__ import annotations

from crawler.components.site import SiteSpider
from crawler.extract.fields import LinkBlock, SiteFields


class AmarUjalaSpider(SiteSpider):
    name = "amarujala"
    origin = "https://www.amarujala.com"
    start_paths = ("/", "/india-news", "/world")
    sitemaps = ("/sitemap-news-v1.xml",)
    feeds = ("/rss/breaking-news.xml", "/rss/india-news.xml")
    # A slug of four or more words, optionally dated: section pages are one or two short words.
    article_path = (r"^/(?:amp/)?(?!photo-gallery/|video/|tags/|author/)[a-z0-9-]+(?:/[a-z0-9-]+)*"
                    r"/[a-z0-9]+(?:-[a-z0-9]+){3,}$")
    listing_path = r"^/(?:india-news|world|business|sports|entertainment|city/[a-z-]+|[a-z-]+/[a-z-]+)$"
    fields = SiteFields(
        more_from_section=LinkBlock(items=".more-from-section li a", title="h3"),
    )
