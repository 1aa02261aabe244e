"""Render welcome letters as a PDF (fpdf2), one A4 page per pupil–guardian pair.

The fonts (DejaVu, Polish diacritics) ship inside the package, so a machine
without system fonts prints the same letters. Text is translated with the
gradebook's catalogue in the letter's language (Polish by default).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from gradebook_service.letters.pages import LetterPage, StaffLetterPage
from gradebook_service.pdf import MONO, add_fonts
from gradebook_service.pdf import SANS as FONT
from shared.i18n import format_day


class LetterPDF(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4", unit="mm")
        self._wrap_cache: dict[tuple, list[str]] = {}
        add_fonts(self)
        self.set_auto_page_break(auto=False)
        self.set_margins(20, 18, 20)
        self.set_creator("E-dziennik")

    def paragraph(self, h: float, text: str) -> None:
        """Write wrapped text; line breaks are computed once per text and style.

        Most paragraphs are the same on every page of a batch, and fpdf2's line
        breaking dominates rendering time, so a 1,000-page batch reuses them.
        """
        key = (self.font_family, self.font_style, self.font_size_pt, self.epw, text)
        lines = self._wrap_cache.get(key)
        if lines is None:
            lines = self.multi_cell(0, h, text, dry_run=True, output="LINES")
            self._wrap_cache[key] = lines
        for line in lines:
            self.cell(0, h, line, new_x="LMARGIN", new_y="NEXT")


def _credential_box(pdf: LetterPDF, label: str, login: str, password_label: str,
                    password: str) -> None:
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 7, label, new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y()
    pdf.set_draw_color(60, 60, 60)
    pdf.rect(pdf.l_margin, top, pdf.epw, 20)
    pdf.set_xy(pdf.l_margin + 4, top + 2.5)
    pdf.set_font(FONT, "", 11)
    pdf.cell(40, 7, _("Login:"))
    pdf.set_font(MONO, "B", 14)
    pdf.cell(0, 7, login, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.l_margin + 4)
    pdf.set_font(FONT, "", 11)
    pdf.cell(40, 7, password_label)
    pdf.set_font(MONO, "B", 14)
    pdf.cell(0, 7, password, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(top + 23)


def _page(pdf: LetterPDF, page: LetterPage, urls: dict[str, str], today: date) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "B", 13)
    pdf.paragraph(6, page.school_name)
    if page.school_address:
        pdf.set_font(FONT, "", 9)
        pdf.paragraph(5, page.school_address)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 16)
    title = (_("Welcome to the e-register") if page.kind == "welcome"
             else _("New password for the e-register"))
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    if page.guardian_name:
        pdf.cell(0, 6, _("Parent or guardian: %(name)s", name=page.guardian_name),
                 new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, _("Pupil: %(name)s, class %(cls)s", name=page.pupil_name, cls=page.class_name),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if page.parent_login and page.parent_password:
        _credential_box(pdf, _("Parent's account"), page.parent_login, _("Password:"),
                        page.parent_password)
    if page.pupil_login and page.pupil_password:
        _credential_box(pdf, _("Pupil's account"), page.pupil_login, _("Password:"),
                        page.pupil_password)
    pdf.set_font(FONT, "", 8.5)
    pdf.paragraph(4.2, _("The password contains no easily confused characters "
                             "(no 0/O, 1/l/I). Keep this letter safe and do not give the login "
                             "or password to anyone."))
    pdf.ln(2)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 6, _("How to sign in for the first time"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 5.5, _("Variant 1: school login"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9.5)
    steps = [
        *_first_login_steps(urls),
        _("Give your e-mail address for password recovery (recommended) and confirm it with "
          "the link we send."),
    ]
    _numbered(pdf, steps)
    pdf.ln(1.5)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 5.5, _("Variant 2: unified account „Przeglądaj wygodnie”"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9.5)
    steps2 = [
        _("Register once at %(url)s with your e-mail address, a password of your own and the "
          "school login and password above.", url=urls["register"]),
        _("Open the activation link we e-mail to you. A pupil gives a parent's e-mail address: "
          "the parent confirms the pupil's account."),
        _("From then on choose „Sign in with ACCOUNT” and use your e-mail and your own "
          "password. One account can hold the logins of all your children."),
    ]
    _numbered(pdf, steps2)
    pdf.ln(1.5)
    pdf.paragraph(4.6, _("Lost your login or password? Tell the secretariat, the "
                             "administrator or the homeroom teacher: you will get a new "
                             "password to collect at the secretariat."))
    # Receipt, cut off and kept by the school.
    y = max(pdf.get_y() + 6, 240)
    pdf.set_y(min(y, 245))
    pdf.set_draw_color(120, 120, 120)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + pdf.epw, pdf.get_y())
    pdf.set_dash_pattern()
    pdf.ln(3)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 6, "Potwierdzam odbiór loginu i hasła", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9.5)
    who = page.guardian_name or page.pupil_name
    logins = ", ".join(x for x in (page.parent_login if page.parent_password else None,
                                   page.pupil_login if page.pupil_password else None) if x)
    pdf.paragraph(5, _("%(who)s — pupil %(pupil)s (%(cls)s), login(s): %(logins)s",
                           who=who, pupil=page.pupil_name, cls=page.class_name, logins=logins))
    pdf.ln(8)
    pdf.cell(pdf.epw / 2, 5, _("Date: ....................."))
    pdf.cell(pdf.epw / 2, 5, _("Signature: ................................"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 5, _("Printed on %(day)s", day=format_day(today)), new_x="LMARGIN",
             new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _first_login_steps(urls: dict[str, str]) -> list[str]:
    """The first-login steps every school account follows (families and staff alike)."""
    return [
        _("Open %(url)s and sign in with the login and password above.", url=urls["login"]),
        _("Set your own password: at least 8 characters, with an upper-case letter, a "
          "lower-case letter and a digit. Special characters such as . , ? ! are discouraged."),
        _("Accept the terms of use (regulamin)."),
    ]


def _numbered(pdf: LetterPDF, steps: list[str]) -> None:
    """Print ``steps`` as a numbered list."""
    for number, step in enumerate(steps, 1):
        pdf.paragraph(4.6, f"{number}. {step}")


def _staff_page(pdf: LetterPDF, page: StaffLetterPage, urls: dict[str, str],
                today: date) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "B", 13)
    pdf.paragraph(6, page.school_name)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 16)
    title = (_("Welcome to the e-register") if page.kind == "welcome"
             else _("New password for the e-register"))
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.cell(0, 6, _("Staff member: %(name)s", name=page.staff_name), new_x="LMARGIN",
             new_y="NEXT")
    pdf.ln(3)
    _credential_box(pdf, _("Staff account"), page.login, _("Password:"), page.password)
    pdf.set_font(FONT, "", 9.5)
    steps = [
        *_first_login_steps(urls),
        _("Set up two-step sign-in with an authenticator app on your phone (required for "
          "staff) and keep the recovery codes safe."),
    ]
    _numbered(pdf, steps)
    pdf.set_y(245)
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 6, "Potwierdzam odbiór loginu i hasła", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9.5)
    pdf.paragraph(5, f"{page.staff_name}, login: {page.login}")
    pdf.ln(8)
    pdf.cell(pdf.epw / 2, 5, _("Date: ....................."))
    pdf.cell(pdf.epw / 2, 5, _("Signature: ................................"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 7.5)
    pdf.cell(0, 5, _("Printed on %(day)s", day=format_day(today)), new_x="LMARGIN",
             new_y="NEXT")


def render(pages: Iterable[LetterPage | StaffLetterPage], urls: dict[str, str], *, locale: str = "pl",
           progress: Callable[[int], None] | None = None) -> bytes:
    """Return the PDF for ``pages``; ``urls`` has ``login`` and ``register`` addresses."""
    pdf = LetterPDF()
    today = date.today()
    with force_locale(locale):
        pdf.set_title(_("Welcome letters"))
        for page in pages:
            if isinstance(page, StaffLetterPage):
                _staff_page(pdf, page, urls, today)
            else:
                _page(pdf, page, urls, today)
            if progress:
                progress(1)
    return bytes(pdf.output())
