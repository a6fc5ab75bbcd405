"""Dainik Bhaskar (bhaskar.com): articles at /<section>/.../news/<slug>-<id>.html.

The page is a Next.js app with hashed class names; JSON-LD and OpenGraph carry most
fields (its JSON-LD is often cut off inside ``articleBody``, so the byline's visible date
and author are read here), and the "ये भी पढ़ें" boxes give the related stories.
"""

from __future__ import annotations

from crawler.components.site import SiteSpider
from crawler.extract.fields import LinkBlock, SiteFields


class BhaskarSpider(SiteSpider):
    name = "bhaskar"
    origin = "https://www.bhaskar.com"
    start_paths = ("/", "/national/", "/international/")
    sitemaps = ("/sitemaps-v1--sitemap-google-news-index.xml",)
    feeds = ("/rss-v1--category-1061.xml", "/rss-v1--category-1125.xml")
    article_path = r"^/(?:amp/)?[a-z0-9-]+(?:/[a-z0-9-]+)*/news/[a-z0-9-]+-\d{6,}\.html$"
    listing_path = r"^/(?:national|international|business|sports|db-original|local/[a-z-]+(?:/[a-z-]+)?)/$"
    fields = SiteFields(
        authors=".db-byline .db-author",
        published=".db-byline .db-date",
        related=LinkBlock(items="article .read-also a", title="span"),
    )
