"""Canonical URLs: one story, one URL, one identity key.

Two forms of every article URL:

``normalize_url`` is the form stored in ``articles.url`` and shown to people: lowercase
scheme and host, ``m.``/``amp.``/``mobile.`` hosts replaced by ``www.``, AMP forms mapped to
the article (``/amp/`` prefix or segment, ``/amp`` and ``/amp/1`` suffixes, ``.amp`` and
``.amp.html``, ``amp_articleshow``, ``?amp``, ``?outputType=amp``, Google AMP cache URLs),
tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ``ref``, ``from``, ``src`` ...) and
fragments removed, default ports dropped, query sorted and percent-escapes normalized
(w3lib). The scheme and a ``www.`` the site uses are kept, so the stored URL opens the page.

``url_key`` is the identity used for every lookup (``articles.url_key``,
``article_urls.url_key``): the normalized URL without scheme, without a ``www.``/``m.``/
``amp.``/``mobile.`` host prefix, without trailing slash, ``index.html`` or doubled slashes.
So ``http://lokmatnews.in/x/``, ``https://m.lokmatnews.in/x`` and
``https://www.lokmatnews.in/amp/x/?utm_source=tw`` are one story.

``canonical_url`` prefers the page's ``rel=canonical`` when it points to the same site (and
is not just the home page), else the normalized fetched URL.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Query parameters that only say where a click came from.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl",
    "ref", "ref_src", "ref_url", "referrer", "from", "src", "source", "cmp", "cmpid", "ito", "ocid", "pfrom",
    "utm", "trk", "spm", "share", "amp",
})
TRACKING_PREFIXES = ("utm_", "at_", "ns_")  # Google Analytics, BBC's ATI and comScore
# Parameters that select the AMP rendering when their value is "amp".
_AMP_VALUE_PARAMS = frozenset({"output", "outputtype", "format", "view"})
_FOLDED_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")
_MOBILE_HOST_PREFIXES = ("m.", "amp.", "mobile.")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_AMP_CACHE_HOST = ".cdn.ampproject.org"
_AMP_CACHE_PATH = re.compile(r"^/[cvi]/(s/)?")
# AMP path forms, applied in this order.
_AMP_PATH_RULES = (
    (re.compile(r"/amp/1/?$", re.IGNORECASE), ""),  # NDTV: /story-123/amp/1
    (re.compile(r"/amp(?=/)", re.IGNORECASE), ""),  # /amp/section/story/ and /section/amp/story/
    (re.compile(r"/amp/?$", re.IGNORECASE), ""),  # /section/story/amp
    (re.compile(r"\.amp(?=(\.[a-z0-9]+)?$)", re.IGNORECASE), ""),  # story.amp.html, story.amp
    (re.compile(r"/amp_(?=[a-z]+/)", re.IGNORECASE), "/"),  # Times group: /amp_articleshow/123.cms
)
_INDEX_PAGE = re.compile(r"/index\.(html?|php|aspx?)$", re.IGNORECASE)
_SLASHES = re.compile(r"/{2,}")


def _fold_host(host: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if host.startswith(prefix) and "." in host[len(prefix):]:
            return host[len(prefix):]
    return host


def site_key(host: str) -> str:
    """A host without port and without a ``www.``/``m.``/``amp.``/``mobile.`` prefix: a site's short name."""
    return _fold_host(host.lower().split(":")[0], _FOLDED_HOST_PREFIXES)


def host_key(url: str) -> str:
    """The folded host of ``url`` plus a non-default port (loopback copies differ only by port)."""
    parts = urlsplit(url.strip())
    host = _fold_host((parts.hostname or "").lower(), _FOLDED_HOST_PREFIXES)
    port = _port(parts)
    return f"{host}:{port}" if port and port != _DEFAULT_PORTS.get(parts.scheme.lower()) else host


def same_site(url_a: str, url_b: str) -> bool:
    return host_key(url_a) == host_key(url_b)


def _port(parts: object) -> int | None:
    try:
        return parts.port  # type: ignore[attr-defined]
    except ValueError:  # a port that is not a number: treat the URL as portless
        return None


def is_tracking(name: str, value: str = "") -> bool:
    lowered = name.lower()
    if lowered.startswith(TRACKING_PREFIXES) or lowered in TRACKING_PARAMS:
        return True
    return lowered in _AMP_VALUE_PARAMS and value.lower() == "amp"


def _from_amp_cache(url: str) -> str:
    """``https://www-site-in.cdn.ampproject.org/c/s/www.site.in/amp/x/`` -> ``https://www.site.in/amp/x/``."""
    parts = urlsplit(url)
    if not (parts.hostname or "").endswith(_AMP_CACHE_HOST):
        return url
    match = _AMP_CACHE_PATH.match(parts.path)
    if not match:
        return url
    scheme = "https" if match.group(1) else "http"
    host, _, path = parts.path[match.end():].partition("/")
    return urlunsplit((scheme, host, "/" + path, parts.query, ""))


def _amp_free(path: str) -> str:
    for pattern, replacement in _AMP_PATH_RULES:
        path = pattern.sub(replacement, path)
    return path or "/"


# url -> its normal form, and every normal form -> itself: normalizing is idempotent, and the canonical URL a
# parser made is looked up again by the dedup and store stages, so the second call costs a dict lookup.
_NORMAL_FORMS: dict[str, str] = {}
NORMAL_FORMS_MAX = 16_384


def normalize_url(url: str) -> str:
    """The stored form of an article URL (see the module docstring)."""
    known = _NORMAL_FORMS.get(url)
    if known is not None:
        return known
    normal = _normalize_url(url)
    if len(_NORMAL_FORMS) >= NORMAL_FORMS_MAX:
        _NORMAL_FORMS.clear()
    _NORMAL_FORMS[url] = _NORMAL_FORMS[normal] = normal
    return normal


def _normalize_url(url: str) -> str:
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(_from_amp_cache(url))
    scheme = (parts.scheme or "https").lower()
    host = _fold_host((parts.hostname or "").lower().rstrip("."), _MOBILE_HOST_PREFIXES)
    if host != (parts.hostname or "").lower().rstrip("."):
        host = "www." + host  # m.site.in -> www.site.in: the desktop page people share
    port = _port(parts)
    netloc = f"{host}:{port}" if port and port != _DEFAULT_PORTS.get(scheme) else host
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    dropped = sorted({name for name, value in pairs if is_tracking(name, value)})
    rebuilt = urlunsplit((scheme, netloc, _amp_free(parts.path), parts.query, ""))
    if dropped:
        rebuilt = url_query_cleaner(rebuilt, dropped, remove=True, unique=False, keep_fragments=False)
    return canonicalize_url(rebuilt, keep_fragments=False)


@lru_cache(maxsize=8192)
def url_key(url: str) -> str:
    """The identity of an article URL: ``lokmatnews.in/international/story-b1`` (see the module docstring)."""
    normal = urlsplit(normalize_url(url))
    path = _INDEX_PAGE.sub("/", _SLASHES.sub("/", normal.path)).rstrip("/")
    return host_key(urlunsplit(normal)) + path + (f"?{normal.query}" if normal.query else "")


def resource_url(url: str) -> str:
    """One fetchable resource (for HTTP validators): w3lib's canonical form, fragment dropped. Unlike
    ``url_key`` it keeps AMP forms and the query, since an AMP copy has its own ETag."""
    return canonicalize_url(url.strip(), keep_fragments=False)


def canonical_url(fetched_url: str, declared: str | None = None) -> str:
    """The page's ``rel=canonical`` when it is on the same site, else the normalized fetched URL.

    A canonical that points at the home page from an article is a site template bug (it
    would merge every story into one), so it is ignored.
    """
    if declared and declared.strip():
        target = urljoin(fetched_url, declared.strip())
        fetched_path = urlsplit(fetched_url).path.strip("/")
        if (target.startswith(("http://", "https://")) and same_site(target, fetched_url)
                and (urlsplit(target).path.strip("/") or not fetched_path)):
            return normalize_url(target)
    return normalize_url(fetched_url)


def rebase(url: str, base_url: str, real_origin: str) -> str:
    """Map a URL on a local copy (``base_url``) to the real site's origin, so a local crawl
    stores the same canonical URLs as a crawl of the real site."""
    if base_url and url.startswith(base_url.rstrip("/") + "/"):
        return real_origin.rstrip("/") + url[len(base_url.rstrip("/")):]
    if base_url and url == base_url.rstrip("/"):
        return real_origin.rstrip("/") + "/"
    return url


def unbase(url: str, base_url: str, real_origin: str) -> str:
    """The inverse of ``rebase``: a real-site URL on the local copy."""
    for origin in {real_origin.rstrip("/"), real_origin.rstrip("/").replace("https://www.", "https://")}:
        if base_url and url.startswith(origin + "/"):
            return base_url.rstrip("/") + url[len(origin):]
    return url
