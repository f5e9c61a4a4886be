"""The certificate as a PDF (fpdf2), in Portuguese or English, with its code, a QR code of its verification URL and
that URL as a link.

The text uses the PDF's standard Helvetica in the Windows-1252 encoding the standard fonts are declared with: every
letter of Portuguese (ç, ã, õ, é…) and typographic quotes and dashes. A character beyond it (a name in another
script) is written without its accent where it has one, else as "?": the PDF stays small and needs no font file.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.pure
from fpdf import FPDF
from fpdf.fonts import FontFace

from app.domain.certificates.schemas import CertifiedEvent, Statement
from app.domain.notifications.templates import EN_MONTHS, PT_MONTHS, local_when

GREEN = (21, 128, 61)
GREY = (90, 90, 90)
_ENCODING = "cp1252"


def printable(value: str) -> str:
    """`value` in the standard fonts' encoding: accents kept where it has them, dropped (or "?") where not."""
    try:
        value.encode(_ENCODING)
    except UnicodeEncodeError:
        pass
    else:
        return value
    kept = []
    for char in value:
        try:
            char.encode(_ENCODING)
            kept.append(char)
        except UnicodeEncodeError:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            kept.append(base if base and base.isascii() else "?")
    return "".join(kept)


def hours_text(hours: float, *, english: bool) -> str:
    """3 → "3 horas", 2.5 → "2,5 horas" (decimal comma in Portuguese), 1 → "1 hour"."""
    number = f"{hours:.2f}".rstrip("0").rstrip(".")
    if english:
        return f"{number} hour" if number == "1" else f"{number} hours"
    return f"{number.replace('.', ',')} hora" if number == "1" else f"{number.replace('.', ',')} horas"


def long_date(day: dt.date, *, english: bool) -> str:
    if english:
        return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day} de {PT_MONTHS[day.month - 1]} de {day.year}"


def short_date(moment: dt.datetime, timezone: str, *, english: bool) -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    if english:
        return f"{local.day} {EN_MONTHS[local.month - 1][:3]} {local.year}"
    return f"{local:%d/%m/%Y}"


def place_of(event: CertifiedEvent) -> str:
    region = " - ".join(part for part in (event.city, event.state) if part)
    return ", ".join(part for part in (event.address, region) if part)


def organized_by(event: CertifiedEvent) -> str:
    """The organization when the event runs under one (with the organizer's name), else the organizer."""
    if event.organization_name:
        return f"{event.organization_name} ({event.organizer_name})"
    return event.organizer_name


def qr_png(url: str) -> bytes:
    """The QR code of `url`, drawn by the library that draws the check-in codes."""
    buffer = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.pure.PyPNGImage, box_size=10, border=2).save(buffer)
    return buffer.getvalue()


class _CertificatePdf(FPDF):
    def header(self) -> None:
        """A green frame on every page."""
        self.set_draw_color(*GREEN)
        self.set_line_width(0.8)
        self.rect(10, 10, self.w - 20, self.h - 20)


class _Words:
    """The certificate's sentences in one language."""

    def __init__(self, english: bool) -> None:
        self.english = english

    def title(self, statement: Statement) -> str:
        if statement.kind == "year":
            return (
                f"Annual volunteer certificate {statement.year}"
                if self.english
                else (f"Certificado anual de voluntariado {statement.year}")
            )
        return "Volunteer certificate" if self.english else "Certificado de voluntariado"

    def opening(self) -> str:
        return "This certifies that" if self.english else "Certificamos que"

    def event_body(self, event: CertifiedEvent) -> str:
        when = local_when(event.start_date, event.end_date, event.timezone, english=self.english)
        hours = hours_text(event.hours, english=self.english)
        if self.english:
            return (
                f"took part as a volunteer in the mutirão “{event.title}”, held on {when}, at {place_of(event)}, "
                f"organized by {organized_by(event)}, with {hours} of verified volunteer work."
            )
        return (
            f"participou como voluntário(a) do mutirão “{event.title}”, realizado em {when}, em {place_of(event)}, "
            f"organizado por {organized_by(event)}, com {hours} de trabalho voluntário verificadas."
        )

    def year_body(self, statement: Statement) -> str:
        count, hours = len(statement.events), hours_text(statement.total_hours, english=self.english)
        if self.english:
            events = "1 mutirão" if count == 1 else f"{count} mutirões"
            return f"took part as a volunteer in {events} in {statement.year}, with {hours} of verified volunteer work:"
        events = "1 mutirão" if count == 1 else f"{count} mutirões"
        return (
            f"participou como voluntário(a) de {events} em {statement.year}, com {hours} de trabalho voluntário "
            "verificadas:"
        )

    def headings(self) -> tuple[str, ...]:
        if self.english:
            return ("Date", "Mutirão", "Place", "Organized by", "Hours")
        return ("Data", "Mutirão", "Local", "Organização", "Horas")

    def verified_note(self) -> str:
        if self.english:
            return (
                "Verified hours: presence confirmed by check-in at the mutirão, hours as in the organizer's impact "
                "report (or the mutirão's duration before one)."
            )
        return (
            "Horas verificadas: presença confirmada por check-in no mutirão; horas conforme o relatório de impacto "
            "do organizador (ou a duração do mutirão, antes dele)."
        )

    def issued(self, day: dt.date) -> str:
        return (
            f"Issued on {long_date(day, english=True)}."
            if self.english
            else (f"Emitido em {long_date(day, english=False)}.")
        )

    def code(self, code: str) -> str:
        return f"Verification code: {code}" if self.english else f"Código de verificação: {code}"

    def check_at(self) -> str:
        return "Check that it is genuine at:" if self.english else "Confira a autenticidade em:"


def certificate_pdf(
    statement: Statement,
    *,
    code: str,
    verification_url: str,
    issued_at: dt.datetime,
    timezone: str,
    english: bool,
) -> bytes:
    """The certificate: `statement` as it stands, `code` and its verification URL (text, link and QR code)."""
    words = _Words(english)
    pdf = _CertificatePdf(orientation="portrait", unit="mm", format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_creation_date(issued_at)
    pdf.set_title(words.title(statement))
    pdf.set_author("Mutirões")
    pdf.set_subject(code)
    pdf.set_lang("en" if english else "pt-BR")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    width = pdf.epw

    pdf.set_text_color(*GREEN)
    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(width, 8, printable("MUTIRÕES"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", style="B", size=22)
    pdf.multi_cell(width, 11, printable(words.title(statement)), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)

    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Helvetica", size=13)
    pdf.cell(width, 8, printable(words.opening()), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", style="B", size=20)
    pdf.multi_cell(width, 11, printable(statement.volunteer_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", size=13)
    if statement.kind == "event":
        body = words.event_body(statement.events[0])
        pdf.multi_cell(width, 7, printable(body), align="C", new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(width, 7, printable(words.year_body(statement)), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        _year_table(pdf, statement, words)
    pdf.ln(6)

    pdf.set_font("Helvetica", size=9)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(width, 5, printable(words.verified_note()), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _verification_block(pdf, words, code=code, url=verification_url, issued_on=_local_day(issued_at, timezone))
    return bytes(pdf.output())


def _local_day(moment: dt.datetime, timezone: str) -> dt.date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def _year_table(pdf: FPDF, statement: Statement, words: _Words) -> None:
    pdf.set_font("Helvetica", size=9)
    pdf.set_text_color(0, 0, 0)
    headings = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=GREEN)
    with pdf.table(
        col_widths=(20, 45, 45, 40, 15), text_align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"), headings_style=headings
    ) as table:
        table.row([printable(heading) for heading in words.headings()])
        for event in statement.events:
            table.row(
                [
                    short_date(event.start_date, event.timezone, english=words.english),
                    printable(event.title),
                    printable(place_of(event)),
                    printable(organized_by(event)),
                    hours_text(event.hours, english=words.english).split(" ")[0],
                ]
            )


def _verification_block(pdf: FPDF, words: _Words, *, code: str, url: str, issued_on: dt.date) -> None:
    """The issue date, the code and the URL beside the QR code; on a new page if this one has no room left."""
    size = 38
    if pdf.get_y() + size > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y()
    pdf.image(io.BytesIO(qr_png(url)), x=pdf.l_margin, y=top, w=size, h=size, link=url)
    left = pdf.l_margin + size + 6
    text_width = pdf.w - pdf.r_margin - left
    pdf.set_xy(left, top + 4)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Helvetica", size=11)
    pdf.cell(text_width, 6, printable(words.issued(issued_on)), new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", style="B", size=13)
    pdf.cell(text_width, 8, printable(words.code(code)), new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.cell(text_width, 5, printable(words.check_at()), new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(*GREEN)
    pdf.multi_cell(text_width, 5, url, link=url, new_x="LEFT", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + size))
