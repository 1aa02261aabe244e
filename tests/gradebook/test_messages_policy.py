"""The who-may-write-to-whom rule, over every pair of kinds of people (no Flask, no database)."""

from __future__ import annotations

import itertools

import pytest

from gradebook_service.messages.policy import (
    GROUP_AUDIENCES,
    PARENT,
    PARENTS,
    PUPIL,
    PUPILS,
    STAFF,
    ChildTies,
    Person,
    may_address_group,
    may_reply,
    may_require_confirmation,
    may_write,
)

SCHOOL, OTHER_SCHOOL = 1, 2
#: The child's class is taught by staff 10 and 11; staff 12 leads it.
TIES = ChildTies(teacher_ids=frozenset({10, 11}), homeroom_teacher_id=12)

PEOPLE = {
    "parent": Person(1, SCHOOL, PARENT),
    "other parent": Person(2, SCHOOL, PARENT),
    "pupil": Person(3, SCHOOL, PUPIL),
    "other pupil": Person(4, SCHOOL, PUPIL),
    "class teacher": Person(5, SCHOOL, STAFF, staff_id=10, is_teacher=True),
    "homeroom teacher": Person(6, SCHOOL, STAFF, staff_id=12, is_teacher=True),
    "other teacher": Person(7, SCHOOL, STAFF, staff_id=13, is_teacher=True),
    "secretary": Person(8, SCHOOL, STAFF, staff_id=14, is_secretary=True),
    "headteacher": Person(9, SCHOOL, STAFF, staff_id=15, is_admin=True),
    "teacher elsewhere": Person(20, OTHER_SCHOOL, STAFF, staff_id=31, is_teacher=True),
    "parent elsewhere": Person(21, OTHER_SCHOOL, PARENT),
    "secretary elsewhere": Person(22, OTHER_SCHOOL, STAFF, staff_id=30, is_secretary=True),
}
STAFF_HERE = {"class teacher", "homeroom teacher", "other teacher", "secretary", "headteacher"}
FAMILY_MAY_WRITE = {"class teacher", "homeroom teacher", "secretary", "headteacher"}

#: The whole matrix: sender → the recipients they may start a conversation with.
EXPECTED = {
    "parent": FAMILY_MAY_WRITE,
    "pupil": FAMILY_MAY_WRITE,
    "other parent": FAMILY_MAY_WRITE,
    "other pupil": FAMILY_MAY_WRITE,
    **{s: ({"parent", "other parent", "pupil", "other pupil"} | STAFF_HERE) - {s}
       for s in STAFF_HERE},
    "teacher elsewhere": {"secretary elsewhere", "parent elsewhere"},
    "parent elsewhere": {"secretary elsewhere"},
    "secretary elsewhere": {"teacher elsewhere", "parent elsewhere"},
}


@pytest.mark.parametrize(("sender", "recipient"), list(itertools.product(PEOPLE, PEOPLE)))
def test_matrix(sender, recipient):
    assert may_write(PEOPLE[sender], PEOPLE[recipient], TIES) is (recipient in EXPECTED[sender])


@pytest.mark.parametrize("family", ["parent", "pupil"])
@pytest.mark.parametrize("other", ["other parent", "other pupil", "parent", "pupil",
                                   "parent elsewhere"])
def test_a_family_never_reaches_a_family_even_in_a_thread(family, other):
    assert not may_reply(PEOPLE[family], PEOPLE[other], TIES, wrote_to_sender=True)


def test_family_may_answer_staff_who_wrote_even_without_teaching_the_child():
    assert not may_write(PEOPLE["parent"], PEOPLE["other teacher"], TIES)
    assert may_reply(PEOPLE["parent"], PEOPLE["other teacher"], TIES, wrote_to_sender=True)
    assert not may_reply(PEOPLE["parent"], PEOPLE["other teacher"], TIES, wrote_to_sender=False)
    assert not may_reply(PEOPLE["parent"], PEOPLE["teacher elsewhere"], TIES, wrote_to_sender=True)


def test_without_ties_a_family_reaches_only_the_office():
    none = ChildTies()
    allowed = {name for name, p in PEOPLE.items() if may_write(PEOPLE["parent"], p, none)}
    assert allowed == {"secretary", "headteacher"}


@pytest.mark.parametrize("sender", list(PEOPLE))
@pytest.mark.parametrize("audience", [*GROUP_AUDIENCES, "staff", "everyone"])
def test_only_staff_address_groups_of_parents_or_pupils(sender, audience):
    expected = PEOPLE[sender].role == STAFF and audience in (PARENTS, PUPILS)
    assert may_address_group(PEOPLE[sender], audience) is expected


@pytest.mark.parametrize("sender", list(PEOPLE))
def test_only_staff_ask_for_confirmation(sender):
    assert may_require_confirmation(PEOPLE[sender]) is (PEOPLE[sender].role == STAFF)


def test_nobody_writes_to_themself():
    for person in PEOPLE.values():
        assert not may_write(person, person, TIES)
        assert not may_reply(person, person, TIES, wrote_to_sender=True)
