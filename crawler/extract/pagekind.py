"""What kind of page this is, when it is not a news article.

Sites answer 200 with pages that are not stories: a bot challenge (Cloudflare, Akamai,
DataDome, Imperva), a cookie-consent wall, a video page with a two-line description, a
photo gallery, a live blog, a section listing. Storing them as articles would fill the database with junk
and hide the real problem, so each is recognised here and counted by the validate
pipeline as ``khabar/dropped/not_article/<kind>``.

The decision uses standard signals first (JSON-LD types, ``og:type``, microdata), then the
URL path, and the amount of article text the extractor found: a real story with an
embedded video or a cookie banner is still an article.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from crawler.extract import jsonld
from crawler.extract.pageindex import PageIndex

ARTICLE, CHALLENGE, CONSENT = "article", "challenge", "consent"
VIDEO, GALLERY, LIVEBLOG, LISTING = "video", "gallery", "liveblog", "listing"

# Below this much body text a page can be a challenge, a video or a gallery page; above it, it is a story.
SHORT_BODY_CHARS = 600
# Below this, the page has no story at all. Challenge and consent markers count only on pages
# with no story (or a short one without article data): Cloudflare injects its challenge
# script into ordinary pages too, and consent banners sit on every page.
EMPTY_BODY_CHARS = 200
MARKER_SCAN_CHARS = 200_000

_CHALLENGE_TITLES = re.compile(
    r"^(?:just a moment\.*|attention required!?(?: \| cloudflare)?|please wait\.*(?: \| cloudflare)?|access denied"
    r"|security check|one more step|are you a robot\??|pardon our interruption|ddos-guard|verifying you are human\.*"
    r"|request rejected|bot verification)$",
    re.IGNORECASE,
)
# Literal markers, looked for in the lower-cased page (plain substring search is fast on 300 KB).
_CHALLENGE_MARKERS = (
    "cf-browser-verification", "cf_chl_opt", "/cdn-cgi/challenge-platform/h/", "cf-challenge",
    "checking your browser before", "enable javascript and cookies to continue", "px-captcha",
    "captcha-delivery.com", "_incapsula_resource", "incapsula incident id", "verifying you are human",
    "errors.edgesuite.net", "sgcaptcha",
)
_CONSENT_MARKERS = (
    "consent.google.", "before you continue to", "we value your privacy", "cookie consent", "consent-wall",
    "consent_wall", "gdpr-consent", "fc-consent-root", "sp_message_container", "आपकी निजता", "कुकी सहमति",
)
VIDEO_TYPES = frozenset({"VideoObject", "VideoGallery", "Clip", "Movie"})
GALLERY_TYPES = frozenset({"ImageGallery", "MediaGallery", "ImageObjectCollection"})
LISTING_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage"})
# URL path segments that mean the page is not a story, whatever else it carries.
_URL_KINDS = (
    (VIDEO, re.compile(r"/(?:videos?|videoshow|video-gallery|videogallery|live-tv)(?:/|$)", re.IGNORECASE)),
    (GALLERY, re.compile(r"/(?:photos?|photoshow|photo-gallery|photogallery|gallery|web-stories|webstories)(?:/|$)",
                         re.IGNORECASE)),
    (LIVEBLOG, re.compile(r"/(?:live-blog|liveblog|live-updates)(?:/|$)", re.IGNORECASE)),
)


def page_kind(index: PageIndex, url: str, ld_values: list[Any], body_chars: int) -> str:
    """``article``, or the kind of non-article page (challenge, consent, liveblog, video, gallery, listing)."""
    short, empty = body_chars < SHORT_BODY_CHARS, body_chars < EMPTY_BODY_CHARS
    main = jsonld.find_article(ld_values)
    # A wall's own message is what the extractor finds as "body": short, and no article data.
    walled = empty or (short and main is None)
    if _CHALLENGE_TITLES.match(index.title):
        return CHALLENGE
    if walled:
        head = index.html[:MARKER_SCAN_CHARS].lower()
        if any(marker in head for marker in _CHALLENGE_MARKERS):
            return CHALLENGE
        if any(marker in head for marker in _CONSENT_MARKERS):
            return CONSENT
    types = jsonld.page_types(ld_values)
    if "LiveBlogPosting" in types or index.itemtype_elements("LiveBlogPosting"):
        return LIVEBLOG
    from_url = _kind_from_url(url)
    if from_url:
        return from_url
    if main is None and types & GALLERY_TYPES:
        return GALLERY
    if main is None and short and types & LISTING_TYPES:
        return LISTING
    if not short or main is not None:
        return ARTICLE
    og_type = next(iter(index.meta_values("og:type")), "").strip().lower()
    if types & VIDEO_TYPES or og_type.startswith("video"):
        return VIDEO
    if og_type in {"gallery", "photo", "photos"} or _looks_like_gallery(index):
        return GALLERY
    return ARTICLE


def _kind_from_url(url: str) -> str:
    path = urlsplit(url).path
    return next((kind for kind, pattern in _URL_KINDS if pattern.search(path)), "")


def _looks_like_gallery(index: PageIndex) -> bool:
    """Many pictures, each in a figure, and little text: a photo gallery without markup saying so."""
    return sum(1 for figure in index.elements("figure") if next(figure.iter("img"), None) is not None) >= 5
