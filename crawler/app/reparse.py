"""Re-running the parser over stored pages, without fetching anything (``khabar reparse``).

This is why parsing lives in a pipeline: after a parser fix, the raw pages in the ``pages``
table are parsed again and every article whose content changed is updated, its previous
version kept in ``article_revisions`` like any edit. Alerts are not raised again.
"""

from __future__ import annotations

import logging
from collections import Counter

from crawler.components.sites import site_fields
from crawler.extract.fields import build_article
from crawler.items import Article, Page
from crawler.store.articles import ArticleStore
from crawler.store.compression import page_text
from crawler.store.dedup import content_hash
from crawler.text.clock import utc_now

logger = logging.getLogger(__name__)


def reparse(store: ArticleStore, *, site: str | None = None) -> Counter[str]:
    """Parse every stored page again; count updated / unchanged / failed / no_page."""
    counts: Counter[str] = Counter()
    where, params = ("WHERE a.site = ?", [site]) if site else ("", [])
    rows = store.db.execute(
        "SELECT a.id, a.site, a.url, a.content_hash, a.updated_at, p.url, p.html, p.fetched_at "
        f"FROM articles a LEFT JOIN pages p ON p.article_id = a.id {where} ORDER BY a.id", params).fetchall()
    for article_id, site_name, url, stored_hash, stored_updated, page_url, html, fetched_at in rows:
        if html is None:
            counts["no_page"] += 1
            continue
        try:
            article = build_article(Page(url=page_url or url, html=page_text(html) or "", site=site_name,
                                         fetched_at=fetched_at or utc_now()), site_fields(site_name))
        except Exception as error:  # one unparsable page must not stop the others
            counts["failed"] += 1
            logger.warning("could not parse the stored page of article %s: %s", article_id, error)
            continue
        counts[_apply(store, article_id, article, stored_hash, stored_updated)] += 1
        store.maybe_commit()  # batches, so a long reparse never holds the write lock or the memory of all of it
    store.commit()
    return counts


def _apply(store: ArticleStore, article_id: int, article: Article, stored_hash: str,
           stored_updated: str | None) -> str:
    if not article.title or not article.body:
        return "failed"  # keep the stored version rather than replace it with less
    article.content_hash = content_hash(article)
    if article.content_hash == stored_hash and article.updated_at == stored_updated:
        return "unchanged"
    store.begin()
    store.update(article_id, article, utc_now())
    return "updated"
