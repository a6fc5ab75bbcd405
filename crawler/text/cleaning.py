"""Cleaning text for storage: as published, minus encoding damage and invisible clutter.

Only repairs happen here (NFC, invisible characters, whitespace, entities, mojibake,
charset mistakes). Folding spelling variants is the search form's job (``crawler.text.hindi``).
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from collections.abc import Iterable

__all__ = ["clean_list", "clean_text", "decode_html", "decode_page", "is_mojibake", "strip_controls",
           "terminal_safe"]

# Invisible characters that carry no meaning in stored text. ZWJ/ZWNJ (U+200D/U+200C) are
# NOT here: in Devanagari they choose between a conjunct and a half form. A compiled character class, not
# str.translate: translate with a dict looks every character up in Python (~35 µs per 500 characters, ~2 here).
_INVISIBLE_RE = re.compile(
    "["
    "\u200b"  # zero-width space
    "\ufeff"  # BOM / zero-width no-break space
    "\u00ad"  # soft hyphen
    "\u2060"  # word joiner
    "]+"
)

# Terminal control: whole escape sequences first (CSI "ESC [ ... m", OSC "ESC ] ... BEL" that retitles a terminal,
# their 8-bit forms U+009B/U+009D, two-character escapes), so no "[31m" is left behind; then any other C0/C1 control
# character (tab, newline and the other whitespace controls are left to the whitespace rule).
_ESCAPES = (r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI, finished or cut off
            r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, PM, APC
            r"|\x1b[ -~]?")  # any other escape
_CONTROL_RE = re.compile(_ESCAPES + r"|[\x00-\x08\x0e-\x1b\x7f-\x9f]")
# At print time also the whitespace controls (a table cell is one line) and the bidirectional overrides and
# isolates that reorder what a terminal shows (ZWJ and ZWNJ stay: they shape Devanagari).
_TERMINAL_RE = re.compile(_ESCAPES + r"|[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# One character class scans much faster than the alternation above: the common case (no control) costs that only.
_ANY_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def strip_controls(value: str) -> str:
    """``value`` without terminal escape sequences and control characters (whitespace controls are kept)."""
    return _CONTROL_RE.sub("", value) if _ANY_CONTROL_RE.search(value) else value


def terminal_safe(value: object) -> str:
    """Text that is safe to print on a terminal: escape sequences and control characters removed, line breaks and
    tabs as spaces, bidirectional overrides dropped. For crawled text printed by the command line, including rows
    stored before crawled text was cleaned of controls."""
    text = "" if value is None else str(value)
    if not _ANY_CONTROL_RE.search(text) and not _TERMINAL_RE.search(text):
        return text
    text = re.sub(r"[\t\n\r\x0b\x0c]+", " ", text)
    return _TERMINAL_RE.sub("", text)


# Python's \s covers every Unicode space separator, including U+00A0, U+2007 and U+202F,
# so no-break spaces become ordinary spaces as part of the collapse.
_WHITESPACE_RE = re.compile(r"\s+")

# Only complete, semicolon-terminated references: html.unescape on the whole string would
# also decode legacy forms such as "&not" inside "&notice".
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# What the bytes 0x80-0xBF (UTF-8 continuation bytes) look like once decoded as latin-1
# (C1 controls and U+00A0-U+00BF) or cp1252 (its punctuation in 0x80-0x9F).
_CONT = (
    "\u0080-\u00bf"  # latin-1: C1 controls, then NBSP..¿
    "\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"  # cp1252 letters
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"  # cp1252 punctuation
)
# A UTF-8 lead byte read as latin-1/cp1252 followed by the right number of continuations.
# Devanagari (E0 A4/A5 ..) shows up as "à¤•"; "café" has no continuation after "é".
_MOJIBAKE_RE = re.compile(rf"[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00f0-\u00f4][{_CONT}]{{3}}")


def is_mojibake(value: str) -> bool:
    """Whether ``value`` holds UTF-8 text that was decoded as latin-1/cp1252."""
    return bool(value) and _MOJIBAKE_RE.search(value) is not None


def _repair_mojibake(value: str) -> str:
    if not is_mojibake(value):
        return value  # ftfy is never run on normal text, so it can never alter it
    import ftfy  # imported on first use: most runs never meet mojibake, and it costs a start-up 30 ms

    return str(ftfy.fix_encoding(value))


def _decode_entities(value: str) -> str:
    """Decode each entity exactly once: '&amp;quot;' becomes '&quot;', not '"'."""
    if "&" not in value:
        return value
    return _ENTITY_RE.sub(lambda m: html.unescape(m.group(0)), value)


def clean_text(value: str | None) -> str:
    """Stored form of a piece of text: repaired, NFC, one space between words, trimmed."""
    if not value:
        return ""
    # Mojibake first: its pieces include U+00A0 and entity-like bytes that later steps
    # would destroy.
    value = _repair_mojibake(value)
    value = _decode_entities(value)
    value = strip_controls(value)  # after the entities: "&#27;" is an escape character too
    value = _INVISIBLE_RE.sub("", value)
    value = _WHITESPACE_RE.sub(" ", value).strip()
    # NFC last, so that nothing removed above leaves a non-composed pair behind.
    return unicodedata.normalize("NFC", value)


def clean_list(values: Iterable[str | None]) -> list[str]:
    """Cleaned values in order, without empties and exact duplicates."""
    seen: dict[str, None] = {}
    for value in values:
        cleaned = clean_text(value)
        if cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


# ---------------------------------------------------------------------------
# Page bytes -> str
# ---------------------------------------------------------------------------

# Longest first: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# The legacy encodings of the WHATWG Encoding Standard, i.e. what a web page can really be
# in. Left to itself charset_normalizer also weighs DOS code pages (cp775, cp852...) and
# picks them for short Western pages, which no browser would ever do.
_WEB_ENCODINGS = [
    "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "cp874", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7",
    "iso8859_8", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16",
    "koi8_r", "koi8_u", "mac_roman", "mac_cyrillic", "gb18030", "big5", "euc_jp",
    "iso2022_jp", "shift_jis", "euc_kr",
]  # fmt: skip

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _codec_name(label: str | None) -> str | None:
    """Python's canonical codec name for a charset label, or None if unknown."""
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'").lower()).name
    except LookupError:
        return None


def _sniff_meta(body: bytes) -> str | None:
    match = _META_CHARSET_RE.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


def _decode_bom(body: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace")
    return None


def _try_decode(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _declared_fits(body: bytes, encoding: str) -> bool:
    """Whether a clean decode with the declared charset can be believed.

    Single-byte charsets (latin-1, cp1252, cp1251 ...) decode any bytes "cleanly", and some
    multibyte ones (shift_jis) accept UTF-8 Devanagari. Bytes that are valid UTF-8 with
    multibyte sequences are, in practice, never a legacy-encoded page, so they win.
    """
    if encoding.startswith("utf") or body.isascii():
        return True
    return _try_decode(body, "utf-8") is None


def _cp1252_bytes(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: bytes that are not UTF-8 are read as cp1252 (C1 controls if undefined)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return _sloppy_cp1252(bad), error.end


def _sloppy_cp1252(data: bytes) -> str:
    return "".join(_CP1252_CHARS[byte] for byte in data)


# cp1252 leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D undefined; browsers show them as C1 controls.
_CP1252_CHARS = [bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(256)]
codecs.register_error("khabar-cp1252", _cp1252_bytes)


def _mostly_utf8(body: bytes) -> str | None:
    """A UTF-8 page with a few stray cp1252 bytes (a pasted smart quote) stays UTF-8.

    Re-decoding such a page as a single-byte charset would turn all its Hindi into mojibake.
    """
    replaced = body.decode("utf-8", errors="replace")
    bad = replaced.count("\ufffd")
    good = sum(1 for char in replaced if char > "\x7f") - bad
    if good <= bad:
        return None
    return body.decode("utf-8", errors="khabar-cp1252")


def _guess(body: bytes) -> str | None:
    """charset_normalizer's pick among web encodings; on a tie the web default, windows-1252."""
    import charset_normalizer  # imported on first use: only pages that are not UTF-8 and say nothing need it

    # The default chaos threshold (0.2) rejects even the right answer on short pages
    # heavy with typographic punctuation.
    matches = list(charset_normalizer.from_bytes(body, cp_isolation=_WEB_ENCODINGS, threshold=0.5))
    if not matches:
        return None
    best = min(matches, key=lambda m: (m.chaos, -m.coherence, m.encoding != "cp1252"))
    return str(best)


def decode_html(body: bytes, declared: str | None) -> str:
    """Decode a page by its real encoding: BOM, declared charset, UTF-8, mostly-UTF-8, a guess.

    ``declared`` is the HTTP header charset; without one, a <meta> charset in the page is used.
    """
    return decode_page(body, declared)[0]


def decode_page(body: bytes, declared: str | None) -> tuple[str, bool]:
    """``decode_html``, and whether the text is ``body`` read as plain UTF-8, so that ``body`` is already its UTF-8
    form (what the parser and the raw-page store take: no need to encode the text again)."""
    if not body:
        return "", True
    text = _decode_bom(body)
    if text is not None:
        return text, False
    encoding = _codec_name(declared) or _codec_name(_sniff_meta(body))
    if encoding:
        text = _try_decode(body, encoding)
        if text is not None and _declared_fits(body, encoding):
            return text, encoding == "utf-8"
    text = _try_decode(body, "utf-8")
    if text is not None:
        return text, True
    text = _mostly_utf8(body) or _guess(body)
    if text is not None:
        return text, False
    return body.decode("utf-8", errors="replace"), False
