"""The site registry: Scrapy's spider loader is the one list of sites, and the one place a site's fields are found.

A site is a spider class with declarative ``fields`` (``crawler.extract.fields.SiteFields``); the
generic ``article`` and ``feed`` spiders have none. The parse pipeline, ``khabar reparse``, the
golden pages and their tests all ask here, so a new site class is picked up everywhere at once.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawler.extract.fields import SiteFields


@lru_cache(maxsize=1)
def _loader() -> SpiderLoader:
    return SpiderLoader.from_settings(get_project_settings())


def spider_names() -> list[str]:
    """Every spider, sites and generic ones, sorted."""
    return sorted(_loader().list())


def site_names() -> list[str]:
    """The spiders that are sites: those that declare field selectors."""
    return [name for name in spider_names() if site_fields(name) is not None]


def site_class(site: str) -> type[Any]:
    """The spider class named ``site`` (KeyError for an unknown name)."""
    return _loader().load(site)


def site_fields(site: str) -> SiteFields | None:
    """The declarative field selectors of the site spider named ``site``; None for generic spiders and for
    names that are not spiders (rows of the feed spider are named after their host)."""
    loader = _loader()
    if site not in loader.list():
        return None
    fields = getattr(loader.load(site), "fields", None)
    return fields if isinstance(fields, SiteFields) else None
