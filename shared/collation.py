"""Polish alphabetical order (PN-ISO, as a class register lists its pupils), without ICU.

Letters with a Polish diacritic are letters of their own, right after their base:
a ą b c ć d e ę f g h i j k l ł m n ń o ó p q r s ś t u v w x y z ź ż. Case does not
count ("łucja" sits with "Łucja"); other accented letters (é, ü, č …) sort as their
base letter and come after it only when everything else is equal. Spaces and
hyphens separate words and sort before any letter ("Nowak" before "Nowak-Zieleń"
before "Nowakowska"); digits come before letters.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"
_RANK = {letter: rank for rank, letter in enumerate(ALPHABET, start=20)}
_SEPARATORS = " -‐–—'’."
#: Letters that do not decompose into a base and a mark.
_EXPANSIONS = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ı": "i"}


def _units(ch: str) -> list[tuple[int, int]]:
    """(primary, secondary) weights of one lower-case character."""
    if ch in _RANK:
        return [(_RANK[ch], 0)]
    if ch in _SEPARATORS or ch.isspace():
        return [(1, 0)]
    if ch.isdigit():
        return [(2 + int(unicodedata.digit(ch, 0)), 0)]
    if ch in _EXPANSIONS:
        return [(_RANK[c], 1) for c in _EXPANSIONS[ch]]
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    if base and base != ch and all(c in _RANK for c in base):
        return [(_RANK[c], 1 + ord(ch) % 1000) for c in base]
    return [(1000 + ord(ch), 0)]  # anything else: after the letters, by code point


def polish_key(text: str) -> tuple:
    """A sort key putting ``text`` in Polish alphabetical order (case-insensitive)."""
    text = unicodedata.normalize("NFC", " ".join((text or "").split()))
    primary: list[int] = []
    secondary: list[int] = []
    for ch in text.lower():
        for weight, accent in _units(ch):
            primary.append(weight)
            secondary.append(accent)
    # Upper case after lower case only as the last tie-break, so the order is total.
    tertiary = tuple(1 if ch.isupper() else 0 for ch in text)
    return tuple(primary), tuple(secondary), tertiary, text
