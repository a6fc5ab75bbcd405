"""BBC News Hindi (bbc.com/hindi): articles at /hindi/articles/<id> (and older /hindi/<section>-<digits>).

JSON-LD (an ``@graph`` with a ReportageNewsArticle) names the BBC itself as the author, so
the writer's name comes from the visible byline; everything else is generic.
"""

from __future__ import annotations

from crawler.components.site import SiteSpider
from crawler.extract.fields import SiteFields


class BbcHindiSpider(SiteSpider):
    name = "bbchindi"
    origin = "https://www.bbc.com"
    start_paths = ("/hindi", "/hindi/india", "/hindi/international")
    sitemaps = ("/hindi/sitemap.xml",)
    feeds = ("/hindi/index.xml",)
    article_path = r"^/hindi/(?:articles/c[a-z0-9]{10}o|[a-z]+(?:-[a-z]+)*-\d{8})(?:\.amp)?$"
    listing_path = r"^/hindi(?:/(?:india|international|topics/c[a-z0-9]+))?$"
    fields = SiteFields(
        authors="section[aria-labelledby='article-byline'] li:first-child span + span",
    )
