"""Stories: near-duplicate articles (the same agency copy on two sites, a light rewrite) share a ``story_id``.

Each article's body, in its search form (``crawler.hindi.search_form``), is cut into word
3-shingles and summarised by a datasketch ``MinHash`` of ``NUM_PERM`` permutations.
Locality-sensitive hashing splits the signature into ``BANDS`` bands of ``ROWS`` values;
two articles whose signatures agree on a whole band become candidates.

The LSH index lives in the SQLite file itself (``story_buckets``: one row per band of each
article) beside the signatures (``story_signatures``), so nothing has to be rebuilt or
re-hashed when a crawl starts, memory stays flat however large the file grows, and two
crawls writing the same file see each other's stories. The banding (20 x 6) is fixed and
catches pairs from Jaccard 0.6 upwards (P(candidate) = 1 - (1 - J^6)^20: 0.62 at 0.6, 0.92
at 0.7, 0.998 at 0.8); each candidate is then checked against the configured threshold
(``[dedup] near_duplicate_threshold``) with the MinHash estimate, so the threshold can change
between runs without touching stored rows. A new article joins the story of the most
similar stored article at or above the threshold, else starts its own story
(``story_id`` = its own id). Stories are never merged or split afterwards.
"""

from __future__ import annotations

import logging
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlite_utils

from crawler.hindi import search_form

if TYPE_CHECKING:
    from datasketch import MinHash

    from crawler.items import Article

logger = logging.getLogger(__name__)

NUM_PERM = 120
BANDS, ROWS = 20, 6
SHINGLE_WORDS = 3
SEED = 1
# Pinned, not datasketch's default: stored signatures are only comparable within one scheme.
SCHEME = "affine32"
MAX_CANDIDATES = 500  # a bucket shared by hundreds of template pages need not be checked in full
SIGNATURES_TABLE = "story_signatures"
BUCKETS_TABLE = "story_buckets"



@lru_cache(maxsize=1)
def _minhash_parts() -> tuple[type[MinHash], Any]:
    """datasketch and its permutations, on first use: importing datasketch pulls in scipy (about 0.7 s), which
    a crawl that finds nothing new, or a `khabar search`, should not pay. Generating the permutations costs
    more than hashing an article, so it is done once."""
    from datasketch import MinHash

    return MinHash, MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


@lru_cache(maxsize=100_000)
def _word_hash(word: str) -> int:
    # crc32 is stable across processes (unlike hash()) and fast; news vocabulary repeats, so cache it.
    return zlib.crc32(word.encode("utf-8"))


def _as_is(value: int) -> int:
    return value  # shingles arrive hashed already


# Odd 64-bit multipliers: a shingle's hash depends on its words and their order.
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
_LOW32 = np.uint64(0xFFFFFFFF)


# The dedup fingerprint, the story signature and the full-text index all need the search
# form of the same title and body: compute it once per text.
cached_search_form = lru_cache(maxsize=512)(search_form)


def story_text(title: str, body: str) -> str:
    """The text a story is recognised by: the search form of the body (the title when there is no body).

    Not the title: every site that runs an agency copy writes its own headline, and at the length of a
    headline against a 300-word body that alone costs more similarity than a light edit of the text."""
    return cached_search_form(body).strip() or cached_search_form(title).strip()


def article_story_text(article: Article) -> str:
    """``story_text`` of an article, from its shared tokens (``Article.tokens``)."""
    tokens = article.tokens()
    return tokens.search_form("body") or tokens.search_form("title")


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the word ``SHINGLE_WORDS``-grams of a search-form text, each once (one shingle of
    the whole text when it is shorter). Words are hashed once and combined, not joined into strings."""
    words = text.split()
    if not words:
        return np.empty(0, dtype=np.uint64)
    words += [""] * (SHINGLE_WORDS - len(words))
    hashes = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    with np.errstate(over="ignore"):  # multiplication modulo 2**64 is the point
        mixed = hashes[:-2] * _MIX[0] + hashes[1:-1] * _MIX[1] + hashes[2:]
    return np.unique((mixed ^ (mixed >> np.uint64(32))) & _LOW32)


# MurmurHash3's 32-bit finalizer: what datasketch's affine32 scheme applies to each input hash first.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature (``NUM_PERM`` uint32 values) of a search-form text; None for empty text.

    Exactly what ``datasketch.MinHash(scheme="affine32", hashfunc=identity).update_batch(shingles)`` gives (the
    fmix32 pre-mix, then ``a * x + b`` modulo 2**32 with datasketch's permutations, the minimum per permutation;
    ``datasketch_signature`` is that reference), computed on the arrays directly: building a MinHash object and
    hashing through a Python function per shingle cost more than the arithmetic."""
    grams = shingle_hashes(text)
    if not len(grams):
        return None
    a, b = _permutations()
    s1, m1, s2, m2, s3 = _FMIX32
    with np.errstate(over="ignore"):  # arithmetic modulo 2**32 is the point
        hv = grams.astype(np.uint32)
        hv ^= hv >> s1
        hv *= m1
        hv ^= hv >> s2
        hv *= m2
        hv ^= hv >> s3
        return (hv[:, None] * a + b).min(axis=0).astype("<u4")


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's (a, b) permutation parameters for ``NUM_PERM``, ``SEED`` and ``SCHEME``, as uint32 arrays."""
    _, permutations = _minhash_parts()
    return np.asarray(permutations[0], dtype=np.uint32), np.asarray(permutations[1], dtype=np.uint32)


def datasketch_signature(text: str) -> np.ndarray | None:
    """The same signature through datasketch's own MinHash (the reference ``signature`` must equal)."""
    grams = shingle_hashes(text)
    if not len(grams):
        return None
    minhash_class, permutations = _minhash_parts()
    minhash = minhash_class(num_perm=NUM_PERM, seed=SEED, hashfunc=_as_is, permutations=permutations,
                            scheme=SCHEME)
    minhash.update_batch(grams.tolist())
    return minhash.hashvalues.astype("<u4")  # affine32: 32-bit values


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The MinHash estimate of the Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / NUM_PERM


# Odd 64-bit multipliers (fixed forever: bucket ids are stored) for the values of a band and its number.
_BAND_MIX = np.array([0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93,
                      0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3], dtype=np.uint64)


def buckets(sig: np.ndarray) -> list[int]:
    """One signed 64-bit bucket id per band, the band number mixed in so that bands never share buckets."""
    bands = sig[:BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64
        mixed = (bands * _BAND_MIX[:ROWS]).sum(axis=1, dtype=np.uint64)
        mixed += np.arange(1, BANDS + 1, dtype=np.uint64) * _BAND_MIX[ROWS]
        mixed ^= mixed >> np.uint64(31)
        mixed *= _BAND_MIX[0]
    return [int(value) for value in mixed.view(np.int64)]


def _load(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4")


class StoryIndex:
    """Assigns ``story_id`` to articles; reads and writes go through the caller's connection and transaction."""

    def __init__(self, db: sqlite_utils.Database, threshold: float = 0.8) -> None:
        self.db = db
        self.threshold = threshold

    def candidates(self, sig: np.ndarray, exclude: int | None = None,
                   keys: list[int] | None = None) -> list[tuple[int, int, np.ndarray]]:
        """(article_id, story_id, signature) of stored articles sharing a band with ``sig``."""
        keys = keys if keys is not None else buckets(sig)
        marks = ", ".join("?" * len(keys))
        # Most new articles share no bucket with anything: a bare probe of the bucket index settles that for
        # less than the join costs (measured: ~35 against ~60 µs at 10,000 articles).
        probe = f"SELECT 1 FROM [{BUCKETS_TABLE}] WHERE bucket IN ({marks}) LIMIT 1"
        if self.db.execute(probe, keys).fetchone() is None:
            return []
        rows = self.db.execute(
            f"SELECT s.article_id, COALESCE(a.story_id, a.id), s.signature FROM [{SIGNATURES_TABLE}] s "
            f"JOIN articles a ON a.id = s.article_id WHERE s.article_id IN ("
            f"SELECT DISTINCT article_id FROM [{BUCKETS_TABLE}] WHERE bucket IN ({marks}) "
            f"LIMIT {MAX_CANDIDATES})", keys).fetchall()
        return [(row[0], row[1], _load(row[2])) for row in rows if row[0] != exclude]

    def best_story(self, sig: np.ndarray, exclude: int | None = None, keys: list[int] | None = None) -> int | None:
        """The story of the most similar stored article at or above the threshold, if any."""
        best, best_score = None, 0.0
        for _, story_id, other in self.candidates(sig, exclude, keys):
            score = similarity(sig, other)
            if score >= self.threshold and score > best_score:
                best, best_score = story_id, score
        return best

    def remember(self, article_id: int, sig: np.ndarray | None, keys: list[int] | None = None) -> None:
        """Store the signature (empty for an article without text, which then joins no story) and its buckets."""
        self.db.execute(f"INSERT OR REPLACE INTO [{SIGNATURES_TABLE}] (article_id, signature) VALUES (?, ?)",
                        [article_id, b"" if sig is None else sig.tobytes()])
        if sig is None:
            return
        self.db.conn.executemany(f"INSERT OR IGNORE INTO [{BUCKETS_TABLE}] (bucket, article_id) VALUES (?, ?)",
                                 [(bucket, article_id) for bucket in (keys or buckets(sig))])

    def forget(self, article_id: int) -> None:
        row = self.db.execute(f"SELECT signature FROM [{SIGNATURES_TABLE}] WHERE article_id = ?",
                              [article_id]).fetchone()
        if row is None:
            return
        if row[0]:
            self.db.conn.executemany(f"DELETE FROM [{BUCKETS_TABLE}] WHERE bucket = ? AND article_id = ?",
                                     [(bucket, article_id) for bucket in buckets(_load(row[0]))])
        self.db.execute(f"DELETE FROM [{SIGNATURES_TABLE}] WHERE article_id = ?", [article_id])

    def assign(self, article_id: int, text: str, story_id: int | None = None) -> int:
        """Index a newly stored article and return its story: ``story_id`` if given, else the best match, else
        its own id. The caller writes the returned id to ``articles.story_id``."""
        sig = signature(text)
        keys = buckets(sig) if sig is not None else None
        if story_id is None:
            story_id = (self.best_story(sig, article_id, keys) if sig is not None else None) or article_id
        self.remember(article_id, sig, keys)
        return story_id

    def reindex(self, article_id: int, text: str) -> None:
        """An edited article keeps its story; only its signature and buckets change."""
        self.forget(article_id)
        self.remember(article_id, signature(text))


def backfill(db: sqlite_utils.Database, threshold: float = 0.8, batch: int = 500) -> int:
    """Give every article without a signature one, and a story, oldest first (used by migration 0002)."""
    index = StoryIndex(db, threshold)
    done = 0
    while True:
        rows = db.execute(
            f"SELECT id, title, body, story_id FROM articles WHERE id NOT IN (SELECT article_id FROM "
            f"[{SIGNATURES_TABLE}]) ORDER BY id LIMIT ?", [batch]).fetchall()
        if not rows:
            return done
        for article_id, title, body, story_id in rows:
            assigned = index.assign(article_id, story_text(title or "", body or ""), story_id)
            db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [assigned, article_id])
        done += len(rows)
