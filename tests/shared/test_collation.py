"""Polish alphabetical order in Python and in SQL on SQLite and PostgreSQL."""

import random
import unicodedata
from datetime import date

import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import Pupil, StaffMember
from shared.collation import ALPHABET, order_by_name, polish_key
from tests.gradebook.register_factories import build_school

POLISH_ORDER = ["Abel", "Adamska", "ąbel", "Cyran", "Ćwik", "Dąbrowska", "Ewa", "Ęka", "Grabowska Lena",
                "Grabowska Łucja", "Grabowska Zofia", "Lis", "Łoś", "Nowak", "Nowakowska", "Nowicka",
                "Ńaka", "Oz", "Ólaf", "Pawlak", "Sowa", "Śliwa", "Tomczyk", "Zawadzka", "Zieliński",
                "Źrebiec", "Żak"]


def test_polish_key_orders_every_polish_letter_after_its_base():
    shuffled = POLISH_ORDER[:]
    random.Random(12).shuffle(shuffled)
    assert sorted(shuffled, key=polish_key) == POLISH_ORDER


@pytest.mark.parametrize(("before", "after"), [
    ("Grabowska Lena", "Grabowska Łucja"), ("Grabowska Łucja", "Grabowska Zofia"),
    ("Sowa", "Śliwa"), ("Śliwa", "Zawadzka"), ("zawadzka", "Źrebiec"), ("Źrebiec", "żak"),
    ("ala", "Ala"), ("Éric", "Ewa"), ("Nowak", "Nowakowska"),
])
def test_pairs(before, after):
    assert polish_key(before) < polish_key(after)


def test_case_does_not_change_the_order_of_different_names():
    assert sorted(["łoś", "Lis", "LUBA"], key=polish_key) == ["Lis", "LUBA", "łoś"]
    assert polish_key(None) == polish_key("")


def test_sql_orders_names_in_polish(gradebook_app, db_backend):
    world = build_school()
    names = ["Zawadzka", "Śliwa", "Sowa", "Grabowska", "Łukasik", "Lis", "Żak", "Źrebiec", "Ćwik",
             "Cyran"]
    for name in names:
        db.session.add(StaffMember(school_id=world.school.id, first_name="X", last_name=name))
    db.session.commit()
    rows = db.session.execute(
        sa.select(StaffMember.last_name)
        .where(StaffMember.school_id == world.school.id, StaffMember.first_name == "X")
        .order_by(*order_by_name(StaffMember.last_name))).scalars().all()
    assert rows == sorted(names, key=polish_key)
    assert rows == ["Cyran", "Ćwik", "Grabowska", "Lis", "Łukasik", "Sowa", "Śliwa", "Zawadzka",
                    "Źrebiec", "Żak"]


def test_class_list_is_in_polish_order(gradebook_app):
    world = build_school(pupils_per_class=0)
    klass = world.classes["1a"]
    for last, first in [("Grabowska", "Zofia"), ("Zawadzka", "Ala"), ("Grabowska", "Łucja"),
                        ("Śliwa", "Jan"), ("Sowa", "Ola"), ("Grabowska", "Lena")]:
        db.session.add(Pupil(school_id=world.school.id, class_id=klass.id, first_name=first,
                             last_name=last, birth_date=date(2019, 1, 1),
                             joined_on=date(2026, 9, 1)))
    db.session.commit()
    db.session.expire_all()
    names = [p.full_name for p in find_by_id(type(klass), klass.id).pupils]
    assert names == ["Lena Grabowska", "Łucja Grabowska", "Zofia Grabowska", "Ola Sowa",
                     "Jan Śliwa", "Ala Zawadzka"]


# The key's finer rules (separators, digits, decomposed input, a total order).
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
def test_register_pairs(before, after):
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
