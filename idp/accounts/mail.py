"""Mails of the IdP: every mail in Polish and English (and in Ukrainian when the person chose it),
as text and HTML, through the outbox.

A mail ``name`` is three templates rendered once per language:
``<name>.subject.txt``, ``<name>.txt`` and ``<name>.html`` (the HTML part is a
fragment placed in a shared layout). Polish comes first, as families expect.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale, get_locale

from idp.extensions import outbox

LANGUAGES = ("pl", "en")
#: The heading of each version after the first in the plain-text part.
VERSION_HEADINGS = {"en": "English version", "uk": "Українська версія"}


def mail_languages() -> tuple[str, ...]:
    """Polish, the person's own language when it is another one (Ukrainian), and English."""
    current = str(get_locale() or "pl")
    return ("pl", current, "en") if current not in LANGUAGES else LANGUAGES


def send_mail(recipient: str, name: str, **context) -> None:
    """Queue the mail ``name`` to ``recipient`` in the current transaction."""
    subjects, texts, htmls = [], [], []
    languages = mail_languages()
    for lang in languages:
        with force_locale(lang):
            subjects.append(" ".join(render_template(f"{name}.subject.txt", **context).split()))
            texts.append(render_template(f"{name}.txt", **context).strip())
            htmls.append((lang, render_template(f"{name}.html", **context)))
    subject = " / ".join(dict.fromkeys(subjects))
    text = texts[0] + "".join(
        "\n\n" + "-" * 20 + f" {VERSION_HEADINGS[lang]} " + "-" * 20 + "\n\n" + part
        for lang, part in zip(languages[1:], texts[1:], strict=True)) + "\n"
    html = render_template("accounts/mail/layout.html", parts=htmls, subject=subject)
    outbox.enqueue(recipient, subject[:300], text, html)
