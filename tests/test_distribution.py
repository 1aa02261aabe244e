"""Can the register's tables be distributed by school (Citus on PostgreSQL)?

The school is the tenant. A distributed database (Citus) shards a table by one
column and can only enforce a primary key or a unique constraint that includes that
column, and only a foreign key between two distributed tables that joins on it
(co-located shards). So every school-owned table — one with a ``school_id`` column —
must carry ``school_id`` in its primary key, in every unique constraint or unique
index, and in every foreign key to another school-owned table. Tables without
``school_id`` (``school`` itself, global lookups) become Citus *reference* tables,
copied to every node; a reference table must not point at a distributed one.

One exception, listed in ``DISTRIBUTED_BY_OTHER``: a directory of values unique across
schools (logins, refs, feed tokens, passkey credential ids) is looked up before the school
is known, so it is distributed by the value's digest, and nothing points at it.

Read from the SQLAlchemy metadata, so it checks the models as they are, on any backend.
How the models are keyed is in gradebook_service/school/keys.py and docs/scaling.md.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    UniqueConstraint,
)

import gradebook_service.models  # noqa: F401 - imports every model module into the metadata
from gradebook_service.extensions import db

KEY = "school_id"
#: Tables distributed by a column other than ``school_id`` (and why): keep this tiny.
DISTRIBUTED_BY_OTHER = {
    # Values unique across schools, found before the school is (school.models.KeyDirectory).
    "key_directory": "digest",
}


def _tables(metadata: MetaData = db.metadata) -> list[Table]:
    return sorted(metadata.tables.values(), key=lambda t: t.name)


def _distribution_key(table: Table) -> str | None:
    """The column ``table`` is distributed by; None for a reference table."""
    if table.name in DISTRIBUTED_BY_OTHER:
        return DISTRIBUTED_BY_OTHER[table.name]
    return KEY if KEY in table.columns else None


def _school_owned(table: Table) -> bool:
    return _distribution_key(table) == KEY


def _unique_column_sets(table: Table) -> list[tuple[str, list[str]]]:
    """Every unique constraint and unique index of ``table``: (name, column names)."""
    found = []
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            found.append((constraint.name or "unique", [c.name for c in constraint.columns]))
    for index in table.indexes:
        if isinstance(index, Index) and index.unique:
            found.append((index.name or "unique index", [c.name for c in index.columns]))
    for column in table.columns:  # Column(unique=True) without a named constraint
        if column.unique and not any([column.name] == cols for _, cols in found):
            found.append((f"{column.name} unique", [column.name]))
    return found


def _foreign_keys(table: Table) -> list[ForeignKeyConstraint]:
    return [c for c in table.constraints if isinstance(c, ForeignKeyConstraint)]


def distribution_problems(table: Table) -> list[str]:
    """What stops ``table`` from being distributed (or referenced) by its key."""
    problems = []
    key = _distribution_key(table)
    if key is not None:
        if key not in table.primary_key.columns:
            problems.append(f"primary key ({', '.join(table.primary_key.columns.keys())}) "
                            f"lacks {key}")
        for name, columns in _unique_column_sets(table):
            if key not in columns:
                problems.append(f"unique {name} ({', '.join(columns)}) lacks {key}")
    for fk in _foreign_keys(table):
        target = fk.referred_table
        target_key = _distribution_key(target)
        if target_key is None:
            continue  # to a reference table (school, global lookups): allowed from anywhere
        local = [c.name for c in fk.columns]
        remote = [e.column.name for e in fk.elements]
        if key is None:
            problems.append(f"reference table points at distributed {target.name} "
                            f"({', '.join(local)})")
        elif key != target_key or key not in local or key not in remote \
                or remote[local.index(key)] != key:
            problems.append(f"foreign key ({', '.join(local)}) -> {target.name}"
                            f"({', '.join(remote)}) does not join on {key}")
    return problems


def _failing(metadata: MetaData = db.metadata) -> dict[str, list[str]]:
    return {t.name: p for t in _tables(metadata) if (p := distribution_problems(t))}


def test_the_checks_find_what_they_look_for():
    """The checker itself: a table built wrong is reported on each count, one built right is not."""
    from sqlalchemy import ForeignKey, String

    meta = MetaData()
    Table("school", meta, Column("id", Integer, primary_key=True))
    good_parent = Table("good_parent", meta,
                        Column("school_id", Integer, ForeignKey("school.id"), primary_key=True),
                        Column("id", Integer, primary_key=True),
                        Column("code", String(10)),
                        UniqueConstraint("school_id", "code"))
    good_child = Table("good_child", meta,
                       Column("school_id", Integer, primary_key=True),
                       Column("id", Integer, primary_key=True),
                       Column("parent_id", Integer),
                       ForeignKeyConstraint(["school_id", "parent_id"],
                                            ["good_parent.school_id", "good_parent.id"]))
    bad = Table("bad", meta,
                Column("id", Integer, primary_key=True),
                Column("school_id", Integer, ForeignKey("school.id")),
                Column("code", String(10), unique=True),
                Column("parent_id", Integer, ForeignKey("good_parent.id")))
    lookup = Table("lookup", meta, Column("id", Integer, primary_key=True),
                   Column("bad_id", Integer, ForeignKey("bad.id")))

    assert distribution_problems(good_parent) == []
    assert distribution_problems(good_child) == []
    assert distribution_problems(meta.tables["school"]) == []
    problems = distribution_problems(bad)
    assert any(p.startswith("primary key (id) lacks") for p in problems), problems
    assert any("unique" in p and "(code)" in p for p in problems), problems
    assert any("-> good_parent(id) does not join" in p for p in problems), problems
    assert distribution_problems(lookup) == ["reference table points at distributed bad (bad_id)"]


def test_there_are_school_owned_tables_to_check():
    owned = [t.name for t in _tables() if _school_owned(t)]
    assert len(owned) > 20, owned  # the register's data: a check over nothing proves nothing


def test_every_school_owned_table_is_keyed_by_school():
    failing = _failing()
    assert not failing, "\n".join(f"{name}: {'; '.join(problems)}"
                                  for name, problems in sorted(failing.items()))


def test_a_new_unkeyed_table_would_be_caught():
    """The register's metadata plus one table built the old way: reported, and only it."""
    from sqlalchemy import ForeignKey, String

    meta = MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(meta)
    Table("new_note", meta, Column("id", Integer, primary_key=True),
          Column("school_id", Integer, ForeignKey("school.id")),
          Column("pupil_id", Integer, ForeignKey("pupil.id")),
          Column("code", String(10), unique=True))
    assert set(_failing(meta)) == {"new_note"}
    assert len(_failing(meta)["new_note"]) == 3  # its primary key, its unique, its foreign key


def test_tables_distributed_by_another_column_are_few_and_stand_alone():
    """A directory distributed by its own value: keyed by it, and no distributed table points
    at it (Citus could not enforce such a key across differently distributed shards)."""
    assert set(DISTRIBUTED_BY_OTHER) <= set(db.metadata.tables) and len(DISTRIBUTED_BY_OTHER) <= 2
    for name, key in DISTRIBUTED_BY_OTHER.items():
        assert list(db.metadata.tables[name].primary_key.columns.keys()) == [key]
        pointing = [t.name for t in _tables() for fk in _foreign_keys(t)
                    if fk.referred_table.name == name]
        assert pointing == [], pointing

    meta = MetaData()
    Table("school", meta, Column("id", Integer, primary_key=True))
    Table("key_directory", meta, Column("digest", Integer, primary_key=True), Column("school_id", Integer))
    Table("pointer", meta,
          Column("school_id", Integer, primary_key=True), Column("id", Integer, primary_key=True),
          Column("digest", Integer),
          ForeignKeyConstraint(["school_id", "digest"],
                               ["key_directory.school_id", "key_directory.digest"]))
    assert distribution_problems(meta.tables["key_directory"]) == []
    assert distribution_problems(meta.tables["pointer"]) == [
        "foreign key (school_id, digest) -> key_directory(school_id, digest) does not join on "
        "school_id"]

