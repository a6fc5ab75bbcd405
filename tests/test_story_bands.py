"""The in-memory LSH buckets (crawler.store.stories.BandIndex) and how two processes' stories meet through the file."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from crawler.items import Article
from crawler.store.articles import ArticleStore
from crawler.store.connection import connect
from crawler.store.stories import BANDS, BandIndex

AGENCY = ["नई दिल्ली, 12 मार्च (भाषा) भारत और जापान ने मंगलवार को रक्षा सहयोग बढ़ाने के लिए एक अहम समझौते पर हस्ताक्षर किए।",
          "समझौते के तहत दोनों देशों की नौसेनाएं अगले वर्ष बंगाल की खाड़ी में संयुक्त अभ्यास करेंगी।",
          "अधिकारियों ने बताया कि बैठक में समुद्री सुरक्षा और साइबर सुरक्षा पर भी विस्तार से चर्चा हुई।",
          "दोनों पक्षों ने आपूर्ति श्रृंखला को सुरक्षित बनाने और महत्वपूर्ण खनिजों के क्षेत्र में काम करने पर सहमति जताई।"]


@pytest.mark.parametrize("recent_max", [7, 64, 8_192])
def test_lookups_equal_a_plain_dict_through_every_merge(monkeypatch: pytest.MonkeyPatch, recent_max: int) -> None:
    """Random keys from a small space (so keys are shared), added one article at a time and in bulk: every
    lookup finds exactly the ids a dict of lists finds, whatever runs the index has merged into."""
    monkeypatch.setattr(BandIndex, "RECENT_MAX", recent_max)
    rng = random.Random(5)
    index, truth = BandIndex(), {}
    next_id = 1
    for step in range(400):
        if step % 50 == 49:  # a bulk load, as refresh() does with what other processes stored
            ids = np.arange(next_id, next_id + 30)
            keys = np.array([[rng.randrange(3_000) for _ in range(BANDS)] for _ in ids], dtype=np.uint32)
            index.add_many(ids, keys)
            for article_id, row in zip(ids.tolist(), keys.tolist(), strict=True):
                for key in row:
                    truth.setdefault(key, []).append(article_id)
            next_id += 30
        else:
            keys = np.array(rng.sample(range(3_000), BANDS), dtype=np.uint32)
            index.add(next_id, keys)
            for key in keys.tolist():
                truth.setdefault(key, []).append(next_id)
            next_id += 1
        probe = np.array(rng.sample(range(3_200), BANDS), dtype=np.uint32)
        expected = {i for key in probe.tolist() for i in truth.get(key, [])}
        found = index.lookup(probe)
        assert len(found) == len(set(found)) and set(found) == expected
    assert len(index) == sum(len(ids) for ids in truth.values())
    assert len(index.runs) <= 12  # merged as it grew, not one run per flush


def test_an_empty_index_finds_nothing() -> None:
    assert BandIndex().lookup(np.arange(BANDS, dtype=np.uint32)) == []


def agency_copy(site: str, number: int, extra: str = "") -> Article:
    url = f"https://www.{site}.in/news/india-japan-{number}/"
    return Article(url=url, canonical_url=url, site=site, fetched_at="2024-03-12T10:00:00Z",
                   title=f"भारत-जापान समझौता {number}", body=[*AGENCY, extra] if extra else list(AGENCY),
                   content_hash=f"h{number}")


def test_a_second_process_sees_the_stories_the_first_stored(tmp_path: Path) -> None:
    """Two stores on one file, as two crawls are: the second has its band index in memory before the first
    writes; its next write transaction takes in the first one's article, so a copy joins that story."""
    first = ArticleStore(connect(tmp_path / "k.db"))
    second = ArticleStore(connect(tmp_path / "k.db"))
    unrelated = Article(url="https://www.b.in/city/rain-1/", canonical_url="https://www.b.in/city/rain-1/", site="b",
                        fetched_at="t", title="बारिश", body=["मुंबई में भारी बारिश से जलभराव हुआ और लोकल ट्रेनें देरी से चलीं।"],
                        content_hash="rain")
    second.insert(unrelated, "t")  # loads the (empty) band index
    second.commit()
    assert second.stories.bands is not None
    story = first.insert(agency_copy("a", 1), "t")
    first.commit()
    copy = agency_copy("c", 2, "गौरतलब है कि पिछले वर्ष भी दोनों देशों ने अभ्यास किया था।")
    second.insert(copy, "t")
    second.commit()
    assert copy.story_id == story
    first.close()
    second.close()


def test_an_edited_article_is_matched_by_its_new_text(tmp_path: Path) -> None:
    store = ArticleStore(connect(tmp_path / "k.db"))
    rain = ["मुंबई में भारी बारिश से जलभराव हुआ और लोकल ट्रेनें देरी से चलीं।"] * 4
    edited = agency_copy("a", 1)
    edited.body = rain
    article_id = store.insert(edited, "t")
    store.update(article_id, agency_copy("a", 1), "t2")  # now carries the agency text
    copy = agency_copy("c", 2)
    store.insert(copy, "t")
    assert copy.story_id == article_id
    store.close()
