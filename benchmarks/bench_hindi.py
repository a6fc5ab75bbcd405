"""How much the Hindi-correct search form costs next to a naive `re` tokenizer.

Run: python benchmarks/bench_hindi.py
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Sized

from crawler.text import hindi

# Sentences in the style of the seed article, with spelling variants, nukta, chandrabindu,
# danda, hyphenated compounds and some Latin, so caching and every fold get exercised.
SENTENCES = (
    "किम जोंग उन ने बुधवार को रूस के राष्ट्रपति व्लादिमीर पुतिन से मुलाकात की।",
    "उत्तर कोरियाई नेता ने कहा कि रूस पश्चिम के साथ एक पवित्र युद्ध लड़ रहा है।",
    "रूस-यूक्रेन युद्ध के बीच ज़ेलेंस्की ने पश्चिमी देशों से और हथियार माँगे।",
    "युक्रेन की सेना ने दावा किया कि रुसी ड्रोन हमले को नाकाम कर दिया गया॥",
    "संयुक्त राष्ट्र ने उत्तर कोरिया के खिलाफ कई प्रतिबंध लगाए हैं, लेकिन असर सीमित रहा।",
    "Russia-Ukraine war: यूक्रेनी सेना के पांव अब उखड़ने लगे हैं, कमांडर-इन-चीफ ने माना।",
    "भारतीय चुनावों में हस्तक्षेप के रूसी आरोपों को अमेरिका ने किया खारिज, जानें क्या कहा।",
    "मॉस्को और कीव के बीच शांति वार्ता की संभावनाएँ फिलहाल धुंधली दिखाई देती हैं।",
    "जेलेन्स्की ने कहा कि हम अपनी संप्रभुता की रक्षा के लिए आख़िरी दम तक लड़ेंगे।",
    "क्रिकेट में कीवी टीम ने 2023 के विश्व कप में शानदार प्रदर्शन किया और चाँद पर पहुँचने का जश्न मना।",
    "महामारी के बाद उनकी पहली विदेश यात्रा है, जिसे वोस्तोचन कोस्मोड्रोम में मिले नेताओं ने सराहा।",
    "प्रधानमंत्री मेलोनी जी7 सम्मेलन के दौरान SAMP/T एयर डिफेंस सिस्टम देने की घोषणा करेंगी।",
)

TARGET_BYTES = 1_000_000
ARTICLE_SENTENCES = 25  # about 4 KB of Hindi per article, like a real body


def build_articles(seed: int = 7) -> list[str]:
    """About 1 MB of UTF-8 Hindi split into article-sized bodies."""
    rng = random.Random(seed)
    articles: list[str] = []
    size = 0
    while size < TARGET_BYTES:
        body = " ".join(rng.choice(SENTENCES) for _ in range(ARTICLE_SENTENCES))
        articles.append(body)
        size += len(body.encode("utf-8"))
    return articles


def _baseline(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _time(func: Callable[[str], Sized], articles: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    tokens = sum(len(func(body)) for body in articles)
    return time.perf_counter() - start, tokens


def main() -> dict:
    articles = build_articles()
    mb = sum(len(a.encode("utf-8")) for a in articles) / 1e6
    results: dict = {"articles": len(articles), "megabytes": round(mb, 2)}

    base_s, base_tokens = _time(_baseline, articles)
    words_s, words = _time(hindi.word_tokens, articles)
    hindi._SEARCH_CACHE.clear()
    cold_s, cold_tokens = _time(hindi.search_tokens, articles)
    warm_s, _ = _time(hindi.search_tokens, articles)
    form_s, _ = _time(hindi.search_form, articles)

    def rate(tokens: int, seconds: float) -> int:
        return round(tokens / seconds)

    results.update(
        baseline_re_tokens=base_tokens,
        baseline_re_tokens_per_s=rate(base_tokens, base_s),
        word_tokens=words,
        word_tokens_per_s=rate(words, words_s),
        search_tokens_cold_cache_per_s=rate(cold_tokens, cold_s),
        search_tokens_warm_cache_per_s=rate(cold_tokens, warm_s),
        search_form_per_s=rate(cold_tokens, form_s),
        baseline_mb_per_s=round(mb / base_s, 1),
        search_form_mb_per_s=round(mb / form_s, 1),
        search_form_ms_per_article=round(1000 * form_s / len(articles), 3),
        slowdown_vs_baseline=round(form_s / base_s, 1),
        seconds_for_10000_articles=round(10_000 * form_s / len(articles), 1),
    )
    for key, value in results.items():
        print(f"{key:34} {value:>12,}" if isinstance(value, int) else f"{key:34} {value:>12}")
    return results


if __name__ == "__main__":
    main()
