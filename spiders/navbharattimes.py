"""Navbharat Times (navbharattimes.indiatimes.com): articles at /<section>/.../articleshow/<id>.cms.

The Times group CMS writes the story as text broken by ``<br>`` inside ``div._s30J`` (no
``<p>``), so the container is named here and read by the generic text-block reader; the
highlights list is the one field the standard data lacks.
"""

from __future__ import annotations

from crawler.components.site import SiteSpider
from crawler.extract.fields import SiteFields


class NavbharatTimesSpider(SiteSpider):
    name = "navbharattimes"
    origin = "https://navbharattimes.indiatimes.com"
    start_paths = ("/", "/india/articlelist/1564454.cms", "/world/articlelist/2279801.cms")
    sitemaps = ("/staticsitemap/nbt/news/sitemap-48hours.xml",)
    feeds = ("/rssfeedsdefault.cms",)
    article_path = r"^/[a-z0-9-]+(?:/[a-z0-9-]+)*/(?:amp_)?articleshow/\d+\.cms$"
    listing_path = r"^/[a-z0-9-]+(?:/[a-z0-9-]+)*/articlelist/\d+\.cms$"
    fields = SiteFields(
        highlights=".artsyn li",
        body_container="div._s30J",
    )
