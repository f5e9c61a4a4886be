"""The monthly impact report (SPEC §4): the previous calendar month in APP_TIMEZONE, computed by the real worker,
stored once per month, served as JSON and as a chart. Every expected figure is computed by hand below."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import anyio
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.config.database import create_engine, create_session_maker
from app.config.settings import Settings
from app.domain import jobs
from app.domain.impact.periods import month_label, previous_month
from app.domain.jobs import Job, defer_job
from app.tasks.queue import app as queue
from app.tasks.schedules import due
from tests.support.factories import CATEGORIES, Factory
from tests.support.worker import run_jobs

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def held_event(
    factory: Factory,
    organizer: int,
    category: str,
    local_start: dt.datetime,
    hours: float,
    city: str,
    state: str,
    *,
    status: str = "completed",
) -> int:
    event_id = factory.event(organizer, category=category, city=city, state=state, status=status)
    start = local_start.replace(tzinfo=SAO_PAULO)
    factory.execute(
        "UPDATE events SET start_date = :s, end_date = :e WHERE id = :id",
        s=start,
        e=start + dt.timedelta(hours=hours),
        id=event_id,
    )
    return event_id


def attend(factory: Factory, event_id: int, users: list[int], *, checked_in: bool = True) -> None:
    for user_id in users:
        factory.execute(
            """
            INSERT INTO event_participants (event_id, user_id, status, emergency_contact, emergency_phone,
                special_needs, experience_level, checked_in, check_in_time, joined_at, created_at, updated_at)
            VALUES (:e, :u, 'confirmed', '', '', '', 'beginner', :c, CASE WHEN :c THEN now() END,
                    now(), now(), now())
            """,
            e=event_id,
            u=user_id,
            c=checked_in,
        )


def report(factory: Factory, event_id: int, **figures: float) -> None:
    values = {
        "total_participants": 0,
        "total_hours": 0,
        "trash_collected_kg": 0,
        "recyclable_material_kg": 0,
        "trees_planted": 0,
        "area_cleaned_m2": 0,
        **figures,
    }
    factory.execute(
        """
        INSERT INTO event_reports (event_id, total_participants, total_hours, trash_collected_kg,
            recyclable_material_kg, trees_planted, area_cleaned_m2, summary, challenges, achievements,
            verified_participants, created_at, updated_at)
        VALUES (:event_id, :total_participants, :total_hours, :trash_collected_kg,
            :recyclable_material_kg, :trees_planted, :area_cleaned_m2, '', '', '', 0, now(), now())
        """,
        event_id=event_id,
        **values,
    )


async def defer(settings: Settings, job: Job, **args: Any) -> None:
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session, session.begin():
            await defer_job(session, job, **args)
    finally:
        await engine.dispose()


@pytest.fixture
def october(factory: Factory) -> dict[str, int]:
    """October 2026 in São Paulo: four held events (one per category), and events that must not count."""
    org = factory.user("org")
    a, b, c, d, e, f, g = (factory.user(name) for name in "abcdefg")
    e1 = held_event(factory, org, "Limpeza", dt.datetime(2026, 10, 5, 9), 3, "Santos", "SP")
    attend(factory, e1, [a, b, c])
    attend(factory, e1, [d], checked_in=False)  # joined, never came: not a volunteer of the month
    report(factory, e1, total_participants=3, total_hours=9, trash_collected_kg=120.5, recyclable_material_kg=30,
           area_cleaned_m2=500)  # fmt: skip
    e2 = held_event(factory, org, "Plantio", dt.datetime(2026, 10, 12, 8), 4, "Campinas", "SP")
    attend(factory, e2, [a, e])
    report(factory, e2, total_participants=2, total_hours=10, trees_planted=40)
    e3 = held_event(factory, org, "Monitoramento", dt.datetime(2026, 10, 20, 14), 2, "Santos", "SP", status="published")
    attend(factory, e3, [b])  # no report: 1 attendee × 2 h
    # 23:30 on the 31st in São Paulo is already November in UTC: it still belongs to October.
    e4 = held_event(factory, org, "Educação", dt.datetime(2026, 10, 31, 23, 30), 1.5, "Rio de Janeiro", "RJ")
    attend(factory, e4, [f, g])
    report(factory, e4, total_participants=2, total_hours=3)  # every impact figure empty (zero)
    cancelled = held_event(factory, org, "Limpeza", dt.datetime(2026, 10, 10, 9), 3, "Santos", "SP", status="cancelled")
    report(factory, cancelled, total_participants=9, total_hours=99, trash_collected_kg=999)
    held_event(factory, org, "Limpeza", dt.datetime(2026, 10, 11, 9), 3, "Santos", "SP", status="draft")
    november = held_event(factory, org, "Limpeza", dt.datetime(2026, 11, 1, 0, 30), 2, "Santos", "SP")
    report(factory, november, total_participants=1, total_hours=2, trash_collected_kg=999)
    held_event(factory, org, "Limpeza", dt.datetime(2026, 9, 30, 23), 2, "Niterói", "RJ")  # UTC says October
    return {"e3": e3}


@pytest.mark.anyio
async def test_october_matches_the_hand_computed_totals(
    client: TestClient[Litestar], factory: Factory, settings: Settings, october: dict[str, int]
) -> None:
    await defer(settings, jobs.GENERATE_MONTHLY_IMPACT_REPORT, month="2026-10")
    await run_jobs(settings)

    body = client.get("/api/reports/monthly/2026-10/").json()
    assert body["month"] == "2026-10"
    assert body["events_held"] == 4
    assert body["unique_volunteers"] == 6  # a, b, c, e, f, g
    assert body["total_hours"] == 24.0  # 9 + 10 + 1 × 2 + 3
    assert body["trash_collected_kg"] == 120.5
    assert body["recyclable_material_kg"] == 30.0
    assert body["trees_planted"] == 40
    assert body["area_cleaned_m2"] == 500.0
    by_name = {entry["name"]: entry for entry in body["categories"]}
    assert list(by_name) == ["Limpeza", "Plantio", "Monitoramento", "Educação"]
    assert by_name["Limpeza"] == {
        "category": CATEGORIES["Limpeza"],
        "name": "Limpeza",
        "color": "#0ea5e9",
        "events_held": 1,
        "unique_volunteers": 3,
        "total_hours": 9.0,
        "trash_collected_kg": 120.5,
        "recyclable_material_kg": 30.0,
        "trees_planted": 0,
        "area_cleaned_m2": 500.0,
    }
    assert (by_name["Plantio"]["unique_volunteers"], by_name["Plantio"]["trees_planted"]) == (2, 40)
    assert (by_name["Monitoramento"]["events_held"], by_name["Monitoramento"]["total_hours"]) == (1, 2.0)
    assert (by_name["Educação"]["unique_volunteers"], by_name["Educação"]["total_hours"]) == (2, 3.0)
    assert body["top_cities"] == [
        {"city": "Santos", "state": "SP", "events_held": 2, "unique_volunteers": 3, "total_hours": 11.0},
        {"city": "Campinas", "state": "SP", "events_held": 1, "unique_volunteers": 2, "total_hours": 10.0},
        {"city": "Rio de Janeiro", "state": "RJ", "events_held": 1, "unique_volunteers": 2, "total_hours": 3.0},
    ]
    assert body["chart_url"].endswith("/api/reports/monthly/2026-10/chart.svg")

    # Running the month again replaces it (a late report changes the figures), never duplicates it.
    report(factory, october["e3"], total_participants=1, total_hours=2.5, trash_collected_kg=10)
    await defer(settings, jobs.GENERATE_MONTHLY_IMPACT_REPORT, month="2026-10")
    await run_jobs(settings)
    again = client.get("/api/reports/monthly/2026-10/").json()
    assert again["trash_collected_kg"] == 130.5 and again["total_hours"] == 24.5
    assert factory.count("monthly_impact_reports", "month = '2026-10-01'") == 1


@pytest.mark.anyio
async def test_a_month_without_events_gives_an_empty_report(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    await defer(settings, jobs.GENERATE_MONTHLY_IMPACT_REPORT, month="2026-08")
    await run_jobs(settings)
    assert factory.count("procrastinate_jobs", "status = 'succeeded'") == 1
    body = client.get("/api/reports/monthly/2026-08/").json()
    assert (body["events_held"], body["unique_volunteers"], body["total_hours"], body["top_cities"]) == (0, 0, 0, [])
    assert [entry["events_held"] for entry in body["categories"]] == [0, 0, 0, 0]
    chart = client.get("/api/reports/monthly/2026-08/chart.svg")
    assert chart.status_code == 200 and "Nenhum mutirão" in chart.text
    ElementTree.fromstring(chart.text)  # noqa: S314 - our own answer


@pytest.mark.anyio
async def test_the_chart_shows_each_category_in_the_callers_language(
    client: TestClient[Litestar], factory: Factory, settings: Settings, october: dict[str, int]
) -> None:
    await defer(settings, jobs.GENERATE_MONTHLY_IMPACT_REPORT, month="2026-10")
    await run_jobs(settings)
    chart = client.get("/api/reports/monthly/2026-10/chart.svg")
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    svg = ElementTree.fromstring(chart.text)  # noqa: S314 - our own answer
    texts = [node.text for node in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "Impacto dos mutirões — outubro de 2026" in texts
    assert "120,5 kg" in texts and {"Limpeza", "Plantio", "Monitoramento", "Educação"} <= set(texts)
    english = client.get("/api/reports/monthly/2026-10/chart.svg", headers={"Accept-Language": "en"}).text
    assert "Mutirões impact — October 2026" in english and "120.5 kg" in english


@pytest.mark.anyio
async def test_monthly_reports_are_listed_newest_first_and_bad_months_are_refused(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    for month in ("2026-07", "2026-09", "2026-08"):
        await defer(settings, jobs.GENERATE_MONTHLY_IMPACT_REPORT, month=month)
    await run_jobs(settings)
    listing = client.get("/api/reports/monthly/?page_size=2").json()
    assert listing["count"] == 3 and [r["month"] for r in listing["results"]] == ["2026-09", "2026-08"]
    assert listing["next"] and listing["next"].endswith("page_size=2&page=2")
    assert client.get("/api/reports/monthly/2026-13/").status_code == 400
    assert client.get("/api/reports/monthly/outubro/chart.svg").status_code == 400
    assert client.get("/api/reports/monthly/2025-01/").status_code == 404


@pytest.mark.anyio
async def test_without_a_month_the_job_reports_the_previous_calendar_month(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    await defer(settings, jobs.GENERATE_MONTHLY_IMPACT_REPORT)
    await run_jobs(settings)
    today = dt.datetime.now(SAO_PAULO).date()
    expected = month_label(previous_month(today.replace(day=1)))
    assert [r["month"] for r in client.get("/api/reports/monthly/").json()["results"]] == [expected]


def test_the_schedule_is_03_00_on_the_1st_in_app_timezone() -> None:
    def at(iso: str) -> int:
        return int(dt.datetime.fromisoformat(iso).timestamp())

    assert [s.job for s in due(at("2026-12-01T06:00:00+00:00"), "America/Sao_Paulo")] == [
        jobs.GENERATE_MONTHLY_IMPACT_REPORT
    ]
    assert due(at("2026-12-01T03:00:00+00:00"), "America/Sao_Paulo") == []  # midnight in São Paulo
    assert due(at("2026-12-01T06:15:00+00:00"), "America/Sao_Paulo") == []
    assert due(at("2026-11-30T21:30:00+00:00"), "Asia/Kolkata") != []  # 03:00 on Dec 1st in India
    (schedule,) = due(at("2026-01-01T06:00:00+00:00"), "America/Sao_Paulo")
    assert schedule.args(dt.datetime(2026, 1, 1, 3, tzinfo=SAO_PAULO)) == {"month": "2025-12"}
    periodic = {task.task.name: task.cron for task in queue.periodic_registry.periodic_tasks.values()}
    assert periodic["run_local_schedules"] == "*/15 * * * *"


@pytest.mark.anyio
async def test_the_quarter_hour_tick_at_03_00_on_the_1st_produces_the_previous_months_report(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    tick = int(dt.datetime(2026, 11, 1, 3, tzinfo=SAO_PAULO).timestamp())
    await defer(settings, Job("run_local_schedules", queue="schedules"), timestamp=tick)
    await defer(settings, Job("run_local_schedules", queue="schedules"), timestamp=tick)  # a repeated tick
    await run_jobs(settings)
    assert factory.count("procrastinate_jobs", "task_name = 'generate_monthly_impact_report'") == 1
    assert client.get("/api/reports/monthly/2026-10/").status_code == 200


@pytest.mark.anyio
async def test_an_operator_runs_any_month_by_hand_with_the_procrastinate_cli(
    client: TestClient[Litestar], factory: Factory, settings: Settings, tmp_path: Path
) -> None:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TEST_DATABASE_URL"}}
    result = await anyio.run_process(
        [
            Path(sys.executable).parent / "procrastinate",
            "--app=app.tasks.queue.app",
            "defer",
            "generate_monthly_impact_report",
            '{"month": "2026-06"}',
        ],
        env={**environment, "DATABASE_URL": settings.psycopg_conninfo, "DATA_DIR": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    await run_jobs(settings)
    assert client.get("/api/reports/monthly/2026-06/").json()["events_held"] == 0
