"""The demo school's people: staff, classes, pupils and guardians (deterministic, scalable).

Everything is generated from a fixed random seed, so every run produces the same
people and ``seed-demo`` can find what an earlier run created instead of
duplicating it. The number of classes and pupils are parameters.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date

SCHOOL_NAME = "Szkoła Podstawowa nr 5 w Żorach"
SCHOOL_SHORT = "SP 5 Żory"
SCHOOL_ADDRESS = "ul. Szkolna 5, 44-240 Żory"

BOY_NAMES = ["Jakub", "Antoni", "Jan", "Szymon", "Franciszek", "Aleksander", "Filip", "Mikołaj",
             "Wojciech", "Kacper", "Stanisław", "Adam", "Michał", "Ignacy", "Wiktor", "Łukasz"]
GIRL_NAMES = ["Zuzanna", "Julia", "Zofia", "Hanna", "Maja", "Lena", "Alicja", "Oliwia",
              "Łucja", "Pola", "Małgorzata", "Amelia", "Wiktoria", "Natalia", "Gabriela", "Iga"]
MEN = ["Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Marcin", "Grzegorz", "Michał",
       "Łukasz", "Dariusz", "Rafał", "Sławomir"]
WOMEN = ["Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Magdalena",
         "Joanna", "Żaneta", "Dorota", "Beata", "Jolanta"]
SURNAMES = [("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"),
            ("Wójcik", "Wójcik"), ("Kowalczyk", "Kowalczyk"), ("Kamiński", "Kamińska"),
            ("Lewandowski", "Lewandowska"), ("Zieliński", "Zielińska"),
            ("Szymański", "Szymańska"), ("Woźniak", "Woźniak"), ("Dąbrowski", "Dąbrowska"),
            ("Kozłowski", "Kozłowska"), ("Jankowski", "Jankowska"), ("Mazur", "Mazur"),
            ("Kwiatkowski", "Kwiatkowska"), ("Krawczyk", "Krawczyk"), ("Piotrowski", "Piotrowska"),
            ("Grabowski", "Grabowska"), ("Pawłowski", "Pawłowska"), ("Michalski", "Michalska"),
            ("Król", "Król"), ("Wieczorek", "Wieczorek"), ("Jabłoński", "Jabłońska"),
            ("Wróbel", "Wróbel"), ("Nowakowski", "Nowakowska"), ("Majewski", "Majewska"),
            ("Olszewski", "Olszewska"), ("Stępień", "Stępień"), ("Jaworski", "Jaworska"),
            ("Malinowski", "Malinowska"), ("Górski", "Górska"), ("Sikora", "Sikora")]

SUBJECTS = [("język polski", "pol"), ("matematyka", "mat"), ("język angielski", "ang"),
            ("przyroda", "przyr"), ("historia", "hist"), ("wychowanie fizyczne", "wf"),
            ("plastyka", "plast"), ("muzyka", "muz"), ("informatyka", "inf"),
            ("edukacja wczesnoszkolna", "ewcz")]


@dataclass(frozen=True)
class StaffSpec:
    key: str
    login: str
    first_name: str
    last_name: str
    is_teacher: bool = False
    is_secretary: bool = False
    is_admin: bool = False
    subjects: tuple[str, ...] = ()


STAFF = [
    StaffSpec("admin", "sp5.admin", "Grażyna", "Zając", is_admin=True, is_teacher=True,
              subjects=("informatyka",)),
    StaffSpec("secretary", "sp5.sekretariat", "Bożena", "Łęcka", is_secretary=True),
    StaffSpec("t1", "sp5.n.kaczmarek", "Elżbieta", "Kaczmarek", is_teacher=True,
              subjects=("edukacja wczesnoszkolna", "muzyka")),
    StaffSpec("t2", "sp5.n.sowa", "Jerzy", "Sowa", is_teacher=True,
              subjects=("matematyka", "informatyka")),
    StaffSpec("t3", "sp5.n.zurek", "Renata", "Żurek", is_teacher=True,
              subjects=("język polski", "historia")),
    StaffSpec("t4", "sp5.n.baran", "Ryszard", "Baran", is_teacher=True,
              subjects=("język angielski", "plastyka")),
    StaffSpec("t5", "sp5.n.sliwa", "Danuta", "Śliwa", is_teacher=True,
              subjects=("przyroda", "wychowanie fizyczne")),
]


@dataclass
class DemoShape:
    """How big the demo school is."""

    levels: tuple[int, ...] = (1, 4, 7)
    sections: tuple[str, ...] = ("a",)
    pupils_per_class: tuple[int, int] = (6, 6)
    seed: int = 5

    def class_names(self) -> list[tuple[str, int]]:
        return [(f"{level}{section}", level) for level in self.levels for section in self.sections]


@dataclass
class RosterPlan:
    csv_text: str
    #: (pupil first, last, birth) of the demo family whose parent has two children.
    sibling_keys: list[tuple[str, str, date]] = field(default_factory=list)


def school_year_for(today: date) -> tuple[str, date, date, date, date]:
    """The school year containing ``today``: name, start, end, start of term 2, end of term 1."""
    start_year = today.year if today.month >= 9 else today.year - 1
    return (f"{start_year}/{start_year + 1}", date(start_year, 9, 1), date(start_year + 1, 6, 26),
            date(start_year + 1, 2, 2), date(start_year + 1, 2, 1))


#: Draws of a single given name before a pupil gets two: the single names and surnames make
#: only ~1,000 distinct pupils, and a school of 72 classes (the load scenarios) has more.
NAME_ATTEMPTS = 200


def build_roster(shape: DemoShape, school_year_start: date) -> RosterPlan:
    """A roster CSV for the demo school, the same for the same shape on every run."""
    rng = random.Random(shape.seed)  # noqa: S311 - reproducible demo names, not secrets
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["class", "pupil_first_name", "pupil_last_name", "pupil_birth_date",
                     "guardian_first_name", "guardian_last_name", "guardian_email"])
    used: set[tuple[str, str]] = set()
    sibling_keys = []
    family_no = 0
    for class_name, level in shape.class_names():
        count = rng.randint(*shape.pupils_per_class)
        birth_year = school_year_start.year - 6 - level
        for _ in range(count):
            family_no += 1
            male, female = rng.choice(SURNAMES)
            boy = rng.random() < 0.5
            names = BOY_NAMES if boy else GIRL_NAMES
            for attempt in range(NAME_ATTEMPTS + len(used)):
                first = rng.choice(names)
                if attempt >= NAME_ATTEMPTS:  # the single names are taken: a second given name
                    first = f"{first} {rng.choice(names)}"
                last = male if boy else female
                if (first, last) not in used:
                    break
                male, female = rng.choice(SURNAMES)
            used.add((first, last))
            birth = date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
            mother = (rng.choice(WOMEN), female)
            father = (rng.choice(MEN), male)
            guardians = [mother, father] if rng.random() < 0.6 else [mother if rng.random() < 0.7
                                                                      else father]
            for g_first, g_last in guardians:
                email = f"rodzic{family_no}.{g_first[0].lower()}@example.org" \
                    if rng.random() < 0.5 else ""
                writer.writerow([class_name, first, last, birth.isoformat(), g_first, g_last,
                                 email])
    # A family with two children in different classes sharing a mother: she gets two logins.
    classes = shape.class_names()
    if len(classes) >= 2:
        mother = ("Magdalena", "Wiśniewska")
        kids = [("Tymon", "Wiśniewski", date(school_year_start.year - 6 - classes[0][1], 3, 14),
                 classes[0][0]),
                ("Marianna", "Wiśniewska",
                 date(school_year_start.year - 6 - classes[-1][1], 10, 2), classes[-1][0])]
        for first, last, birth, class_name in kids:
            writer.writerow([class_name, first, last, birth.isoformat(), mother[0], mother[1],
                             "magdalena.wisniewska@example.org"])
            writer.writerow([class_name, first, last, birth.isoformat(), "Zbigniew",
                             "Wiśniewski", ""])
            sibling_keys.append((first, last, birth))
    return RosterPlan(out.getvalue(), sibling_keys)
