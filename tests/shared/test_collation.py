"""Polish alphabetical order: each Polish letter after its base, case-insensitive, total."""

import random
import unicodedata

import pytest

from shared.collation import ALPHABET, polish_key


def _sorted(words):
    return sorted(words, key=polish_key)


@pytest.mark.parametrize(("before", "after"), [
    ("Lena", "Łucja"), ("Sowa", "Śliwa"), ("Lis", "Łoś"), ("Szewczyk", "Śliwa"),
    ("Azja", "Ąb"), ("Cyran", "Ćwik"), ("Ewa", "Ęka"), ("Nowak", "Ńa"), ("Oza", "Ósemka"),
    ("Zygmunt", "Źrebiec"), ("Źrebiec", "Żak"), ("Zzz", "Źa"), ("Ozimek", "Ół"),
    ("łucja", "Ma"), ("lz", "Łucja"),
    ("Nowak", "Nowak-Zieleń"), ("Nowak-Zieleń", "Nowakowska"), ("Nowak Anna", "Nowakowski"),
    ("Kot", "kota"), ("Abc1", "Abca"),
    ("Rene", "René"), ("René", "Renf"), ("Muller", "Müller"), ("Müller", "Mullf"),
])
def test_pairs(before, after):
    assert polish_key(before) < polish_key(after)


def test_the_alphabet_in_any_order_sorts_back():
    letters = list(ALPHABET)
    shuffled = letters[:]
    random.Random(5).shuffle(shuffled)
    assert _sorted(shuffled) == letters
    assert _sorted([c.upper() for c in shuffled]) == [c.upper() for c in letters]


def test_case_does_not_count_before_the_last_tie_break():
    assert _sorted(["łucja", "Lena", "ŁUCJA", "lena", "Maria"]) == [
        "lena", "Lena", "łucja", "ŁUCJA", "Maria"]


def test_decomposed_input_sorts_as_composed():
    nfd = unicodedata.normalize("NFD", "Śliwa")
    assert polish_key(nfd)[:3] == polish_key("Śliwa")[:3]
    assert polish_key("Sowa") < polish_key(nfd)


def test_whitespace_is_folded_and_the_key_is_total():
    assert polish_key("  Anna   Maria ")[:3] == polish_key("Anna Maria")[:3]
    assert polish_key("Anna") != polish_key("anna")
    assert polish_key("") < polish_key("a")
    assert polish_key("Ålborg") < polish_key("Ąb")  # a foreign accent stays with its base


def test_a_class_list():
    names = ["Żak", "Śliwa", "Sowa", "Łucka", "Lis", "Ziółkowska", "Źdźbło", "Ćwik", "Cebula",
             "Nowak", "Ołówek", "Ósma", "Adamska", "Ąbrowska", "Baran"]
    assert _sorted(names) == ["Adamska", "Ąbrowska", "Baran", "Cebula", "Ćwik", "Lis", "Łucka",
                              "Nowak", "Ołówek", "Ósma", "Sowa", "Śliwa", "Ziółkowska",
                              "Źdźbło", "Żak"]
