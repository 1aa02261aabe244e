"""The JSON API (docs/architecture.md 5.5) with access tokens checked against a real JWKS over HTTP."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from joserfc.jwk import ECKey, RSAKey

from gradebook_service.api import schemas
from gradebook_service.extensions import db
from gradebook_service.grades.models import Assessment, Grade
from gradebook_service.lessons.models import Excuse
from gradebook_service.school.keys import find_by_id
from gradebook_service.timetable.models import TimetableChange
from shared.mailcatcher import free_port
from tests.gradebook.register_factories import TODAY, build_school
from tests.support.fake_idp import FakeIdp

AUDIENCE = "http://127.0.0.1:5000"
PORT = free_port()
ALL_SCOPES = ("openid grades:read attendance:read attendance:excuse timetable:read "
              "homework:read calendar:read announcements:read messages:read messages:send")
CONFIG = {"IDP_ISSUER": f"http://127.0.0.1:{PORT}", "GRADEBOOK_URL": AUDIENCE}
pytestmark = pytest.mark.app_config(CONFIG)

#: Each read endpoint, the scope it needs and the model its answer must match.
READS = [
    ("grades", "grades:read", schemas.Grades),
    ("averages", "grades:read", schemas.Averages),
    ("attendance", "attendance:read", schemas.Attendance),
    ("timetable", "timetable:read", schemas.Timetable),
    ("homework", "homework:read", schemas.Homework),
    ("events", "calendar:read", schemas.Events),
    ("announcements", "announcements:read", schemas.Announcements),
    ("lucky-number", "calendar:read", schemas.LuckyNumber),
]


@pytest.fixture(scope="module")
def idp():
    fake = FakeIdp(AUDIENCE, {"client_id": "lunch-app", "gid": 7, "scope": ALL_SCOPES}, port=PORT)
    yield fake
    fake.stop()


@pytest.fixture
def today():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        yield TODAY


@pytest.fixture
def world(gradebook_app, today):
    return build_school(lessons=True)


def token_for(idp, *accounts, **claims) -> str:
    """A token of the user who linked ``accounts`` at the IdP."""
    return idp.token(sub=f"user-{accounts[0].id if accounts else 0}",
                     school_accounts=[{"ref": a.ref} for a in accounts], **claims)


def get(client, path, token, **headers):
    return client.get("/api/v1" + path, headers={"Authorization": f"Bearer {token}", **headers})


def family(world, n=0, klass="1a"):
    pupil = world.pupils[klass][n]
    return pupil, world.parent_accounts[pupil.id], world.pupil_accounts[pupil.id]


# --- who the token speaks for ---------------------------------------------------------------

def test_me_names_the_user_and_the_pupils_it_may_read(gradebook_client, idp, world):
    pupil, parent, _ = family(world)
    other, other_parent, _ = family(world, 0, "1b")
    response = get(gradebook_client, "/me", token_for(idp, parent, other_parent))
    assert response.status_code == 200
    me = schemas.Me.model_validate(response.json)
    assert me.sub == f"user-{parent.id}" and me.client_id == "lunch-app"
    assert "grades:read" in me.scopes
    assert [(p.id, p.name, p.class_name, p.relation) for p in me.pupils] == [
        (pupil.ref, pupil.full_name, "1a", "parent"), (other.ref, other.full_name, "1b", "parent")]
    assert response.json["pupils"][0]["class"] == "1a"
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_staff_and_unknown_accounts_give_no_pupils(gradebook_client, idp, world):
    staff = world.staff_accounts["admin"]
    response = get(gradebook_client, "/me", token_for(idp, staff))
    assert response.status_code == 200 and response.json["pupils"] == []
    assert response.json["sub"] == f"user-{staff.id}"
    response = get(gradebook_client, "/me", idp.token(sub="nobody", school_accounts=None))
    assert response.json["pupils"] == []


# --- every endpoint with a valid token -----------------------------------------------------

@pytest.mark.parametrize(("name", "scope", "model"), READS)
def test_each_read_answers_its_model_with_an_etag(gradebook_client, idp, world, name, scope,
                                                  model):
    pupil, parent, _ = family(world)
    token = token_for(idp, parent, scope=scope)
    response = get(gradebook_client, f"/pupils/{pupil.ref}/{name}", token)
    assert response.status_code == 200, response.json
    assert response.mimetype == "application/json"
    model.model_validate(response.json)
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "RateLimit" in response.headers and "RateLimit-Policy" in response.headers
    again = get(gradebook_client, f"/pupils/{pupil.ref}/{name}", token,
                **{"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == response.headers["ETag"]


def test_grades_and_averages_carry_the_register(gradebook_client, idp, world):
    pupil, parent, _ = family(world)
    token = token_for(idp, parent)
    grades = get(gradebook_client, f"/pupils/{pupil.ref}/grades?limit=200", token).json
    stored = db.session.execute(db.select(Grade).where(Grade.pupil_id == pupil.id)).scalars().all()
    assert sorted(g["id"] for g in grades["items"]) == sorted(g.id for g in stored)
    first = grades["items"][0]
    assert first["value"] in {"5", "4+", "3-", "np"} and first["term"] == 1
    date.fromisoformat(first["date"])
    datetime.fromisoformat(first["created_at"])
    assert {g["counts_to_average"] for g in grades["items"] if g["value"] == "np"} == {False}
    averages = get(gradebook_client, f"/pupils/{pupil.ref}/averages", token).json
    math = next(s for s in averages["subjects"] if s["subject"] == "Matematyka")
    # 5, 4+ (4.5), 3-, np, 5 with equal weights (3- is 2.75; np does not count); two places.
    assert math["term1"] == pytest.approx((5 + 4.5 + 2.75 + 5) / 4, abs=0.01)
    assert averages["school_year"] == "2026/2027"


def test_attendance_and_an_excuse_from_a_parent(gradebook_client, idp, world):
    pupil, parent, _ = family(world)
    token = token_for(idp, parent)
    path = f"/pupils/{pupil.ref}/attendance?from=2026-09-01&to=2026-10-05&limit=200"
    items = get(gradebook_client, path, token).json["items"]
    absent = [a["id"] for a in items if a["status"] == "absent"]
    assert absent and [a["date"] for a in items] == sorted((a["date"] for a in items),
                                                          reverse=True)
    response = gradebook_client.post(
        f"/api/v1/pupils/{pupil.ref}/excuses", json={"absences": absent, "reason": "Grypa"},
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.json
    assert response.json["status"] == "pending" and response.json["absences"] == sorted(absent)
    assert response.headers["Cache-Control"] == "no-store" and "ETag" not in response.headers
    excuse = find_by_id(Excuse, response.json["id"])
    assert excuse.pupil_id == pupil.id and excuse.submitted_by_account_id == parent.id
    again = gradebook_client.post(
        f"/api/v1/pupils/{pupil.ref}/excuses", json={"absences": absent, "reason": "Grypa"},
        headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 422 and again.mimetype == "application/problem+json"


@pytest.mark.parametrize(("body", "status"), [
    ({"absences": [], "reason": "x"}, 400),
    ({"absences": [1], "reason": ""}, 400),
    ({"absences": [1], "reason": "x" * 1001}, 400),
    ({"absences": ["a"], "reason": "x"}, 400),
    ({"absences": [1], "reason": "x", "extra": 1}, 400),
    ({"absences": [999999], "reason": "Grypa"}, 422),
])
def test_bad_excuses_are_explained(gradebook_client, idp, world, body, status):
    pupil, parent, _ = family(world)
    response = gradebook_client.post(f"/api/v1/pupils/{pupil.ref}/excuses", json=body,
                                     headers={"Authorization": f"Bearer {token_for(idp, parent)}"})
    assert response.status_code == status
    assert response.mimetype == "application/problem+json" and response.json["detail"]


def test_a_pupil_may_read_but_not_excuse(gradebook_client, idp, world):
    pupil, _, own = family(world)
    token = token_for(idp, own)
    assert get(gradebook_client, f"/pupils/{pupil.ref}/attendance", token).status_code == 200
    response = gradebook_client.post(f"/api/v1/pupils/{pupil.ref}/excuses",
                                     json={"absences": [1], "reason": "x"},
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_timetable_shows_changes_in_the_range(gradebook_client, idp, world):
    pupil, parent, _ = family(world)
    db.session.add(TimetableChange(
        school_id=world.school.id, class_id=world.classes["1a"].id, date=TODAY, period_number=1,
        kind="cancellation"))
    db.session.commit()
    token = token_for(idp, parent)
    body = get(gradebook_client, f"/pupils/{pupil.ref}/timetable?from={TODAY}&to={TODAY}",
               token).json
    assert body["from"] == body["to"] == TODAY.isoformat()
    first = next(lesson for lesson in body["lessons"] if lesson["period"] == 1)
    assert first["status"] == "cancellation" and first["subject"] == "Matematyka"
    week = get(gradebook_client, f"/pupils/{pupil.ref}/timetable", token).json
    assert week["from"] == TODAY.isoformat() and len(week["lessons"]) == 5
    too_long = get(gradebook_client, f"/pupils/{pupil.ref}/timetable?from={TODAY}"
                   f"&to={TODAY + timedelta(days=40)}", token)
    assert too_long.status_code == 400


# --- tokens refused ------------------------------------------------------------------------

def _challenge(response) -> str:
    return response.headers["WWW-Authenticate"]


def test_no_token_is_401_with_a_bearer_challenge(gradebook_client, world):
    pupil, _, _ = family(world)
    response = gradebook_client.get(f"/api/v1/pupils/{pupil.ref}/grades")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert _challenge(response) == f'Bearer realm="{AUDIENCE}"'


def test_refused_tokens(gradebook_client, idp, world):
    pupil, parent, _ = family(world)
    refs = [{"ref": parent.ref}]
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
    now = int(time.time())
    tokens = {
        "expired": idp.token(school_accounts=refs, sub="u", exp=now - 120, iat=now - 600),
        "wrong-audience": idp.token(school_accounts=refs, sub="u", aud=["http://other-api"]),
        "wrong-signature": idp.token(stranger, school_accounts=refs, sub="u"),
        "wrong-issuer": idp.token(school_accounts=refs, sub="u", iss="http://evil.example"),
        "id-token": idp.token(school_accounts=refs, sub="u", typ="JWT"),
        "service-token": idp.token(school_accounts=refs, sub="lunch-app", gid=None),
        "garbage": "abc.def.ghi",
    }
    details = set()
    for name, token in tokens.items():
        response = get(gradebook_client, f"/pupils/{pupil.ref}/grades", token)
        assert response.status_code == 401, name
        assert _challenge(response) == f'Bearer realm="{AUDIENCE}", error="invalid_token"', name
        assert response.json["status"] == 401
        if name != "service-token":
            details.add(response.json["detail"])
    # One explanation for every bad token: the answer does not help forge a better one.
    assert details == {"Token dostępu jest nieprawidłowy, wygasł, został unieważniony albo nie "
                       "jest przeznaczony dla tego API."}


def test_problem_texts_follow_accept_language_with_polish_by_default(gradebook_client, idp,
                                                                      world):
    pupil, parent, _ = family(world)
    token = token_for(idp, parent, scope="openid timetable:read")
    path = f"/pupils/{pupil.ref}/grades"
    polish = get(gradebook_client, path, token).json
    english = get(gradebook_client, path, token, **{"Accept-Language": "en-GB,en;q=0.9"}).json
    german = get(gradebook_client, path, token, **{"Accept-Language": "de"}).json
    assert (polish["title"], polish["detail"]) == ("Brak uprawnień",
                                                   "To żądanie wymaga zakresu grades:read.")
    assert (english["title"], english["detail"]) == ("Forbidden",
                                                     "This request needs the scope grades:read.")
    assert german == polish  # a language the API does not speak: Polish, as the pages
    assert {p["type"] for p in (polish, english)} == {"about:blank"}
    assert {p["status"] for p in (polish, english)} == {403}


def test_es256_tokens_are_accepted(gradebook_client, idp, world):
    """The IdP signs tokens for the gradebook with ES256 (OIDC_OWN_ACCESS_TOKEN_ALG)."""
    pupil, parent, _ = family(world)
    ec = ECKey.generate_key("P-256", parameters={"kid": "ec1", "use": "sig"})
    idp.keys.append(ec)  # published in the JWKS next to the RSA key, as the IdP does
    try:
        token = token_for(idp, parent)
        es256 = idp.token(ec, alg="ES256", sub=f"user-{parent.id}",
                          school_accounts=[{"ref": parent.ref}])
        assert get(gradebook_client, f"/pupils/{pupil.ref}/grades", token).status_code == 200
        assert get(gradebook_client, f"/pupils/{pupil.ref}/grades", es256).status_code == 200
    finally:
        idp.keys.remove(ec)


def test_insufficient_scope_is_403_naming_the_scope(gradebook_client, idp, world):
    pupil, parent, _ = family(world)
    token = token_for(idp, parent, scope="openid timetable:read")
    response = get(gradebook_client, f"/pupils/{pupil.ref}/grades", token)
    assert response.status_code == 403
    assert _challenge(response) == (f'Bearer realm="{AUDIENCE}", error="insufficient_scope", '
                                    'scope="grades:read"')
    assert get(gradebook_client, f"/pupils/{pupil.ref}/timetable", token).status_code == 200
    excuse = gradebook_client.post(f"/api/v1/pupils/{pupil.ref}/excuses",
                                   json={"absences": [1], "reason": "x"},
                                   headers={"Authorization": f"Bearer {token}"})
    assert excuse.status_code == 403 and 'scope="attendance:excuse"' in _challenge(excuse)


@pytest.mark.app_config({**CONFIG, "API_TOKEN_INTROSPECTION": True,
                         "GRADEBOOK_OIDC_CLIENT_ID": "gradebook",
                         "GRADEBOOK_OIDC_CLIENT_SECRET": "s3cret"})
def test_a_revoked_token_is_refused_when_introspection_is_on(gradebook_client, idp, world):
    pupil, parent, _ = family(world)
    token = token_for(idp, parent)
    assert get(gradebook_client, f"/pupils/{pupil.ref}/grades", token).status_code == 200
    idp.revoked.add(token)
    response = get(gradebook_client, f"/pupils/{pupil.ref}/grades", token)
    assert response.status_code == 401 and 'error="invalid_token"' in _challenge(response)
    assert idp.introspected.count(token) == 2


def test_another_familys_pupil_is_not_found(gradebook_client, idp, world):
    _, parent, _ = family(world)
    other, _, _ = family(world, 1)
    elsewhere = build_school("SP 9")
    far = elsewhere.pupils["1a"][0]
    token = token_for(idp, parent)
    for ref in (other.ref, far.ref, "nonexistent", "x" * 40):
        for name, _scope, _model in READS:
            response = get(gradebook_client, f"/pupils/{ref}/{name}", token)
            assert response.status_code == 404, (ref, name)
            assert response.mimetype == "application/problem+json"
        response = gradebook_client.post(f"/api/v1/pupils/{ref}/excuses",
                                         json={"absences": [1], "reason": "x"},
                                         headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404


# --- pagination and ETags ------------------------------------------------------------------

def test_cursor_pagination_walks_every_grade_once(gradebook_client, idp, world):
    pupil, parent, _ = family(world)
    token = token_for(idp, parent)
    everything = get(gradebook_client, f"/pupils/{pupil.ref}/grades?limit=200", token).json
    assert everything["next_cursor"] is None
    seen, cursor, pages = [], None, 0
    while True:
        path = f"/pupils/{pupil.ref}/grades?limit=4" + (f"&cursor={cursor}" if cursor else "")
        page = get(gradebook_client, path, token).json
        assert len(page["items"]) <= 4
        seen += [g["id"] for g in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [g["id"] for g in everything["items"]]
    assert pages == -(-len(seen) // 4)


@pytest.mark.parametrize("query", ["cursor=%%%", "cursor=WyJ4Il0", "cursor=e30", "limit=0",
                                   "limit=201", "limit=x", "from=2026-13-01", "unknown=1",
                                   "limit=1&limit=2"])
def test_bad_queries_are_400(gradebook_client, idp, world, query):
    pupil, parent, _ = family(world)
    response = get(gradebook_client, f"/pupils/{pupil.ref}/attendance?{query}",
                   token_for(idp, parent))
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_a_new_grade_changes_the_etag(gradebook_client, idp, world):
    pupil, parent, _ = family(world)
    token = token_for(idp, parent)
    first = get(gradebook_client, f"/pupils/{pupil.ref}/grades", token)
    first_column = db.session.execute(db.select(Assessment).limit(1)).scalar_one()
    column = Assessment(school_id=world.school.id, class_id=first_column.class_id,
                        subject_id=first_column.subject_id, term_id=first_column.term_id,
                        teacher_id=first_column.teacher_id, category_id=first_column.category_id,
                        weight=1, date=TODAY, description="Odpowiedź")
    db.session.add(column)
    db.session.flush()
    db.session.add(Grade(school_id=world.school.id, assessment_id=column.id, pupil_id=pupil.id,
                         subject_id=column.subject_id, term_id=column.term_id, value="6",
                         teacher_id=column.teacher_id))
    db.session.commit()
    second = get(gradebook_client, f"/pupils/{pupil.ref}/grades?limit=200", token,
                 **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    assert "6" in [g["value"] for g in second.json["items"]]


# --- rate limits ---------------------------------------------------------------------------

@pytest.mark.app_config({**CONFIG, "API_RATE_LIMIT_USER": "3 per minute"})
def test_each_user_has_a_quota(gradebook_client, idp, world):
    pupil, parent, _ = family(world)
    _, other_parent, _ = family(world, 1)
    token = token_for(idp, parent)
    remaining = []
    for _ in range(3):
        response = get(gradebook_client, "/me", token)
        assert response.status_code == 200
        remaining.append(response.headers["RateLimit"])
    assert remaining[0].startswith('"user";r=2;t=') and remaining[2].startswith('"user";r=0;')
    assert response.headers["RateLimit-Policy"] == '"client";q=600;w=60, "user";q=3;w=60'
    refused = get(gradebook_client, "/me", token)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.mimetype == "application/problem+json"
    # Another user of the same application still has its quota.
    other = get(gradebook_client, "/me", token_for(idp, other_parent))
    assert other.status_code == 200 and other.json["sub"] == f"user-{other_parent.id}"


@pytest.mark.app_config({**CONFIG, "API_RATE_LIMIT_CLIENT": "2 per minute"})
def test_each_client_has_a_quota_over_all_its_users(gradebook_client, idp, world):
    _, first, _ = family(world)
    _, second, _ = family(world, 1)
    assert get(gradebook_client, "/me", token_for(idp, first)).status_code == 200
    assert get(gradebook_client, "/me", token_for(idp, second)).status_code == 200
    assert get(gradebook_client, "/me", token_for(idp, first)).status_code == 429
    other_app = token_for(idp, first, client_id="library-app")
    assert get(gradebook_client, "/me", other_app).status_code == 200


# --- the document and its page -------------------------------------------------------------

def test_openapi_document_lists_every_operation(gradebook_client, gradebook_app):
    doc = gradebook_client.get("/api/v1/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    api_rules = {(m, r.rule.removeprefix("/api/v1")) for r in gradebook_app.url_map.iter_rules()
                 if r.endpoint.startswith("api.") and r.endpoint not in (
                     "api.openapi_document", "api.docs", "api.static")
                 for m in r.methods - {"HEAD", "OPTIONS"}}
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert {(m, re.sub(r"<(\w+)>", r"{\1}", r)) for m, r in api_rules} == documented
    grades = doc["paths"]["/pupils/{pupil_id}/grades"]["get"]
    assert grades["security"] == [{"idp": ["grades:read"]}]
    assert set(grades["responses"]) >= {"200", "304", "401", "403", "404", "429"}
    assert doc["components"]["schemas"]["PupilRef"]["properties"]["class"]["type"] == "string"


def test_homework_events_and_announcements_say_when_they_were_edited(gradebook_client, idp,
                                                                     world, today):
    from gradebook_service.announcements import services as announcements
    from gradebook_service.calendar import services as calendar
    from gradebook_service.homework import services as homework

    pupil, parent, _ = family(world)
    token = token_for(idp, parent)
    teacher, klass, math = (world.staff_accounts["math"], world.classes["1a"],
                            world.subjects["math"])
    work = homework.add_homework(teacher, klass.id, math.id, today, today + timedelta(days=2),
                                 "Zadania 1–5 (API)")
    event = calendar.add_event(teacher, world.school, klass.id, "trip",
                               today + timedelta(days=2), "Wycieczka (API)")
    notice = announcements.publish(teacher, "class", klass.id, "Ogłoszenie (API)", "Treść",
                                   today, today + timedelta(days=2))
    db.session.commit()
    entries = {"homework": (work.id, "description"), "events": (event.id, "title"),
               "announcements": (notice.id, "title")}

    def items():
        return {name: next(i for i in get(gradebook_client, f"/pupils/{pupil.ref}/{name}",
                                          token).json["items"] if i["id"] == entry_id)
                for name, (entry_id, _field) in entries.items()}

    assert {name: item["edited_at"] for name, item in items().items()} == dict.fromkeys(
        entries)  # present, null: never edited
    homework.update_homework(teacher, work, work.due_on, "Zadania 1–8 (nowe)")
    calendar.update_event(teacher, world.school, event, "trip", event.date, "Wycieczka (nowa)")
    announcements.update(teacher, notice, "class", klass.id, "Ogłoszenie (nowe)", "Treść",
                         today, today + timedelta(days=2))
    db.session.commit()
    for name, item in items().items():
        edited = datetime.fromisoformat(item["edited_at"])
        assert edited.utcoffset() == timedelta(0), item["edited_at"]
        assert abs(edited - datetime.now(UTC)) < timedelta(minutes=1), name
        assert "(API)" not in item[entries[name][1]]
    doc = gradebook_client.get("/api/v1/openapi.json").json["components"]["schemas"]
    for model in ("HomeworkItem", "EventItem", "AnnouncementItem"):
        field = doc[model]["properties"]["edited_at"]
        assert "edited_at" in doc[model]["required"]
        assert {"type": "null"} in field["anyOf"] and {
            "type": "string", "format": "date-time"} in field["anyOf"], field


def test_docs_page_renders_the_document(gradebook_client):
    page = gradebook_client.get("/api/v1/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "GET /pupils/{pupil_id}/grades" in text and "grades:read" in text
    assert "<script" not in text and "style=" not in text
