"""Dainik Jagran (jagran.com): articles at /<section>/<slug>-<id>.html; listings end in -news-hindi.html.

JSON-LD (inside an HTML comment, sometimes with mojibake) and the page carry the fields;
the HighLights list is the one the standard data lacks.
"""

from __future__ import annotations

from crawler.components.site import SiteSpider
from crawler.extract.fields import SiteFields


class JagranSpider(SiteSpider):
    name = "jagran"
    origin = "https://www.jagran.com"
    start_paths = ("/", "/news/national-news-hindi.html", "/world-news-hindi.html")
    sitemaps = ("/news-sitemap.xml",)
    feeds = ("/rss/news-national.xml",)
    article_path = r"^/(?:amp/)?[a-z0-9-]+(?:/[a-z0-9-]+)*/[a-z0-9-]+-\d{7,}\.html$"
    listing_path = r"^/(?:[a-z0-9-]+/)*[a-z0-9-]+-news-hindi\.html$"
    fields = SiteFields(
        highlights=".ArticleHighlights li",
    )
