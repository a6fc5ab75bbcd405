"""The generic ``article`` spider: fetch and store the given article pages.

    scrapy crawl article -a url=https://example.com/a.html,https://example.com/b.html

It uses the generic extractor alone (JSON-LD, OpenGraph, the page), so it works on
any news site, known to Khabar or not. A redirect to another host is not followed
(counted as ``offsite_redirect``) unless asked: ``-a follow_offsite=true``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.components.site import as_bool, as_url_list, is_page, make_page
from crawler.items import Page
from crawler.text.urls import site_key


class ArticleSpider(scrapy.Spider):
    name = "article"

    def __init__(self, *args: Any, url: str = "", skip_known: Any = True, follow_offsite: Any = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.urls = as_url_list(url, "article URLs")
        self.skip_known = as_bool(skip_known)
        self.follow_offsite = as_bool(follow_offsite)  # crawler.components.redirects reads it

    def real_url(self, url: str) -> str:
        return url

    async def start(self) -> Any:
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, meta={"khabar_kind": "article"})

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Page]:
        if not is_page(response, self.crawler) or not isinstance(response, TextResponse):
            return
        yield make_page(response, response.url, site_key(urlsplit(response.url).netloc) or "article")
