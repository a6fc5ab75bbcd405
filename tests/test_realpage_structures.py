"""Structures found on real news pages, reproduced in pages we wrote (tests/realpage_structures/).

Each ``<name>.html`` there is our own page in a structure the generic extractor met on real
sites (a legacy table layout, ``<div>``/``<br>`` paragraphs, a byline in a table cell, a title
with the site's name before it, a date printed only as text); ``<name>.json`` beside it holds the
URL, the fetch time and the fields, written by hand from what the page says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract.bylines import is_credit, people, split_names
from crawler.extract.fields import build_article
from crawler.extract.titles import choose_title, strip_site_name
from crawler.items import Article, Page

PAGES = Path(__file__).resolve().parent / "realpage_structures"
NAMES = sorted(path.stem for path in PAGES.glob("*.html"))
INPUT_KEYS = ("url", "fetched_at")


def expected(name: str) -> dict:
    return json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))


def parse(name: str, html: str | None = None) -> Article:
    facts = expected(name)
    page = Page(url=facts["url"], html=html or (PAGES / f"{name}.html").read_text(encoding="utf-8"), site="example",
                fetched_at=facts["fetched_at"])
    return build_article(page, None)


def test_every_page_has_its_expected_fields() -> None:
    assert NAMES and all((PAGES / f"{name}.json").is_file() for name in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_page_parses_into_its_expected_fields(name: str) -> None:
    article = parse(name)
    wrong = {key: (value, getattr(article, key)) for key, value in expected(name).items()
             if key not in INPUT_KEYS and getattr(article, key) != value}
    assert not wrong
    assert article.page_kind == "article"


# The forms Hindi sites print a publication time in, each read as 13 Sep 2023 16:28 IST.
PRINTED_DATES = [
    "Published: September 13, 2023 4:28 PM", "Published at : 13 Sep 2023 04:28 PM (IST)",
    "प्रकाशित: 13 सितंबर 2023, 04:28 PM IST", "13 सितंबर 2023, 4:28 PM IST", "Sep 13, 2023, 16:28 IST",
    "Wed, 13 Sep 2023 04:28 PM", "बुधवार, 13 सितंबर 2023, शाम 4:28 बजे", "13/09/2023 16:28", "2023-09-13 16:28",
    "१३ सितंबर २०२३, ०४:२८ PM", "पब्लिश्ड: 13 सितम्बर, 2023 04:28 PM", "13 Sep 2023 | 04:28 PM IST",
    "Posted on September 13, 2023 at 4:28 pm", "प्रकाशित तिथि: 13-09-2023 16:28", "04:28 PM, 13-Sep-2023",
    "13.09.2023, 16:28",
]


def _visible_date_page(printed: str, *, updated: bool = True) -> str:
    html = (PAGES / "visible-date.html").read_text(encoding="utf-8")
    own = '<span class="publish-date">Published: September 13, 2023 4:28 PM</span>'
    assert own in html
    html = html.replace(own, f'<span class="publish-date">{printed}</span>')
    if not updated:
        html = html.replace("Updated: September 14, 2023 10:05 AM", "")
    return html


@pytest.mark.parametrize("printed", PRINTED_DATES)
def test_a_date_printed_only_as_text_is_read(printed: str) -> None:
    article = parse("visible-date", _visible_date_page(printed))
    assert article.published_at == "2023-09-13T16:28:00+05:30"
    assert article.sources.get("published") == "visible"


def test_the_updated_label_is_used_only_without_a_published_one() -> None:
    html = _visible_date_page("").replace('<span class="publish-date"></span>', "")
    assert parse("visible-date", html).published_at == "2023-09-14T10:05:00+05:30"


def test_the_header_clock_and_related_dates_are_never_the_story_date() -> None:
    html = _visible_date_page("", updated=False).replace('<span class="publish-date"></span>', "")
    assert "सितंबर 2023" in html and "September 10, 2023" in html  # the clock and the related list are still there
    assert parse("visible-date", html).published_at is None


def test_a_machine_date_wins_over_the_printed_one() -> None:
    html = _visible_date_page("Published: September 13, 2023 4:28 PM").replace(
        "</head>", '<meta property="article:published_time" content="2023-09-13T09:00:00+05:30"></head>')
    article = parse("visible-date", html)
    assert article.published_at == "2023-09-13T09:00:00+05:30" and article.sources.get("published") != "visible"


@pytest.mark.parametrize(("raw", "names", "clean"), [
    ("खबर संसार - चंद्रयान-4 की तैयारी तेज", ["खबर संसार"], "चंद्रयान-4 की तैयारी तेज"),
    ("चंद्रयान-4 की तैयारी तेज | खबर संसार", ["खबर संसार"], "चंद्रयान-4 की तैयारी तेज"),
    ("Khabar Sansar: चंद्रयान-4 की तैयारी तेज", ["Khabar Sansar"], "चंद्रयान-4 की तैयारी तेज"),
    ("चंद्रयान-4 की तैयारी तेज । खबर संसार", ["खबर संसार"], "चंद्रयान-4 की तैयारी तेज"),
    ("खबर संसार – चंद्रयान-4 की तैयारी तेज", ["खबर संसार"], "चंद्रयान-4 की तैयारी तेज"),
    ("यूक्रेन: शांति वार्ता फिर शुरू", ["खबर संसार"], "यूक्रेन: शांति वार्ता फिर शुरू"),
    ("Ukraine: talks resume - Khabar Sansar", ["Khabar Sansar"], "Ukraine: talks resume"),
])
def test_the_site_name_goes_from_either_end_but_a_headline_keeps_its_colon(raw: str, names: list[str],
                                                                           clean: str) -> None:
    assert strip_site_name(raw, names) == clean


def test_copies_of_the_title_agree_on_the_headline_without_the_name() -> None:
    headline = "चंद्रयान-4 की तैयारी तेज: इसरो ने बताई तारीख"
    with_name = f"अनजान नाम - {headline}"
    assert choose_title([with_name, headline, headline, with_name], []) == headline
    kicker = f"Nach Gaetz-Rückzug: {headline}"  # a colon joins a kicker to its headline: never cut
    assert choose_title([kicker, headline], []) == kicker
    suffix = f"{headline} - Aktuelle Nachrichten"  # most copies carry the suffix: it stays
    assert choose_title([suffix, suffix, suffix, headline], []) == suffix


@pytest.mark.parametrize(("byline", "names"), [
    ("By Amit Verma and Seema Yadav", ["Amit Verma", "Seema Yadav"]),
    ("द्वारा अमित वर्मा और सीमा यादव", ["अमित वर्मा", "सीमा यादव"]),
    ("रिपोर्ट: अमित वर्मा, सीमा यादव", ["अमित वर्मा", "सीमा यादव"]),
    ("लेखक: अमित वर्मा", ["अमित वर्मा"]),
    ("Corina Gall (cog.)", ["Corina Gall"]),
    ("Trine Jørgensen og Tôrtia Reimer", ["Trine Jørgensen", "Tôrtia Reimer"]),
])
def test_bylines_are_split_into_names(byline: str, names: list[str]) -> None:
    assert split_names(byline) == names


@pytest.mark.parametrize("credit", ["भाषा", "PTI", "IANS", "Web Desk", "नई दिल्ली ब्यूरो", "डेस्क", "dpa", "Reuters",
                                    "Le Figaro et AFP", "MND Staff", "Source: PTI", "Khabar Sansar"])
def test_desks_agencies_and_the_publisher_are_not_people(credit: str) -> None:
    assert is_credit(credit, ["Khabar Sansar", "Le Figaro"])
    assert people([f"अमित वर्मा, {credit}"], ["Khabar Sansar", "Le Figaro"]) == ["अमित वर्मा"]


@pytest.mark.parametrize("person", ["अमित वर्मा", "Apurva Sinha", "Sid Lowe", "Dr. Max Kolter"])
def test_people_stay_people(person: str) -> None:
    assert not is_credit(person, ["Khabar Sansar"])
