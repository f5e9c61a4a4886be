"""The monthly impact report: what the platform's mutirões achieved in one calendar month (APP_TIMEZONE).

An event counts for the month it started in, if it took place (published or completed; not a draft, not
cancelled). Volunteers are the checked-in participants. Hours are the report's, or attendees × duration for an
event without a report; the other figures come from reports only (an event without one adds zero).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.impact.models import MonthlyImpactReport
from app.domain.impact.periods import instant, next_month
from app.domain.impact.services import HELD
from app.domain.time import utcnow

TOP_CITIES = 5

_MONTH_FIGURES = f"""
    WITH held AS (
        SELECT e.id, e.category_id, e.city, e.state, e.start_date, e.end_date
        FROM events e
        WHERE e.status IN {HELD} AND e.start_date >= :month_from AND e.start_date < :month_to
    ), attendance AS (
        SELECT p.event_id, p.user_id
        FROM event_participants p JOIN held h ON h.id = p.event_id
        WHERE p.status = 'confirmed' AND p.checked_in
    ), figures AS (
        SELECT h.id, h.category_id, h.city, h.state,
               coalesce(r.total_hours, (SELECT count(*) FROM attendance a WHERE a.event_id = h.id)
                        * round(extract(epoch FROM h.end_date - h.start_date) / 3600, 2)) AS hours,
               coalesce(r.trash_collected_kg, 0) AS kg, coalesce(r.recyclable_material_kg, 0) AS recyclable,
               coalesce(r.trees_planted, 0) AS trees, coalesce(r.area_cleaned_m2, 0) AS area
        FROM held h LEFT JOIN event_reports r ON r.event_id = h.id
    )
"""
_TOTALS_SQL = text(
    _MONTH_FIGURES
    + """
    SELECT (SELECT count(*) FROM figures) AS events_held,
           (SELECT count(DISTINCT user_id) FROM attendance) AS unique_volunteers,
           coalesce(sum(hours), 0) AS total_hours, coalesce(sum(kg), 0) AS trash_collected_kg,
           coalesce(sum(recyclable), 0) AS recyclable_material_kg, coalesce(sum(trees), 0) AS trees_planted,
           coalesce(sum(area), 0) AS area_cleaned_m2
    FROM figures
    """
)
# Every category, those without events included (at zero), in the catalogue's order.
_CATEGORIES_SQL = text(
    _MONTH_FIGURES
    + """
    SELECT c.id AS category, c.name, c.color,
           count(f.id) AS events_held,
           (SELECT count(DISTINCT a.user_id) FROM attendance a JOIN held h ON h.id = a.event_id
            WHERE h.category_id = c.id) AS unique_volunteers,
           coalesce(sum(f.hours), 0) AS total_hours, coalesce(sum(f.kg), 0) AS trash_collected_kg,
           coalesce(sum(f.recyclable), 0) AS recyclable_material_kg, coalesce(sum(f.trees), 0) AS trees_planted,
           coalesce(sum(f.area), 0) AS area_cleaned_m2
    FROM event_categories c LEFT JOIN figures f ON f.category_id = c.id
    GROUP BY c.id, c.name, c.color, c.created_at
    ORDER BY c.created_at, c.id
    """
)
_CITIES_SQL = text(
    _MONTH_FIGURES
    + """
    SELECT f.city, f.state, count(*) AS events_held,
           (SELECT count(DISTINCT a.user_id) FROM attendance a JOIN held h ON h.id = a.event_id
            WHERE h.city = f.city AND h.state = f.state) AS unique_volunteers,
           coalesce(sum(f.hours), 0) AS total_hours
    FROM figures f
    WHERE f.city <> ''
    GROUP BY f.city, f.state
    ORDER BY events_held DESC, unique_volunteers DESC, total_hours DESC, f.city
    LIMIT :top
    """
)


def _plain(row: Any) -> dict[str, Any]:
    """A row as JSON-ready values (decimals become numbers)."""
    values = dict(row._mapping)
    for key, value in values.items():
        if isinstance(value, Decimal):
            values[key] = int(value) if key == "trees_planted" else float(value)
    return values


async def generate_monthly_report(session: AsyncSession, month: dt.date, timezone: str) -> MonthlyImpactReport:
    """Compute `month` (its first day) and store it, replacing an earlier version of the same month."""
    params = {"month_from": instant(month, timezone), "month_to": instant(next_month(month), timezone)}
    totals = (await session.execute(_TOTALS_SQL, params)).one()
    categories = [_plain(row) for row in await session.execute(_CATEGORIES_SQL, params)]
    cities = [_plain(row) for row in await session.execute(_CITIES_SQL, {**params, "top": TOP_CITIES})]
    now = utcnow()
    values = {
        "month": month,
        "events_held": totals.events_held,
        "unique_volunteers": totals.unique_volunteers,
        "total_hours": totals.total_hours,
        "trash_collected_kg": totals.trash_collected_kg,
        "recyclable_material_kg": totals.recyclable_material_kg,
        "trees_planted": int(totals.trees_planted),
        "area_cleaned_m2": totals.area_cleaned_m2,
        "categories": categories,
        "top_cities": cities,
        "generated_at": now,
    }
    statement = insert(MonthlyImpactReport).values(**values, created_at=now, updated_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=["month"], set_={**{k: v for k, v in values.items() if k != "month"}, "updated_at": now}
    )
    report_id = (await session.execute(statement.returning(MonthlyImpactReport.id))).scalar_one()
    stored = await session.get(MonthlyImpactReport, report_id, populate_existing=True)
    assert stored is not None
    return stored
