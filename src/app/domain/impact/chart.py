"""The monthly report as a picture: one small bar chart per figure, a bar per category in its colour."""

from __future__ import annotations

from html import escape

from app.domain.impact.models import MonthlyImpactReport

MONTHS = {
    "pt": [
        "janeiro", "fevereiro", "março", "abril", "maio", "junho",
        "julho", "agosto", "setembro", "outubro", "novembro", "dezembro",
    ],
    "en": [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ],
}  # fmt: skip

# (figure, label in Portuguese, label in English, unit)
PANELS = (
    ("events_held", "Mutirões realizados", "Mutirões held", ""),
    ("unique_volunteers", "Voluntários", "Volunteers", ""),
    ("total_hours", "Horas de voluntariado", "Volunteer hours", "h"),
    ("trash_collected_kg", "Lixo recolhido", "Trash collected", "kg"),
    ("trees_planted", "Árvores plantadas", "Trees planted", ""),
    ("area_cleaned_m2", "Área limpa", "Area cleaned", "m²"),
)

WIDTH = 780
COLUMNS = 3
PANEL_WIDTH = 240
GAP = 20
MARGIN = 20
LABEL_WIDTH = 92
BAR_HEIGHT = 16
BAR_GAP = 8
HEADER_HEIGHT = 92
FONT = "font-family='Inter,Segoe UI,Helvetica,Arial,sans-serif'"


def number(value: float, language: str) -> str:
    """1234.5 → "1.234,5" in Portuguese, "1,234.5" in English; whole numbers without decimals."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if language == "pt":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def month_title(report: MonthlyImpactReport, language: str) -> str:
    name = MONTHS[language][report.month.month - 1]
    if language == "pt":
        return f"Impacto dos mutirões — {name} de {report.month.year}"
    return f"Mutirões impact — {name} {report.month.year}"


def monthly_chart_svg(report: MonthlyImpactReport, *, language: str = "pt") -> str:
    categories = report.categories
    rows = max(len(categories), 1)
    panel_height = 34 + rows * (BAR_HEIGHT + BAR_GAP)
    panel_rows = (len(PANELS) + COLUMNS - 1) // COLUMNS
    height = HEADER_HEIGHT + panel_rows * (panel_height + GAP) + MARGIN
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}' "
        f"viewBox='0 0 {WIDTH} {height}' role='img' aria-label='{escape(month_title(report, language))}'>",
        f"<rect width='{WIDTH}' height='{height}' fill='#f8faf5'/>",
        f"<text x='{MARGIN}' y='36' {FONT} font-size='22' font-weight='700' fill='#14532d'>"
        f"{escape(month_title(report, language))}</text>",
        f"<text x='{MARGIN}' y='62' {FONT} font-size='14' fill='#374151'>{escape(_summary(report, language))}</text>",
    ]
    if report.events_held == 0:
        message = "Nenhum mutirão realizado neste mês." if language == "pt" else "No mutirões were held this month."
        parts.append(f"<text x='{MARGIN}' y='82' {FONT} font-size='13' fill='#6b7280'>{escape(message)}</text>")
    for index, (figure, label_pt, label_en, unit) in enumerate(PANELS):
        x = MARGIN + (index % COLUMNS) * (PANEL_WIDTH + GAP)
        y = HEADER_HEIGHT + (index // COLUMNS) * (panel_height + GAP)
        parts.append(_panel(categories, figure, label_pt if language == "pt" else label_en, unit, x, y, language))
    parts.append("</svg>")
    return "".join(parts)


def _summary(report: MonthlyImpactReport, language: str) -> str:
    def n(value: object) -> str:
        return number(float(str(value)), language)

    if language == "pt":
        return (
            f"{n(report.events_held)} mutirões · {n(report.unique_volunteers)} voluntários · "
            f"{n(report.total_hours)} h · {n(report.trash_collected_kg)} kg de lixo · {n(report.trees_planted)} árvores"
        )
    return (
        f"{n(report.events_held)} mutirões · {n(report.unique_volunteers)} volunteers · "
        f"{n(report.total_hours)} h · {n(report.trash_collected_kg)} kg of trash · {n(report.trees_planted)} trees"
    )


def _panel(
    categories: list[dict[str, object]], figure: str, label: str, unit: str, x: int, y: int, language: str
) -> str:
    values = [float(str(category.get(figure, 0) or 0)) for category in categories]
    largest = max(values, default=0) or 1
    bar_space = PANEL_WIDTH - LABEL_WIDTH - 52
    parts = [
        f"<g transform='translate({x},{y})'>",
        f"<rect width='{PANEL_WIDTH}' height='{34 + max(len(categories), 1) * (BAR_HEIGHT + BAR_GAP)}' rx='8' "
        "fill='#ffffff' stroke='#d9e5d3'/>",
        f"<text x='12' y='22' {FONT} font-size='13' font-weight='600' fill='#14532d'>{escape(label)}</text>",
    ]
    for row, (category, value) in enumerate(zip(categories, values, strict=True)):
        top = 34 + row * (BAR_HEIGHT + BAR_GAP)
        width = max(round(bar_space * value / largest, 1), 1.5)  # a zero still shows as a sliver
        color = escape(str(category.get("color") or "#15803d"))
        shown = number(value, language) + (f" {unit}" if unit else "")
        parts += [
            f"<text x='12' y='{top + 12}' {FONT} font-size='11' fill='#374151'>"
            f"{escape(str(category.get('name', '')))}</text>",
            f"<rect x='{LABEL_WIDTH}' y='{top}' width='{width}' height='{BAR_HEIGHT}' rx='3' fill='{color}'/>",
            f"<text x='{LABEL_WIDTH + width + 5}' y='{top + 12}' {FONT} font-size='11' fill='#111827'>"
            f"{escape(shown)}</text>",
        ]
    parts.append("</g>")
    return "".join(parts)
