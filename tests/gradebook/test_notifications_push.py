"""Web Push: subscriptions (only listed push services), delivery to a push-service stand-in on
loopback that checks the VAPID signature (RFC 8292) and decrypts the payload (RFC 8291)."""

from __future__ import annotations

import base64
import json
import os
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import http_ece
import pytest
import sqlalchemy as sa
import time_machine
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from gradebook_service.extensions import db
from gradebook_service.notifications import dispatcher
from gradebook_service.notifications.models import MESSAGE, PushSubscription
from gradebook_service.notifications.push import generate_vapid_keys
from gradebook_service.notifications.services import notify
from tests.gradebook.register_factories import TODAY, build_school, sign_in

PRIVATE, PUBLIC = generate_vapid_keys()
SUBJECT = "mailto:it@szkola.example.pl"
PUSH_CONFIG = {"NOTIFICATIONS_VAPID_PRIVATE_KEY": PRIVATE, "NOTIFICATIONS_VAPID_PUBLIC_KEY": PUBLIC,
               "NOTIFICATIONS_VAPID_SUBJECT": SUBJECT, "NOTIFICATIONS_PUSH_HOSTS": "127.0.0.1"}


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PushService:
    """A push service on loopback: verifies VAPID, decrypts with the browser's keys, keeps it."""

    def __init__(self, status: int = 201) -> None:
        self.status = status
        self.received: list[dict] = []
        self.problems: list[str] = []
        # What a browser holds: its P-256 key pair and 16-byte auth secret (RFC 8291 section 2).
        self.browser_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    service.receive(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                except Exception as exc:  # noqa: BLE001 - reported to the test below
                    service.problems.append(f"{type(exc).__name__}: {exc}")
                    self.send_response(400)
                else:
                    self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def p256dh(self) -> str:
        return b64e(self.browser_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def receive(self, path: str, headers: dict, body: bytes) -> None:
        scheme, _, params = headers["authorization"].partition(" ")
        assert scheme == "vapid", scheme
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        assert fields["k"] == PUBLIC  # the deployment's public key
        header_b64, claims_b64, signature_b64 = fields["t"].split(".")
        assert json.loads(b64d(header_b64)) == {"typ": "JWT", "alg": "ES256"}
        signature = b64d(signature_b64)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(fields["k"]))
        try:
            public.verify(encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                               int.from_bytes(signature[32:], "big")),
                          f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as exc:
            raise AssertionError("VAPID signature does not verify") from exc
        claims = json.loads(b64d(claims_b64))
        assert claims["aud"] == self.origin and claims["sub"] == SUBJECT
        now = datetime.now().timestamp()
        assert now < claims["exp"] <= now + 24 * 3600  # RFC 8292: at most 24 hours
        assert headers["content-encoding"] == "aes128gcm" and int(headers["ttl"]) > 0
        plain = http_ece.decrypt(body, private_key=self.browser_key, auth_secret=self.auth,
                                 version="aes128gcm")
        self.received.append({"path": path, "payload": json.loads(plain)})

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.stop()


def _subscribe(client, account, service, path="/push/abc"):
    sign_in(client, account)
    client.get("/notifications/preferences")
    return client.post("/notifications/push/subscriptions", json={
        "endpoint": f"{service.origin}{path}",
        "keys": {"p256dh": service.p256dh, "auth": b64e(service.auth)}},
        headers={"X-CSRFToken": client.last_csrf_token})


@pytest.mark.app_config(PUSH_CONFIG)
def test_push_reaches_the_device_signed_and_encrypted(gradebook_app, gradebook_client,
                                                      push_service):
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 12,
                                      tzinfo=ZoneInfo("Europe/Warsaw"))):
        world = build_school()
        parent = world.parent_accounts[world.pupils["1a"][0].id]
        response = _subscribe(gradebook_client, parent, push_service)
        assert response.status_code == 201, response.text
        assert _subscribe(gradebook_client, parent, push_service).status_code == 201  # same device
        assert db.session.execute(sa.select(sa.func.count()).select_from(PushSubscription)
                                  ).scalar() == 1
        notify(MESSAGE, school_id=world.school.id, account_ids=[parent.id], path="/messages/7",
               params={"sender": "Anna Nowak", "subject": "Wycieczka"})
        db.session.commit()
    # Real time from here: the push service checks the token's expiry against its clock.
    result = dispatcher.run(now=datetime(TODAY.year, TODAY.month, TODAY.day, 12,
                                         tzinfo=ZoneInfo("Europe/Warsaw")))
    assert push_service.problems == []
    assert result.pushes == 1 and result.mails == 0  # no confirmed e-mail: push only
    (delivered,) = push_service.received
    assert delivered["path"] == "/push/abc"
    payload = delivered["payload"]
    assert payload["body"] == "Nowa wiadomość od: Anna Nowak — Wycieczka"
    assert payload["url"].endswith("/messages/7")
    assert "/notifications/stop/" in payload["stop"]


@pytest.mark.app_config(PUSH_CONFIG)
def test_a_gone_subscription_is_forgotten(gradebook_app, gradebook_client):
    service = PushService(status=410)
    try:
        world = build_school()
        parent = world.parent_accounts[world.pupils["1a"][0].id]
        assert _subscribe(gradebook_client, parent, service).status_code == 201
        notify(MESSAGE, school_id=world.school.id, account_ids=[parent.id], params={})
        db.session.commit()
        result = dispatcher.run(now=datetime(TODAY.year, TODAY.month, TODAY.day, 12,
                                             tzinfo=ZoneInfo("Europe/Warsaw")))
        assert result.pushes == 0 and len(result.gone) == 1
        assert db.session.execute(sa.select(PushSubscription)).first() is None
    finally:
        service.stop()


@pytest.mark.app_config(PUSH_CONFIG)
@pytest.mark.parametrize("endpoint", [
    "http://10.0.0.5/push", "https://evil.example/push", "http://localhost:9/push",
    "ftp://127.0.0.1/push", "https://127.0.0.1.evil.example/push"])
def test_subscription_must_point_at_a_listed_push_service(gradebook_app, gradebook_client,
                                                          endpoint):
    world = build_school()
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    gradebook_client.get("/notifications/preferences")
    response = gradebook_client.post("/notifications/push/subscriptions", json={
        "endpoint": endpoint, "keys": {"p256dh": b64e(b"\x04" + b"1" * 64),
                                       "auth": b64e(b"2" * 16)}},
        headers={"X-CSRFToken": gradebook_client.last_csrf_token})
    assert response.status_code == 422
    assert db.session.execute(sa.select(PushSubscription)).first() is None


@pytest.mark.app_config(PUSH_CONFIG)
def test_subscribing_needs_the_csrf_token(gradebook_app, gradebook_client, push_service):
    world = build_school()
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    response = gradebook_client.post("/notifications/push/subscriptions", json={
        "endpoint": f"{push_service.origin}/x",
        "keys": {"p256dh": push_service.p256dh, "auth": b64e(push_service.auth)}})
    assert response.status_code == 400


def test_web_app_manifest_and_service_worker(gradebook_app, gradebook_client):
    manifest = gradebook_client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.json["display"] == "standalone" and manifest.json["start_url"] == "/"
    worker = gradebook_client.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["Service-Worker-Allowed"] == "/"
    assert "showNotification" in worker.text
    worker.close()
