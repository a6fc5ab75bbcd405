"""Stories: near-duplicate articles (the same agency copy on two sites, a light rewrite) share a ``story_id``.

Each article's body, in its search form (``crawler.text.hindi.search_form``), is cut into word
3-shingles and summarised by a datasketch ``MinHash`` of ``NUM_PERM`` permutations.
Locality-sensitive hashing splits the signature into ``BANDS`` bands of ``ROWS`` values;
two articles whose signatures agree on a whole band become candidates.

Signatures and their band keys are stored in the SQLite file (``story_signatures``), so
nothing is re-hashed when a crawl starts and two crawls writing one file see each other's
stories. The LSH buckets themselves are held in memory (``BandIndex``: about 12 bytes per band,
24 MB for 100,000 articles), read from the stored band keys on first use and topped up with
what other processes stored each time a write transaction begins: one row per article to
write instead of twenty bucket rows, and a lookup that costs the same at any size. The
banding (20 x 6) is fixed and
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
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlite_utils

from crawler.knobs import fraction, knob
from crawler.text.hindi import search_form

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


@dataclass
class DedupSettings:
    """``[dedup]`` in khabar.toml."""

    near_duplicate_threshold: float = knob(
        0.8, setting="KHABAR_NEAR_DUPLICATE_THRESHOLD", read=fraction,
        help="MinHash similarity from which copies on several sites are one story (story_id)")



@lru_cache(maxsize=1)
def _minhash_parts() -> tuple[type[MinHash], Any]:
    """datasketch and its permutations, for the reference signature only (``datasketch_signature``): importing
    datasketch pulls in scipy, which no crawl or command needs."""
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
    return article.derived("story_text", _article_story_text)


def _article_story_text(article: Article) -> str:
    tokens = article.tokens()
    return tokens.search_form("body") or tokens.search_form("title")


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the word ``SHINGLE_WORDS``-grams of a search-form text (one shingle of
    the whole text when it is shorter). Words are hashed once and combined, not joined into strings."""
    return word_shingle_hashes(text.split())


def word_shingle_hashes(words: list[str]) -> np.ndarray:
    """``shingle_hashes`` of a text already split into its search tokens."""
    if not words:
        return np.empty(0, dtype=np.uint64)
    if len(words) < SHINGLE_WORDS:
        words = [*words, *[""] * (SHINGLE_WORDS - len(words))]
    hashes = np.fromiter(map(_word_hash, words), dtype=np.uint64, count=len(words))
    with np.errstate(over="ignore"):  # multiplication modulo 2**64 is the point
        mixed = hashes[:-2] * _MIX[0] + hashes[1:-1] * _MIX[1] + hashes[2:]
    # Repeated shingles are left in: the minimum over them is the same, and sorting them out cost more.
    return (mixed ^ (mixed >> np.uint64(32))) & _LOW32


# MurmurHash3's 32-bit finalizer: what datasketch's affine32 scheme applies to each input hash first.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))


def article_signature(article: Article) -> np.ndarray | None:
    """``signature(article_story_text(article))``, from the article's shared tokens without joining and
    splitting them again; made once per article (``Article.derived``), perhaps in a parse worker."""
    return article.derived("story_signature", _article_signature)


def article_bands(article: Article) -> np.ndarray | None:
    """``buckets`` of the article's signature (None without one), made once per article, perhaps in a parse worker."""
    return article.derived("story_bands", _article_bands)


def _article_bands(article: Article) -> np.ndarray | None:
    sig = article_signature(article)
    return buckets(sig) if sig is not None else None


def _article_signature(article: Article) -> np.ndarray | None:
    return signature_of_shingles(word_shingle_hashes(article.tokens().story_tokens))


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature (``NUM_PERM`` uint32 values) of a search-form text; None for empty text.

    Exactly what ``datasketch.MinHash(scheme="affine32", hashfunc=identity).update_batch(shingles)`` gives (the
    fmix32 pre-mix, then ``a * x + b`` modulo 2**32 with datasketch's permutations, the minimum per permutation;
    ``datasketch_signature`` is that reference), computed on the arrays directly: building a MinHash object and
    hashing through a Python function per shingle cost more than the arithmetic."""
    return signature_of_shingles(shingle_hashes(text))


# Shingles hashed against every permutation at a time: 256 x 120 uint32 values (120 KB) stay in the CPU's cache,
# where the whole page's table (2,500 shingles: 1.2 MB, twice) did not: five times faster on a long article.
SHINGLE_BLOCK = 256


def signature_of_shingles(grams: np.ndarray) -> np.ndarray | None:
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
        lowest = np.full(len(a), np.iinfo(np.uint32).max, dtype=np.uint32)
        for start in range(0, len(hv), SHINGLE_BLOCK):
            block = hv[start:start + SHINGLE_BLOCK, None] * a
            block += b
            np.minimum(lowest, block.min(axis=0), out=lowest)
        return lowest.astype("<u4")


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's (a, b) permutation parameters for ``NUM_PERM``, ``SEED`` and the affine32 ``SCHEME``, as
    uint32 arrays: made the way datasketch's ``MinHash._init_permutations`` makes them (an odd ``a``), so that a
    crawl does not import datasketch and scipy (about 55 MB and 0.6 s) for three lines of arithmetic. The tests
    compare them, and every signature, with datasketch's own (``datasketch_signature``)."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


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


# Odd 64-bit multipliers (fixed forever: band keys are stored) for the values of a band and its number.
_BAND_MIX = np.array([0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93,
                      0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3], dtype=np.uint64)
_BAND_NUMBERS = np.arange(1, BANDS + 1, dtype=np.uint64) * _BAND_MIX[ROWS]


def buckets(sig: np.ndarray) -> np.ndarray:
    """One 32-bit bucket key per band (``BANDS`` uint32), the band number mixed in so bands never share keys.

    32 bits, not 64: the keys of every stored article are held in memory (``BandIndex``), and a rare chance
    collision only adds a candidate, which the signature comparison then turns down."""
    return band_keys(sig[None, :])[0]


def band_keys(sigs: np.ndarray) -> np.ndarray:
    """``buckets`` of many signatures at once: an (n, NUM_PERM) array in, an (n, BANDS) uint32 array out."""
    bands = sigs[:, :BANDS * ROWS].astype(np.uint64).reshape(len(sigs), BANDS, ROWS)
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64
        mixed = (bands * _BAND_MIX[:ROWS]).sum(axis=2, dtype=np.uint64)
        mixed += _BAND_NUMBERS
        mixed ^= mixed >> np.uint64(31)
        mixed *= _BAND_MIX[0]
    return (mixed >> np.uint64(32)).astype("<u4")


def _load(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4")


class BandIndex:
    """The LSH buckets of stored articles, in memory: band key -> article ids.

    Keys sit in a few sorted runs (key array, article id array) searched with ``np.searchsorted``, the newest
    in a small dict. A full dict becomes a run, and a run is merged into the one before it once it is a
    quarter of its size or more, so each key is re-sorted a few times in all (log-structured, as LSM trees
    do): adding and looking up cost the same at any size, and memory stays about 12 bytes per band (24 MB
    for 100,000 articles). Entries are only ever added: a key left over from an article's earlier text (or a
    rolled-back write) yields a candidate that the signature check turns down."""

    RECENT_MAX = 8_192

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # largest first
        # Newest keys -> article id; a key two recent articles share (rare: 32-bit keys, mostly a real
        # near-duplicate) keeps its earlier ids in ``shared``.
        self.recent: dict[int, int] = {}
        self.shared: dict[int, list[int]] = {}
        self.recent_size = 0

    def __len__(self) -> int:
        return sum(len(keys) for keys, _ in self.runs) + self.recent_size

    def add(self, article_id: int, keys: np.ndarray) -> None:
        key_list = keys.tolist()
        for key in self.recent.keys() & key_list:
            self.shared.setdefault(key, []).append(self.recent[key])
        self.recent.update(zip(key_list, repeat(article_id)))
        self.recent_size += len(key_list)
        if self.recent_size >= self.RECENT_MAX:
            self._push(*self._recent_arrays())
            self.recent, self.shared, self.recent_size = {}, {}, 0

    def add_many(self, article_ids: np.ndarray, keys: np.ndarray) -> None:
        """Rows of ``keys`` (n, BANDS) for ``article_ids`` (n), as one run."""
        self._push(keys.reshape(-1).astype(np.uint32), np.repeat(article_ids.astype(np.int64), keys.shape[1]))

    def lookup(self, keys: np.ndarray) -> list[int]:
        """Ids of articles sharing at least one band key with ``keys``, each once, in the order first found."""
        found: list[int] = []
        for run_keys, run_ids in self.runs:
            low = run_keys.searchsorted(keys, side="left")
            high = run_keys.searchsorted(keys, side="right")
            hit = high > low
            if hit.any():
                for first, last in zip(low[hit].tolist(), high[hit].tolist(), strict=True):
                    found.extend(run_ids[first:last].tolist())
        if self.recent:
            key_list = keys.tolist()
            for key in self.recent.keys() & key_list:
                found.extend(self.shared.get(key, ()))
                found.append(self.recent[key])
        return list(dict.fromkeys(found))

    def _recent_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        pairs = [*self.recent.items(), *((key, i) for key, ids in self.shared.items() for i in ids)]
        keys = np.fromiter((key for key, _ in pairs), dtype=np.uint32, count=len(pairs))
        ids = np.fromiter((i for _, i in pairs), dtype=np.int64, count=len(pairs))
        return keys, ids

    def _push(self, keys: np.ndarray, ids: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.runs.append((keys[order], ids[order]))
        while len(self.runs) > 1 and 4 * len(self.runs[-1][0]) >= len(self.runs[-2][0]):
            smaller, larger = self.runs.pop(), self.runs.pop()
            self.runs.append(_merge_runs(larger, smaller))


def _merge_runs(larger: tuple[np.ndarray, np.ndarray], smaller: tuple[np.ndarray, np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted (keys, ids) runs as one: each smaller-run entry goes where searchsorted puts it, the larger
    run fills the rest. Linear, and without the index arrays a sort would allocate."""
    (big_keys, big_ids), (small_keys, small_ids) = larger, smaller
    slots = np.searchsorted(big_keys, small_keys, side="right") + np.arange(len(small_keys))
    keys = np.empty(len(big_keys) + len(small_keys), dtype=big_keys.dtype)
    ids = np.empty(len(keys), dtype=big_ids.dtype)
    rest = np.ones(len(keys), dtype=bool)
    rest[slots] = False
    keys[slots], ids[slots] = small_keys, small_ids
    keys[rest], ids[rest] = big_keys, big_ids
    return keys, ids


class StoryIndex:
    """Assigns ``story_id`` to articles. Signatures and band keys are stored (``story_signatures``), through the
    caller's connection and transaction; the bands are also held in memory (``BandIndex``), loaded on first use
    and topped up with what other processes stored (``refresh``, called when a write transaction begins)."""

    def __init__(self, db: sqlite_utils.Database, threshold: float = 0.8) -> None:
        self.db = db
        self.threshold = threshold
        self.bands: BandIndex | None = None
        self.seen_up_to = 0  # the highest article id whose bands are in memory

    def refresh(self) -> None:
        """Take in the bands of articles stored since the last look (by this or another process)."""
        if self.bands is None:
            self.bands = BandIndex()
        cursor = self.db.execute(
            f"SELECT article_id, bands FROM [{SIGNATURES_TABLE}] WHERE article_id > ? AND length(bands) = ? "
            "ORDER BY article_id", [self.seen_up_to, BANDS * 4])
        id_parts, key_parts = [], []
        while rows := cursor.fetchmany(20_000):  # a large file is read in pieces, kept as compact arrays
            id_parts.append(np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)))
            key_parts.append(np.frombuffer(b"".join(row[1] for row in rows), dtype="<u4").reshape(len(rows), BANDS))
        if id_parts:
            ids = np.concatenate(id_parts)
            self.bands.add_many(ids, np.concatenate(key_parts))
            self.seen_up_to = int(ids[-1])

    def _index(self) -> BandIndex:
        if self.bands is None:
            self.refresh()
        assert self.bands is not None
        return self.bands

    def candidates(self, sig: np.ndarray, exclude: int | None = None,
                   keys: np.ndarray | None = None) -> list[tuple[int, int, np.ndarray]]:
        """(article_id, story_id, signature) of stored articles sharing a band with ``sig``."""
        ids = [i for i in self._index().lookup(buckets(sig) if keys is None else keys) if i != exclude]
        if not ids:
            return []
        ids = ids[:MAX_CANDIDATES]
        rows = self.db.execute(
            f"SELECT s.article_id, COALESCE(a.story_id, a.id), s.signature FROM [{SIGNATURES_TABLE}] s "
            f"JOIN articles a ON a.id = s.article_id WHERE s.article_id IN ({', '.join('?' * len(ids))})",
            ids).fetchall()
        return [(row[0], row[1], _load(row[2])) for row in rows if row[2]]

    def best_story(self, sig: np.ndarray, exclude: int | None = None, keys: np.ndarray | None = None) -> int | None:
        """The story of the most similar stored article at or above the threshold, if any."""
        best, best_score = None, 0.0
        for _, story_id, other in self.candidates(sig, exclude, keys):
            score = similarity(sig, other)
            if score >= self.threshold and score > best_score:
                best, best_score = story_id, score
        return best

    def remember(self, article_id: int, sig: np.ndarray | None, keys: np.ndarray | None = None) -> None:
        """Store the signature and band keys (empty for an article without text, which then joins no story)."""
        if sig is not None and keys is None:
            keys = buckets(sig)
        self.db.execute(
            f"INSERT OR REPLACE INTO [{SIGNATURES_TABLE}] (article_id, signature, bands) VALUES (?, ?, ?)",
            [article_id, b"" if sig is None else sig.tobytes(), b"" if keys is None else keys.tobytes()])
        if self.bands is not None:  # else it is read with the rest on first use
            if keys is not None:
                self.bands.add(article_id, keys)
            self.seen_up_to = max(self.seen_up_to, article_id)

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
        """An edited article keeps its story; only its signature and band keys change."""
        self.remember(article_id, signature(text))


def fill_bands(db: sqlite_utils.Database, batch: int = 20_000) -> int:
    """Give every stored signature without band keys its keys (migration 0005)."""
    done = 0
    while rows := db.execute(f"SELECT article_id, signature FROM [{SIGNATURES_TABLE}] WHERE bands IS NULL "
                             f"LIMIT ?", [batch]).fetchall():
        full = [(article_id, sig) for article_id, sig in rows if len(sig) == NUM_PERM * 4]
        keys = band_keys(np.frombuffer(b"".join(sig for _, sig in full), dtype="<u4").reshape(len(full), NUM_PERM))
        updates = [(row.tobytes(), article_id) for (article_id, _), row in zip(full, keys, strict=True)]
        updates += [(b"", article_id) for article_id, sig in rows if len(sig) != NUM_PERM * 4]
        db.conn.executemany(f"UPDATE [{SIGNATURES_TABLE}] SET bands = ? WHERE article_id = ?", updates)
        done += len(rows)
    return done


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
