"""Build the bundled Lokmat-like sample site that `khabar demo` and the tests crawl.

``python scripts/build_sample_site.py [--out DIR]`` reads ``scripts/sample_site_data.json`` and rebuilds
``crawler/sample_site/lokmat/`` deterministically (every date comes from the data, none from the clock).
Internal links are root-relative, so the site works from any ``http://127.0.0.1:PORT``; only canonical,
og:url and amphtml links, JSON-LD, sitemaps and feeds use the real origin ``https://www.lokmatnews.in``.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_FILE = Path(__file__).resolve().with_name("sample_site_data.json")
OUT_DIR = ROOT / "crawler" / "sample_site" / "lokmat"

ORIGIN = "https://www.lokmatnews.in"
IMAGE_ORIGIN = "https://images.lokmatnews.in"
SITE_NAME = "Lokmat Hindi"
PER_PAGE = 4
APP_LINK = "https://lokmat.app.link/x"
LOGO = f"{IMAGE_ORIGIN}/static/lokmat-hindi-logo.svg"
AMP_AD_UNIT = "/1045/lokmat_hindi_amp_"
# The one article also published as an AMP copy, and the one linked with a tracking query.
AMP_ARTICLE_ID = "1548120"
TRACKED_ARTICLE_ID = "1534466"
TRACKING_QUERY = "?utm_source=whatsapp&utm_medium=social"
MONTHS = "January February March April May June July August September October November December".split()


@dataclass(frozen=True)
class Article:
    id: str
    section: str
    slug: str
    title: str
    author: str
    published: datetime
    modified: datetime
    dateline: str | None
    summary: str
    highlights: tuple[str, ...]
    body: tuple[str, ...]
    tags: tuple[str, ...]
    related_ids: tuple[str, ...] | None
    more_ids: tuple[str, ...] | None
    body_missing: bool

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.slug}-b{self.id}/"

    @property
    def url(self) -> str:
        return ORIGIN + self.path

    @property
    def amp_path(self) -> str:
        return "/amp" + self.path

    @property
    def image(self) -> str:
        return f"{IMAGE_ORIGIN}/hindi/{self.published:%Y/%m}/{self.slug}-{self.id}.jpg"


@dataclass(frozen=True)
class Site:
    sections: dict[str, str]
    authors: dict[str, str]
    tags: dict[str, str]
    articles: tuple[Article, ...]  # newest first

    def by_id(self, article_id: str) -> Article:
        return next(a for a in self.articles if a.id == article_id)

    def in_section(self, section: str) -> list[Article]:
        return [a for a in self.articles if a.section == section]


def load_site(path: Path = DATA_FILE) -> Site:
    data = json.loads(path.read_text(encoding="utf-8"))
    articles: list[Article] = []
    for raw in data["articles"]:
        related, more = raw.get("related"), raw.get("more_from_section")
        articles.append(Article(
            id=raw["id"], section=raw["section"], slug=raw["slug"], title=raw["title"], author=raw["author"],
            published=datetime.fromisoformat(raw["published"]),
            modified=datetime.fromisoformat(raw.get("modified", raw["published"])),
            dateline=raw.get("dateline"), summary=raw["summary"], highlights=tuple(raw.get("highlights", ())),
            body=tuple(raw["body"]), tags=tuple(raw["tags"]),
            related_ids=tuple(related) if related is not None else None,
            more_ids=tuple(more) if more is not None else None,
            body_missing=bool(raw.get("body_missing", False)),
        ))
    articles.sort(key=lambda a: (a.published, a.id), reverse=True)
    site = Site(data["sections"], data["authors"], data["tags"], tuple(articles))
    _check(site)
    return site


def _check(site: Site) -> None:
    ids = [a.id for a in site.articles]
    assert len(ids) == len(set(ids)), "duplicate article ids"
    for a in site.articles:
        assert len(a.id) == 7 and a.id.isdigit(), a.id
        assert a.section in site.sections, a.section
        assert a.author in site.authors, a.author
        assert all(t in site.tags for t in a.tags), (a.id, a.tags)
        assert a.body or a.body_missing, a.id
        for other in (a.related_ids or ()) + (a.more_ids or ()):
            site.by_id(other)


def text(value: str) -> str:
    """Escape element text; no-break spaces are written as &nbsp; like the CMS does."""
    return escape(value, quote=False).replace("\u00a0", "&nbsp;")


def attr(value: str) -> str:
    return escape(value, quote=True)


def visible_date(dt: datetime) -> str:
    hour = dt.hour % 12 or 12
    return f"{MONTHS[dt.month - 1]} {dt.day}, {dt.year} {hour}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"


def json_ld(obj: object) -> str:
    dumped = json.dumps(obj, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">{dumped}</script>'


def section_path(section: str, page: int = 1) -> str:
    return f"/{section}/" if page == 1 else f"/{section}/page/{page}/"


def related_for(site: Site, article: Article) -> list[Article]:
    if article.related_ids is not None:
        return [site.by_id(i) for i in article.related_ids]
    scored = [(len(set(a.tags) & set(article.tags)), a) for a in site.articles if a.id != article.id]
    return [a for score, a in sorted(scored, key=lambda sa: -sa[0]) if score > 0][:5]


def more_for(site: Site, article: Article) -> list[Article]:
    if article.more_ids is not None:
        return [site.by_id(i) for i in article.more_ids]
    return [a for a in site.in_section(article.section) if a.id != article.id][:5]


STYLE = """<style>
body{margin:0;font-family:"Noto Sans Devanagari",Arial,sans-serif;color:#222}#main{max-width:980px;margin:auto}
.site-header{background:#c4161c;padding:8px 16px}.site-header a{color:#fff;margin-right:14px}.byline{color:#666}
.live-ticker{display:flex;gap:8px}.story-title{font-size:30px}.story-summary{font-size:18px;font-weight:400}
.highlights{background:#f7f7f7;padding:8px 12px}.story-body p{font-size:18px;line-height:1.8}.ad-slot{min-height:250px}
.story-list{list-style:none;padding:0}.category{color:#c4161c;margin-right:6px}.site-footer{background:#222;color:#bbb}
</style>"""

ANALYTICS = """<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}
gtag('js', new Date()); gtag('config', 'G-LKMTHNDI01', {'content_group': '%s'});</script>"""

GPT = """<script async src="https://securepubads.g.doubleclick.net/tag/js/gpt.js"></script>
<script>window.googletag = window.googletag || {cmd: []};
googletag.cmd.push(function() { googletag.pubads().enableSingleRequest(); googletag.enableServices(); });</script>"""

FOOTER_SCRIPT = """<script>
(function(){var t=document.querySelector('.ticker-items');if(!t||!window.fetch){return;}
fetch(t.getAttribute('data-src')).then(function(r){return r.json();}).then(function(d){
d.items.forEach(function(i){var li=document.createElement('li');var a=document.createElement('a');
a.href=i.url;a.textContent=i.title;li.appendChild(a);t.appendChild(li);});});})();
</script>"""

TICKER = ('<div class="live-ticker"><span class="ticker-label">लाइव न्यूज़&nbsp;:</span>'
          '<ul class="ticker-items" data-src="/api/ticker.json"></ul></div>')


def header(site: Site) -> str:
    links = "\n".join(f'<a href="/{s}/">{text(name)}</a>' for s, name in site.sections.items())
    return f"""<header class="site-header">
<a class="logo" href="/"><img src="{LOGO}" alt="Lokmat Hindi" width="160" height="40"></a>
<nav class="main-nav">
<a href="/">होम</a>
{links}
<a href="/topics/lok-sabha-elections-2024/">लोकसभा चुनाव 2024</a>
</nav>
</header>"""


def footer(site: Site) -> str:
    links = " ".join(f'<a href="/{s}/">{text(name)}</a>' for s, name in site.sections.items())
    return f"""<footer class="site-footer">
<nav class="footer-nav">{links} <a href="/rss/international.xml">RSS</a></nav>
<p>Copyright © 2024 Lokmat Media Pvt. Ltd. सर्वाधिकार सुरक्षित।</p>
<p><a href="https://www.facebook.com/lokmathindi" rel="noopener">Facebook</a>
<a href="https://x.com/lokmathindi" rel="noopener">X</a></p>
</footer>
{FOOTER_SCRIPT}"""


def page(site: Site, *, title: str, description: str, canonical: str, main: str,
         head_extra: str = "", group: str = "other") -> str:
    return f"""<!DOCTYPE html>
<html lang="hi"><head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{text(title)}</title>
<meta name="description" content="{attr(description)}">
<link rel="canonical" href="{attr(canonical)}">
<meta property="og:site_name" content="{SITE_NAME}">
<meta property="og:locale" content="hi_IN">
{head_extra}
{GPT}
{ANALYTICS % group}
{STYLE}
</head><body>
{header(site)}
<main id="main">
{main}
</main>
{footer(site)}
</body></html>
"""


def article_json_ld(site: Site, a: Article) -> str:
    section_name = site.sections[a.section]
    news = {
        "@context": "https://schema.org", "@type": "NewsArticle",
        "headline": a.title, "description": a.summary,
        "datePublished": a.published.isoformat(), "dateModified": a.modified.isoformat(),
        "author": {"@type": "Person", "name": a.author, "url": f"{ORIGIN}/author/{site.authors[a.author]}/"},
        "articleSection": section_name, "keywords": ", ".join(a.tags),
        "image": {"@type": "ImageObject", "url": a.image, "width": 1200, "height": 675},
        "mainEntityOfPage": {"@type": "WebPage", "@id": a.url}, "url": a.url,
        "publisher": {"@type": "Organization", "name": SITE_NAME, "logo": {
            "@type": "ImageObject", "url": f"{IMAGE_ORIGIN}/static/lokmat-hindi-logo.png", "width": 600, "height": 60}},
        "inLanguage": "hi",
    }
    crumbs = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "name": "होम", "item": ORIGIN + "/"},
        {"@type": "ListItem", "position": 2, "name": section_name, "item": f"{ORIGIN}/{a.section}/"},
    ]}
    return json_ld(news) + "\n" + json_ld(crumbs)


def byline(site: Site, a: Article) -> str:
    return (f'<div class="byline">By <a class="author" href="/author/{site.authors[a.author]}/">'
            f'{text(a.author)}</a> | Published: <time class="pub-date" datetime="{a.published.isoformat()}">'
            f"{visible_date(a.published)}</time></div>")


def highlights_html(a: Article) -> str:
    if not a.highlights:
        return ""
    # No whitespace between the label and the list (the page text reads "ठळक मुद्देकिम ..."),
    # newlines between items.
    items = "\n".join(f"<li>{text(h)}</li>" for h in a.highlights)
    return f'<div class="highlights"><span class="highlights-label">ठळक मुद्दे</span><ul>{items}</ul></div>\n'


def body_html(a: Article, amp: bool = False) -> str:
    parts: list[str] = []
    for n, para in enumerate(a.body):
        lead = f'<span class="dateline">{text(a.dateline)}: </span>' if n == 0 and a.dateline else ""
        parts.append(f"<p>{lead}{text(para)}</p>")
        if n % 2 == 1 and n + 1 < len(a.body):
            slot = n // 2 + 1
            parts.append(f'<amp-ad width="300" height="250" type="doubleclick" data-slot="{AMP_AD_UNIT}{slot}">'
                         "</amp-ad>" if amp else f'<div class="ad-slot" id="div-gpt-ad-{slot}"></div>')
    if not parts:  # live blog whose updates are filled in by a script: nothing in the HTML
        parts.append('<div class="ad-slot" id="div-gpt-ad-1"></div>')
    return '<div class="story-body">\n' + "\n".join(parts) + "\n</div>"


def tags_html(site: Site, a: Article) -> str:
    links = "".join(f'<a href="/topics/{site.tags[t]}/">{text(t)}</a>' for t in a.tags)
    return f'<div class="story-tags"><span class="tags-label">टॅग्स :</span>{links}</div>'


def news_list(site: Site, css: str, heading: str, items: Sequence[Article]) -> str:
    if not items:
        return ""
    lis = "\n".join(
        f'<li><a href="{a.path}"><img class="thumb" src="{a.image}" alt="" loading="lazy" width="120" height="68">'
        f'<span class="category">{text(site.sections[a.section])}</span>'
        f'<span class="headline">{text(a.title)}</span></a></li>'
        for a in items)
    return f'<section class="{css}"><h3>{text(heading)}</h3>\n<ul>\n{lis}\n</ul></section>'


def story(site: Site, a: Article, amp: bool = False) -> str:
    """The <article> element; the AMP copy has an amp-img and no app buttons."""
    app = "" if amp else f'<a class="open-in-app" href="{APP_LINK}">Open in App</a>\n'
    image = (f'<amp-img src="{a.image}" width="1200" height="675" layout="responsive" alt="{attr(a.title)}"></amp-img>'
             if amp else f'<figure class="story-image"><img src="{a.image}" alt="{attr(a.title)}" width="1200" '
             'height="675"></figure>')
    return f"""<article class="story" data-article-id="{a.id}">
<h1 class="story-title">{text(a.title)}</h1>
{byline(site, a)}
<h2 class="story-summary">{text(a.summary)}</h2>
{image}
{app}{highlights_html(a)}{body_html(a, amp)}
{tags_html(site, a)}
{app}</article>"""


def article_page(site: Site, a: Article) -> str:
    section_name = site.sections[a.section]
    head = "\n".join([
        f'<meta name="keywords" content="{attr(", ".join(a.tags))}">',
        f'<meta name="news_keywords" content="{attr(", ".join(a.tags))}">',
        f'<link rel="amphtml" href="{ORIGIN}{a.amp_path}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{attr(a.title)}">',
        f'<meta property="og:description" content="{attr(a.summary)}">',
        f'<meta property="og:url" content="{attr(a.url)}">',
        f'<meta property="og:image" content="{attr(a.image)}">',
        '<meta name="twitter:card" content="summary_large_image">',
        f'<meta property="article:published_time" content="{a.published.isoformat()}">',
        f'<meta property="article:modified_time" content="{a.modified.isoformat()}">',
        f'<meta property="article:section" content="{attr(section_name)}">',
        *(f'<meta property="article:tag" content="{attr(t)}">' for t in a.tags),
        article_json_ld(site, a),
    ])
    main = f"""{TICKER}
{story(site, a)}
<script>window.dataLayer.push({{"event": "article_view", "articleId": "{a.id}"}});</script>
{news_list(site, "related-news", "संबंधित खबरें", related_for(site, a))}
{news_list(site, "section-news", f"{section_name} अधिक खबरें", more_for(site, a))}"""
    return page(site, title=f"{a.title} - Lokmat Hindi News", description=a.summary,
                canonical=a.url, main=main, head_extra=head, group="article")


AMP_BOILERPLATE = (
    "<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
    "-moz-animation:-amp-start 8s steps(1,end) 0s 1 normal both;animation:-amp-start 8s steps(1,end) 0s 1 "
    "normal both}@-webkit-keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}"
    "@keyframes -amp-start{from{visibility:hidden}to{visibility:visible}}</style><noscript>"
    "<style amp-boilerplate>body{-webkit-animation:none;-moz-animation:none;animation:none}</style></noscript>")


def amp_page(site: Site, a: Article) -> str:
    return f"""<!doctype html>
<html ⚡ lang="hi">
<head>
<meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<script async custom-element="amp-ad" src="https://cdn.ampproject.org/v0/amp-ad-0.1.js"></script>
<title>{text(a.title)} - Lokmat Hindi News</title>
<link rel="canonical" href="{a.url}">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
<meta name="description" content="{attr(a.summary)}">
{article_json_ld(site, a)}
{AMP_BOILERPLATE}
<style amp-custom>body{{font-family:"Noto Sans Devanagari",sans-serif}}.story-title{{font-size:24px}}</style>
</head>
<body>
<header class="amp-header"><a href="/">Lokmat Hindi</a>
<a href="/{a.section}/">{text(site.sections[a.section])}</a></header>
<main id="main">
{story(site, a, amp=True)}
</main>
<footer class="amp-footer"><a href="{a.path}">पूरा लेख पढ़ें</a> · Copyright © 2024 Lokmat Media Pvt. Ltd.</footer>
</body>
</html>
"""


def story_cards(site: Site, items: Iterable[Article]) -> str:
    cards = "\n".join(
        f'<li class="story-card"><a class="story-link" href="{a.path}">'
        f'<img src="{a.image}" alt="" loading="lazy" width="320" height="180">'
        f'<h2 class="headline">{text(a.title)}</h2></a>'
        f'<p class="summary">{text(a.summary)}</p>'
        f'<span class="category">{text(site.sections[a.section])}</span> '
        f'<time datetime="{a.published.isoformat()}">{visible_date(a.published)}</time></li>'
        for a in items)
    return f'<ul class="story-list">\n{cards}\n</ul>'


def pagination(section: str, page_no: int, pages: int) -> str:
    if pages == 1:
        return ""
    parts: list[str] = []
    if page_no > 1:
        parts.append(f'<a class="prev" href="{section_path(section, page_no - 1)}">पिछला</a>')
    for n in range(1, pages + 1):
        parts.append(f'<span class="current">{n}</span>' if n == page_no
                     else f'<a href="{section_path(section, n)}">{n}</a>')
    if page_no < pages:
        parts.append(f'<a class="next" href="{section_path(section, page_no + 1)}">अगला</a>')
    return '<nav class="pagination">\n' + "\n".join(parts) + "\n</nav>"


def section_pages(site: Site, section: str) -> dict[str, str]:
    """Relative file path -> HTML for every listing page of one section."""
    items = site.in_section(section)
    chunks = [items[i:i + PER_PAGE] for i in range(0, len(items), PER_PAGE)] or [[]]
    name = site.sections[section]
    out: dict[str, str] = {}
    for n, chunk in enumerate(chunks, start=1):
        path = section_path(section, n)
        head = [f'<link rel="alternate" type="application/rss+xml" title="{attr(name)}" href="/rss/{section}.xml">',
                '<meta property="og:type" content="website">']
        if n > 1:
            head.append(f'<link rel="prev" href="{section_path(section, n - 1)}">')
        if n < len(chunks):
            head.append(f'<link rel="next" href="{section_path(section, n + 1)}">')
        suffix = f" - पेज {n}" if n > 1 else ""
        main = f"""{TICKER}
<h1 class="section-title">{text(name)} समाचार{text(suffix)}</h1>
{story_cards(site, chunk)}
{pagination(section, n, len(chunks))}"""
        out[path.strip("/") + "/index.html"] = page(
            site, title=f"{name} News in Hindi{suffix} - Lokmat Hindi", description=f"{name} की ताज़ा खबरें",
            canonical=ORIGIN + path, main=main, head_extra="\n".join(head), group="listing")
    return out


def simple_listing(site: Site, path: str, heading: str, items: Sequence[Article]) -> str:
    main = f"""<h1 class="section-title">{text(heading)}</h1>
{story_cards(site, items)}"""
    return page(site, title=f"{heading} - Lokmat Hindi", description=f"{heading}: ताज़ा खबरें",
                canonical=ORIGIN + path, main=main, group="listing")


def home_page(site: Site) -> str:
    amp = site.by_id(AMP_ARTICLE_ID)
    tracked = site.by_id(TRACKED_ARTICLE_ID)
    blocks = []
    for section, name in site.sections.items():
        blocks.append(f"""<section class="section-block" data-section="{section}">
<h2><a href="/{section}/">{text(name)}</a></h2>
{story_cards(site, site.in_section(section)[:3])}
<a class="more" href="/{section}/">और पढ़ें</a>
</section>""")
    trending = (f'<li><a href="{amp.amp_path}">{text(amp.title)}</a></li>\n'
                f'<li><a href="{attr(tracked.path + TRACKING_QUERY)}">{text(tracked.title)}</a></li>')
    main = f"""{TICKER}
<section class="top-stories"><h2>टॉप स्टोरीज़</h2>
{story_cards(site, site.articles[:5])}
</section>
<section class="trending"><h2>ट्रेंडिंग</h2>
<ul>
{trending}
</ul></section>
{chr(10).join(blocks)}"""
    head = "\n".join(f'<link rel="alternate" type="application/rss+xml" href="/rss/{s}.xml">' for s in site.sections)
    return page(site, title="Hindi News, Latest News in Hindi, हिंदी समाचार - Lokmat Hindi",
                description="Lokmat Hindi: देश-दुनिया, राजनीति, क्रिकेट और कारोबार की ताज़ा खबरें",
                canonical=ORIGIN + "/", main=main, head_extra=head, group="home")


def not_found_page(site: Site) -> str:
    main = """<h1 class="section-title">404 - पेज नहीं मिला</h1>
<p>आप जो पेज ढूंढ रहे हैं वह मौजूद नहीं है या हटा दिया गया है।</p>
<p><a href="/">होम पेज पर जाएं</a></p>"""
    return page(site, title="404 - पेज नहीं मिला - Lokmat Hindi", description="पेज नहीं मिला",
                canonical=ORIGIN + "/404.html", main=main)


def xml_text(value: str) -> str:
    return escape(value.replace("\u00a0", " "), quote=False)


def sitemap(site: Site) -> str:
    urls = "\n".join(
        f"<url><loc>{a.url}</loc><lastmod>{a.modified.isoformat()}</lastmod></url>" for a in site.articles)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "\n</urlset>\n")


def news_sitemap(site: Site) -> str:
    urls = "\n".join(f"""<url><loc>{a.url}</loc>
<news:news><news:publication><news:name>{SITE_NAME}</news:name><news:language>hi</news:language></news:publication>
<news:publication_date>{a.published.isoformat()}</news:publication_date><news:title>{xml_text(a.title)}</news:title>
<news:keywords>{xml_text(", ".join(a.tags))}</news:keywords></news:news>
<image:image><image:loc>{a.image}</image:loc></image:image></url>""" for a in site.articles)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
            'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n' + urls + "\n</urlset>\n")


def rss(site: Site, section: str) -> str:
    name = site.sections[section]
    items = site.in_section(section)
    entries = "\n".join(f"""<item><title>{xml_text(a.title)}</title>
<link>{a.url}</link><guid isPermaLink="true">{a.url}</guid><pubDate>{format_datetime(a.published)}</pubDate>
<dc:creator>{xml_text(a.author)}</dc:creator><category>{xml_text(name)}</category>
<description>{xml_text(a.summary)}</description><enclosure url="{a.image}" type="image/jpeg" length="0"/></item>"""
                        for a in items)
    build = format_datetime(max(a.modified for a in items)) if items else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{xml_text(name)} - Lokmat Hindi</title>
<link>{ORIGIN}/{section}/</link>
<description>{xml_text(name)} की ताज़ा खबरें - Lokmat Hindi</description>
<language>hi</language>
<lastBuildDate>{build}</lastBuildDate>
<atom:link href="{ORIGIN}/rss/{section}.xml" rel="self" type="application/rss+xml"/>
{entries}
</channel>
</rss>
"""


ROBOTS = f"""User-agent: *
Allow: /

Sitemap: {ORIGIN}/sitemap.xml
Sitemap: {ORIGIN}/news-sitemap.xml
"""


def ticker_json(site: Site) -> str:
    items = [{"title": a.title.replace("\u00a0", " "), "url": a.path} for a in site.articles[:6]]
    return json.dumps({"items": items}, ensure_ascii=False, indent=1) + "\n"


def build_files(site: Site) -> dict[str, str]:
    files: dict[str, str] = {
        "index.html": home_page(site),
        "404.html": not_found_page(site),
        "robots.txt": ROBOTS,
        "sitemap.xml": sitemap(site),
        "news-sitemap.xml": news_sitemap(site),
        "api/ticker.json": ticker_json(site),
    }
    for a in site.articles:
        files[a.path.strip("/") + "/index.html"] = article_page(site, a)
    amp = site.by_id(AMP_ARTICLE_ID)
    files[amp.amp_path.strip("/") + "/index.html"] = amp_page(site, amp)
    for section in site.sections:
        files.update(section_pages(site, section))
        files[f"rss/{section}.xml"] = rss(site, section)
    listings = [(f"/topics/{slug}/", tag, [a for a in site.articles if tag in a.tags])
                for tag, slug in site.tags.items()]
    listings += [(f"/author/{slug}/", name, [a for a in site.articles if a.author == name])
                 for name, slug in site.authors.items()]
    for path, heading, items in listings:
        if items:
            files[path.strip("/") + "/index.html"] = simple_listing(site, path, heading, items)
    return files


def write_site(out: Path, files: dict[str, str]) -> None:
    if out.exists():
        shutil.rmtree(out)
    for rel, content in sorted(files.items()):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8", newline="\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output directory (default {OUT_DIR})")
    args = parser.parse_args(argv)
    site = load_site()
    files = build_files(site)
    write_site(args.out, files)
    print(f"wrote {len(files)} files ({len(site.articles)} articles) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
