"""Data for the homeroom tests: more pupils in a class, final and behaviour grades."""

from __future__ import annotations

from datetime import date

from gradebook_service.extensions import db
from gradebook_service.grades.models import FinalGrade
from gradebook_service.remarks.models import BehaviourGrade
from gradebook_service.school.models import Pupil
from tests.gradebook.register_factories import YEAR_START, World


def add_pupils(world: World, class_name: str, n: int, last_name: str = "Dodany") -> list[Pupil]:
    """``n`` more pupils in a class (no accounts: the homeroom pages do not need them)."""
    klass = world.classes[class_name]
    start = len(world.pupils[class_name])
    added = []
    for i in range(n):
        pupil = Pupil(school_id=world.school.id, class_id=klass.id, first_name=f"Nowy{i}",
                      last_name=last_name, birth_date=date(2016, 1, 1 + i % 28),
                      joined_on=YEAR_START, register_number=start + i + 1)
        db.session.add(pupil)
        added.append(pupil)
    db.session.flush()
    world.pupils[class_name].extend(added)
    return added


def give_final(world: World, pupil: Pupil, subject_key: str, value: int, period: str = "year",
               stage: str = "final") -> None:
    db.session.add(FinalGrade(school_id=world.school.id, pupil_id=pupil.id,
                              school_year_id=world.year.id,
                              subject_id=world.subjects[subject_key].id, period=period,
                              stage=stage, value=value, teacher_id=world.teachers["math"].id))


def give_behaviour(world: World, pupil: Pupil, value: str, period: str = "year",
                   stage: str = "final") -> None:
    db.session.add(BehaviourGrade(school_id=world.school.id, pupil_id=pupil.id,
                                  school_year_id=world.year.id, period=period, stage=stage,
                                  value=value, teacher_id=world.teachers["math"].id))
