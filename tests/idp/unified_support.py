"""Both services for unified-account tests: the IdP in process, the gradebook answering over HTTP.

The back-channel is never mocked. The ``linked`` fixture builds an IdP app and a
gradebook app that know each other's addresses, serves both over real HTTP on
loopback (threads in this process), so the IdP's verify call reaches the real
gradebook endpoint, which checks the IdP's token against the IdP's real JWKS.
Tests drive the IdP with its test client and prepare school data with
:func:`make_family` in the gradebook's app context.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from shared.mailcatcher import free_port
from tests.conftest import base_config
from tests.support.client import BrowserLikeClient
from tests.support.databases import empty_tables

PASSWORD = "Zielony7Las"
_ids = itertools.count(1)


class _Server(threading.Thread):
    def __init__(self, app, port: int) -> None:
        super().__init__(daemon=True)
        self.server = make_server("127.0.0.1", port, app, threaded=True)

    def run(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Linked:
    """The two apps, their addresses and the IdP's browser-like client."""

    idp: object
    gradebook: object
    idp_url: str
    gradebook_url: str
    client: BrowserLikeClient

    def new_client(self) -> BrowserLikeClient:
        """Another browser (for a second person)."""
        return self.idp.test_client()


@pytest.fixture(name="linked")
def linked_fixture(database_urls, request):
    """The IdP (in process, also served on loopback for its JWKS) and a served gradebook."""
    from gradebook_service import create_app as create_gradebook
    from idp import create_app as create_idp

    idp_port, gradebook_port = free_port(), free_port()
    addresses = {"IDP_ISSUER": f"http://127.0.0.1:{idp_port}",
                 "GRADEBOOK_URL": f"http://127.0.0.1:{gradebook_port}"}
    overrides = {}
    marker = request.node.get_closest_marker("app_config")
    if marker:
        overrides = marker.args[0] if marker.args else marker.kwargs
    idp = create_idp({**base_config(database_urls["idp"], "idp"), **addresses, **overrides})
    gradebook = create_gradebook({**base_config(database_urls["gradebook"], "gradebook"),
                                  **addresses})
    idp.test_client_class = BrowserLikeClient
    servers = [_Server(idp, idp_port), _Server(gradebook, gradebook_port)]
    for server in servers:
        server.start()
    with idp.app_context():
        _warm_up()
        try:
            yield Linked(idp, gradebook, addresses["IDP_ISSUER"], addresses["GRADEBOOK_URL"],
                         idp.test_client())
        finally:
            for server in servers:
                server.stop()
            # The IdP's tables are emptied in the context the test used (its session may hold
            # a transaction that would block TRUNCATE on PostgreSQL).
            empty_tables(idp.extensions["sqlalchemy"])
            idp.extensions["sqlalchemy"].engine.dispose()
            with gradebook.app_context():
                empty_tables(gradebook.extensions["sqlalchemy"])
                gradebook.extensions["sqlalchemy"].engine.dispose()


def _warm_up() -> None:
    """Create the IdP's signing keys and internal client before any request needs them."""
    from idp.extensions import db
    from idp.oidc.service_tokens import issue_service_access_token

    issue_service_access_token("school_accounts.verify")
    db.session.commit()


@dataclass
class Family:
    """A pupil with one parent, both with school logins and known passwords."""

    parent_login: str
    parent_password: str
    pupil_login: str
    pupil_password: str
    parent_name: str
    pupil_name: str
    school: str
    pupil_ref: str
    parent_ref: str
    pupil_account_ref: str


def make_family(gradebook_app, *, age: int = 10, school_name: str | None = None,
                first_name: str | None = None) -> Family:
    """Create (in the gradebook) a pupil of ``age`` with one parent; both logins get passwords."""
    from gradebook_service.accounts.models import PARENT, PUPIL, SchoolAccount
    from gradebook_service.extensions import db
    from gradebook_service.school.models import (
        Guardian,
        Guardianship,
        Pupil,
        School,
        SchoolClass,
        SchoolYear,
    )
    from shared.passwords import current_hasher

    n = next(_ids)
    with gradebook_app.app_context():
        name = school_name or "Szkoła Podstawowa nr 5 w Żorach"
        school = db.session.execute(sa.select(School).where(School.name == name)).scalar()
        if school is None:
            school = School(name=name, short_name="SP 5", settings={})
            db.session.add(school)
            db.session.flush()
            year = SchoolYear(school_id=school.id, name="2026/2027", starts_on=date(2026, 9, 1),
                              ends_on=date(2027, 6, 25), is_current=True)
            db.session.add(year)
            db.session.flush()
            klass = SchoolClass(school_id=school.id, school_year_id=year.id, name="4a", level=4)
            db.session.add(klass)
            db.session.flush()
        klass = db.session.execute(sa.select(SchoolClass).where(
            SchoolClass.school_id == school.id)).scalars().first()
        today = date.today()
        pupil = Pupil(school_id=school.id, class_id=klass.id, first_name=first_name or f"Jaś{n}",
                      last_name="Kowalski", birth_date=date(today.year - age, 1, 1)
                      if (today.month, today.day) >= (1, 1) else date(today.year - age - 1, 1, 1),
                      joined_on=date(2026, 9, 1))
        guardian = Guardian(school_id=school.id, first_name="Ewa", last_name=f"Kowalska{n}")
        db.session.add_all([pupil, guardian])
        db.session.flush()
        link = Guardianship(school_id=school.id, pupil_id=pupil.id, guardian_id=guardian.id)
        db.session.add(link)
        db.session.flush()
        hasher = current_hasher()
        login = str(4_800_000 + n * 7 + (hash(name) % 5))
        parent_password, pupil_password = f"Rodzic{n}Haslo", f"Uczen{n}Haslo"
        parent = SchoolAccount(school_id=school.id, login=login, role=PARENT,
                               guardianship_id=link.id, must_change_password=False,
                               password_hash=hasher.hash(parent_password))
        child = SchoolAccount(school_id=school.id, login=login + "u", role=PUPIL,
                              pupil_id=pupil.id, must_change_password=False,
                              password_hash=hasher.hash(pupil_password))
        db.session.add_all([parent, child])
        db.session.commit()
        family = Family(login, parent_password, login + "u", pupil_password,
                        guardian.full_name, pupil.full_name, school.name, pupil.ref, parent.ref,
                        child.ref)
        db.session.remove()
    return family


def outbox(idp_app, recipient: str | None = None) -> list:
    """Mails queued by the IdP (oldest first), optionally for one recipient.

    Pending mail requests are resolved first, as the mail sender does before it delivers.
    """
    from idp.core.models import OutboxMessage
    from idp.extensions import db, mail_requests

    mail_requests.resolve_pending()

    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return list(db.session.execute(query).scalars())


def link_in(message, path_prefix: str) -> str:
    """The path of the first link in a mail that starts with ``path_prefix`` (e.g. /activate/)."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s<>\"]+)",
                      message.body_text)
    assert match, f"no {path_prefix} link in {message.subject!r}"
    return match.group(1)


def register(client, *, email: str, login: str, school_password: str,
             password: str = PASSWORD, parent_email: str = "", confirm: str | None = None,
             accept: bool = True):
    """Fill in and post the registration form."""
    client.get("/register")
    data = {"email": email, "password": password, "password_confirm": confirm or password,
            "school_login": login, "school_password": school_password,
            "parent_email": parent_email}
    if accept:
        data["accept_terms"] = "y"
    return client.post("/register", data=data)
