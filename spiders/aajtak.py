"""Aaj Tak (aajtak.in): articles at /<section>/story/<slug>-<id>-<YYYY-MM-DD>.

JSON-LD carries the fields (two objects printed back to back in one script, which the
generic reader splits); the page adds the story highlights. Videos live under /videos/.
"""

from __future__ import annotations

from crawler.components.site import SiteSpider
from crawler.extract.fields import SiteFields


class AajTakSpider(SiteSpider):
    name = "aajtak"
    origin = "https://www.aajtak.in"
    start_paths = ("/", "/india", "/world")
    sitemaps = ("/rssfeeds/news-sitemap.xml",)
    feeds = ("/rssfeeds/?id=home",)
    article_path = r"^/(?:amp/)?[a-z0-9-]+(?:/[a-z0-9-]+)*/story/[a-z0-9-]+-\d+-\d{4}-\d{2}-\d{2}$"
    listing_path = r"^/(?:india|world|business|sports|entertainment|[a-z-]+/[a-z-]+)(?:/page-\d+)?$"
    fields = SiteFields(
        highlights=".story-highlight li",
    )
