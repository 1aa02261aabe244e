"""The classification sheet as CSV (safe in a spreadsheet) and as a landscape A4 PDF.

Both are built from the same ``Sheet`` the page shows, so the three never disagree.
The CSV neutralises cells a spreadsheet would run as formulas with the surveys
export's ``cell`` (a pupil's name is typed by people); the PDF prints with the
gradebook's shipped fonts (gradebook_service/pdf), so Polish letters print anywhere.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _

from gradebook_service.homeroom.services import RESULT_LABELS, TERM_RESULT_LABELS, Sheet
from gradebook_service.pdf import SANS, add_fonts
from gradebook_service.remarks.services import BEHAVIOUR_LABELS
from gradebook_service.surveys.export import cell
from shared.i18n import format_number, format_percentage


@dataclass(frozen=True)
class Heading:
    """What the sheet is of: printed at the top of the PDF."""

    school_name: str
    class_name: str
    year_name: str
    teacher_name: str
    printed_on: str


def _period_title(sheet: Sheet) -> str:
    return _("Year classification") if sheet.period == "year" else _("Term classification")


def _header(sheet: Sheet) -> list[str]:
    return [_("No."), _("Pupil"), *(s.name for s in sheet.subjects), _("Behaviour"),
            _("Average"), _("Attendance"), _("Result")]


def _values(sheet: Sheet) -> list[list[str]]:
    labels = RESULT_LABELS if sheet.period == "year" else TERM_RESULT_LABELS
    lines = []
    for row in sheet.rows:
        grades = []
        for subject in sheet.subjects:
            value = row.grades.get(subject.id)
            if sheet.descriptive:
                grades.append(_("descriptive") if value else "")
            else:
                grades.append("" if value is None else str(value))
        lines.append([str(row.pupil.register_number or ""), row.pupil.full_name, *grades,
                      str(BEHAVIOUR_LABELS[row.behaviour]) if row.behaviour else "",
                      "" if row.outcome.average is None else format_number(row.outcome.average),
                      "" if row.attendance is None else format_percentage(row.attendance),
                      str(labels[row.outcome.result])])
    return lines


def sheet_csv(sheet: Sheet) -> str:
    """The sheet as CSV: a header row, then one row per pupil."""
    out = io.StringIO()
    writer = csv.writer(out)
    for line in [_header(sheet), *_values(sheet)]:
        writer.writerow([cell(value) for value in line])
    return out.getvalue()


def sheet_pdf(sheet: Sheet, heading: Heading) -> bytes:
    """The sheet on landscape A4 pages; the table's heading repeats on every page.

    fpdf2 is imported here, not at module level: it is 44 MiB a worker would otherwise
    carry for a page few people print (tests/test_worker_imports.py).
    """
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="L", format="A4", unit="mm")
    add_fonts(pdf)
    pdf.set_creator("E-dziennik")
    pdf.set_title(f"{_period_title(sheet)} {heading.class_name} {heading.year_name}")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font(SANS, "B", 13)
    pdf.cell(0, 7, _("Classification sheet"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 9)
    class_label, teacher_label, printed_label = _("Class"), _("Homeroom teacher"), _("Printed on")
    pdf.cell(0, 5, f"{heading.school_name} · {class_label} {heading.class_name} · "
                   f"{heading.year_name} · {_period_title(sheet)}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 5, f"{teacher_label}: {heading.teacher_name} · {printed_label}: "
                   f"{heading.printed_on}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    subjects = len(sheet.subjects)
    fixed = {"no": 8, "pupil": 48, "behaviour": 24, "average": 16, "attendance": 18,
             "result": 34}
    rest = pdf.epw - sum(fixed.values())
    widths = (fixed["no"], fixed["pupil"], *([rest / subjects] * subjects if subjects else []),
              fixed["behaviour"], fixed["average"], fixed["attendance"], fixed["result"])
    pdf.set_font(SANS, "", 7)
    with pdf.table(col_widths=widths, text_align="CENTER", line_height=4.2,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(230, 233, 239)),
                   repeat_headings=1) as table:
        header = table.row()
        for text in _header(sheet):
            header.cell(text)
        for line in _values(sheet):
            row = table.row()
            for index, text in enumerate(line):
                row.cell(text, align="LEFT" if index == 1 else None)
    pdf.ln(3)
    pdf.set_font(SANS, "", 9)
    labels = RESULT_LABELS if sheet.period == "year" else TERM_RESULT_LABELS
    summary = [_("Pupils: %(n)d", n=len(sheet.rows))]
    summary += [f"{labels[code]}: {sheet.count(code)}" for code in labels]
    summary.append(_("Class average: %(value)s", value=format_number(sheet.average)))
    summary.append(_("Attendance: %(value)s", value=format_percentage(sheet.attendance)))
    pdf.multi_cell(0, 5, " · ".join(summary), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
