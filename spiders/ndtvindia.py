"""NDTV India (ndtv.in): articles at /<section>/<slug>-<id>.

Article pages carry schema.org microdata rather than JSON-LD, read by the generic
extractor, as is the bold dateline opening the story; the "ये भी पढ़ें" list inside the
story gives the related links.
"""

from __future__ import annotations

from crawler.components.site import SiteSpider
from crawler.extract.fields import LinkBlock, SiteFields


class NdtvIndiaSpider(SiteSpider):
    name = "ndtvindia"
    origin = "https://ndtv.in"
    start_paths = ("/", "/india", "/world-news")
    sitemaps = ("/sitemap/google-news-sitemap.xml",)
    feeds = ("/rss/ndtv-india-news.xml",)
    article_path = r"^/(?:amp/)?[a-z0-9-]+/[a-z0-9-]+-\d{6,}$"
    listing_path = r"^/(?:india|world-news|business|cricket|entertainment|[a-z-]+-news)(?:/page-\d+)?$"
    fields = SiteFields(
        related=LinkBlock(items=".ins_storybody ul li a"),
    )
