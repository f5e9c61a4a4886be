"""A recurring event made directly in the database: a series row and weekly occurrences linked to it."""

from __future__ import annotations

import datetime as dt

from tests.support.factories import Factory


def weekly_series(factory: Factory, organizer: int, *, occurrences: int = 2) -> tuple[int, list[int]]:
    """The series id and its occurrences' ids, a week apart from a week ahead."""
    series_id: int = factory.scalar(
        "INSERT INTO event_series (organizer_id, rrule, timezone, created_at, updated_at) "
        "VALUES (:organizer, :rule, 'America/Sao_Paulo', now(), now()) RETURNING id",
        organizer=organizer,
        rule=f"FREQ=WEEKLY;COUNT={occurrences}",
    )
    ids = [factory.event(organizer, starts_in=dt.timedelta(weeks=1 + n)) for n in range(occurrences)]
    factory.execute("UPDATE events SET series_id = :series WHERE id = ANY(:ids)", series=series_id, ids=ids)
    return series_id, ids
