"""Attachments: size and type limits, unguessable names outside the web root, access by thread."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.messages.attachments import sanitise_filename
from gradebook_service.messages.models import Message, MessageAttachment
from tests.gradebook.register_factories import build_school, sign_in

PDF = b"%PDF-1.4\n% test\n" + b"0" * 100


@pytest.fixture
def world(gradebook_app, tmp_path):
    gradebook_app.config["MESSAGE_ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    return build_school(pupils_per_class=2)


def _send(client, recipient_id: int, name: str, data: bytes):
    client.get("/messages/new")
    return client.post("/messages/new", data={
        "recipient": f"account:{recipient_id}", "subject": "Zwolnienie", "body": "W załączniku.",
        "attachment": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _files(world_dir: Path) -> list[Path]:
    return [p for p in world_dir.rglob("*") if p.is_file()]


def test_file_is_stored_under_a_random_name_and_served_as_download(world, gradebook_app,
                                                                   gradebook_client, tmp_path):
    pupil = world.pupils["1a"][0]
    parent, teacher = world.parent_accounts[pupil.id], world.staff_accounts["math"]
    sign_in(gradebook_client, parent)
    response = _send(gradebook_client, teacher.id, '../../zwolnienie <b>.PDF', PDF)
    assert response.status_code == 303
    item = db.session.execute(sa.select(MessageAttachment)).scalar_one()
    files = _files(tmp_path / "attachments")
    assert len(files) == 1 and re.fullmatch(r"[0-9a-f]{64}", files[0].name)
    assert files[0].read_bytes() == PDF
    static_root = Path(gradebook_app.static_folder or "/nonexistent").resolve()
    assert static_root not in files[0].resolve().parents
    assert item.filename == "zwolnienie _b.pdf" and item.content_type == "application/pdf"

    sign_in(gradebook_client, teacher)
    page = gradebook_client.get(response.headers["Location"]).text
    url = f"/messages/attachments/{item.public_id}"
    assert url in page
    download = gradebook_client.get(url)
    body = download.get_data()
    download.close()
    assert download.status_code == 200 and body == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "zwolnienie _b.pdf" in download.headers["Content-Disposition"]
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]


def test_another_familys_attachment_is_404(world, gradebook_client):
    a, b = world.pupils["1a"]
    sign_in(gradebook_client, world.parent_accounts[a.id])
    _send(gradebook_client, world.staff_accounts["math"].id, "plan.pdf", PDF)
    item = db.session.execute(sa.select(MessageAttachment)).scalar_one()
    url = f"/messages/attachments/{item.public_id}"
    own = gradebook_client.get(url)
    own.close()
    assert own.status_code == 200  # the sender may download it
    for other in (world.parent_accounts[b.id], world.pupil_accounts[a.id],
                  world.staff_accounts["polish"]):
        sign_in(gradebook_client, other)
        assert gradebook_client.get(url).status_code == 404
    assert gradebook_client.get("/messages/attachments/not-a-real-id").status_code == 404


def test_other_school_cannot_download(world, gradebook_client):
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    _send(gradebook_client, world.staff_accounts["math"].id, "plan.pdf", PDF)
    item = db.session.execute(sa.select(MessageAttachment)).scalar_one()
    elsewhere = build_school(name="SP 9", pupils_per_class=1)
    sign_in(gradebook_client, elsewhere.staff_accounts["admin"])
    assert gradebook_client.get(f"/messages/attachments/{item.public_id}").status_code == 404


@pytest.mark.app_config({"MESSAGE_ATTACHMENT_MAX_BYTES": 1000})
def test_too_large_file_is_refused_and_nothing_kept(world, gradebook_client, tmp_path):
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    response = _send(gradebook_client, world.staff_accounts["math"].id, "skan.pdf",
                     b"%PDF-" + b"x" * 1000)
    assert response.status_code == 422
    assert "Załącznik jest za duży: najwyżej 1 kB." in response.text
    assert "W załączniku." in response.text  # the text is kept
    assert _files(tmp_path / "attachments") == []
    assert db.session.execute(sa.select(sa.func.count(Message.id))).scalar() == 0
    assert _send(gradebook_client, world.staff_accounts["math"].id, "skan.pdf",
                 b"%PDF-" + b"x" * 995).status_code == 303  # exactly the limit is fine


@pytest.mark.parametrize(("name", "data"), [
    ("skrypt.html", b"<script>alert(1)</script>"),
    ("program.exe", b"MZ\x90\x00"),
    ("udaje.pdf", b"<html><script>alert(1)</script></html>"),  # the bytes are not a PDF
    ("obraz.png", b"GIF89a......"),
    ("tekst.txt", b"\x00\x01\x02binary"),
    ("bez-rozszerzenia", PDF),
])
def test_disallowed_types_are_refused(world, gradebook_client, tmp_path, name, data):
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    response = _send(gradebook_client, world.staff_accounts["math"].id, name, data)
    assert response.status_code == 422
    assert "Nie można załączyć pliku tego rodzaju" in response.text
    assert _files(tmp_path / "attachments") == []


def test_empty_file_is_refused(world, gradebook_client):
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    response = _send(gradebook_client, world.staff_accounts["math"].id, "pusty.pdf", b"")
    assert response.status_code == 422 and "Załącznik jest pusty." in response.text


@pytest.mark.app_config({"MESSAGE_ATTACHMENT_TYPES": "pdf"})
def test_types_come_from_the_setting(world, gradebook_client):
    pupil = world.pupils["1a"][0]
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    assert _send(gradebook_client, world.staff_accounts["math"].id, "a.png", png
                 ).status_code == 422
    assert "najwyżej 10 MB: pdf." in gradebook_client.get("/messages/new").text


@pytest.mark.parametrize(("raw", "expected"), [
    ("świadectwo ucznia.pdf", "świadectwo ucznia.pdf"),
    ("C:\\Users\\Anna\\plan lekcji.pdf", "plan lekcji.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ('a"; filename="evil.exe.pdf', "a_ filename_evil_exe.pdf"),
    ("...pdf", "zalacznik.pdf"),
    ("x" * 300 + ".pdf", "x" * 100 + ".pdf"),
])
def test_sanitise_filename(raw, expected):
    assert sanitise_filename(raw, "pdf") == expected
