"""A process killed with SIGKILL in the middle of a multi-row write leaves no partial rows.

The roster import and the printing of letters (new passwords for a class) each
write many rows in one transaction. The test starts the real CLI, waits until it
holds an open write transaction (SQLite: the write lock is taken; PostgreSQL: its
backend has a transaction id), kills it with SIGKILL, and counts what is left.
Then the same command runs to its end, so the file was one that would import.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from gradebook_service.accounts.models import LetterIssue, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.school.models import Guardian, Guardianship, Pupil, SchoolClass
from tests.gradebook.accounts_factories import make_class, make_family, make_school
from tests.support.live import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

APPLICATION = "edz_sigkill_test"
ROSTER_ROWS = 800


def roster_csv(path: Path) -> Path:
    lines = ["class,pupil_first_name,pupil_last_name,pupil_birth_date,guardian_first_name,"
             "guardian_last_name,guardian_email"]
    for n in range(ROSTER_ROWS):
        lines.append(f"{1 + n % 8}b,Zofia{n},Kowalska{n},2015-03-{1 + n % 28:02d},Anna{n},"
                     f"Kowalska{n},")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tagged(url: str) -> str:
    """The URL with an application name, so the test can find the CLI's connection."""
    if url.startswith("sqlite"):
        return url
    return url + ("&" if "?" in url else "?") + f"application_name={APPLICATION}"


def writing(url: str, monitor: sa.Engine | None) -> bool:
    """True while another process holds an open write transaction on the database."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(urlsplit(url).path, timeout=0)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.rollback()
            return False
        except sqlite3.OperationalError:  # "database is locked": a writer is mid-transaction
            return True
        finally:
            connection.close()
    with monitor.connect() as connection:
        return bool(connection.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
            "AND backend_xid IS NOT NULL"), {"name": APPLICATION}).scalar())


def kill_mid_write(args: list[str], env: dict[str, str], url: str, linger: float = 0.0) -> None:
    """Run ``flask --app gradebook_service ARGS``; SIGKILL it once it is writing."""
    monitor = None if url.startswith("sqlite") else sa.create_engine(url, poolclass=sa.NullPool)
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "gradebook_service", *args],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not writing(url, monitor):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the command never began to write"
            time.sleep(0.01)
        time.sleep(linger)  # deeper into the transaction: more rows flushed
        assert process.poll() is None, "finished before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
        if monitor is not None:
            monitor.dispose()


def count(model) -> int:
    db.session.remove()
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


@pytest.fixture
def cli_env(gradebook_app, database_urls, tmp_path) -> dict[str, str]:
    return {**os.environ, "SECRET_KEY": gradebook_app.config["SECRET_KEY"],
            "EDZ_INSTANCE_DIR": str(tmp_path), "MAIL_BACKGROUND_SENDER": "0",
            "GRADEBOOK_DATABASE_URL": tagged(database_urls["gradebook"])}


def test_roster_import_killed_mid_write_leaves_nothing(gradebook_app, database_urls, cli_env,
                                                       tmp_path):
    make_school()
    db.session.commit()
    csv = roster_csv(tmp_path / "roster.csv")
    kill_mid_write(["roster", "import", str(csv)], cli_env, database_urls["gradebook"],
                   linger=0.3)
    for model in (Pupil, Guardian, Guardianship, SchoolClass, SchoolAccount):
        assert count(model) == 0, model.__name__
    subprocess.run([sys.executable, "-m", "flask", "--app", "gradebook_service", "roster", "import",
                    str(csv)], cwd=ROOT, env=cli_env, check=True, capture_output=True, timeout=240)
    assert count(Pupil) == ROSTER_ROWS and count(Guardianship) == ROSTER_ROWS


def test_letters_killed_mid_write_change_no_password(gradebook_app, database_urls, cli_env,
                                                     tmp_path):
    school_class = make_class(make_school(), "1a")
    for _ in range(40):
        make_family(school_class)
    db.session.commit()
    hashes = dict(db.session.execute(sa.select(SchoolAccount.id, SchoolAccount.password_hash)).all())
    out = tmp_path / "letters.pdf"
    kill_mid_write(["letters", "print", "--class", "1a", "--out", str(out)], cli_env,
                   database_urls["gradebook"])
    issued = count(LetterIssue)
    now = dict(db.session.execute(sa.select(SchoolAccount.id, SchoolAccount.password_hash)).all())
    # All or nothing: it writes its rows at the end, so the kill may land just after the commit.
    if issued == 0:
        assert now == hashes
    else:
        assert issued == len(hashes) and all(now[i] != hashes[i] for i in hashes)
