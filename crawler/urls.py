"""Canonical URLs: one story, one URL.

``rel=canonical`` wins when it points to the same site; otherwise the URL is
normalized: lowercase scheme and host, ``www.``/``m.``/``amp.`` hosts folded,
AMP forms mapped to the article, tracking parameters and fragments removed,
default ports and trailing slashes settled.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url, url_query_cleaner

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "ref", "ref_src", "from", "src", "source", "cmp",
    "igshid", "mc_cid", "mc_eid", "amp", "outputtype", "_gl", "ito", "utm",
})
_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")
_AMP_PATH = re.compile(r"(^/amp(?=/))|(/amp/?$)|(\.amp(?=(\.html?)?$))|(/amp(?=/))", re.IGNORECASE)


def site_key(host: str) -> str:
    """The registrable-ish part of a host, with www./m./amp. folded: for same-site checks."""
    host = host.lower().split(":")[0]
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix):]
            break
    return host


def same_site(url_a: str, url_b: str) -> bool:
    return site_key(urlsplit(url_a).netloc) == site_key(urlsplit(url_b).netloc)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMS


def normalize_url(url: str) -> str:
    """The normalized form of an article URL (see module docstring)."""
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "https").lower()
    if scheme == "http":
        scheme = "https"  # one story is one URL, whichever scheme linked to it
    host = (parts.hostname or "").lower()
    if host.startswith(("m.", "amp.", "mobile.")):
        host = "www." + host.split(".", 1)[1]
    netloc = host
    if parts.port and parts.port not in (80, 443):
        netloc = f"{host}:{parts.port}"
    path = _AMP_PATH.sub("", parts.path) or "/"
    if not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        path += "/"
    query_keys = [pair.split("=", 1)[0] for pair in parts.query.split("&") if pair]
    keep = [key for key in query_keys if not _is_tracking(key)]
    rebuilt = urlunsplit((scheme, netloc, path, parts.query, ""))
    rebuilt = url_query_cleaner(rebuilt, keep, keep_fragments=False) if keep else rebuilt.split("?")[0]
    return canonicalize_url(rebuilt, keep_fragments=False)


def canonical_url(fetched_url: str, declared: str | None = None) -> str:
    """The page's ``rel=canonical`` when it is on the same site, else the normalized fetched URL."""
    if declared:
        declared = declared.strip()
        if declared.startswith(("http://", "https://")) and same_site(declared, fetched_url):
            return normalize_url(declared)
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
