"""Live Hindustan (livehindustan.com): articles at /<section>/story-<slug>-<id>.html.

JSON-LD carries the fields (often with trailing commas, which the generic reader repairs);
the page adds the related-stories list with its section labels.
"""

from __future__ import annotations

from crawler.components.site import SiteSpider
from crawler.extract.fields import LinkBlock, SiteFields


class LiveHindustanSpider(SiteSpider):
    name = "livehindustan"
    origin = "https://www.livehindustan.com"
    start_paths = ("/", "/national", "/international")
    sitemaps = ("/news-sitemap.xml",)
    feeds = ("/rss/national", "/rss/international")
    article_path = r"^/(?:amp/)?[a-z0-9-]+(?:/[a-z0-9-]+)*/story-[a-z0-9-]+-\d{6,}\.html$"
    listing_path = r"^/(?:national|international|business|cricket|entertainment|[a-z-]+/news)(?:/page-\d+)?$"
    fields = SiteFields(
        related=LinkBlock(items=".related-stories li a", title=".title", category=".cat"),
    )
