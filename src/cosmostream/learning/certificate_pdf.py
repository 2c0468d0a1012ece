"""A certificate as a PDF (fpdf2): A4 landscape, the learner, the course, the date,
the code and the address where anyone can check it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fpdf import FPDF

from cosmostream.learning.browse import CertificateView

# A Unicode font when the system has one (names are not all Latin-1); otherwise
# the PDF core font, with characters it cannot show replaced.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
INK = (20, 28, 64)
ACCENT = (92, 112, 200)


@lru_cache(maxsize=1)
def _unicode_font() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def certificate_pdf(view: CertificateView, verify_url: str, site_name: str) -> bytes:
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(f"Certificate {view.code}")
    pdf.set_subject(f"{view.course.title} - {verify_url}")
    pdf.set_creator(site_name)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    font = _unicode_font()
    if font is not None:
        pdf.add_font("Body", "", str(font[0]))
        pdf.add_font("Body", "B", str(font[1]))
        family = "Body"

        def clean(text: str) -> str:
            return text
    else:
        family = "Helvetica"

        def clean(text: str) -> str:
            return text.encode("latin-1", "replace").decode("latin-1")

    width = pdf.w - 40
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)

    def line(text: str, size: float, *, bold: bool = False, gap: float = 4) -> None:
        pdf.set_font(family, "B" if bold else "", size)
        pdf.set_x(20)
        pdf.multi_cell(width, size * 0.5, clean(text), align="C")
        pdf.ln(gap)

    pdf.set_text_color(*ACCENT)
    pdf.set_y(32)
    line(site_name.upper(), 14, bold=True, gap=6)
    pdf.set_text_color(*INK)
    line("Certificate of completion", 30, bold=True, gap=10)
    line("This certifies that", 13)
    line(view.learner.display_name, 26, bold=True, gap=6)
    line("has completed the course", 13)
    line(view.course.title, 20, bold=True, gap=4)
    line(f"taught by {view.instructor.display_name}", 12, gap=8)
    line(f"on {view.issued_at:%d %B %Y}", 13, gap=12)
    pdf.set_text_color(*ACCENT)
    line(f"Certificate {view.code}", 12, bold=True, gap=2)
    pdf.set_font(family, "", 10)
    pdf.set_x(20)
    pdf.cell(width, 6, clean(f"Check it at {verify_url}"), align="C", link=verify_url)
    return bytes(pdf.output())
