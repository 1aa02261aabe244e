"""POST /internal/v1/school-accounts/verify (docs/architecture.md 5.3) with tokens checked against a real
JWKS endpoint (an HTTP server on loopback serving discovery and keys, as the IdP does)."""

from __future__ import annotations

import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from gradebook_service.core.models import AuditEvent
from gradebook_service.extensions import db
from shared.mailcatcher import free_port
from tests.gradebook import accounts_factories as f
from tests.support.fake_idp import FakeIdp

PORT = free_port()
ISSUER = f"http://127.0.0.1:{PORT}"
AUDIENCE = "http://127.0.0.1:5000"
URL = "/internal/v1/school-accounts/verify"
CONFIG = {"IDP_ISSUER": ISSUER, "GRADEBOOK_URL": AUDIENCE}


@pytest.fixture(scope="module")
def idp_keys():
    keys = FakeIdp(AUDIENCE, {"sub": "idp-service", "client_id": "idp",
                              "scope": "school_accounts.verify"}, port=PORT)
    yield keys
    keys.stop()


@pytest.fixture
def family(gradebook_app):
    school = f.make_school("Szkoła Podstawowa nr 5 w Żorach")
    pupil = f.make_family(f.make_class(school, "1a"), guardians=2, first="Łucja", last="Żak")
    parent, second = f.parent_accounts(pupil)
    own = f.pupil_account(pupil)
    f.make_ready(parent)
    f.make_ready(own)
    staff = f.make_staff(school)
    f.commit()
    return pupil, parent, second, own, staff


def _post(client, token, login, password):
    return client.post(URL, json={"login": login, "password": password},
                       headers={"Authorization": f"Bearer {token}"})


pytestmark = pytest.mark.app_config(CONFIG)


def test_parent_login_is_confirmed_with_the_child(gradebook_client, idp_keys, family):
    pupil, parent, _, _, _ = family
    response = _post(gradebook_client, idp_keys.token(), parent.login, f.PASSWORD)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["ref"] == parent.ref and body["role"] == "parent"
    assert body["school"] == "Szkoła Podstawowa nr 5 w Żorach"
    assert body["display_name"] == parent.guardianship.guardian.full_name
    assert body["pupil"]["ref"] == pupil.ref
    assert body["pupil"]["display_name"] == "Łucja Żak"
    assert isinstance(body["pupil"]["age"], int) and 5 <= body["pupil"]["age"] <= 9
    event = db.session.execute(db.select(AuditEvent).where(
        AuditEvent.event == "idp.link_verified")).scalar_one()
    assert event.subject == parent.login


def test_pupil_login_is_confirmed_as_themself(gradebook_client, idp_keys, family):
    pupil, _, _, own, _ = family
    body = _post(gradebook_client, idp_keys.token(), own.login, f.PASSWORD).json
    assert body["role"] == "pupil" and body["ref"] == own.ref
    assert body["pupil"]["ref"] == pupil.ref


@pytest.mark.parametrize("case", ["wrong-password", "unknown-login", "staff", "no-password-yet"])
def test_wrong_credentials_answer_401_without_a_hint(gradebook_client, idp_keys, family, case):
    _, parent, second, _, staff = family
    login, password = {"wrong-password": (parent.login, "Wrong1234x"),
                       "unknown-login": ("1000000", f.PASSWORD),
                       "staff": (staff.login, f.PASSWORD),
                       "no-password-yet": (second.login, "Anything123")}[case]
    response = _post(gradebook_client, idp_keys.token(), login, password)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["detail"] == "Wrong login or password."


def test_verification_is_throttled_per_login(gradebook_client, idp_keys, family):
    _, parent, _, _, _ = family
    token = idp_keys.token()
    for _ in range(5):
        _post(gradebook_client, token, parent.login, "Wrong1234x")
    response = _post(gradebook_client, token, parent.login, f.PASSWORD)
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    # Another login from the same caller (the IdP) is not affected.
    _, _, _, own, _ = family
    assert _post(gradebook_client, token, own.login, f.PASSWORD).status_code == 200


@pytest.mark.parametrize("case", [
    "no-token", "not-jwt", "id-token-typ", "wrong-issuer", "wrong-audience", "expired",
    "unknown-key", "hmac-with-public-key", "alg-none", "tampered"])
def test_bad_tokens_are_refused(gradebook_client, idp_keys, family, case):
    _, parent, _, _, _ = family
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    token = {
        "no-token": None,
        "not-jwt": "abc.def",
        "id-token-typ": idp_keys.token(typ="JWT"),
        "wrong-issuer": idp_keys.token(iss="http://evil.example"),
        "wrong-audience": idp_keys.token(aud=["http://other-app"]),
        "expired": idp_keys.token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
        "unknown-key": idp_keys.token(stranger),
        "hmac-with-public-key": None,
        "alg-none": None,
        "tampered": None,
    }[case]
    if case == "hmac-with-public-key":
        public = idp_keys.keys[0].as_dict(private=False)
        secret = OctKey.import_key(json.dumps(public).encode(), {"kid": "k1"})
        token = jwt.encode({"alg": "HS256", "typ": "at+jwt", "kid": "k1"},
                           {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300,
                            "scope": "school_accounts.verify"}, secret, algorithms=["HS256"])
    if case == "alg-none":
        import base64

        def b64(d):
            return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
        token = b64({"alg": "none", "typ": "at+jwt"}) + "." + b64(
            {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300,
             "scope": "school_accounts.verify"}) + "."
    if case == "tampered":
        head, body, sig = idp_keys.token().split(".")
        token = ".".join([head, body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB"), sig])
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = gradebook_client.post(URL, json={"login": parent.login, "password": f.PASSWORD},
                                     headers=headers)
    assert response.status_code == 401, case
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_missing_scope_is_forbidden(gradebook_client, idp_keys, family):
    _, parent, _, _, _ = family
    response = _post(gradebook_client, idp_keys.token(scope="openid profile"), parent.login,
                     f.PASSWORD)
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_rotated_keys_are_fetched_for_an_unknown_kid(gradebook_app, gradebook_client, idp_keys,
                                                     family):
    _, parent, _, _, _ = family
    assert _post(gradebook_client, idp_keys.token(), parent.login, f.PASSWORD).status_code == 200
    new_key = RSAKey.generate_key(2048, parameters={"kid": "k2", "use": "sig"})
    idp_keys.keys.append(new_key)
    gradebook_app.extensions["idp_jwks"]._fetched_at -= 60  # past the refetch guard
    response = _post(gradebook_client, idp_keys.token(new_key), parent.login, f.PASSWORD)
    assert response.status_code == 200


def test_no_csrf_token_needed_but_malformed_bodies_rejected(gradebook_client, idp_keys, family):
    response = gradebook_client.post(URL, data="login=x", headers={
        "Authorization": f"Bearer {idp_keys.token()}",
        "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
