"""ABP Live Hindi (abplive.com): articles at /news/<section>/<slug>-<id> (and /<section>/<slug>-<id>).

JSON-LD carries the fields (with unescaped quotes inside Hindi text, repaired by the
generic reader); the "Also Read" box gives the related stories.
"""

from __future__ import annotations

from crawler.components.site import SiteSpider
from crawler.extract.fields import LinkBlock, SiteFields


class AbpLiveSpider(SiteSpider):
    name = "abplive"
    origin = "https://www.abplive.com"
    start_paths = ("/", "/news/india", "/news/world")
    sitemaps = ("/news-sitemap.xml",)
    feeds = ("/home/feed", "/news/india/feed")
    article_path = r"^/(?!photo-gallery/|videos/)[a-z0-9-]+(?:/[a-z0-9-]+)*/[a-z0-9-]+-\d{6,}(?:/amp)?$"
    listing_path = r"^/(?:news/[a-z-]+|states/[a-z-]+|sports|business|technology)(?:/page-\d+)?$"
    fields = SiteFields(
        related=LinkBlock(items=".also-read-wrap a"),
    )
