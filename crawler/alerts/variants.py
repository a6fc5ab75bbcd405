"""Spelling variants of a foreign name as Hindi news prints it, generated from one spelling when a rule is compiled.

Hindi papers transliterate Russian and Ukrainian names each their own way: बखमुत / बखमुट / बाखमुत,
डोनेत्स्क / डोनेट्स्क / दोनेत्स्क, ज़ापोरिज़्ज़िया / जापोरिज्जिया / जेपोरिजिया / जपोरिझिया, खेरसॉन / खरसोन /
खेरसान, मॉस्को / मास्को. The search form already folds some of that (``crawler.text.hindi.normalize_word``:
nukta, ी/ि, ू/ु, ॉ/ो, chandrabindu/anusvara, न् before a consonant). The rest is generated here from the name
as written (where a virama still tells a cluster from two syllables), slot by slot, then normalized:

* ``ट/त``: Slavic t and d print dental or retroflex (ट/त, ठ/थ, ड/द, ढ/ध);
* ``ो/ा``: an o inside the word prints ो, ॉ or ा (मॉस्को/मास्को);
* ``ह/ग``: Ukrainian h is Russian g, and papers print either (लुहान्स्क/लुगांस्क, होस्टोमेल/गोस्टोमेल,
  मिर्नोह्राद/मिर्नोग्राद, एनरहोदार/एनरगोदार);
* ``ज्ज/ज/झ``: Slavic zh (inside a word) prints ज़, ज़्ज़, ज़ह or झ;
* ``ल्ल/ल``: a geminate prints doubled or single;
* ``ं/म्``: a nasal before a consonant prints as anusvara or as the half nasal of its class (म् before
  प फ ब भ म, ण् before ट ठ ड ढ, ङ् before क ख ग घ, ञ् before च छ ज झ);
* ``first vowel``: the first syllable's a or e, unstressed in Russian and Ukrainian, prints अ, आ or ए
  (खरसोन/खेरसॉन, बखमुत/बाखमुत, जपोरिझिया/जापोरिज्जिया/जेपोरिजिया);
* ``िय/्य``: Slavic ya, yu after a consonant prints as a syllable of its own or joined to the consonant
  (कुपियांस्क/कुप्यांस्क, स्लोवियांस्क/स्लोव्यांस्क, रियाज़ान/र्याज़ान);
* ``final ा``: with and without a final ा.

Bounded, so that a short name does not sweep in other words: a name of fewer than three consonants (रूस, कीव)
gets only ट/त and ं/म्, which change no vowel and no other consonant, so रूस stays apart from रास and कीव from कीवी;
a word has at most ``MAX_VARIANTS`` spellings (rules of lower priority are dropped first); a name written ``=name``
has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from crawler.text.hindi import normalize_word

MAX_VARIANTS = 96  # spellings of one word at most
MIN_CONSONANTS_FOR_VOWELS = 3  # रूस and कीव have two consonants: their vowels stay as written

_VIRAMA, _NUKTA, _ANUSVARA = "\u094d", "\u093c", "\u0902"
_AA, _E, _O, _CHANDRA_O, _I = "\u093e", "\u0947", "\u094b", "\u0949", "\u093f"
_YA = "य"
_CONSONANTS = frozenset(chr(c) for c in range(0x0915, 0x093A)) | frozenset(chr(c) for c in range(0x0958, 0x0960))
_H_G = {"ह": "ग", "ग": "ह"}
_DENTAL_RETROFLEX = {"ट": "त", "त": "ट", "ठ": "थ", "थ": "ठ", "ड": "द", "द": "ड", "ढ": "ध", "ध": "ढ"}
# The half nasal of each class.
_NASAL_OF = {**dict.fromkeys("पफबभम", "म"), **dict.fromkeys("टठडढ", "ण"), **dict.fromkeys("कखगघ", "ङ"),
             **dict.fromkeys("चछजझ", "ञ")}
_ZH = ("ज़", "ज़्ज़", "ज़ह", "झ")  # Slavic zh as printed (the nukta is folded away when matching)
# Rules in the order they are dropped when a word would get too many spellings (last first).
PRIORITY = ("ट/त", "ो/ा", "ह/ग", "ज्ज/ज/झ", "ं/म्", "first vowel", "िय/्य", "ल्ल/ल", "final ा")

Slot = list[tuple[str, str]]  # spellings of one piece of the word: (text, rule), the written one first with rule ""


@dataclass(frozen=True)
class Variant:
    """One spelling: as generated (``written``), normalized (``form``, what matching compares), and the rules that
    made it from the name as listed ("" for the name as listed)."""

    form: str
    how: str
    written: str


def _letter(word: str, i: int) -> str:
    """The consonant at ``i`` with its nukta, if it has one."""
    return word[i:i + 2] if word[i + 1:i + 2] == _NUKTA else word[i]


def _has_consonant(text: str) -> bool:
    return any(ch in _CONSONANTS for ch in text)


def _zh_at(word: str, i: int) -> str:
    """The printed zh that starts at ``i`` (ज़्ज़, ज्ज, ज़ह, ज़, ज, झ), or ""."""
    for written in ("ज़्ज़", "ज्ज", "ज़्ज", "ज़ह", "ज़", "झ", "ज"):
        if word.startswith(written, i):
            return written
    return ""


def _slots(word: str) -> list[Slot]:
    """The word cut into slots, each with its spellings."""
    letters = sum(ch in _CONSONANTS for ch in word)
    vowels_vary = letters >= MIN_CONSONANTS_FOR_VOWELS
    slots: list[Slot] = []
    i, size = 0, len(word)
    first_syllable = True
    while i < size:
        ch = word[i]
        if ch not in _CONSONANTS:
            if ch in (_O, _CHANDRA_O) and vowels_vary and word[i + 1:] not in ("", _ANUSVARA):
                slots.append([(ch, ""), (_AA, "ो/ा")])  # not a final ो or the plural ों: those are not an o
            elif ch == _AA and i == size - 1 and vowels_vary:
                slots.append([(ch, ""), ("", "final ा")])
            elif ch == _I and word[i + 1:i + 2] == _YA and vowels_vary and i > 0 and _has_consonant(word[i + 2:]):
                slots.append([(ch, ""), (_VIRAMA, "िय/्य")])  # कुपियांस्क -> कुप्यांस्क (not a final िया)
            elif ch == _ANUSVARA and word[i + 1:i + 2] in _NASAL_OF:
                slots.append([(ch, ""), (_NASAL_OF[word[i + 1]] + _VIRAMA, "ं/म्")])
            else:
                slots.append([(ch, "")])
            i += 1
            continue
        letter = _letter(word, i)
        after = i + len(letter)
        nxt = word[after:after + 1]
        zh = _zh_at(word, i) if i > 0 and vowels_vary else ""
        if zh:
            slots.append([(zh, "")] + [(z, "ज्ज/ज/झ") for z in _ZH if normalize_word(z) != normalize_word(zh)])
            after = i + len(zh)
        elif nxt == _VIRAMA and word[after + 1:after + 1 + len(letter)] == letter and vowels_vary:
            slots.append([(letter + _VIRAMA + letter, ""), (letter, "ल्ल/ल")])  # a geminate
            after += 1 + len(letter)
        elif letter in _DENTAL_RETROFLEX:
            slots.append([(letter, ""), (_DENTAL_RETROFLEX[letter], "ट/त")])
        elif letter in _H_G and vowels_vary:
            slots.append([(letter, ""), (_H_G[letter], "ह/ग")])
        elif nxt == _VIRAMA and letter in _NASAL_OF.values() and _NASAL_OF.get(word[after + 1:after + 2]) == letter:
            slots.append([(letter + _VIRAMA, ""), (_ANUSVARA, "ं/म्")])  # म्ब -> ंब
            after += 1
        else:
            slots.append([(letter, "")])
        i = after
        if word[i:i + 1] == _VIRAMA:
            joined_ya = word[i + 1:i + 2] == _YA and vowels_vary and _has_consonant(word[i + 2:])
            slots.append([(_VIRAMA, ""), (_I, "िय/्य")] if joined_ya else [(_VIRAMA, "")])  # कुप्यांस्क -> कुपियांस्क
            i += 1
            continue  # a cluster: its syllable's vowel comes after the next consonant
        if first_syllable and vowels_vary and i < size - 1:
            written = word[i] if word[i] in (_AA, _E) else "" if word[i] in _CONSONANTS else None
            if written is not None:
                slots.append([(written, "")] + [(v, "first vowel") for v in ("", _AA, _E) if v != written])
                i += len(written)
        first_syllable = False
    if vowels_vary and word and word[-1] in _CONSONANTS:
        slots.append([("", ""), (_AA, "final ा")])
    return slots


def _within(slots: list[Slot], limit: int) -> list[Slot]:
    """The slots, with the alternatives of the lowest-priority rules dropped until at most ``limit`` spellings."""
    for rule in reversed(PRIORITY):
        total = 1
        for slot in slots:
            total *= len(slot)
        if total <= limit:
            break
        slots = [[alt for alt in slot if alt[1] != rule] for slot in slots]
    return slots


def variants(word: str, limit: int = MAX_VARIANTS) -> list[Variant]:
    """Every spelling of one name word as written (NFC), normalized; the written one first.

    Latin and other scripts come back as they are (normalized). Beyond ``limit``, rules of lower priority
    (``PRIORITY``) are left out.
    """
    slots = _within(_slots(word), limit)
    found = {normalize_word(word): Variant(normalize_word(word), "", word)}
    total = 1
    for slot in slots:
        total *= len(slot)
    if total > limit:  # still too many (a very long name): keep the written spelling
        return list(found.values())
    for combination in product(*slots):
        written = "".join(text for text, _ in combination)
        form = normalize_word(written)
        if form and form not in found:
            found[form] = Variant(form, ", ".join(dict.fromkeys(rule for _, rule in combination if rule)), written)
    return list(found.values())
