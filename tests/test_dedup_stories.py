"""Near-duplicate stories across sites: MinHash + LSH (crawler/stories.py), unit and end to end.

The end-to-end test serves three tiny "sites" on three loopback ports: site A and site C carry
the same agency (PTI-style) copy, site B a lightly edited rewrite of it and an unrelated story.
The `article` spider fetches all four; the copies must share one story_id, the unrelated story
must not, and `khabar search --collapse` must show the story once.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from crawler.app.sample_server import SampleSite
from crawler.store.connection import connect
from crawler.store.stories import NUM_PERM, StoryIndex, backfill, buckets, signature, similarity, story_text
from tests.conftest import REPO, query, run_khabar, run_scrapy

AGENCY_TITLE = "भारत और जापान के बीच रक्षा सहयोग पर अहम समझौता, दोनों देशों ने संयुक्त अभ्यास का ऐलान किया"
AGENCY_BODY = [
    "नई दिल्ली, 12 मार्च (भाषा) भारत और जापान ने मंगलवार को रक्षा सहयोग बढ़ाने के लिए एक अहम समझौते पर हस्ताक्षर किए।",
    "रक्षा मंत्री ने जापानी समकक्ष के साथ बैठक के बाद कहा कि दोनों देश हिंद-प्रशांत क्षेत्र में शांति और स्थिरता के लिए "
    "प्रतिबद्ध हैं।",
    "समझौते के तहत दोनों देशों की नौसेनाएं अगले वर्ष बंगाल की खाड़ी में संयुक्त अभ्यास करेंगी और रक्षा उपकरणों के "
    "साझा उत्पादन की संभावनाएं तलाशी जाएंगी।",
    "अधिकारियों ने बताया कि बैठक में समुद्री सुरक्षा, साइबर सुरक्षा और अंतरिक्ष के क्षेत्र में सहयोग पर भी विस्तार से "
    "चर्चा हुई।",
    "जापान के रक्षा मंत्री ने कहा कि भारत एक भरोसेमंद साझेदार है और दोनों देशों के बीच रणनीतिक साझेदारी लगातार मजबूत "
    "हो रही है।",
    "दोनों पक्षों ने आपूर्ति श्रृंखला को सुरक्षित बनाने और महत्वपूर्ण खनिजों के क्षेत्र में मिलकर काम करने पर भी सहमति "
    "जताई।",
    "विशेषज्ञों का मानना है कि यह समझौता क्षेत्र में बदलते सुरक्षा माहौल के बीच दोनों देशों के संबंधों को नई दिशा देगा।",
    "बैठक के बाद जारी संयुक्त बयान में कहा गया कि दोनों देश नियम आधारित अंतरराष्ट्रीय व्यवस्था का समर्थन करते हैं।",
    "बयान के अनुसार दोनों देश आतंकवाद के हर रूप की निंदा करते हैं और इसके खिलाफ सूचनाओं के आदान-प्रदान को बढ़ाएंगे।",
    "जापानी प्रतिनिधिमंडल बुधवार को मुंबई जाएगा, जहां वह जहाज निर्माण से जुड़ी कंपनियों के अधिकारियों से मुलाकात करेगा।",
    "सूत्रों के मुताबिक दोनों देशों के बीच अगले दौर की बातचीत इस वर्ष के अंत में टोक्यो में होगी।",
    "दोनों देशों के बीच 2+2 मंत्रिस्तरीय संवाद की शुरुआत 2019 में हुई थी और तब से यह नियमित रूप से आयोजित हो रहा है।",
]
# A light rewrite, as a second site runs the same agency copy: its own headline, the first
# sentence reworded, one sentence of its own at the end.
REWRITE_TITLE = "India-Japan defence pact: रक्षा सहयोग बढ़ाने पर भारत-जापान में समझौता, नौसेनाएं करेंगी संयुक्त अभ्यास"
REWRITE_BODY = [
    "नई दिल्ली, 12 मार्च (भाषा) भारत और जापान ने रक्षा सहयोग को और मजबूत करने के लिए मंगलवार को एक अहम समझौते पर "
    "हस्ताक्षर किए।",
    *AGENCY_BODY[1:],
    "गौरतलब है कि पिछले वर्ष भी दोनों देशों की सेनाओं ने राजस्थान में संयुक्त युद्धाभ्यास किया था।",
]
OTHER_TITLE = "मानसून की पहली बारिश से मुंबई में जलभराव, लोकल ट्रेनें देरी से चलीं"
OTHER_BODY = [
    "मुंबई, 12 जून (भाषा) मानसून की पहली भारी बारिश ने बुधवार को मुंबई की रफ्तार थाम दी और कई निचले इलाकों में पानी भर गया।",
    "मौसम विभाग ने अगले दो दिनों के लिए शहर और आसपास के जिलों में भारी से बहुत भारी बारिश का ऑरेंज अलर्ट जारी किया है।",
    "पश्चिमी और मध्य रेलवे की लोकल ट्रेनें पंद्रह से बीस मिनट की देरी से चलीं, जिससे दफ्तर जाने वाले यात्रियों को परेशानी हुई।",
    "नगर निगम ने कहा कि पानी निकालने के लिए सभी पंप चालू हैं और आपदा प्रबंधन की टीमें तैनात कर दी गई हैं।",
]


def raw_jaccard(a: str, b: str, k: int = 3) -> float:
    """True Jaccard similarity of plain whitespace word k-shingles: the fixture check, independent of the code."""
    def grams(text: str) -> set[tuple[str, ...]]:
        words = text.split()
        return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}
    first, second = grams(a), grams(b)
    return len(first & second) / len(first | second)


AGENCY_TEXT = " ".join(AGENCY_BODY)
REWRITE_TEXT = " ".join(REWRITE_BODY)
OTHER_TEXT = " ".join(OTHER_BODY)


def test_fixture_texts_are_what_they_claim() -> None:
    """Stories are recognised by their bodies (each site writes its own headline)."""
    assert 0.8 < raw_jaccard(AGENCY_TEXT, REWRITE_TEXT) < 0.95  # a light edit, not a copy
    assert raw_jaccard(AGENCY_TEXT, OTHER_TEXT) < 0.05  # unrelated
    assert raw_jaccard(AGENCY_TITLE, REWRITE_TITLE) < 0.2  # headlines rewritten


def test_minhash_estimates_the_jaccard_similarity() -> None:
    agency, rewrite, other = (signature(story_text(t, " ".join(b))) for t, b in
                              ((AGENCY_TITLE, AGENCY_BODY), (REWRITE_TITLE, REWRITE_BODY), (OTHER_TITLE, OTHER_BODY)))
    assert agency is not None and rewrite is not None and other is not None
    assert agency.shape == (NUM_PERM,) and agency.dtype == np.uint32
    assert similarity(agency, agency) == 1.0
    truth = raw_jaccard(AGENCY_TEXT, REWRITE_TEXT)
    assert abs(similarity(agency, rewrite) - truth) < 0.15  # 120 permutations: standard error about 0.04
    assert similarity(agency, other) < 0.1
    assert signature("") is None and signature("   ") is None


def test_signatures_are_stable_across_processes() -> None:
    """They are stored in the file: another process (another PYTHONHASHSEED) must compute the same values."""
    code = ("from crawler.store.stories import signature, story_text; import sys; "
            f"sys.stdout.write(signature(story_text({AGENCY_TITLE!r}, {' '.join(AGENCY_BODY)!r})).tobytes().hex())")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": ""}).stdout
    here = signature(story_text(AGENCY_TITLE, " ".join(AGENCY_BODY)))
    assert here is not None and out == here.tobytes().hex()


def test_bands_of_identical_signatures_collide_and_of_unrelated_ones_do_not() -> None:
    agency = signature(story_text(AGENCY_TITLE, " ".join(AGENCY_BODY)))
    other = signature(story_text(OTHER_TITLE, " ".join(OTHER_BODY)))
    assert agency is not None and other is not None
    assert buckets(agency).tolist() == buckets(agency.copy()).tolist()
    # The band number is part of the key: twenty bands of equal values would still give twenty keys.
    assert len(set(buckets(agency).tolist())) == len(buckets(agency)) == 20
    same_values = np.full(NUM_PERM, 7, dtype=np.uint32)
    assert len(set(buckets(same_values).tolist())) == 20
    assert not set(buckets(agency).tolist()) & set(buckets(other).tolist())


@pytest.fixture
def index(tmp_path: Path) -> Iterator[StoryIndex]:
    db = connect(tmp_path / "stories.db")
    yield StoryIndex(db, threshold=0.8)
    db.close()


def store_row(index: StoryIndex, title: str, body: list[str], threshold: float | None = None) -> int:
    """Insert a bare article row and let the index give it a story, as ArticleStore.insert does."""
    db = index.db
    number = db.execute("SELECT count(*) FROM articles").fetchone()[0] + 1
    article_id = int(db["articles"].insert({
        "url": f"https://site{number}.in/a-{number}", "url_key": f"site{number}.in/a-{number}", "site": "x",
        "title": title, "body": "\n\n".join(body), "content_hash": str(number), "first_seen_at": "t",
        "last_seen_at": "t"}).last_pk)  # type: ignore[arg-type]
    if threshold is not None:
        index.threshold = threshold
    story = index.assign(article_id, story_text(title, "\n\n".join(body)))
    db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [story, article_id])
    return story


def test_a_light_rewrite_joins_the_story_and_an_unrelated_article_does_not(index: StoryIndex) -> None:
    first = store_row(index, AGENCY_TITLE, AGENCY_BODY)
    assert store_row(index, REWRITE_TITLE, REWRITE_BODY) == first
    assert store_row(index, OTHER_TITLE, OTHER_BODY) not in (first, None)


def test_the_threshold_comes_from_config_and_can_change_without_rebuilding(index: StoryIndex) -> None:
    first = store_row(index, AGENCY_TITLE, AGENCY_BODY)
    # At 0.99 the rewrite is not "the same story" any more; nothing stored has to change for that.
    assert store_row(index, REWRITE_TITLE, REWRITE_BODY, threshold=0.99) != first
    assert store_row(index, AGENCY_TITLE, AGENCY_BODY, threshold=0.99) == first


def test_reindex_and_a_signature_gone_from_the_file(index: StoryIndex) -> None:
    first = store_row(index, AGENCY_TITLE, AGENCY_BODY)
    index.reindex(first, story_text(OTHER_TITLE, " ".join(OTHER_BODY)))  # article 1 now reads like OTHER
    sig = signature(story_text(AGENCY_TITLE, " ".join(AGENCY_BODY)))
    assert sig is not None and index.best_story(sig) is None
    assert index.best_story(signature(story_text(OTHER_TITLE, " ".join(OTHER_BODY)))) == first
    # As after a rolled-back write: the band keys stay in memory, the signature is not in the file. A candidate
    # without a stored signature is turned down.
    index.db.execute("DELETE FROM story_signatures WHERE article_id = ?", [first])
    assert index.best_story(signature(story_text(OTHER_TITLE, " ".join(OTHER_BODY)))) is None


def test_backfill_gives_old_rows_signatures_and_stories(tmp_path: Path) -> None:
    db = connect(tmp_path / "old.db")
    for number, (title, body) in enumerate([(AGENCY_TITLE, AGENCY_BODY), (OTHER_TITLE, OTHER_BODY),
                                            (REWRITE_TITLE, REWRITE_BODY), ("", [])], start=1):
        db["articles"].insert({"url": f"https://s{number}.in/a", "site": "x", "title": title, "body": " ".join(body),
                               "content_hash": str(number), "first_seen_at": "t", "last_seen_at": "t"})
    assert backfill(db) == 4
    stories = [row[0] for row in db.execute("SELECT story_id FROM articles ORDER BY id").fetchall()]
    assert stories == [1, 2, 1, 4]
    assert backfill(db) == 0
    db.close()


# --- end to end: three sites on three ports -------------------------------------------------------

PAGE = """<!DOCTYPE html><html lang="hi"><head><meta charset="utf-8"><title>{title}</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{title}", "datePublished": "2024-03-12T15:30:00+05:30", "inLanguage": "hi"}}</script>
</head><body><article><h1>{title}</h1><div class="story-body">{paragraphs}</div></article></body></html>"""


def write_site(root: Path, pages: dict[str, tuple[str, list[str]]]) -> Path:
    for path, (title, body) in pages.items():
        folder = root / path
        folder.mkdir(parents=True)
        paragraphs = "".join(f"<p>{p}</p>" for p in body)
        (folder / "index.html").write_text(PAGE.format(title=title, paragraphs=paragraphs), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def three_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("stories")
    roots = {
        "a": write_site(base / "a", {"desh/india-japan-defence-pact-101": (AGENCY_TITLE, AGENCY_BODY)}),
        "b": write_site(base / "b", {"world/india-japan-samjhauta-202": (REWRITE_TITLE, REWRITE_BODY),
                                     "city/mumbai-rain-303": (OTHER_TITLE, OTHER_BODY)}),
        "c": write_site(base / "c", {"news/pti-india-japan-404": (AGENCY_TITLE, AGENCY_BODY)}),
    }
    work = base / "work"
    work.mkdir()
    (work / "khabar.toml").write_text('[storage]\ndb = "khabar.db"\n[dedup]\nnear_duplicate_threshold = 0.8\n',
                                      encoding="utf-8")
    with SampleSite(roots["a"]) as a, SampleSite(roots["b"]) as b, SampleSite(roots["c"]) as c:
        urls = {"agency": f"{a.url}/desh/india-japan-defence-pact-101/",
                "rewrite": f"{b.url}/world/india-japan-samjhauta-202/",
                "other": f"{b.url}/city/mumbai-rain-303/",
                "copy": f"{c.url}/news/pti-india-japan-404/"}
        result = run_scrapy(work, "crawl", "article", "-a", "url=" + ",".join(urls.values()))
        assert result.returncode == 0, result.stderr[-3000:]
    yield {"work": work, "db": work / "khabar.db", "urls": urls}


def story_of(db: Path, url: str) -> int:
    found = query(db, "SELECT a.story_id FROM articles a JOIN article_urls u ON u.article_id = a.id "
                      "WHERE u.url = ?", (url,))
    assert found, f"{url} was not stored"
    row = found[0]
    return row[0]


@pytest.mark.e2e
def test_copies_on_three_sites_are_one_story(three_sites: dict) -> None:
    db, urls = three_sites["db"], three_sites["urls"]
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (4,)  # one row per site's page
    finally:
        conn.close()
    story = story_of(db, urls["agency"])
    assert story_of(db, urls["rewrite"]) == story
    assert story_of(db, urls["copy"]) == story
    assert story_of(db, urls["other"]) != story


@pytest.mark.e2e
def test_search_collapse_shows_the_story_once(three_sites: dict) -> None:
    plain = run_khabar(three_sites["work"], "search", "जापान", "--json")
    assert plain.returncode == 0, plain.stderr
    assert len(json.loads(plain.stdout)) == 3
    collapsed = run_khabar(three_sites["work"], "search", "जापान", "--collapse", "--json")
    assert collapsed.returncode == 0, collapsed.stderr
    rows = json.loads(collapsed.stdout)
    assert len(rows) == 1 and rows[0]["copies"] == 3
    assert rows[0]["story_id"] == story_of(three_sites["db"], three_sites["urls"]["agency"])
    table = run_khabar(three_sites["work"], "search", "जापान OR मुंबई", "--collapse")
    assert table.returncode == 0 and table.stdout.count("\n") == 2 + 2  # header, rule, two stories


def test_signatures_equal_datasketch_minhash() -> None:
    """The numpy signature is datasketch's MinHash (affine32 scheme, same seed and permutations), computed
    without importing datasketch at crawl time: checked against datasketch itself."""
    from datasketch import MinHash

    from crawler.store.stories import SCHEME, SEED, _permutations, datasketch_signature

    reference = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
    a, b = _permutations()
    assert a.tolist() == [int(x) for x in reference[0]] and b.tolist() == [int(x) for x in reference[1]]
    for title, body in ((AGENCY_TITLE, AGENCY_BODY), (REWRITE_TITLE, REWRITE_BODY), (OTHER_TITLE, OTHER_BODY),
                        ("छोटा", ["दो शब्द"])):
        text = story_text(title, " ".join(body))
        ours, theirs = signature(text), datasketch_signature(text)
        assert ours is not None and theirs is not None and ours.tolist() == theirs.tolist()


def test_storing_an_article_does_not_import_datasketch() -> None:
    code = ("import sys; from crawler.store.stories import signature; signature('रूस यूक्रेन युद्ध की खबर'); "
            "print('datasketch' in sys.modules, 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.parametrize(("title", "body"), [(AGENCY_TITLE, AGENCY_BODY), (OTHER_TITLE, OTHER_BODY),
                                             ("केवल शीर्षक वाली खबर", []), ("दो", ["शब्द"]), ("", [])])
def test_the_signature_from_shared_tokens_equals_the_one_from_text(title: str, body: list[str]) -> None:
    from crawler.items import Article
    from crawler.store.stories import article_signature, article_story_text

    item = Article(url="https://x.in/a", canonical_url="https://x.in/a", site="x", fetched_at="t", title=title,
                   body=list(body))
    ours, from_text = article_signature(item), signature(article_story_text(item))
    assert (ours is None and from_text is None) or (ours is not None and from_text is not None
                                                    and ours.tolist() == from_text.tolist())
    assert article_story_text(item) == story_text(title, "\n\n".join(body))
