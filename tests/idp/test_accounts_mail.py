"""The IdP's mails: Polish and English, text and HTML, every message translated."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from idp.accounts.mail import send_mail
from tests.idp.unified_support import outbox

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["accounts", "registration", "parental_consent", "recovery", "settings"]
KEYWORDS = {"_": None, "gettext": None}


@pytest.mark.parametrize("package", PACKAGES)
def test_text_mail_templates_are_translated(package):
    """Mail ``.txt`` templates are not in babel.cfg's extraction: check them here."""
    base = ROOT / "idp" / package
    with (base / "translations/pl/LC_MESSAGES/messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    missing = []
    for _file, _line, message, _c, _ctx in extract_from_dir(
            str(base / "templates"), [("**.txt", "jinja2")], keywords=KEYWORDS):
        entry = catalogue.get(message)
        if not entry or not entry.string:
            missing.append(message)
    assert not missing, f"untranslated in {package}: {missing}"


def test_mail_has_both_languages_in_text_and_html(idp_app):
    with idp_app.test_request_context("/"):
        send_mail("ola@example.org", "registration/mail/activation",
                  link="http://idp.example/activate/abc", valid_hours=48)
    mail = outbox(idp_app, "ola@example.org")[-1]
    assert mail.subject == "Aktywuj konto E-dziennika / Activate your E-dziennik account"
    polish, english = mail.body_text.split("English version")
    assert "Dzień dobry" in polish and "Hello" in english
    assert polish.count("http://idp.example/activate/abc") == 1
    assert '<div lang="pl">' in mail.body_html and '<div lang="en">' in mail.body_html
    assert mail.body_html.index('lang="pl"') < mail.body_html.index('<div lang="en"')


def test_each_app_has_its_own_catalogues(gradebook_app, idp_app):
    """Both services in one process (tests do that) must not share loaded catalogues."""
    from flask_babel import force_locale, gettext

    for app in (gradebook_app, idp_app):
        with app.test_request_context("/"), force_locale("pl"):
            gettext("Sign in")  # loads the app's catalogues
    with idp_app.test_request_context("/"), force_locale("pl"):
        assert gettext("Activate your E-dziennik account") == "Aktywuj konto E-dziennika"
