"""Polish alphabetical order: a key for Python and a collation for SQL on both backends.

Code points put "Łucja" after "Zofia" and "Śliwa" after "Zawadzka"; the Polish
alphabet has ą after a, ć after c, … ź and ż after z. PostgreSQL has this order as
the ICU collation ``pl-x-icu``; SQLite has none, so every SQLite connection gets a
collation ``pl`` backed by :func:`polish_key`. :func:`order_by_name` picks the right
one when the query is compiled, so a query reads the same on either backend.

The key (PN-ISO, as a class register lists its pupils): letters with a Polish
diacritic are letters of their own, right after their base; case does not count;
other accented letters sort as their base and come after it only when everything
else is equal; spaces and hyphens sort before any letter ("Nowak" before
"Nowak-Zieleń" before "Nowakowska"); digits come before letters.
"""

from __future__ import annotations

import sqlite3
import unicodedata

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

ALPHABET = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"
_RANK = {letter: rank for rank, letter in enumerate(ALPHABET, start=20)}
_SEPARATORS = " -‐–—'’."
SQLITE_COLLATION = "pl"
POSTGRESQL_COLLATION = "pl-x-icu"
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


def _compare(left: str, right: str) -> int:
    """sqlite3 collation callback: negative, zero or positive as Polish order says."""
    a, b = polish_key(left), polish_key(right)
    return (a > b) - (a < b)


@event.listens_for(Engine, "connect")
def _add_sqlite_collation(dbapi_connection, _record) -> None:
    """Give every SQLite connection the ``pl`` collation (PostgreSQL has ICU's)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_collation(SQLITE_COLLATION, _compare)


class PolishOrder(ColumnElement):
    """``column COLLATE <Polish>``: ``pl-x-icu`` on PostgreSQL, ``pl`` on SQLite."""

    inherit_cache = True
    _traverse_internals = [("element", InternalTraversal.dp_clauseelement)]

    def __init__(self, element) -> None:
        self.element = element
        self.type = element.type


@compiles(PolishOrder)
def _compile_sqlite(order: PolishOrder, compiler, **kw) -> str:
    return f"{compiler.process(order.element, **kw)} COLLATE {SQLITE_COLLATION}"


@compiles(PolishOrder, "postgresql")
def _compile_postgresql(order: PolishOrder, compiler, **kw) -> str:
    return f'{compiler.process(order.element, **kw)} COLLATE "{POSTGRESQL_COLLATION}"'


def order_by_name(*columns) -> list[PolishOrder]:
    """The ``ORDER BY`` terms for people's names in Polish order (``.order_by(*order_by_name(…))``)."""
    return [PolishOrder(column) for column in columns]


