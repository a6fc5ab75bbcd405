"""Deduplication: the content fingerprint, and whether a parsed article is new, updated, unchanged or a duplicate.

The decision is taken under the write lock (``ArticleStore.begin``), so a second crawl writing the
same file cannot slip the same story in between the lookup and the write.
"""

from __future__ import annotations

import hashlib

from crawler.items import Article
from crawler.store.articles import ArticleStore
from crawler.text.urls import same_site, url_key


def content_hash(article: Article) -> str:
    """The hash of the Hindi search form of title and body: the same story under two URLs has one."""
    return article.derived("content_hash", _content_hash)


def _content_hash(article: Article) -> str:
    tokens = article.tokens()  # shared with the store's index and story, and the alert stage
    fingerprint = tokens.search_form("title") + "\n" + tokens.search_form("body")
    return hashlib.sha1(fingerprint.encode("utf-8")).hexdigest()


def decide(store: ArticleStore, item: Article) -> None:
    """Set ``item.disposition`` and ``item.article_id`` (and ``story_id`` for a cross-site copy)."""
    existing = store.article_id_for_url(item.canonical_url)
    if existing is None and url_key(item.url) != url_key(item.canonical_url):
        existing = store.article_id_for_url(item.url)
    if existing is not None:
        stored_hash, stored_modified = store.version(existing)
        modified = bool(item.updated_at) and item.updated_at != stored_modified
        item.article_id = existing
        if stored_hash != item.content_hash or modified:
            item.disposition = "updated"
        else:
            # A story met again in the run that stored it, or under another of its URLs (its AMP copy, a
            # tracking link), is a duplicate skipped; a re-check of the stored URL itself is unchanged.
            again = item.url != store.inserted.get(existing, item.url) or item.url != store.url_of(existing)
            item.disposition = "duplicate" if again else "unchanged"
        return
    for article_id, url, story_id in store.articles_with_hash(item.content_hash):
        if same_site(url, item.canonical_url):
            item.article_id, item.disposition = article_id, "duplicate"
            return
        item.story_id = item.story_id or story_id
    item.article_id, item.disposition = None, "new"


def store_decided(store: ArticleStore, item: Article, now: str, track: str = "") -> bool:
    """Write an article ``decide`` has judged: insert a new one (in its story), update an edited one keeping a
    revision, touch an unchanged one. Every URL it was seen under (fetched, canonical, redirects) becomes an alias,
    and its validators are written in the same transaction. True when a new article joined an existing story.
    The store pipeline and `khabar writer` both come through here. ``track``: the stats key the caller counted the
    outcome under (``ArticleStore.track``), taken back if the write or its commit fails."""
    found = item.validators
    redirects = found.aliases if found else []
    urls = list(dict.fromkeys([item.url, item.canonical_url, *item.aliases, *redirects]))
    joined = False
    if item.disposition == "new":
        item.article_id = store.insert(item, now, story_id=item.story_id, aliases=urls, track=track)
        joined = item.story_id != item.article_id
    else:
        assert item.article_id is not None
        if item.disposition == "updated":
            store.update(item.article_id, item, now, track=track)
        else:
            store.touch(item.article_id, now, track=track)
        store.add_aliases(urls, item.article_id, now)
    if found:
        store.save_validators(item.url, found, now)
    return joined
