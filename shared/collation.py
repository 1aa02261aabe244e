"""Polish alphabetical order: a key for Python and a collation for SQL on both backends.

Code points put "Łucja" after "Zofia" and "Śliwa" after "Zawadzka"; the Polish
alphabet has ą after a, ć after c, … ź and ż after z. PostgreSQL has this order as
the ICU collation ``pl-x-icu``; SQLite has none, so every SQLite connection gets a
collation ``pl`` backed by :func:`polish_key`. :func:`order_by_name` picks the right
one when the query is compiled, so a query reads the same on either backend.
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
_RANK = {letter: rank for rank, letter in enumerate(ALPHABET, start=1)}
#: Letters outside the alphabet (é, ü, ö, ß …) sort as their base letter, after it.
_FOREIGN = len(ALPHABET) + 1
SQLITE_COLLATION = "pl"
POSTGRESQL_COLLATION = "pl-x-icu"


def _rank(char: str) -> tuple[int, int]:
    """Primary weight of one lower-case character and a tie-breaker for accents."""
    if char in _RANK:
        return (_RANK[char] * 2, 0)
    base = unicodedata.normalize("NFD", char)[0]
    if base in _RANK:
        return (_RANK[base] * 2, 1)
    if char.isspace() or not char.isalnum():
        return (0, ord(char))  # spaces and punctuation before letters: "Nowak Anna" < "Nowakowska"
    if char.isdigit():
        return (1, ord(char))
    return ((_FOREIGN + ord(char)) * 2, 0)


def polish_key(text: str | None) -> tuple:
    """A sort key in Polish alphabetical order, case-insensitive (``sorted(names, key=polish_key)``)."""
    text = text or ""
    folded = unicodedata.normalize("NFC", text).casefold()
    primary = tuple(_rank(char)[0] for char in folded)
    accents = tuple(_rank(char)[1] for char in folded)
    # Upper case after lower case only when everything else is equal, then code points.
    return (primary, accents, tuple(char.isupper() for char in text), text)


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


