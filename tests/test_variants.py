"""Spelling variants of names (crawler.alerts.variants): the spellings Hindi papers print are generated from one,
short names are left alone, and topics use them (and can turn them off)."""

from __future__ import annotations

import pytest

from crawler.alerts.matcher import ArticleText, evaluate
from crawler.alerts.rules import Topic, compile_topic, name_spellings
from crawler.alerts.variants import MAX_VARIANTS, variants
from crawler.text.hindi import normalize_word, word_tokens


def forms(name: str) -> set[str]:
    return {v.form for v in variants(word_tokens(name)[0])}


def norm(word: str) -> str:
    return normalize_word(word_tokens(word)[0])


@pytest.mark.parametrize(("listed", "printed"), [
    ("बखमुत", ["बखमुट", "बाखमुत"]),  # ट/त, the first vowel
    ("डोनेत्स्क", ["डोनेट्स्क", "दोनेत्स्क"]),  # ट/त, ड/द
    ("ज़ापोरिज़्ज़िया", ["ज़ापोरिज़हिया", "जापोरिज्जिया", "ज़ापोरिज्जिया", "जेपोरिजिया", "जेपोरीजिया", "जपोरिझिया",
                          "ज़ापोरीज़िया"]),  # zh as ज़्ज़, ज़ह, झ or ज; the first vowel; nukta and ी folded
    ("खेरसॉन", ["खरसोन", "खेरसान", "खेरसोन"]),  # the first vowel, ो/ा
    ("मॉस्को", ["मास्को"]),  # ॉ/ा
    ("कखोवका", ["काखोवका", "कखोव्का"]),
    ("खारकीव", ["खरकीव", "खार्किव"]),
    ("वोलोदिमीर", ["वोलोडिमिर"]),
    ("कम्बोडिया", ["कंबोडिया"]),  # the half nasal म् before ब is an anusvara too
    ("अंबाला", ["अम्बाला"]),  # and the other way round
    ("ओडेस्सा", ["ओडेसा"]),  # a geminate prints single
    ("लुहान्स्क", ["लुगांस्क", "लुगान्स्क"]),  # Ukrainian h is Russian g
    ("एनरहोदार", ["एनरगोदार"]),
    ("मिर्नोह्राद", ["मिर्नोग्राद"]),
    ("होस्टोमेल", ["गोस्टोमेल"]),
    ("कुपियांस्क", ["कुप्यांस्क"]),  # ya as a syllable of its own or joined to its consonant
    ("स्लोव्यांस्क", ["स्लोवियांस्क"]),
])
def test_the_spellings_papers_print_are_generated(listed: str, printed: list[str]) -> None:
    generated = forms(listed)
    for spelling in printed:
        assert norm(spelling) in generated, spelling


@pytest.mark.parametrize(("name", "others"), [
    ("रूस", ["रास", "रोस", "रस"]),  # two consonants: vowels stay as written
    ("कीव", ["कीवी", "काव", "केव"]),
    ("यूक्रेन", ["यूके"]),
    ("पुतिन", ["पुत्र"]),
])
def test_short_names_do_not_sweep_in_other_words(name: str, others: list[str]) -> None:
    generated = forms(name)
    for word in others:
        assert norm(word) not in generated, word


def test_h_g_and_ya_need_a_long_name_and_a_ya_inside_it() -> None:
    assert norm("गमास") not in forms("हमा")  # two consonants: no consonant swapped for another sound
    assert norm("विन्नित्स्या") not in forms("विन्नित्सिया")  # a final िया is not a Slavic ya (सीरिया, इंडिया)
    made = {v.form: v for v in variants(word_tokens("लुहान्स्क")[0])}
    assert made[norm("लुगान्स्क")].how == "ह/ग"


def test_short_names_keep_their_spelling() -> None:
    assert forms("रूस") == {norm("रूस")}
    assert forms("कीव") == {norm("कीव")}


def test_each_spelling_says_how_it_was_made() -> None:
    made = {v.form: v for v in variants(word_tokens("डोनेत्स्क")[0])}
    assert made[norm("डोनेत्स्क")].how == ""  # as listed
    assert made[norm("दोनेट्स्क")].how == "ट/त"
    assert made[norm("डोनेट्स्क")].written == "डोनेट्स्क"


def test_a_long_name_is_bounded() -> None:
    # Many slots that vary: the lower-priority rules are dropped until the spellings fit.
    found = variants(word_tokens("ज़ापोरिज़्ज़ियादोनेत्स्कखेरसॉनकखोवका")[0])
    assert 1 < len(found) <= MAX_VARIANTS
    assert len(variants(word_tokens("बखमुत")[0], limit=1)) == 1


def test_latin_names_are_left_alone() -> None:
    assert forms("Zelensky") == {"zelensky"}


def test_topic_matches_generated_spellings_and_can_turn_them_off() -> None:
    text = ArticleText({"title": ["बखमुट में भीषण गोलाबारी"]})
    varied = Topic(id="t", label="T", names={"front": ["बखमुत"]}, lists={"war": ["गोलाबारी"]},
                   rule="@front NEAR/5 @war")
    assert evaluate(compile_topic(varied), text).match.variants == [
        {"word": "बखमुट", "name": "बखमुत", "how": "ट/त"}]
    plain = Topic(id="t", label="T", names={"front": ["बखमुत"]}, lists={"war": ["गोलाबारी"]},
                  rule="@front NEAR/5 @war", variants=False)
    assert evaluate(compile_topic(plain), text).match is None
    exact = Topic(id="t", label="T", names={"front": ["=बखमुत"]}, lists={"war": ["गोलाबारी"]},
                  rule="@front NEAR/5 @war")
    assert evaluate(compile_topic(exact), text).match is None  # "=name": that spelling only


def test_a_listed_spelling_is_not_reported_as_a_variant() -> None:
    topic = Topic(id="t", label="T", names={"front": ["डोनेत्स्क", "डोनेट्स्क"]}, lists={"war": ["हमला"]},
                  rule="@front NEAR/5 @war")
    found = evaluate(compile_topic(topic), ArticleText({"title": ["डोनेट्स्क पर हमला"]})).match
    assert found.terms[0] == "डोनेट्स्क" and found.variants == []


def test_name_spellings_lists_every_name_with_its_spellings() -> None:
    topic = Topic(id="t", label="T", terms=["पुतिन"], names={"front": ["बखमुत"]}, context=["युद्ध"],
                  rule="(@terms OR @front) NEAR/5 @context")
    rows = {row["name"]: row for row in name_spellings(topic)}
    assert rows["पुतिन"]["list"] == "terms" and rows["बखमुत"]["list"] == "front"
    spellings = [s["spelling"] for s in rows["बखमुत"]["spellings"]]
    assert spellings[0] == "बखमुत" and "बखमुट" in spellings and "बाखमुत" in spellings
