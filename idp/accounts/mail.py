"""Mails of the IdP: every mail in Polish and English, as text and HTML, through the outbox.

A mail ``name`` is three templates rendered once per language:
``<name>.subject.txt``, ``<name>.txt`` and ``<name>.html`` (the HTML part is a
fragment placed in a shared layout). Polish comes first, as families expect.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from idp.extensions import outbox

LANGUAGES = ("pl", "en")


def send_mail(recipient: str, name: str, **context) -> None:
    """Queue the mail ``name`` to ``recipient`` in the current transaction."""
    subjects, texts, htmls = [], [], []
    for lang in LANGUAGES:
        with force_locale(lang):
            subjects.append(" ".join(render_template(f"{name}.subject.txt", **context).split()))
            texts.append(render_template(f"{name}.txt", **context).strip())
            htmls.append((lang, render_template(f"{name}.html", **context)))
    subject = " / ".join(dict.fromkeys(subjects))
    text = (texts[0] + "\n\n" + "-" * 20 + " English version " + "-" * 20 + "\n\n"
            + texts[1] + "\n")
    html = render_template("accounts/mail/layout.html", parts=htmls, subject=subject)
    outbox.enqueue(recipient, subject[:300], text, html)
