"""The demo school's register: timetable, a term of lessons with attendance, grades, homework,
tests, announcements, remarks — deterministic and safe to run again.

``seed_register(school_id, today)`` works on whatever classes, pupils and teaching
assignments the school has (``seed-demo`` creates them). It

* gives pupils their numbers in the class register (where missing),
* sets bell times and the grade categories,
* builds a clash-free weekly timetable per class (a teacher is never in two rooms at
  once; when the school's teachers cannot cover all hours, extra demo teachers are
  added and take over whole class-subject assignments),
* fills every school day from the start of the year up to ``today`` with lessons,
  topics and attendance, a term of grades, proposed term grades near the end of a term,
  homework, announced tests within the default caps, announcements and remarks,
* adds a few substitutions, cancellations and room changes this week and next.

The heavy part runs once (marked in ``School.settings["demo_register"]``); rows are
bulk-inserted (executemany), so a school of 16 classes takes seconds.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, time, timedelta

import sqlalchemy as sa

from gradebook_service.accounts.models import STAFF, SchoolAccount
from gradebook_service.announcements.models import Announcement
from gradebook_service.calendar.models import Event
from gradebook_service.extensions import db
from gradebook_service.grades.models import Assessment, FinalGrade, Grade
from gradebook_service.grades.services import ensure_categories
from gradebook_service.homework.models import Homework
from gradebook_service.lessons.models import Attendance, Lesson
from gradebook_service.remarks.models import BehaviourGrade, Remark
from gradebook_service.roster.register_numbers import number_new_pupils
from gradebook_service.school.free_days import free_dates
from gradebook_service.school.models import (
    Pupil,
    School,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subject,
    TeachingAssignment,
    Term,
)
from gradebook_service.timetable.models import LessonPeriod, TimetableChange, TimetableEntry
from shared.database import utcnow

MARKER = "demo_register"
BELLS = [(8, 0), (8, 55), (9, 50), (10, 55), (11, 50), (12, 45), (13, 40), (14, 35)]
#: Weekly hours per subject (lower case names as in the demo; others get 2).
HOURS = {"język polski": 5, "matematyka": 4, "język angielski": 3, "przyroda": 2,
         "historia": 2, "wychowanie fizyczne": 4, "plastyka": 1, "muzyka": 1,
         "informatyka": 1, "edukacja wczesnoszkolna": 14}
MAX_LOAD = 22
HELPERS = [("Iwona", "Pawlak"), ("Marek", "Czarnecki"), ("Teresa", "Adamczyk"),
           ("Roman", "Dudek"), ("Halina", "Zawadzka"), ("Leszek", "Sobczak"),
           ("Urszula", "Marciniak"), ("Artur", "Kubiak"), ("Lidia", "Wilk"),
           ("Bogdan", "Lis"), ("Krystyna", "Mazurek"), ("Zenon", "Kaczmarczyk"),
           ("Alina", "Bielecka"), ("Witold", "Szewczyk"), ("Jadwiga", "Ostrowska"),
           ("Cezary", "Tomaszewski"), ("Elwira", "Pietrzak"), ("Feliks", "Jasiński")]
TOPICS = ["Powtórzenie wiadomości", "Praca z tekstem", "Ćwiczenia w grupach",
          "Wprowadzenie do nowego działu", "Rozwiązywanie zadań", "Sprawdzian — omówienie",
          "Projekt klasowy", "Lekcja powtórzeniowa", "Praca z podręcznikiem",
          "Ćwiczenia praktyczne"]
REMARKS = [("positive", "Pomoc innym", "Pomógł koledze w nauce."),
           ("positive", "Konkursy", "Udział w szkolnym konkursie."),
           ("positive", "Zachowanie na lekcji", "Wzorowa aktywność na lekcji."),
           ("negative", "Zachowanie na lekcji", "Przeszkadzał w prowadzeniu lekcji."),
           ("negative", "Spóźnienia", "Trzecie spóźnienie w miesiącu."),
           ("negative", "Brak przyborów", "Brak stroju na wychowaniu fizycznym.")]


def _school_days(start: date, end: date, free: dict[date, str]):
    """Weekdays from ``start`` to ``end`` that are not free days (holidays, breaks, days off)."""
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in free:
            yield day
        day += timedelta(days=1)


def _school_day_from(day: date, free: dict[date, str]) -> date:
    """``day`` or the first school day after it."""
    while day.weekday() >= 5 or day in free:
        day += timedelta(days=1)
    return day


def _bulk(model, rows: list[dict], chunk: int = 5000) -> None:
    for i in range(0, len(rows), chunk):
        db.session.execute(sa.insert(model), rows[i:i + chunk])


def seed_register(school_id: int, today: date | None = None, seed: int = 6) -> dict:
    """Fill the school's current year with a register (once); return what was created."""
    today = today or date.today()
    school = db.session.get(School, school_id)
    year = db.session.execute(sa.select(SchoolYear).where(
        SchoolYear.school_id == school_id, SchoolYear.is_current)).scalar_one()
    number_new_pupils(school_id, db.session.execute(sa.select(SchoolClass.id).where(
        SchoolClass.school_id == school_id, SchoolClass.school_year_id == year.id)).scalars())
    _bells(school_id)
    categories = {c.name: c for c in ensure_categories(school_id)}
    _drop_superseded_assignments(school_id, year.id)
    settings = dict(school.settings or {})
    if settings.get(MARKER) == year.name:
        return {"skipped": True}
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    classes = list(db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.school_id == school_id, SchoolClass.school_year_id == year.id)
        .order_by(SchoolClass.level, SchoolClass.name)).scalars())
    plan = _timetable(school, year, classes, rng)
    db.session.flush()
    # Free days up to a month past the year's end (the extras look a few weeks ahead).
    free = free_dates(school_id, year.starts_on, year.ends_on + timedelta(days=62))
    stats = _lessons(school, year, classes, plan, today, rng, free)
    stats.update(_grades(school, year, classes, categories, today, rng, free))
    stats.update(_extras(school, year, classes, plan, today, rng, free))
    settings[MARKER] = year.name
    school.settings = settings
    db.session.flush()
    return stats


def _drop_superseded_assignments(school_id: int, year_id: int) -> None:
    """Remove a class-subject assignment that a demo teacher took over (re-created by a rerun
    of the people seed), so each class has one teacher per subject."""
    planned = set(db.session.execute(sa.select(
        TimetableEntry.class_id, TimetableEntry.subject_id, TimetableEntry.teacher_id).where(
        TimetableEntry.school_id == school_id, TimetableEntry.school_year_id == year_id)).all())
    if not planned:
        return
    covered = {(c, s) for c, s, _t in planned}
    for assignment in db.session.execute(sa.select(TeachingAssignment).where(
            TeachingAssignment.school_id == school_id)).scalars():
        key = (assignment.class_id, assignment.subject_id)
        if key in covered and key + (assignment.teacher_id,) not in planned:
            db.session.delete(assignment)
    db.session.flush()


def _bells(school_id: int) -> None:
    existing = set(db.session.execute(sa.select(LessonPeriod.number).where(
        LessonPeriod.school_id == school_id)).scalars())
    for number, (hour, minute) in enumerate(BELLS, start=1):
        if number not in existing:
            end = hour * 60 + minute + 45
            db.session.add(LessonPeriod(school_id=school_id, number=number,
                                        starts_at=time(hour, minute),
                                        ends_at=time(end // 60, end % 60)))


def _helper(school: School, subject: Subject, used: set[tuple[str, str]]) -> StaffMember:
    """A new demo teacher for ``subject`` (with an account without a password)."""
    for first, last in HELPERS:
        if (first, last) not in used:
            break
    else:
        first, last = "Nauczyciel", f"Dodatkowy {len(used) + 1}"
    used.add((first, last))
    member = StaffMember(school_id=school.id, first_name=first, last_name=last, is_teacher=True,
                         email=f"{last.lower()}@sp5.example.org")
    db.session.add(member)
    db.session.flush()
    db.session.add(SchoolAccount(school_id=school.id, role=STAFF, staff_id=member.id,
                                 login=f"sp5.n.{member.id}.{last.lower()}"[:32],
                                 must_change_password=True))
    return member


def _timetable(school: School, year: SchoolYear, classes: list[SchoolClass],
               rng: random.Random) -> dict[int, list[TimetableEntry]]:
    """A clash-free weekly plan per class from its teaching assignments."""
    subjects = {s.id: s for s in db.session.execute(sa.select(Subject).where(
        Subject.school_id == school.id)).scalars()}
    assignments = list(db.session.execute(sa.select(TeachingAssignment).where(
        TeachingAssignment.school_id == school.id)).scalars())
    staff_names = {(m.first_name, m.last_name) for m in db.session.execute(
        sa.select(StaffMember).where(StaffMember.school_id == school.id)).scalars()}
    load: dict[int, int] = defaultdict(int)
    busy_teacher: set[tuple[int, int, int]] = set()
    helpers: dict[int, list[StaffMember]] = defaultdict(list)
    plan: dict[int, list[TimetableEntry]] = {}
    for klass in classes:
        busy_class: set[tuple[int, int]] = set()
        entries = []
        wanted = [a for a in assignments if a.class_id == klass.id]
        wanted.sort(key=lambda a: -HOURS.get(subjects[a.subject_id].name, 2))
        for assignment in wanted:
            subject = subjects[assignment.subject_id]
            hours = HOURS.get(subject.name, 2)
            teacher_id = assignment.teacher_id
            if load[teacher_id] + hours > MAX_LOAD:
                spare = next((h for h in helpers[subject.id]
                              if load[h.id] + hours <= MAX_LOAD), None)
                if spare is None:
                    spare = _helper(school, subject, staff_names)
                    helpers[subject.id].append(spare)
                assignment.teacher_id = teacher_id = spare.id  # this class's subject moves over
            load[teacher_id] += hours
            for _hour in range(hours):
                per_day = {d: sum(1 for e in entries if e.weekday == d) for d in range(1, 6)}
                # The day with the fewest lessons first (a subject once a day where possible),
                # then the earliest period free for both the class and the teacher.
                days = sorted(range(1, 6), key=lambda d: (
                    any(e.weekday == d and e.subject_id == subject.id for e in entries),
                    per_day[d], rng.random()))
                slot = next(((d, p) for d in days for p in range(1, 8)
                             if (d, p) not in busy_class
                             and (teacher_id, d, p) not in busy_teacher), None)
                if slot is None:
                    break
                weekday, period = slot
                busy_class.add((weekday, period))
                busy_teacher.add((teacher_id, weekday, period))
                entries.append(TimetableEntry(
                    school_id=school.id, school_year_id=year.id, class_id=klass.id,
                    weekday=weekday, period_number=period, subject_id=subject.id,
                    teacher_id=teacher_id,
                    room="sala gimn." if subject.name == "wychowanie fizyczne"
                    else str(100 * (1 + klass.level // 4) + klass.level * 2
                             + (klass.name[-1] == "b"))))
        db.session.add_all(entries)
        plan[klass.id] = entries
    return plan


def _lessons(school, year, classes, plan, today, rng, free) -> dict:
    """Every lesson from the start of the year up to ``today``, with topic and attendance."""
    pupils = defaultdict(list)
    for pupil in db.session.execute(sa.select(Pupil).where(
            Pupil.school_id == school.id,
            Pupil.class_id.in_([c.id for c in classes]))).scalars():
        pupils[pupil.class_id].append(pupil)
    #: Each pupil's tendency to miss lessons (most rarely, a few often).
    absent_rate = {p.id: rng.choice([0.01, 0.02, 0.03, 0.05, 0.08, 0.15])
                   for members in pupils.values() for p in members}
    end = min(today, year.ends_on)
    lesson_rows, keys = [], []
    numbers: dict[tuple[int, int], int] = defaultdict(int)
    for day in _school_days(year.starts_on, end, free):
        for klass in classes:
            for entry in plan[klass.id]:
                if entry.weekday != day.isoweekday():
                    continue
                numbers[(klass.id, entry.subject_id)] += 1
                lesson_rows.append({
                    "school_id": school.id, "class_id": klass.id, "subject_id": entry.subject_id,
                    "teacher_id": entry.teacher_id, "date": day,
                    "period_number": entry.period_number, "topic": rng.choice(TOPICS),
                    "number": numbers[(klass.id, entry.subject_id)], "created_at": utcnow()})
                keys.append(klass.id)
    ids = []
    for i in range(0, len(lesson_rows), 5000):
        ids += db.session.execute(sa.insert(Lesson).returning(Lesson.id, sort_by_parameter_order=True),
                                  lesson_rows[i:i + 5000]).scalars().all()
    attendance = []
    now = utcnow()
    sick: dict[int, date] = {}
    for lesson_id, row, class_id in zip(ids, lesson_rows, keys, strict=True):
        day = row["date"]
        for pupil in pupils[class_id]:
            # Absences come in runs of whole days (illness), sometimes single lessons.
            well = pupil.id not in sick or sick[pupil.id] < day
            if well and rng.random() < absent_rate[pupil.id] / 6:
                sick[pupil.id] = day + timedelta(days=rng.choice([0, 1, 2, 4]))
            if sick.get(pupil.id, date.min) >= day:
                status = "excused" if day < today - timedelta(days=7) and rng.random() < 0.8 \
                    else "absent"
            else:
                r = rng.random()
                status = ("late" if r < 0.012 else "released" if r < 0.016
                          else "school_duty" if r < 0.02 else "present")
            attendance.append({"school_id": school.id, "lesson_id": lesson_id,
                               "pupil_id": pupil.id, "subject_id": row["subject_id"],
                               "date": day, "status": status, "created_at": now,
                               "updated_at": now})
    _bulk(Attendance, attendance)
    return {"lessons": len(lesson_rows), "attendance": len(attendance)}


def _grades(school, year, classes, categories, today, rng, free) -> dict:
    """Assessments every other week per subject, grades for nearly every pupil."""
    terms = list(db.session.execute(sa.select(Term).where(
        Term.school_id == school.id, Term.school_year_id == year.id).order_by(Term.number)
    ).scalars())
    assignments = list(db.session.execute(sa.select(TeachingAssignment).where(
        TeachingAssignment.school_id == school.id)).scalars())
    pupils = defaultdict(list)
    for pupil in db.session.execute(sa.select(Pupil).where(Pupil.school_id == school.id)
                                    ).scalars():
        pupils[pupil.class_id].append(pupil)
    ability = {p.id: rng.uniform(2.3, 5.6) for members in pupils.values() for p in members}
    class_ids = {c.id for c in classes}
    kinds = [("Sprawdzian", "Sprawdzian"), ("Kartkówka", "Kartkówka"),
             ("Odpowiedź ustna", "Odpowiedź ustna"), ("Praca domowa", "Zadanie domowe"),
             ("Aktywność", "Aktywność")]
    now = utcnow()
    grade_rows, final_rows, count_assessments = [], [], 0
    for assignment in assignments:
        if assignment.class_id not in class_ids:
            continue
        for term in terms:
            end = min(term.ends_on, today)
            day = term.starts_on + timedelta(days=rng.randint(7, 13))
            while day <= end:
                if day.weekday() >= 5 or day in free:
                    day = _school_day_from(day, free)
                    continue
                category, label = rng.choice(kinds)
                assessment = Assessment(school_id=school.id, class_id=assignment.class_id,
                                        subject_id=assignment.subject_id, term_id=term.id,
                                        teacher_id=assignment.teacher_id,
                                        category_id=categories[category].id,
                                        weight=categories[category].weight, date=day,
                                        description=f"{label}: {rng.choice(TOPICS).lower()}")
                db.session.add(assessment)
                db.session.flush()
                count_assessments += 1
                created = max(now - timedelta(days=(today - day).days),
                              now - timedelta(days=400))
                for pupil in pupils[assignment.class_id]:
                    if rng.random() < 0.06:
                        continue
                    if rng.random() < 0.03:
                        value = rng.choice(["np", "nb", "bz"])
                    elif category == "Aktywność":
                        value = rng.choice(["+", "+", "-", "5", "6"])
                    else:
                        x = min(6.0, max(1.0, rng.gauss(ability[pupil.id], 0.9)))
                        base = int(x + 0.5)
                        frac = x + 0.5 - base
                        value = str(max(1, min(6, base))) + (
                            "+" if frac > 0.75 and base < 6 else "-" if frac < 0.2 and base > 1
                            else "")
                    grade_rows.append({"school_id": school.id, "assessment_id": assessment.id,
                                       "pupil_id": pupil.id, "subject_id": assignment.subject_id,
                                       "term_id": term.id, "value": value,
                                       "teacher_id": assignment.teacher_id,
                                       "created_at": created, "updated_at": created})
                day += timedelta(days=rng.randint(10, 16))
        # Proposed term grades in the last month of term 1.
        if terms and terms[0].ends_on - timedelta(days=30) <= today:
            for pupil in pupils[assignment.class_id]:
                final_rows.append({"school_id": school.id, "pupil_id": pupil.id,
                                   "school_year_id": year.id, "subject_id": assignment.subject_id,
                                   "period": "term", "stage": "proposed",
                                   "value": max(1, min(6, round(ability[pupil.id]))),
                                   "teacher_id": assignment.teacher_id, "updated_at": now})
    _bulk(Grade, grade_rows)
    _bulk(FinalGrade, final_rows)
    return {"assessments": count_assessments, "grades": len(grade_rows)}


def _extras(school, year, classes, plan, today, rng, free) -> dict:
    """Homework, tests within the caps, announcements, remarks, behaviour, timetable changes."""
    monday = today - timedelta(days=today.weekday())
    admin = db.session.execute(sa.select(StaffMember).where(
        StaffMember.school_id == school.id, StaffMember.is_admin)).scalars().first()
    counts = defaultdict(int)
    for klass in classes:
        entries = plan[klass.id]
        if not entries:
            continue
        subjects = {e.subject_id: e.teacher_id for e in entries}
        names = dict(db.session.execute(sa.select(Subject.id, Subject.name).where(
            Subject.id.in_(list(subjects)))).all())
        for offset in range(-14, 15, 3):
            day = _school_day_from(today + timedelta(days=offset), free)
            subject_id = rng.choice(list(subjects))
            db.session.add(Homework(
                school_id=school.id, class_id=klass.id, subject_id=subject_id,
                teacher_id=subjects[subject_id], assigned_on=day - timedelta(days=3),
                due_on=day, description=f"{names[subject_id].capitalize()}: ćwiczenia "
                                        f"{rng.randint(1, 12)}–{rng.randint(13, 20)}, "
                                        f"str. {rng.randint(10, 180)}."))
            counts["homework"] += 1
        # Tests: at most one a day and three a week (the default caps).
        for week in range(-2, 5):
            start = monday + timedelta(days=7 * week)
            days = [d for d in rng.sample(range(5), 2)
                    if start + timedelta(days=d) not in free]
            for weekday in days:
                subject_id = rng.choice(list(subjects))
                db.session.add(Event(school_id=school.id, class_id=klass.id,
                                     subject_id=subject_id, teacher_id=subjects[subject_id],
                                     kind="test", date=start + timedelta(days=weekday),
                                     title=f"Sprawdzian: {rng.choice(TOPICS).lower()}"))
                counts["tests"] += 1
            quiz_subject = rng.choice(list(subjects))
            quiz_day = start + timedelta(days=rng.randint(0, 4))
            if quiz_day in free:
                continue
            db.session.add(Event(school_id=school.id, class_id=klass.id, subject_id=quiz_subject,
                                 teacher_id=subjects[quiz_subject], kind="quiz", date=quiz_day,
                                 title="Kartkówka z ostatnich trzech lekcji"))
        meeting_teacher = klass.homeroom_teacher_id or next(iter(subjects.values()))
        db.session.add(Event(school_id=school.id, class_id=klass.id, teacher_id=meeting_teacher,
                             kind="meeting", date=monday + timedelta(days=15),
                             period_number=None, title="Zebranie z rodzicami, godz. 17:00",
                             description="Sala klasowa. Omówienie wyników śródrocznych."))
        db.session.add(Event(school_id=school.id, class_id=klass.id, teacher_id=meeting_teacher,
                             kind="trip", date=monday + timedelta(days=25),
                             title="Wycieczka do Muzeum Miejskiego w Żorach"))
        db.session.add(Announcement(school_id=school.id, audience="class", class_id=klass.id,
                                    author_id=meeting_teacher,
                                    title=f"Klasa {klass.name}: składka na wycieczkę",
                                    body="Prosimy o wpłaty do końca miesiąca u wychowawcy.",
                                    valid_from=today - timedelta(days=5),
                                    valid_until=today + timedelta(days=20)))
        pupils = list(db.session.execute(sa.select(Pupil).where(
            Pupil.school_id == school.id, Pupil.class_id == klass.id)).scalars())
        for pupil in rng.sample(pupils, min(len(pupils), 6)):
            kind, category, text = rng.choice(REMARKS)
            teacher_id = rng.choice(list(subjects.values()))
            day = today - timedelta(days=rng.randint(1, 60))
            db.session.add(Remark(school_id=school.id, pupil_id=pupil.id, teacher_id=teacher_id,
                                  date=day, kind=kind, category=category, text=text))
            counts["remarks"] += 1
        if klass.homeroom_teacher_id and today >= year.starts_on + timedelta(days=90):
            for pupil in pupils:
                db.session.add(BehaviourGrade(
                    school_id=school.id, pupil_id=pupil.id, school_year_id=year.id,
                    period="term", stage="proposed",
                    value=rng.choice(["exemplary", "very_good", "very_good", "good", "good",
                                      "correct"]), teacher_id=klass.homeroom_teacher_id))
        # This week and next: a substitution, a cancellation and a room change.
        by_day = defaultdict(list)
        for entry in entries:
            by_day[entry.weekday].append(entry)
        teachers = sorted({e.teacher_id for plan_entries in plan.values() for e in plan_entries})
        for week, kind in ((0, "substitution"), (0, "room_change"), (1, "cancellation"),
                           (1, "substitution")):
            weekday = rng.randint(1, 5)
            if not by_day[weekday]:
                continue
            entry = rng.choice(by_day[weekday])
            day = monday + timedelta(days=7 * week + weekday - 1)
            if day in free:
                continue
            exists = db.session.execute(sa.select(TimetableChange.id).where(
                TimetableChange.school_id == school.id, TimetableChange.class_id == klass.id,
                TimetableChange.date == day,
                TimetableChange.period_number == entry.period_number)).first()
            if exists:
                continue
            available = [t for t in teachers if t != entry.teacher_id and not any(
                e.teacher_id == t and e.weekday == weekday and e.period_number ==
                entry.period_number for plan_entries in plan.values() for e in plan_entries)]
            db.session.add(TimetableChange(
                school_id=school.id, class_id=klass.id, date=day,
                period_number=entry.period_number, kind=kind,
                teacher_id=(rng.choice(available) if kind == "substitution" and available
                            else entry.teacher_id if kind == "room_change" else None),
                room="204" if kind == "room_change" else None,
                note={"substitution": "Zastępstwo za nieobecnego nauczyciela",
                      "cancellation": "Lekcja odwołana — wyjście klasy",
                      "room_change": "Zmiana sali"}[kind]))
            counts["changes"] += 1
    author = admin.id if admin else classes[0].homeroom_teacher_id
    for title, body, audience, days in (
            ("Dzień Edukacji Narodowej", "14 października zajęcia dydaktyczne nie odbywają się.",
             "everyone", 30),
            ("Zebrania z rodzicami", "Zapraszamy na zebrania śródroczne; terminy w Terminarzu.",
             "parents", 30),
            ("Rada pedagogiczna", "Klasyfikacyjna rada pedagogiczna — obecność obowiązkowa.",
             "teachers", 30),
            ("Szczęśliwy numerek", "Uczeń z wylosowanym numerkiem nie jest pytany danego dnia.",
             "everyone", 120)):
        db.session.add(Announcement(school_id=school.id, audience=audience, author_id=author,
                                    title=title, body=body, valid_from=today - timedelta(days=3),
                                    valid_until=today + timedelta(days=days)))
    db.session.flush()
    return dict(counts)
