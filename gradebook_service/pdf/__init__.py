"""Fonts for every PDF the gradebook prints (letters, grade summaries).

DejaVu ships inside the package (licence in ``data/DejaVu-LICENSE.txt``) so Polish
diacritics print the same on a machine without system fonts.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # fpdf (~44 MiB with fontTools and Pillow) loads only where a PDF is made
    from fpdf import FPDF

SANS = "DejaVu"
MONO = "DejaVuMono"


def font_path(name: str) -> str:
    """Path of a shipped font file, e.g. ``DejaVuSans.ttf``."""
    return str(resources.files("gradebook_service.pdf") / "data" / name)


def add_fonts(pdf: FPDF) -> None:
    """Register DejaVu Sans (regular, bold) and DejaVu Sans Mono bold on ``pdf``."""
    pdf.add_font(SANS, "", font_path("DejaVuSans.ttf"))
    pdf.add_font(SANS, "B", font_path("DejaVuSans-Bold.ttf"))
    pdf.add_font(MONO, "B", font_path("DejaVuSansMono-Bold.ttf"))
