"""crawler.text.cleaning: stored text is cleaned, never rewritten. Expected values are worked out by hand."""

from __future__ import annotations

import codecs

import pytest

from crawler.text.cleaning import clean_list, clean_text, decode_html, is_mojibake

HINDI = "किम जोंग उन ने पुतिन से मुलाकात की, यूक्रेन में जारी जंग को पवित्र युद्ध बताया। ज़ेलेंस्की ने कहा"


def _sloppy_cp1252(data: bytes) -> str:
    """Bytes as a Windows browser shows them: cp1252, its five undefined bytes as C1 controls.

    Devanagari needs this: the virama is E0 A5 8D and 0x8D is undefined in strict cp1252.
    """
    chars = []
    for byte in data:
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(byte))
    return "".join(chars)


# --- NFC -------------------------------------------------------------------------------


def test_nfc_keeps_nukta_decomposed_because_precomposed_forms_are_exclusions() -> None:
    # U+0958..U+095F are composition exclusions: NFC never produces them ...
    assert clean_text("\u0915\u093c") == "\u0915\u093c"
    # ... and turns the precomposed character into base + nukta.
    assert clean_text("\u0958") == "\u0915\u093c"
    assert clean_text("\u095b\u0947\u0932") == "\u091c\u093c\u0947\u0932"


def test_nfc_composes_what_unicode_composes() -> None:
    assert clean_text("\u0928\u093c") == "\u0929"  # ऩ is not an exclusion
    assert clean_text("cafe\u0301") == "café"


# --- invisible characters and whitespace ---------------------------------------------------


def test_no_break_spaces_become_spaces() -> None:
    assert clean_text("रूस\u00a0यूक्रेन\u202fयुद्ध\u2007") == "रूस यूक्रेन युद्ध"


def test_zero_width_space_bom_soft_hyphen_word_joiner_removed() -> None:
    assert clean_text("\ufeffयूक्रे\u200bन") == "यूक्रेन"
    assert clean_text("news\u00adpaper wo\u2060rd") == "newspaper word"


def test_zwj_and_zwnj_kept() -> None:
    # क्‍ष (half KA via ZWJ) and क्‌ष (explicit virama via ZWNJ) are different renderings.
    assert clean_text("क्\u200dष") == "क्\u200dष"
    assert clean_text("क्\u200cष") == "क्\u200cष"


def test_whitespace_collapsed_and_trimmed() -> None:
    assert clean_text("  रूस \n\t  और\r\n\n यूक्रेन  ") == "रूस और यूक्रेन"


def test_empty_and_none() -> None:
    assert clean_text(None) == ""
    assert clean_text("") == ""
    assert clean_text(" \u00a0\u200b ") == ""


# --- entities --------------------------------------------------------------------------------


def test_entities_decoded_once() -> None:
    assert clean_text("&amp;quot;") == "&quot;"
    assert clean_text("R&amp;D") == "R&D"
    assert clean_text("&quot;रूस&quot;") == '"रूस"'


def test_numeric_entities() -> None:
    assert clean_text("&#2325;&#x93F;&#x92E;") == "किम"
    assert clean_text("&#x915;&#x93c;") == "\u0915\u093c"


def test_nbsp_entity_becomes_a_single_space() -> None:
    assert clean_text("रूस&nbsp;&nbsp; यूक्रेन") == "रूस यूक्रेन"


def test_text_without_complete_entities_untouched() -> None:
    # html.unescape alone would turn "&not" into "¬".
    assert clean_text("AT&T &notice & more") == "AT&T &notice & more"
    assert clean_text("&notice &amp;") == "&notice &"


# --- mojibake ----------------------------------------------------------------------------------


def test_mojibake_detected() -> None:
    assert is_mojibake(HINDI.encode("utf-8").decode("latin-1"))
    assert is_mojibake(_sloppy_cp1252(HINDI.encode("utf-8")))
    assert is_mojibake("Ã©tÃ©")  # "été" read as latin-1


def test_normal_text_is_not_mojibake() -> None:
    assert not is_mojibake(HINDI)
    assert not is_mojibake("café naïve São Paulo Ångström déjà – “quoted” €5")
    assert not is_mojibake("")


def test_mojibake_repaired_cp1252() -> None:
    mangled = _sloppy_cp1252(HINDI.encode("utf-8"))
    assert mangled.startswith("à¤•à¤¿à¤®")
    assert clean_text(mangled) == HINDI


def test_mojibake_repaired_latin1() -> None:
    assert clean_text(HINDI.encode("utf-8").decode("latin-1")) == HINDI


def test_mojibake_repaired_inside_whitespace() -> None:
    mangled = _sloppy_cp1252("रूस यूक्रेन".encode())
    assert clean_text(f"  {mangled}  ") == "रूस यूक्रेन"


def test_latin_accents_untouched() -> None:
    text = "café naïve crème brûlée — São Paulo"
    assert clean_text(text) == text
    assert clean_text(f"{HINDI} café") == f"{HINDI} café"


# --- clean_list ----------------------------------------------------------------------------------


def test_clean_list_drops_empties_and_duplicates_in_order() -> None:
    values = [" रूस ", None, "", "यूक्रेन", "रूस", "यूक्रे\u200bन", "\u00a0", "युद्ध"]
    assert clean_list(values) == ["रूस", "यूक्रेन", "युद्ध"]


def test_clean_list_keeps_distinct_spellings() -> None:
    assert clean_list(["रूस", "रुस"]) == ["रूस", "रुस"]


# --- decode_html ----------------------------------------------------------------------------------


def _page(text: str) -> str:
    return f"<html><head><title>{text}</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    "declared", ["iso-8859-1", "ISO-8859-1", "latin-1", "windows-1252", "ascii", "windows-1251", "shift_jis"]
)
def test_utf8_bytes_declared_otherwise_decode_as_utf8(declared: str) -> None:
    page = _page(HINDI)
    assert decode_html(page.encode("utf-8"), declared) == page


def test_utf8_bytes_declared_utf8() -> None:
    page = _page(HINDI)
    assert decode_html(page.encode("utf-8"), "utf-8") == page
    assert decode_html(page.encode("utf-8"), None) == page


def test_cp1252_bytes_declared_utf8_decode_as_cp1252() -> None:
    page = _page("Le café était très bon — “déjà vu” à côté, 5 € … Œuvre")
    assert decode_html(page.encode("cp1252"), "utf-8") == page


def test_real_single_byte_page_uses_declared_charset() -> None:
    page = _page("café crème brûlée")
    assert decode_html(page.encode("cp1252"), "windows-1252") == page
    assert decode_html(page.encode("latin-1"), "iso-8859-1") == page


def test_ascii_page_declared_latin1() -> None:
    assert decode_html(b"<p>plain</p>", "iso-8859-1") == "<p>plain</p>"


def test_utf8_bom_wins_over_declared_charset() -> None:
    page = _page(HINDI)
    assert decode_html(codecs.BOM_UTF8 + page.encode("utf-8"), "iso-8859-1") == page


def test_utf16_bom() -> None:
    page = _page(HINDI)
    assert decode_html(codecs.BOM_UTF16_LE + page.encode("utf-16-le"), None) == page
    assert decode_html(codecs.BOM_UTF16_BE + page.encode("utf-16-be"), "utf-8") == page


def test_meta_charset_used_without_header() -> None:
    page = '<html><head><meta charset="windows-1251"></head><body>Новости дня</body></html>'
    assert decode_html(page.encode("cp1251"), None) == page


def test_unknown_declared_charset_ignored() -> None:
    page = _page(HINDI)
    assert decode_html(page.encode("utf-8"), "x-no-such-charset") == page


def test_undecodable_bytes_still_give_text() -> None:
    assert isinstance(decode_html(bytes(range(256)) * 4, "utf-8"), str)
    assert decode_html(b"", "utf-8") == ""


def test_utf8_page_with_stray_cp1252_bytes_stays_utf8() -> None:
    body = "<p>यूक्रेन में युद्ध ".encode() + b"\x93quote\x94</p>"
    assert decode_html(body, "utf-8") == "<p>यूक्रेन में युद्ध “quote”</p>"
