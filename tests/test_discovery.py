"""Discovery documents (crawler/discovery.py): sitemaps, news sitemaps, indexes, gzip, RSS, Atom, the window."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.components.discovery import (
    ATOM,
    ROBOTS,
    RSS,
    SITEMAP_INDEX,
    TEXT,
    UNREADABLE,
    URLSET,
    Entry,
    gunzip,
    is_recent,
    newest_first,
    read_document,
)
from crawler.text.clock import parse_since

IST = timezone(timedelta(hours=5, minutes=30))
SM = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
IMAGE = 'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'

NEWS_SITEMAP = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset {SM} {NEWS} {IMAGE}>
<url>
  <loc>https://www.example.in/desh/rus-yukren-b101/</loc>
  <news:news>
    <news:publication><news:name>उदाहरण</news:name><news:language>hi</news:language></news:publication>
    <news:publication_date>2024-06-12T20:15:00+05:30</news:publication_date>
    <news:title>रूस-यूक्रेन युद्ध: कीव पर ड्रोन हमला</news:title>
    <news:keywords>रूस-यूक्रेन विवाद, कीव ,  ड्रोन</news:keywords>
  </news:news>
  <image:image><image:loc>https://img.example.in/101.jpg</image:loc></image:image>
</url>
<url>
  <loc>https://www.example.in/khel/cricket-b102/</loc>
  <lastmod>2024-06-14T08:00:00Z</lastmod>
  <news:news>
    <news:publication_date>2024-06-13T09:00:00+05:30</news:publication_date>
    <news:title>क्रिकेट: भारत जीता</news:title>
  </news:news>
</url>
</urlset>
""".encode()


def test_news_sitemap_gives_title_date_and_keywords_as_hints() -> None:
    doc = read_document(NEWS_SITEMAP)
    assert doc.kind == URLSET and doc.sitemaps == []
    first, second = doc.pages
    assert first.url == "https://www.example.in/desh/rus-yukren-b101/"
    assert first.date == datetime(2024, 6, 12, 20, 15, tzinfo=IST)
    assert first.hints == {
        "title": "रूस-यूक्रेन युद्ध: कीव पर ड्रोन हमला",
        "published": "2024-06-12T20:15:00+05:30",
        "tags": ["रूस-यूक्रेन विवाद", "कीव", "ड्रोन"],
        "language": "hi",
        "image_url": "https://img.example.in/101.jpg",
    }
    # lastmod (14 June, 13:30 IST) is newer than the publication date: the entry's date is the newest.
    assert second.date == datetime(2024, 6, 14, 8, 0, tzinfo=UTC)
    assert second.hints["published"] == "2024-06-13T09:00:00+05:30"
    assert second.hints["updated"] == "2024-06-14T08:00:00+00:00"


def test_plain_sitemap_with_and_without_lastmod() -> None:
    body = f"""<urlset {SM}>
      <url><loc> https://example.in/a-1/ </loc><lastmod>2024-05-01</lastmod></url>
      <url><loc>https://example.in/b-2/</loc></url>
      <url><loc>/relative/not-a-url</loc></url>
      <url><lastmod>2024-05-02</lastmod></url>
    </urlset>""".encode()
    doc = read_document(body)
    assert [e.url for e in doc.pages] == ["https://example.in/a-1/", "https://example.in/b-2/"]
    assert doc.pages[0].date == datetime(2024, 5, 1, tzinfo=IST)  # a date alone is midnight in India
    assert doc.pages[1].date is None


def test_sitemap_index_lists_child_sitemaps() -> None:
    body = f"""<?xml version="1.0"?><sitemapindex {SM}>
      <sitemap><loc>https://example.in/sitemap-2024-06.xml.gz</loc><lastmod>2024-06-30T10:00:00+05:30</lastmod></sitemap>
      <sitemap><loc>https://example.in/sitemap-2024-05.xml.gz</loc><lastmod>2024-05-31T10:00:00+05:30</lastmod></sitemap>
    </sitemapindex>""".encode()
    doc = read_document(body)
    assert doc.kind == SITEMAP_INDEX and doc.pages == []
    assert [e.url for e in doc.sitemaps] == ["https://example.in/sitemap-2024-06.xml.gz",
                                             "https://example.in/sitemap-2024-05.xml.gz"]
    assert doc.sitemaps[1].date == datetime(2024, 5, 31, 10, 0, tzinfo=IST)


def test_gzip_body_is_read_like_the_plain_one() -> None:
    plain = read_document(NEWS_SITEMAP)
    zipped = read_document(gzip.compress(NEWS_SITEMAP))
    assert zipped.kind == URLSET
    assert [(e.url, e.date, e.hints) for e in zipped.pages] == [(e.url, e.date, e.hints) for e in plain.pages]


def test_gzip_larger_than_the_limit_or_broken_is_refused() -> None:
    with pytest.raises(ValueError, match="MiB"):
        gunzip(gzip.compress(b"x" * (3 * 1024 * 1024)), limit=1024 * 1024)
    doc = read_document(b"\x1f\x8b\x08\x00broken")
    assert doc.kind == UNREADABLE and "gzip" in doc.problem
    assert gunzip(b"<urlset/>") == b"<urlset/>"
    cut = gzip.compress(NEWS_SITEMAP)[:-200]  # a download cut off: the entries before the cut survive
    assert [e.url for e in read_document(cut).pages] == [read_document(NEWS_SITEMAP).pages[0].url]


RSS_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>देश - उदाहरण</title><link>https://www.example.in/desh/</link>
<item>
  <title>संसद का सत्र शुरू</title>
  <link>https://www.example.in/desh/sansad-b201/</link>
  <pubDate>Tue, 09 Apr 2024 10:05:00 +0530</pubDate>
  <dc:creator>भाषा</dc:creator>
  <category>देश</category>
  <description><![CDATA[<p>संसद का <b>सत्र</b> आज से।</p><img src="x.jpg">]]></description>
  <enclosure url="https://img.example.in/201.jpg" type="image/jpeg" length="0"/>
</item>
<item>
  <title>बिना लिंक, guid से</title>
  <guid>https://www.example.in/desh/guid-b202/</guid>
  <pubDate>Wed, 10 Apr 2024 08:00:00 GMT</pubDate>
</item>
<item><title>कोई पता नहीं</title><guid isPermaLink="false">tag:example.in,2024:203</guid></item>
</channel></rss>
""".encode()


def test_rss_items_give_link_title_date_and_plain_description() -> None:
    doc = read_document(RSS_FEED)
    assert doc.kind == RSS
    assert [e.url for e in doc.pages] == ["https://www.example.in/desh/sansad-b201/",
                                          "https://www.example.in/desh/guid-b202/"]
    first = doc.pages[0]
    assert first.date == datetime(2024, 4, 9, 10, 5, tzinfo=IST)
    assert first.hints == {"title": "संसद का सत्र शुरू", "published": "2024-04-09T10:05:00+05:30",
                           "summary": "संसद का सत्र आज से।", "authors": ["भाषा"], "section": "देश",
                           "image_url": "https://img.example.in/201.jpg"}
    assert doc.pages[1].date == datetime(2024, 4, 10, 8, 0, tzinfo=UTC)


def test_rss_1_rdf_items_with_dublin_core_dates() -> None:
    body = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
        xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>x</title></channel>
      <item><title>one</title><link>https://example.in/one-1/</link><dc:date>2024-03-01T12:00:00+05:30</dc:date></item>
    </rdf:RDF>"""
    doc = read_document(body)
    assert doc.kind == RSS
    assert doc.pages == [Entry("https://example.in/one-1/", datetime(2024, 3, 1, 12, 0, tzinfo=IST))]


ATOM_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>उदाहरण</title>
<entry>
  <title type="html">चुनाव &amp; नतीजे</title>
  <link rel="self" href="https://www.example.in/feed/entry/301"/>
  <link rel="alternate" type="text/html" href="https://www.example.in/chunav/natije-b301/"/>
  <published>2024-06-04T09:00:00+05:30</published>
  <updated>2024-06-04T18:30:00+05:30</updated>
  <author><name>नेहा गुप्ता</name></author>
  <category term="chunav" label="चुनाव"/>
  <summary>मतगणना जारी।</summary>
</entry>
<entry><title>केवल एक लिंक</title><link href="https://www.example.in/x/only-b302/"/></entry>
</feed>
""".encode()


def test_atom_entries_use_the_alternate_link_and_newest_date() -> None:
    doc = read_document(ATOM_FEED)
    assert doc.kind == ATOM
    first, second = doc.pages
    assert first.url == "https://www.example.in/chunav/natije-b301/"
    assert first.date == datetime(2024, 6, 4, 18, 30, tzinfo=IST)
    assert first.hints == {"title": "चुनाव & नतीजे", "published": "2024-06-04T09:00:00+05:30",
                           "updated": "2024-06-04T18:30:00+05:30", "summary": "मतगणना जारी।",
                           "authors": ["नेहा गुप्ता"], "tags": ["चुनाव"]}
    assert second.url == "https://www.example.in/x/only-b302/" and second.date is None


def test_broken_xml_is_recovered_as_far_as_it_goes() -> None:
    # A BOM and blank lines before the declaration, an undeclared HTML entity, a file cut off mid-entry.
    body = ("\ufeff\n\n" + f"""<?xml version="1.0" encoding="UTF-8"?><urlset {SM} {NEWS}>
      <url><loc>https://example.in/a-1/</loc><news:news><news:title>नमस्ते&nbsp;दुनिया</news:title>
      <news:publication_date>2024-06-01T10:00:00+05:30</news:publication_date></news:news></url>
      <url><loc>https://example.in/b-2/</loc><lastmod>2024-06-""").encode()
    doc = read_document(body)
    assert doc.kind == URLSET
    assert [e.url for e in doc.pages] == ["https://example.in/a-1/", "https://example.in/b-2/"]
    assert doc.pages[0].date == datetime(2024, 6, 1, 10, 0, tzinfo=IST)
    assert doc.pages[1].date is None  # the cut-off lastmod is no date, not a guess


def test_missing_or_wrong_namespaces_are_tolerated() -> None:
    body = b"""<urlset xmlns="http://www.google.com/schemas/sitemap/0.84"><url><loc>https://example.in/a-1/</loc>
      <news><publication_date>2024-06-01</publication_date><title>t</title></news></url></urlset>"""
    doc = read_document(body)
    assert doc.pages[0].hints["title"] == "t"
    assert doc.pages[0].date == datetime(2024, 6, 1, tzinfo=IST)


def test_plain_text_sitemap() -> None:
    doc = read_document(b"https://example.in/a-1/\r\n\r\nhttps://example.in/b-2/\n")
    assert doc.kind == TEXT
    assert [e.url for e in doc.pages] == ["https://example.in/a-1/", "https://example.in/b-2/"]


def test_robots_txt_names_its_sitemaps() -> None:
    body = b"User-agent: *\nDisallow: /api/\n\nSitemap: https://example.in/news-sitemap.xml\nsitemap:https://example.in/s.xml.gz\n"
    doc = read_document(body)
    assert doc.kind == ROBOTS and doc.pages == []
    assert [e.url for e in doc.sitemaps] == ["https://example.in/news-sitemap.xml", "https://example.in/s.xml.gz"]


@pytest.mark.parametrize("body, problem", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>checking</body></html>", "<html>"),
    (b"Access denied", "neither XML"),
    (b"<<<>>>", "not"),
])
def test_unreadable_documents_say_why(body: bytes, problem: str) -> None:
    doc = read_document(body)
    assert doc.kind == UNREADABLE and not doc.readable
    assert problem in doc.problem
    assert doc.pages == [] and doc.sitemaps == []


# ---------------------------------------------------------------- the time window

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("value, expected", [
    ("6h", NOW - timedelta(hours=6)),
    ("2d", NOW - timedelta(days=2)),
    ("90m", NOW - timedelta(minutes=90)),
    (" 1w ", NOW - timedelta(days=7)),
    ("2024-06-01", datetime(2024, 6, 1, tzinfo=IST)),
    ("2024-06-01T06:30:00Z", datetime(2024, 6, 1, 6, 30, tzinfo=UTC)),
    ("2024-06-01T12:00", datetime(2024, 6, 1, 12, 0, tzinfo=IST)),
])
def test_since_accepts_durations_and_dates(value: str, expected: datetime) -> None:
    assert parse_since(value, now=NOW) == expected


def test_since_empty_means_no_window() -> None:
    assert parse_since("", now=NOW) is None


@pytest.mark.parametrize("value", ["yesterday", "6 hours", "2024-13-45", "-3h", "2024/06/01"])
def test_since_refuses_what_it_cannot_read_in_a_sentence(value: str) -> None:
    with pytest.raises(ValueError, match=r"-a since= must be a duration such as 6h or 2d, or a date"):
        parse_since(value, now=NOW)


def test_window_keeps_recent_and_undated_entries() -> None:
    since = datetime(2024, 6, 1, tzinfo=IST)
    assert is_recent(Entry("u", datetime(2024, 6, 1, tzinfo=IST)), since)  # the boundary is inside
    assert is_recent(Entry("u", datetime(2024, 5, 31, 19, 0, tzinfo=UTC)), since)  # 00:30 IST on 1 June
    assert not is_recent(Entry("u", datetime(2024, 5, 31, 18, 0, tzinfo=UTC)), since)  # 23:30 IST on 31 May
    assert is_recent(Entry("u", None), since)
    assert is_recent(Entry("u", datetime(2000, 1, 1, tzinfo=UTC)), None)


def test_newest_first_puts_undated_last_in_document_order() -> None:
    entries = [Entry("old", datetime(2024, 1, 1, tzinfo=UTC)), Entry("undated-1"),
               Entry("new", datetime(2024, 6, 1, 5, 0, tzinfo=IST)), Entry("undated-2"),
               Entry("mid", datetime(2024, 5, 31, 23, 45, tzinfo=UTC))]  # 05:15 IST, after "new"
    assert [e.url for e in newest_first(entries)] == ["mid", "new", "old", "undated-1", "undated-2"]
