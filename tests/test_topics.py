"""Topic rules on Hindi text: spelling variants, inflections, false friends, exclusions, fields, scores.

Expected outcomes are worked out by hand from the texts and rules written here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.alerts.matcher import ArticleText, TopicMatcher, evaluate
from crawler.alerts.rules import Topic, compile_topic
from crawler.config import ConfigError, load_config
from crawler.items import Article

REPO = Path(__file__).resolve().parent.parent


def article(title: str = "", body: tuple[str, ...] = (), summary: str = "", highlights: tuple[str, ...] = (),
            tags: tuple[str, ...] = (), url: str = "https://example.in/international/story-b1/",
            section: str = "international") -> Article:
    return Article(url=url, canonical_url=url, site="test", fetched_at="2024-05-01T00:00:00Z", title=title,
                   summary=summary, highlights=list(highlights), body=list(body), tags=list(tags), section=section)


@pytest.fixture(scope="module")
def shipped() -> TopicMatcher:
    config = load_config(str(REPO / "khabar.toml"))
    return TopicMatcher({"russia-ukraine": config.topics["russia-ukraine"]})


def fires(matcher: TopicMatcher, item: Article) -> bool:
    return any(m.topic == "russia-ukraine" for m in matcher.match_article(item))


def why(matcher: TopicMatcher, item: Article) -> dict:
    found = [m for m in matcher.match_article(item) if m.topic == "russia-ukraine"]
    assert found, f"expected a match: {item.title}"
    return found[0].as_dict()


# --- the shipped russia-ukraine topic -----------------------------------------------
# (the side-aware rule, the war vocabulary and the hard cases of issue 13: tests/test_topic_sides.py)


@pytest.mark.parametrize("title", [
    "रूस ने यूक्रेन पर मिसाइलें दागीं",  # the standard spellings
    "रुस ने युक्रेन पर मिसाइलें दागीं",  # short u: common in real text
    "मास्को से दागी गई मिसाइल कीव में गिरी",  # मास्को as well as मॉस्को
    "मॉस्को ने कीव पर ड्रोन हमले तेज किए",
    "ज़ेलेंस्की ने कहा, हमले जारी रहेंगे",  # nukta
    "जेलेन्स्की ने कहा, हमले जारी रहेंगे",  # half na instead of anusvara
    "जेलेंंस्की ने कहा, हमले जारी रहेंगे",  # a typed-twice anusvara
    "कीएव में रात भर बमबारी",
])
def test_spelling_variants_match(shipped: TopicMatcher, title: str) -> None:
    assert fires(shipped, article(title))


def test_variant_is_reported_as_written(shipped: TopicMatcher) -> None:
    found = why(shipped, article("रुस ने युक्रेन पर मिसाइलें दागीं"))
    assert {"रुस", "युक्रेन", "मिसाइलें"} <= set(found["words"])
    assert found["fields"] == ["title"]


@pytest.mark.parametrize("title", [
    "यूक्रेनी सैनिकों ने मोर्चा संभाला",  # listed name inflection, inflected vocabulary
    "रूसियों पर नए प्रतिबंधों का एलान, यूक्रेन ने स्वागत किया",
    "यूक्रेनियों के घरों पर हमलों के बाद बिजली गुल",
    "पुतिन की सेनाओं ने खारकीव के गांव पर कब्जा किया",
])
def test_inflections_match(shipped: TopicMatcher, title: str) -> None:
    assert fires(shipped, article(title))


@pytest.mark.parametrize(("false_friend", "control"), [
    # New Zealand's cricket team is कीवी; the stemmer would make it कीव.
    (article("कीवी गेंदबाजों के हमले के आगे भारतीय बल्लेबाज बेबस"), article("कीव के हमले के आगे भारतीय सैनिक बेबस")),
    # यूके (UK) is not यूक्रेन.
    (article("यूके की सेना ने संयुक्त युद्ध अभ्यास किया"), article("यूक्रेन की सेना ने संयुक्त युद्ध अभ्यास किया")),
    # रास (the dance of Krishna) is not रूस: with यूक्रेन named, रूस near a war word is the war.
    (article("रास मंडली के कलाकारों पर हमला", tags=("यूक्रेन",)),
     article("रूस की मंडली के कलाकारों पर हमला", tags=("यूक्रेन",))),
    # UK is not Ukraine in English either.
    (article("UK army joins drills, war games in Estonia"), article("Ukraine army joins drills, war games in Estonia")),
])
def test_false_friends_do_not_match(shipped: TopicMatcher, false_friend: Article, control: Article) -> None:
    assert not fires(shipped, false_friend)
    assert fires(shipped, control)  # the same story with the real name does


def test_short_stem_word_is_not_a_postposition(shipped: TopicMatcher) -> None:
    # सेना stems to से, which is also the postposition "from": ज़ेलेंस्की से मुलाकात is a meeting.
    assert not fires(shipped, article("मैक्रों की ज़ेलेंस्की से मुलाकात"))
    assert fires(shipped, article("मैक्रों ने ज़ेलेंस्की की सेना की तारीफ की"))


def test_name_without_conflict_vocabulary_does_not_match(shipped: TopicMatcher) -> None:
    assert not fires(shipped, article("भारत और रूस के बीच व्यापार 65 अरब डॉलर पर पहुंचा"))
    assert not fires(shipped, article("पुतिन ने पांचवीं बार राष्ट्रपति पद की शपथ ली"))
    assert not fires(shipped, article("ज़ेलेंस्की ने कॉमेडियन के तौर पर करियर शुरू किया था"))


def test_name_far_from_vocabulary_does_not_match(shipped: TopicMatcher) -> None:
    far = "यूक्रेन " + " ".join(["की"] * 20) + " युद्ध"  # 20 words between: beyond NEAR/12
    close = "यूक्रेन " + " ".join(["की"] * 5) + " युद्ध"
    assert not fires(shipped, article(far))
    assert fires(shipped, article(close))


def test_compound_with_a_war_word_is_enough(shipped: TopicMatcher) -> None:
    found = why(shipped, article("रूस-यूक्रेन युद्ध: दोनों देशों के प्रतिनिधि इस्तांबुल पहुंचे"))
    assert "रूस-यूक्रेन युद्ध" in found["terms"]
    assert fires(shipped, article("रूस यूक्रेन युद्ध पर नई किताब"))  # the compound written with a space


def test_russian_language_does_not_count(shipped: TopicMatcher) -> None:
    # "ignore": the words of रूसी भाषा are not the topic's words, but a war story that mentions the language
    # still matches through its other words.
    found = why(shipped, article("यूक्रेन ने स्कूलों में रूसी भाषा पर प्रतिबंध लगाया"))
    assert "रूसी" not in found["words"] and {"यूक्रेन", "प्रतिबंध"} <= set(found["words"])


def test_excluded_term_vetoes_the_article(shipped: TopicMatcher) -> None:
    assert not fires(shipped, article("रूसी सलाद की रेसिपी: युद्ध स्तर पर तैयारी", body=("रूस का यूक्रेन पर हमला",)))


def test_excluded_path_and_section(shipped: TopicMatcher) -> None:
    text = "रूस और यूक्रेन में युद्ध के योग, जानिए आज का राशिफल"
    assert fires(shipped, article(text))
    assert not fires(shipped, article(text, url="https://example.in/astrology/aaj-ka-rashifal-b2/"))
    assert not fires(shipped, article(text, section="राशिफल"))


def test_english_terms_inside_hindi_text(shipped: TopicMatcher) -> None:
    found = why(shipped, article("Russia-Ukraine war: इटली देगा एयर डिफेंस सिस्टम"))
    assert "Russia-Ukraine war" in found["terms"]
    found = why(shipped, article("Zelenskyy ने कहा कि drone हमलों से बिजली संयंत्र तबाह"))
    assert "zelenskyy" in found["words"]  # Zelensk* is a Latin prefix
    assert fires(shipped, article("Ukrainian troops ने खारकीव के पास मोर्चा संभाला"))


def test_passing_mention_deep_in_body_is_not_an_alert(shipped: TopicMatcher) -> None:
    body = ("पुतिन ने मंगलवार को क्रेमलिन में शपथ ली।", "समारोह में कई देशों के नेता शामिल नहीं हुए।",
            "उन्होंने यूक्रेन में जारी सैन्य अभियान की तारीफ की।")
    passing = article("पुतिन ने पांचवीं बार शपथ ली", body=body)
    assert not fires(shipped, passing)
    verdicts = shipped.verdicts(ArticleText.of_article(passing))
    # the body is the paragraphs after the lead: its second sentence is the third paragraph here
    assert verdicts[0].reason.startswith("passing mention: the rule holds from sentence 2 of the body")
    headline = why(shipped, article("पुतिन ने यूक्रेन में सैन्य अभियान तेज करने को कहा", body=body))
    assert "title" in headline["fields"] and headline["score"] >= 6


# --- rules written for a test ---------------------------------------------------


def topic(**keys: object) -> Topic:
    return Topic(id="t", label="T", **keys)  # type: ignore[arg-type]


def verdict(rule_topic: Topic, title: str = "", lead: str = "", body: str = "", tags: tuple[str, ...] = ()):
    text = ArticleText({"title": [title], "lead": [lead] if lead else [], "body": [body] if body else [],
                        "tags": list(tags)})
    return evaluate(compile_topic(rule_topic), text)


def test_phrase_is_a_token_sequence() -> None:
    rule = topic(any=["शांति वार्ता"])
    assert verdict(rule, "शांति वार्ता फिर शुरू").match
    assert verdict(rule, "शांति की वार्ता").match is None  # a word between
    assert verdict(rule, "वार्ता शांति से हुई").match is None  # the other order
    assert verdict(rule, "देश में शांति। वार्ता कल होगी").match is None  # across a sentence end


def test_and_or_not_groups() -> None:
    rule = topic(rule='(नाटो OR "यूरोपीय संघ") AND (हथियार OR मदद) NOT क्रिकेट')
    assert verdict(rule, "नाटो देगा हथियार").match
    assert verdict(rule, "यूरोपीय संघ की मदद").match
    assert verdict(rule, "नाटो की बैठक").match is None  # the AND side is missing
    assert verdict(rule, "नाटो क्रिकेट टीम को मदद").match is None  # NOT


def test_lists_and_near_distance() -> None:
    rule = topic(lists={"leaders": ["बाइडन", "=मैक्रों"], "weapons": ["टैंक", "F-16"]},
                 rule="@leaders NEAR/3 @weapons")
    assert verdict(rule, "बाइडन एक दो तीन टैंक").match  # three words between
    assert verdict(rule, "बाइडन एक दो तीन चार टैंक").match is None  # four
    assert verdict(rule, "टैंक देंगे मैक्रों").match  # either order
    assert verdict(rule, "मैक्रों ने F-16 भेजे").match


def test_field_limited_rule() -> None:
    title_only = topic(terms=["पुतिन"], fields=["title"])
    assert verdict(title_only, title="पुतिन का बयान").match
    assert verdict(title_only, title="बयान", lead="पुतिन का बयान").match is None
    lead_only = topic(terms=["पुतिन"], fields=["lead"])
    assert verdict(lead_only, lead="पुतिन का बयान").match
    assert verdict(lead_only, body="पुतिन का बयान").match is None
    body = topic(terms=["पुतिन"], fields=["body"])  # the body includes its lead
    assert verdict(body, lead="पुतिन का बयान").match and verdict(body, body="पुतिन का बयान").match


def test_weights_and_threshold() -> None:
    rule = topic(any=["नाटो"], weights={"title": 5.0, "tags": 0.5}, threshold=1.0)
    assert verdict(rule, title="नाटो सम्मेलन").match.score == 5.0
    assert verdict(rule, title="नाटो सम्मेलन", tags=("नाटो",)).match.score == 5.5
    low = verdict(rule, title="सम्मेलन", tags=("नाटो",))
    assert low.match is None and "below threshold" in low.reason


def test_match_says_why() -> None:
    rule = topic(terms=["पुतिन"], context=["युद्ध"], near=5)
    found = verdict(rule, title="पुतिन ने कहा", lead="पुतिन बोले कि युद्धों से कुछ नहीं मिलता").match
    assert found.terms == ["पुतिन", "युद्ध"] and found.words == ["पुतिन", "युद्धों"]
    assert found.fields == ["lead"]  # the title's पुतिन has no war word nearby
    assert found.score == 4.0  # lead weight 2 for each of two terms


def test_latin_prefix() -> None:
    rule = topic(any=["Zelensk*"])
    for name in ("Zelensky", "Zelenskyy", "ZELENSKIY"):
        assert verdict(rule, f"{name} speaks").match, name
    assert verdict(rule, "Zelen speaks").match is None


def test_many_topics_agree_with_one_at_a_time(shipped: TopicMatcher) -> None:
    """The inverted index that picks candidate topics must never hide a match."""
    topics = {f"t{i}": Topic(id=f"t{i}", label="", any=[word], terms=["पुतिन"], context=["युद्ध"])
              for i, word in enumerate(["नाटो", "Kyiv", "टैंक", "Zelensk*", "सेना", "यूरोपीय संघ"])}
    texts = ["नाटो और टैंक", "kyiv zelenskyy", "पुतिन युद्ध", "सेनाओं की तैनाती", "पुतिन से", "यूरोपीय संघ", "कुछ नहीं"]
    matcher = TopicMatcher(topics)
    for title in texts:
        one_by_one = sorted(t.id for t in topics.values()
                            if evaluate(compile_topic(t), ArticleText({"title": [title]})).match)
        assert sorted(m.topic for m in matcher.match(ArticleText({"title": [title]}))) == one_by_one, title


def test_prefixes_stay_right_across_articles() -> None:
    """One matcher over many articles remembers which words it has seen start with a prefix; a word met
    before, a new one, and a prefix that no topic of the matcher has must all still be found."""
    topics = {"gaza": Topic(id="gaza", label="", any=["Gaz*"]),
              "zel": Topic(id="zel", label="", rule="Zelensk* NEAR/2 हमला")}
    matcher = TopicMatcher(topics)
    seen = []
    for title in ("Gaza में हमला", "गाजा पर बात", "Gazprom और Gaza", "zelenskyy बोले हमला", "zelensky गाजा"):
        text = ArticleText({"title": [title]})
        seen.append({m.topic: m.words for m in matcher.match(text)})
    assert seen == [{"gaza": ["gaza"]}, {}, {"gaza": ["gazprom", "gaza"]}, {"zel": ["zelenskyy", "हमला"]}, {}]
    # The last text was scoped by the matcher's prefixes; prefixes of other topics look at all its words.
    assert evaluate(compile_topic(topic(any=["Zel*"])), text).match.words == ["zelensky"]
    assert evaluate(compile_topic(topic(any=["Zelensky*"])), text).match.words == ["zelensky"]
    assert evaluate(compile_topic(topic(any=["गा*"])), text).match.words == ["गाजा"]


def test_opening_holds_on_the_story_opening_alone() -> None:
    """OPENING(x): x in the title, summary, highlights, tags or the lead's first sentences, not deeper."""
    rule = topic(rule="पुतिन NOT OPENING(आतंकी)", lead_sentences=1)
    assert verdict(rule, title="पुतिन का बयान", lead="आतंकी हमले की निंदा की।").match is None  # the lead's first sentence
    assert verdict(rule, title="पुतिन का बयान", lead="बयान जारी हुआ। आतंकी हमले की निंदा की।").match  # its second
    assert verdict(rule, title="पुतिन का बयान", tags=("आतंकी",)).match is None
    assert verdict(rule, title="पुतिन का बयान", body="आतंकी हमले की निंदा की।").match
    opening = topic(rule="OPENING(नाटो AND हथियार)")  # without lead_sentences, the lead's first sentence
    assert verdict(opening, title="नाटो की बैठक", lead="सदस्य देश हथियार देंगे। फिर मिलेंगे।").match
    assert verdict(opening, title="नाटो की बैठक", lead="बैठक हुई। सदस्य देश हथियार देंगे।").match is None
    missed = verdict(opening, title="बैठक", lead="बैठक हुई। नाटो देगा हथियार।")
    assert missed.reason == "no match"
    explained = evaluate(compile_topic(opening), ArticleText({"title": ["बैठक"], "lead": ["बैठक हुई। नाटो देगा हथियार।"]}),
                         explain=True)
    assert explained.reason.startswith("नाटो and हथियार, but not in the opening"), explained.reason
    assert verdict(topic(rule="OPENING AND नाटो"), title="opening नाटो").match  # without "(" a plain word


def test_about_counts_the_vocabulary_of_the_parts_of_the_rule_that_hold() -> None:
    """A story that matched by one branch is not made "about" the topic by words only another branch uses: an arms
    story that names its navy chief in the first sentence and the war once, further down."""
    rule = topic(names={"side": ["रूस"]}, lists={"war": ["युद्ध"], "rank": ["एडमिरल"], "bomb": ["बम"]},
                 rule="(@side NEAR/4 @war) OR ((@side NEAR/4 @rank) NEAR/4 @bomb)", lead_sentences=1, min_sentences=2)
    arms = "नौसेना प्रमुख एडमिरल दिल्ली में थे। जहाज सौंपा गया। समारोह लंबा चला। रूस में युद्ध जारी है।"
    found = verdict(rule, title="जहाज भारत पहुंचा", lead=arms)
    assert found.match is None and found.reason.startswith("passing mention"), found.reason
    # the same story once the officer's branch holds (in its last sentence): its words count, the first sentence's too
    assert verdict(rule, title="जहाज भारत पहुंचा", lead=arms.replace("रूस में युद्ध जारी है", "रूस में एडमिरल बम से घायल")).match
    # and words of the branch that holds count anywhere in the story, as before
    assert verdict(rule, title="जहाज भारत पहुंचा", lead=arms.replace("प्रमुख एडमिरल", "युद्ध के लिए")).match


def test_matching_from_the_stored_tokens_agrees_with_the_text_as_given() -> None:
    """An article matched from the tokens dedup made (``Article.tokens``) and the same text given as parts find the
    same words, including text that NFC changes (ज़ as one code point) and words never seen before."""
    rule = compile_topic(topic(terms=["ज़ेलेंस्की", "कीव"], context=["हमला"], near=5))
    matcher = TopicMatcher([rule])
    for title, body in [("\u095bेलेंस्की ने कहा", ("कीव पर हमला हुआ।",)),
                        ("नया शब्द क्षक्षक्ष", ("कीव पर रात भर हमले। ज़ेलेंस्की बोले।",)),
                        ("कीवी टीम", ("हमला",))]:
        item = article(title, body=body)
        given = ArticleText({"title": [title], "lead": list(body[:1]), "body": list(body[1:])})
        assert [m.as_dict() for m in matcher.match_article(item)] == [m.as_dict() for m in matcher.match(given)]


def test_a_lexicon_that_starts_over_finds_the_same_words(monkeypatch: pytest.MonkeyPatch,
                                                         shipped: TopicMatcher) -> None:
    """The lexicon remembers what each written word is, up to a bound; starting over in the middle of an article
    must not lose a word."""
    item = article("रूस ने कीव पर 300 ड्रोन दागे", body=("राजधानी में रात भर धमाके हुए। ज़ेलेंस्की ने मदद मांगी।",))
    expected = why(shipped, item)
    monkeypatch.setattr("crawler.alerts.terms.WORD_FORMS_MAX", 3)
    fresh = TopicMatcher([compile_topic(load_config(str(REPO / "khabar.toml")).topics["russia-ukraine"])])
    for _ in range(3):
        item = article(item.title, body=tuple(item.body))  # a new article each time: nothing made before
        assert why(fresh, item) == expected
    assert len(fresh.lexicon.written) <= 4


def test_a_compiled_topic_travels_to_another_process_without_its_word_cache(shipped: TopicMatcher) -> None:
    """A parse worker started by spawn gets the topics pickled: the lexicon goes without the written words it
    remembered (up to 200,000), and matches the same."""
    import pickle

    item = article("रूस ने कीव पर 300 ड्रोन दागे", body=("राजधानी में रात भर धमाके हुए।",))
    expected = why(shipped, item)
    topic = shipped.topics[0]
    assert len(topic.lexicon.written) > 1 or len(shipped.lexicon.written) > 1
    copied = pickle.loads(pickle.dumps(topic))
    assert copied.lexicon.written == {"": ()}
    assert why(TopicMatcher([copied]), article(item.title, body=tuple(item.body))) == expected


# --- bad rules are refused at load ---------------------------------------------------


@pytest.mark.parametrize(("body", "key", "problem"), [
    ('rule = "(@terms NEAR/5 @context"\nterms = ["x"]\ncontext = ["y"]', "topics.bad.rule", "never closed"),
    ('rule = "@weapons AND युद्ध"', "topics.bad.rule", "no list named '@weapons'"),
    ('rule = "रूस NEAR/500 युद्ध"', "topics.bad.rule", "NEAR/N"),
    ('rule = "NOT क्रिकेट"', "topics.bad.rule", "NOT needs something before it"),
    ('rule = "रूस OR"', "topics.bad.rule", "ends where a term was expected"),
    ('terms = ["Zel*sky"]', "topics.bad.terms", "only goes at the end"),
    ('terms = ["।"]', "topics.bad.terms", "has no words"),
    ('terms = ["रूस"]\nweights = { colour = 2 }', "topics.bad.weights.colour", "unknown field"),
    ('terms = ["रूस"]\nthreshold = -1', "topics.bad.threshold", "at least 0"),
    ('terms = ["रूस"]\nnear = 2.5', "topics.bad.near", "whole number"),
    ('terms = ["रूस"]\ndelivery = "sometimes"', "topics.bad.delivery", "instant, digest, auto"),
    ('terms = ["रूस"]\ndelivery = "digest"', "topics.bad.digest", "needs a digest schedule"),
    ('terms = ["रूस"]\ndigest = "every morning"', "topics.bad.digest", "not a cron expression"),
    ('terms = ["रूस"]\nquiet_hours = "25:00-06:00"', "topics.bad.quiet_hours", "time range"),
    ('terms = ["रूस"]\nexclude_paths = ["cricket"]', "topics.bad.exclude_paths", "URL path"),
    ('terms = ["रूस"]\nonce_per_story = "yes"', "topics.bad.once_per_story", "true or false"),
    ('terms = ["रूस"]\nfields = ["body", "footer"]', "topics.bad.fields", "unknown field 'footer'"),
    ('label = "only a label"', "topics.bad", "needs a 'rule'"),
    ('terms = ["रूस"]\nsubject = "@side OR"', "topics.bad.subject", "no list named '@side'"),
    ('terms = ["रूस"]\nsubject = "(रूस"', "topics.bad.subject", "never closed"),
    ('terms = ["रूस"]\nsubject = ""', "topics.bad.subject", "non-empty string"),
    ('terms = ["रूस"]\nsubject = "रूस"\nsubject_sentences = 0.5', "topics.bad.subject_sentences", "whole number"),
])
def test_bad_rule_is_refused_naming_topic_key_and_problem(tmp_path: Path, body: str, key: str, problem: str) -> None:
    path = tmp_path / "khabar.toml"
    path.write_text(f"[topics.bad]\n{body}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert caught.value.key == key
    assert problem in caught.value.problem
    assert str(path) in str(caught.value)


def test_plain_keys_still_work(tmp_path: Path) -> None:
    """The keys of the first config format (any/terms/context/exclude/fields) keep their meaning."""
    path = tmp_path / "khabar.toml"
    path.write_text('[topics.old]\nlabel = "Old"\nany = ["रूस-यूक्रेन"]\nterms = ["पुतिन"]\ncontext = ["युद्ध"]\n'
                    'exclude = ["क्रिकेट"]\nfields = ["title", "body"]\n', encoding="utf-8")
    old = load_config(str(path)).topics["old"]
    assert verdict(old, title="रूस-यूक्रेन वार्ता").match
    # without `near`, a name and context anywhere in the counted fields
    assert verdict(old, title="पुतिन का बयान", body=" ".join(["शब्द"] * 40) + " युद्ध").match
    assert verdict(old, title="पुतिन का बयान").match is None
    assert verdict(old, title="पुतिन युद्ध क्रिकेट").match is None
