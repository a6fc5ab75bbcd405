"""A generated Hindi news site for the crawl benchmark: our own markup, the shape and weight of a real one.

``build_site(root, pages)`` writes ``pages`` article pages of about 340 KB each under ``root/news/`` and
``sitemap.xml`` is written by ``write_sitemap`` once the server's address is known. No third-party page is
copied: the markup is written here, modelled on what a large Hindi news page carries (measured on public
pages, not copied): a long head of meta tags, an inline stylesheet, JSON-LD with the article body, analytics
and ad configuration scripts, a framework's state blob listing a hundred-odd other stories, a navigation bar
and footer of several hundred links, inline SVG icons, and a 15-25 paragraph story with "also read"
inserts, ad slots, related and trending rails. The text is made of Hindi words drawn by a seeded random
generator, so a build is the same every time; one story in eight is about the Russia-Ukraine war, so the
shipped topic raises alerts.

``serve(root)`` serves the folder with nginx on 127.0.0.1 when nginx is installed, else with Python's
threaded HTTP server in a subprocess; it yields the base URL.
"""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path

IST = timezone(timedelta(hours=5, minutes=30))
SITE_NAME = "समाचार संगम"
SECTIONS = {"desh": "देश", "videsh": "विदेश", "rajya": "राज्य", "vyapar": "व्यापार", "khel": "खेल",
            "manoranjan": "मनोरंजन", "tech": "टेक", "swasthya": "स्वास्थ्य"}
WORDS = (
    "सरकार संसद चुनाव मतदान पार्टी नेता बयान अदालत सुनवाई फैसला पुलिस आरोपी जांच मामला शहर गांव किसान फसल "
    "बारिश मानसून मौसम विभाग अलर्ट बाजार शेयर सेंसेक्स निफ्टी रुपया डॉलर महंगाई बैंक दर क्रिकेट टीम मैच जीत "
    "हार कप्तान विकेट शतक अस्पताल मरीज डॉक्टर इलाज स्कूल छात्र परीक्षा परिणाम सड़क हादसा घायल राहत बचाव "
    "अभियान समझौता बैठक मंत्री दौरा सहयोग व्यापार निवेश उद्योग कंपनी रोजगार योजना घोषणा बजट करोड़ लाख "
    "प्रतिशत बढ़ोतरी गिरावट राज्य जिला प्रशासन अधिकारी कर्मचारी वेतन पेंशन बिजली पानी सड़कें रेलवे स्टेशन "
    "यात्री उड़ान हवाई अड्डा मेट्रो परियोजना निर्माण उद्घाटन समारोह मुख्यमंत्री प्रधानमंत्री राष्ट्रपति विधायक "
    "सांसद विपक्ष गठबंधन रैली भाषण आरोप जवाब मांग प्रदर्शन हड़ताल आंदोलन न्याय कानून विधेयक संशोधन"
).split()
WAR_WORDS = ("रूस यूक्रेन युद्ध पुतिन ज़ेलेंस्की कीव मॉस्को मिसाइल ड्रोन हमला सेना सैनिक मोर्चा "
             "शांति वार्ता नाटो प्रतिबंध").split()
GLUE = "ने को की के में से पर और कि है हैं था थे गया गई किया कहा बताया लेकिन भी अब तक इस उस वह".split()
NAMES = ["राहुल शर्मा", "प्रिया वर्मा", "अमित कुमार", "सुनीता यादव", "विकास मिश्रा", "नेहा सिंह", "संजय गुप्ता"]
CITIES = ["नई दिल्ली", "मुंबई", "लखनऊ", "पटना", "जयपुर", "भोपाल", "कोलकाता", "चेन्नई"]
TEASERS = 3_000  # the site's recent stories, from which each page's state blob and rails are drawn
STATE_ITEMS = 140  # stories in each page's state blob: what brings a page to about 340 KB


def _sentence(rng: random.Random, war: bool = False) -> str:
    pool = WAR_WORDS + WORDS if war else WORDS
    return " ".join(rng.choice(pool) if i % 2 == 0 else rng.choice(GLUE)
                    for i in range(rng.randint(9, 17))) + "।"


def _headline(rng: random.Random, war: bool = False) -> str:
    pool = WAR_WORDS if war else WORDS
    return " ".join([rng.choice(pool), *(rng.choice(WORDS) for _ in range(rng.randint(5, 9)))]) + ":" + \
        " " + " ".join(rng.choice(WORDS + GLUE) for _ in range(rng.randint(3, 6)))


def _template(rng: random.Random) -> dict[str, str]:
    """What every page of the site shares: stylesheet, navigation, footer, icons, script configuration."""
    css = "\n".join(
        f".c{i}{{margin:{rng.randint(0, 24)}px {rng.randint(0, 24)}px;padding:{rng.randint(0, 16)}px;"
        f"color:#{rng.randint(0, 0xFFFFFF):06x};font-size:{rng.randint(11, 28)}px;line-height:1.{rng.randint(2, 8)};"
        f"display:{rng.choice(['flex', 'block', 'grid', 'inline-block'])}}}"
        f"@media (max-width:{rng.choice([480, 768, 1024])}px){{.c{i}{{width:{rng.randint(10, 100)}%}}}}"
        for i in range(420))
    nav = "".join(f'<li class="nav-item c{rng.randint(0, 419)}"><a href="/news/{slug}/?ref=nav{i}">'
                  f'{label} {rng.choice(WORDS)}</a></li>'
                  for i in range(150) for slug, label in [rng.choice(list(SECTIONS.items()))])
    footer = "".join(f'<li><a href="/topic/{rng.randint(1000, 9999)}/" title="{rng.choice(WORDS)}">'
                     f'{rng.choice(WORDS)} {rng.choice(WORDS)}</a></li>' for _ in range(260))
    icons = "".join(f'<svg class="icon" viewBox="0 0 24 24" id="i{i}"><path d="'
                    + " ".join(f"M{rng.randint(0, 24)} {rng.randint(0, 24)}L{rng.randint(0, 24)} {rng.randint(0, 24)}"
                               for _ in range(40)) + '"/></svg>' for i in range(24))
    ads = json.dumps({"slots": [{"id": f"div-gpt-ad-{i}", "sizes": [[300, 250], [728, 90]], "path":
                                 f"/1234567/samachar/{slug}/{i}"} for i in range(60) for slug in ["home", "article"]],
                      "targeting": {"lang": "hi", "site": "samachar"}}, separators=(",", ":"))
    return {"css": css, "nav": nav, "footer": footer, "icons": icons, "ads": ads}


def _teasers(rng: random.Random) -> list[dict[str, str]]:
    stories = []
    for number in range(TEASERS):
        slug, label = rng.choice(list(SECTIONS.items()))
        stories.append({"id": str(9_000_000 + number), "headline": _headline(rng), "section": label,
                        "url": f"/news/{slug}/story-{9_000_000 + number}.html",
                        "image": f"/images/2024/06/{rng.randint(10 ** 7, 10 ** 8)}.jpg",
                        "summary": " ".join(_sentence(rng) for _ in range(2)),
                        "published": f"2024-06-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00+05:30"})
    return stories


def _card(story: dict[str, str], css_class: str) -> str:
    return (f'<li class="{css_class}"><a href="{story["url"]}"><img src="{story["image"]}" loading="lazy" '
            f'alt="{escape(story["headline"])}" width="300" height="169"/><span class="cat">{story["section"]}</span>'
            f'<h3>{escape(story["headline"])}</h3></a></li>')


def _page(number: int, rng: random.Random, shared: dict[str, str], stories: list[dict[str, str]]) -> tuple[str, str]:
    """(path, html) of article ``number``."""
    war = number % 8 == 0
    slug, section = list(SECTIONS.items())[number % len(SECTIONS)]
    path = f"/news/{slug}/story-{1_000_000 + number}.html"
    title = _headline(rng, war)
    author, city = rng.choice(NAMES), rng.choice(CITIES)
    published = datetime(2024, 6, 1, 8, 0, tzinfo=IST) + timedelta(minutes=17 * number)
    modified = published + timedelta(minutes=rng.randint(5, 300))
    paragraphs = [" ".join(_sentence(rng, war and i < 6) for _ in range(rng.randint(3, 6)))
                  for i in range(rng.randint(15, 25))]
    summary = _sentence(rng, war)
    tags = sorted({rng.choice(WAR_WORDS if war else WORDS) for _ in range(6)})
    picked = rng.sample(stories, STATE_ITEMS)
    body_parts = []
    for i, text in enumerate(paragraphs):
        body_parts.append(f"<p>{'<strong>' + city + ':</strong> ' if i == 0 else ''}{text}</p>")
        if i % 5 == 2:
            also = picked[i]
            body_parts.append(f'<div class="also-read"><span>यह भी पढ़ें</span><a href="{also["url"]}">'
                              f'{escape(also["headline"])}</a></div>')
        if i % 4 == 3:
            body_parts.append(f'<div class="ad-slot" id="div-gpt-ad-{i}"><span>विज्ञापन</span></div>')
    ld = [{"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
           "description": summary, "articleBody": " ".join(paragraphs), "articleSection": section,
           "inLanguage": "hi", "datePublished": published.isoformat(), "dateModified": modified.isoformat(),
           "author": [{"@type": "Person", "name": author}], "keywords": ", ".join(tags),
           "image": {"@type": "ImageObject", "url": f"/images/2024/06/{1_000_000 + number}.jpg", "width": 1200},
           "publisher": {"@type": "Organization", "name": SITE_NAME,
                         "logo": {"@type": "ImageObject", "url": "/logo.png"}},
           "mainEntityOfPage": {"@type": "WebPage", "@id": path}},
          {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
              {"@type": "ListItem", "position": 1, "name": "होम", "item": "/"},
              {"@type": "ListItem", "position": 2, "name": section, "item": f"/news/{slug}/"}]}]
    state = {"props": {"pageProps": {"article": {"id": 1_000_000 + number, "title": title, "section": section},
                                     "feed": picked, "trending": picked[:30]}}, "buildId": "b1c2d3", "page": path}
    meta = "".join(f'<meta property="{name}" content="{escape(value)}"/>' for name, value in [
        ("og:type", "article"), ("og:title", title), ("og:description", summary), ("og:url", path),
        ("og:image", f"/images/2024/06/{1_000_000 + number}.jpg"), ("og:site_name", SITE_NAME),
        ("article:published_time", published.isoformat()), ("article:modified_time", modified.isoformat()),
        ("article:section", section), *(("article:tag", tag) for tag in tags)])
    meta += "".join(f'<link rel="preload" as="script" href="/_next/static/chunks/{rng.randint(10 ** 9, 10 ** 10)}.js"/>'
                    for _ in range(18))
    related = "".join(_card(story, "related-card") for story in picked[30:50])
    trending = "".join(_card(story, "trend-card") for story in picked[:30])
    more = "".join(_card(story, "more-card") for story in picked[50:70])
    html = (
        f'<!DOCTYPE html><html lang="hi"><head><meta charset="utf-8"/>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"/>'
        f"<title>{escape(title)} | {SITE_NAME}</title>"
        f'<meta name="description" content="{escape(summary)}"/><meta name="keywords" content="{", ".join(tags)}"/>'
        f'<link rel="canonical" href="{path}"/><link rel="amphtml" href="/amp{path}"/>{meta}'
        f"<style>{shared['css']}</style>"
        + "".join(f'<script type="application/ld+json">{json.dumps(block, ensure_ascii=False)}</script>'
                  for block in ld)
        + f"<script>window.adConfig={shared['ads']};window.dataLayer=window.dataLayer||[];</script>"
        f'</head><body class="article-page"><div hidden>{shared["icons"]}</div>'
        f'<header class="site-header"><a class="logo" href="/">{SITE_NAME}</a><nav><ul>{shared["nav"]}</ul></nav>'
        f'<div class="ticker"><span>ब्रेकिंग</span>{escape(picked[0]["headline"])}</div></header>'
        f'<main><nav class="breadcrumb"><a href="/">होम</a> › <a href="/news/{slug}/">{section}</a></nav>'
        f'<article class="story"><h1 class="headline">{escape(title)}</h1>'
        f'<p class="synopsis">{escape(summary)}</p>'
        f'<div class="byline"><span class="author">{author}</span>, {city} '
        f'<time datetime="{published.isoformat()}">{published:%d %b %Y, %I:%M %p} IST</time></div>'
        f'<div class="share-bar"><a href="#">व्हाट्सऐप</a><a href="#">फेसबुक</a><a href="#">एक्स</a></div>'
        f'<figure><img src="/images/2024/06/{1_000_000 + number}.jpg" alt="{escape(title)}"/>'
        f"<figcaption>{escape(_sentence(rng))}</figcaption></figure>"
        f'<div class="story-body">{"".join(body_parts)}</div>'
        f'<div class="tags">{"".join(f"<a href=/topic/{i}/>{tag}</a>" for i, tag in enumerate(tags))}</div>'
        f'</article><section class="related"><h2>संबंधित खबरें</h2><ul>{related}</ul></section>'
        f'<section class="more"><h2>{section} की और खबरें</h2><ul>{more}</ul></section></main>'
        f'<aside class="trending"><h2>ट्रेंडिंग</h2><ul>{trending}</ul></aside>'
        f'<footer><ul>{shared["footer"]}</ul><p>© 2024 {SITE_NAME}</p></footer>'
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(state, ensure_ascii=False)}</script>'
        f"</body></html>"
    )
    return path, html


def build_site(root: Path, pages: int = 1000, seed: int = 16) -> list[str]:
    """Write ``pages`` article pages under ``root``; returns their paths. Reuses a complete earlier build."""
    done = root / "pages.json"
    if done.is_file():
        paths = json.loads(done.read_text(encoding="utf-8"))
        if len(paths) == pages:
            return list(paths)
    rng = random.Random(seed)
    shared, stories = _template(rng), _teasers(rng)
    paths = []
    for number in range(pages):
        path, html = _page(number, rng, shared, stories)
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        paths.append(path)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    done.write_text(json.dumps(paths), encoding="utf-8")
    return paths


def write_sitemap(root: Path, base_url: str, paths: list[str], name: str = "sitemap.xml") -> str:
    """A sitemap of ``paths`` on ``base_url``; returns its URL."""
    entries = "".join(f"<url><loc>{base_url}{path}</loc><lastmod>2024-06-01</lastmod></url>\n" for path in paths)
    (root / name).write_text('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
                             f'schemas/sitemap/0.9">\n{entries}</urlset>\n', encoding="utf-8")
    return f"{base_url}/{name}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 256; }}
http {{
    types {{ text/html html; application/xml xml; text/plain txt; }}
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        charset utf-8;
        charset_types text/html application/xml;
    }}
}}
"""


def _wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url + "/robots.txt", timeout=1).read()
            return
        time.sleep(0.05)
    raise RuntimeError("the server did not come up")


@contextlib.contextmanager
def serve(root: Path, prefer_nginx: bool = True) -> Iterator[tuple[str, str]]:
    """Serve ``root`` on 127.0.0.1: (base URL, "nginx" or "python")."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="khabar-nginx-") as work:
        if prefer_nginx and nginx:
            conf = Path(work) / "nginx.conf"
            conf.write_text(NGINX_CONF.format(work=work, port=port, root=root.resolve()), encoding="utf-8")
            command, kind = [nginx, "-c", str(conf), "-p", work, "-e", f"{work}/error.log"], "nginx"
        else:
            command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(root)]
            kind = "python"
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_until_up(f"http://127.0.0.1:{port}", process)
            yield f"http://127.0.0.1:{port}", kind
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
