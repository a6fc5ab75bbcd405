"""Topic alerts at scale: 100 topics against 10,000 stored-article-like texts, and what the alert
stage adds to the per-article pipeline.

Run: python benchmarks/bench_alerts.py

* matching: ArticleText (tokens of one article, built once) + TopicMatcher (an inverted index of
  each topic's trigger words picks the few topics worth evaluating). Baseline: naive substring
  search of every term of every topic in the raw text (what a plain keyword tool does, wrong
  for Hindi as well as slower), timed on a slice of the same articles.
* share: parse (build_article with the Lokmat selectors, over the sample site's article pages,
  the seed among them) + dedup (fingerprint and lookups) + store (insert with the FTS search
  form and the story's MinHash, into a temporary SQLite file), against the alert stage on the
  same articles: the shipped topics (russia-ukraine and israel-hamas, as a crawl with khabar.toml
  runs them: tokens, the match, the alert rows written), the same without generated spellings of
  names, and 100 synthetic topics besides. CPU time (time.process_time), so other processes on
  the machine do not skew the share.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.alerts.matcher import ArticleText, TopicMatcher
from crawler.alerts.recording import AlertRecorder
from crawler.alerts.rules import Topic, compile_topic
from crawler.app.sample_server import SAMPLE_SITE
from crawler.config import Config, load_config
from crawler.extract.fields import build_article
from crawler.items import Page
from crawler.store.articles import ArticleStore, StoreSettings
from crawler.store.stories import DedupSettings
from pipelines.dedup import content_hash, decide
from spiders.lokmat import LokmatSpider

REPO = Path(__file__).resolve().parent.parent
ARTICLES = 10_000
TOPICS = 100
BASELINE_ARTICLES = 1_000
PIPELINE_ARTICLES = 300
PASSES = 3

NAMES = (
    "भारत", "चीन", "पाकिस्तान", "अमेरिका", "इजरायल", "ईरान", "गाजा", "हमास", "नेतन्याहू", "बाइडन", "ट्रंप",
    "जिनपिंग", "मोदी", "राहुल गांधी", "केजरीवाल", "योगी", "मुंबई", "दिल्ली", "कोलकाता", "बेंगलुरु", "सेंसेक्स",
    "निफ्टी", "आरबीआई", "इसरो", "चंद्रयान", "नासा", "बीसीसीआई", "विराट कोहली", "रोहित शर्मा", "शमी", "बुमराह",
    "नेपाल", "बांग्लादेश", "श्रीलंका", "मालदीव", "जापान", "जर्मनी", "फ्रांस", "ब्रिटेन", "कनाडा", "खालिस्तान",
    "मणिपुर", "कश्मीर", "लद्दाख", "अयोध्या", "वाराणसी", "गुजरात", "बिहार", "तमिलनाडु", "केरल", "पंजाब",
)
VOCAB = (
    "चुनाव", "मतदान", "बजट", "महंगाई", "बाढ़", "भूकंप", "हमला", "युद्ध", "समझौता", "व्यापार", "निवेश", "विकेट",
    "शतक", "लॉन्च", "मिशन", "बारिश", "तूफान", "प्रदर्शन", "गिरफ्तारी", "घोटाला", "हिंसा", "दंगा", "रैली",
    "सम्मेलन", "प्रतिबंध", "मिसाइल", "सेना", "सीमा", "आतंकवाद", "मुआवजा", "किसान", "बेरोजगारी", "रेपो रेट",
    "शेयर बाजार", "टीका", "अस्पताल", "परीक्षा", "नतीजे", "जमानत", "सुप्रीम कोर्ट",
)
LATIN = ("Sensex", "Nifty", "ISRO", "IPL", "Gaza*", "Hamas", "Trump", "Biden", "ChatGPT", "G20", "NATO", "BRICS")
FILLER = (
    "के", "में", "की", "ने", "को", "से", "पर", "और", "है", "था", "कहा", "बताया", "सरकार", "लोगों", "बड़ी", "नई",
    "दिन", "साल", "बाद", "पहले", "मामले", "रिपोर्ट", "अधिकारियों", "जानकारी", "मुताबिक", "देश", "राज्य",
    "शहर", "बैठक", "फैसला", "बयान", "समय", "लोग", "काम", "योजना", "विकास", "पुलिस", "प्रधानमंत्री", "मंत्री",
    "नेता", "पार्टी", "विपक्ष", "अदालत", "टीम", "मैच", "खिलाड़ी", "कंपनी", "बाजार", "कीमत", "प्रतिशत",
)


def synthetic_topics(rng: random.Random) -> dict[str, Topic]:
    """100 topics in the shapes a newsroom writes: names near vocabulary, phrases, rules, exclusions."""
    topics: dict[str, Topic] = {}
    for i in range(TOPICS):
        names = [*rng.sample(NAMES, 4), rng.choice(LATIN)]
        vocab = rng.sample(VOCAB, 5)
        topic = Topic(id=f"topic-{i:03}", label=f"Topic {i}", any=[f"{names[0]} {vocab[0]}"], terms=names,
                      context=vocab, near=10, exclude=[rng.choice(VOCAB)], threshold=2)
        if i % 5 == 0:
            topic.rule = f'("{names[1]}" OR {names[2].split()[0]}) AND @context NOT {rng.choice(FILLER)}'
        if i % 7 == 0:
            topic.fields = ["title", "lead"]
        topic.compiled = compile_topic(topic)
        topics[topic.id] = topic
    return topics


def _sentence(rng: random.Random, words: int) -> str:
    chosen = []
    for _ in range(words):
        roll = rng.random()
        pool = NAMES if roll < 0.01 else VOCAB if roll < 0.03 else FILLER
        chosen.append(rng.choice(pool))
    return " ".join(chosen) + "।"


def synthetic_articles(rng: random.Random, count: int = ARTICLES) -> list[dict[str, Any]]:
    """Rows shaped like stored articles: about 400 words, a title, a summary and six paragraphs."""
    rows = []
    for n in range(count):
        body = "\n\n".join(" ".join(_sentence(rng, 14) for _ in range(4)) for _ in range(6))
        rows.append({"id": n, "url": f"https://example.in/news/story-b{n}/", "section": "news",
                     "title": _sentence(rng, 12), "summary": _sentence(rng, 25), "highlights": "[]",
                     "body": body, "tags": "[]"})
    return rows


def naive_match(topics: dict[str, Topic], row: dict[str, Any]) -> int:
    text = " ".join((row["title"], row["summary"], row["body"])).lower()
    hits = 0
    for topic in topics.values():
        terms = topic.any + topic.terms
        if any(t.rstrip("*").lower() in text for t in terms) and any(c in text for c in topic.context):
            hits += 1
    return hits


def sample_pages() -> list[Page]:
    """Every article page of the bundled sample site (the seed among them): a realistic mix in
    which a quarter of the stories are about the war and the rest are not."""
    pages = []
    for path in sorted(SAMPLE_SITE.rglob("index.html")):
        parts = path.relative_to(SAMPLE_SITE).parts
        if len(parts) < 2 or "amp" in parts or "-b" not in parts[-2] or not parts[-2].rsplit("-b", 1)[-1].isdigit():
            continue
        url = "https://www.lokmatnews.in/" + "/".join(parts[:-1]) + "/"
        pages.append(Page(url=url, html=path.read_text(encoding="utf-8"), site="lokmat",
                          fetched_at="2024-05-01T00:00:00Z"))
    return pages


def pipeline_share(topics: dict[str, Topic]) -> dict[str, float]:
    """Per-article CPU seconds of parse + dedup + store, and of the alert stage right after it on the same articles,
    as a crawl runs them: one pass over the pages per set of topics, so that each alert stage meets the CPU's caches as
    the store stage leaves them. The sets: the shipped topics (khabar.toml: match and write the alert rows), the same
    without generated spellings of names, and 100 synthetic topics besides the shipped ones; after a warm-up pass, each
    set PASSES times in turn, and of each its median pass (by share)."""
    shipped = load_config(str(REPO / "khabar.toml")).topics
    plain = {}
    for topic_id, topic in shipped.items():
        plain[topic_id] = dataclasses.replace(topic, variants=False, compiled=None)
        plain[topic_id].compiled = compile_topic(plain[topic_id])
    sets = {"shipped": shipped, "shipped_plain": plain, "all": {**topics, **shipped}}
    _one_pass(shipped)  # warm-up: the process's first pass pays for filling every cache (word forms, search tokens)
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in sets}
    for _ in range(PASSES):  # each set in turn, PASSES times: the median pass of each is reported
        for name, chosen in sets.items():
            runs[name].append(_one_pass(chosen))
    found: dict[str, float] = {}
    pipeline = []
    for name, passes in runs.items():
        pipeline_ms, alert_ms, alerts = sorted(passes, key=lambda run: run[1] / run[0])[len(passes) // 2]
        pipeline.append(pipeline_ms)
        found[f"{name}_ms"], found[f"{name}_share"], found[f"{name}_alerts"] = alert_ms, alert_ms / pipeline_ms, alerts
    found["pipeline_ms"] = sum(pipeline) / len(pipeline)
    return found


def _one_pass(topics: dict[str, Topic]) -> tuple[float, float, float]:
    """(parse + dedup + store ms, alert stage ms, alerts written) per article, over PIPELINE_ARTICLES articles."""
    pages = sample_pages()
    with tempfile.TemporaryDirectory() as folder:
        # Batches are committed by the store stage below, every 500 articles as a crawl does: a commit writes the
        # batch's full-text index changes and pages, which is the store's work, not the alert stage's.
        settings = StoreSettings(db=str(Path(folder) / "bench.db"), batch_size=10**9, batch_seconds=10**9)
        store = ArticleStore.open(settings, DedupSettings())
        recorder = AlertRecorder(store.db, Config(source=None, storage=settings, topics=topics, notify={}))
        matcher = TopicMatcher(topics)
        now = datetime.now(UTC)
        base = alert = 0.0
        created = measured = 0
        for n in range(PIPELINE_ARTICLES):
            page = pages[n % len(pages)]
            start = time.process_time()
            article = build_article(page, LokmatSpider.fields)
            if not article.body:
                continue  # the validate pipeline would drop it before dedup and store
            article.url = article.canonical_url = f"{page.url}?copy={n}"  # a new story each time
            article.body = [*article.body, f"प्रति {n}"]
            article.content_hash = content_hash(article)
            store.begin()
            decide(store, article)  # the dedup pipeline's lookups: a new article each time here
            article.article_id = store.insert(article, "2024-05-01T00:00:00Z", article.story_id)
            if n % 500 == 499:
                store.commit()
            middle = time.process_time()
            for match in matcher.match_article(article):
                created += recorder.record(article.article_id, topics[match.topic], match, now) == "created"
            end = time.process_time()
            base += middle - start
            alert += end - middle
            measured += 1
        store.close()
    return 1000 * base / measured, 1000 * alert / measured, created / measured


def main() -> dict:
    logging.getLogger("crawler").setLevel(logging.ERROR)  # the sample pages' date warnings are not news here
    rng = random.Random(5)
    topics = synthetic_topics(rng)
    share = pipeline_share(topics)  # first, on a small heap
    rows = synthetic_articles(rng)
    matcher = TopicMatcher(topics)

    tokens_s = match_s = 0.0
    matches = matched_articles = 0
    for row in rows:
        start = time.process_time()
        text = ArticleText.of_row(row)
        middle = time.process_time()
        found = matcher.match(text, row["url"], row["section"])
        match_s += time.process_time() - middle
        tokens_s += middle - start
        matches += len(found)
        matched_articles += bool(found)

    start = time.process_time()
    naive_hits = sum(naive_match(topics, row) for row in rows[:BASELINE_ARTICLES])
    naive_s = time.process_time() - start
    total_s = tokens_s + match_s
    results = {
        "topics": TOPICS,
        "articles": ARTICLES,
        "matches": matches,
        "articles_with_a_match": matched_articles,
        "articles_per_s": round(ARTICLES / total_s),
        "tokens_ms_per_article": round(1000 * tokens_s / ARTICLES, 3),
        "match_100_topics_ms_per_article": round(1000 * match_s / ARTICLES, 3),
        "baseline_naive_substring_per_s": round(BASELINE_ARTICLES / naive_s),
        "baseline_naive_matches_per_1000": naive_hits,
        "our_matches_per_1000": round(1000 * matches / ARTICLES),
        "speedup_vs_naive": round((ARTICLES / total_s) / (BASELINE_ARTICLES / naive_s), 1),
        "pipeline_ms_per_article": round(share["pipeline_ms"], 3),
        "alert_stage_shipped_topics_ms": round(share["shipped_ms"], 3),
        "alert_stage_shipped_share_pct": round(100 * share["shipped_share"], 1),
        "shipped_without_variants_ms": round(share["shipped_plain_ms"], 3),
        "shipped_without_variants_share_pct": round(100 * share["shipped_plain_share"], 1),
        "shipped_alerts_per_article": round(share["shipped_alerts"], 2),
        "alert_stage_101_topics_ms": round(share["all_ms"], 3),
        "alert_stage_101_topics_share_pct": round(100 * share["all_share"], 1),
    }
    for key, value in results.items():
        print(f"{key:36} {value:>12,}" if isinstance(value, int) else f"{key:36} {value:>12}")
    return results


if __name__ == "__main__":
    main()
