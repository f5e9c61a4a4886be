"""Impact (SPEC §2, §3, §4): organizers' reports, statistics from verified data, badges, leaderboards.

The jobs run in the real Procrastinate worker; every figure asserted here is computed by hand in the test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.config.database import create_engine, create_session_maker
from app.config.settings import Settings
from app.domain import jobs
from app.domain.jobs import defer_job
from tests.support.factories import CATEGORIES, Factory
from tests.support.worker import run_jobs


def attended_event(
    client: TestClient[Litestar],
    factory: Factory,
    organizer: int,
    volunteers: list[int],
    *,
    hours: float = 3,
    **kw: Any,
) -> int:
    """An event the volunteers joined and were checked in at by the organizer, which has since ended."""
    event_id = factory.event(organizer, starts_in=dt.timedelta(minutes=30), hours=hours, **kw)
    for volunteer in volunteers:
        joined = client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(volunteer))
        assert joined.status_code == 201, joined.text
        checked = client.post(
            f"/api/events/{event_id}/check_in/", json={"user_id": volunteer}, headers=factory.auth(organizer)
        )
        assert checked.status_code == 200, checked.text
    end_in_the_past(factory, event_id)
    return event_id


def end_in_the_past(factory: Factory, event_id: int, *, days_ago: float = 1) -> None:
    """Time passes: the event keeps its duration and ended `days_ago` days ago."""
    factory.execute(
        """
        UPDATE events SET start_date = now() - make_interval(secs => :ago) - (end_date - start_date),
                          end_date = now() - make_interval(secs => :ago)
        WHERE id = :id
        """,
        id=event_id,
        ago=days_ago * 86400,
    )


def badges_of(factory: Factory, user_id: int) -> list[str]:
    rows = factory.execute(
        "SELECT b.code FROM user_badges ub JOIN badges b ON b.id = ub.badge_id WHERE ub.user_id = :u ORDER BY b.code",
        u=user_id,
    )
    return [row.code for row in rows]


async def defer(settings: Settings, batch: list[tuple[jobs.Job, dict[str, Any]]]) -> None:
    """Queue jobs by hand, as an operator would, in one transaction."""
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session, session.begin():
            for job, args in batch:
                await defer_job(session, job, **args)
    finally:
        await engine.dispose()


def badge_notices(factory: Factory) -> list[tuple[str, int]]:
    rows = factory.execute(
        """
        SELECT args->>'badge_code' AS badge, count(*) AS jobs FROM procrastinate_jobs
        WHERE task_name = 'send_event_notification_email' AND args->>'kind' = 'badge_earned'
        GROUP BY 1 ORDER BY 1
        """
    )
    return [(row.badge, row.jobs) for row in rows]


def queued(factory: Factory, task: str) -> int:
    return factory.count("procrastinate_jobs", "task_name = :t AND status = 'todo'", t=task)


def snapshot(factory: Factory) -> dict[str, list[Any]]:
    """Everything the statistics jobs write."""
    return {
        "contributions": list(
            factory.execute(
                "SELECT user_id, event_id, category_id, held_at, hours, trash_collected_kg, trees_planted "
                "FROM volunteer_contributions ORDER BY user_id, event_id"
            ).all()
        ),
        "profiles": list(
            factory.execute(
                "SELECT user_id, total_events_participated, total_hours_volunteered, trash_collected_kg, trees_planted,"
                " updated_at FROM user_profiles ORDER BY user_id"
            ).all()
        ),
        "badges": list(factory.execute("SELECT id, user_id, badge_id, earned_at FROM user_badges ORDER BY id").all()),
        "reports": list(factory.execute("SELECT id, verified_participants, processed_at FROM event_reports").all()),
    }


# --- the acceptance scenario ---


@pytest.mark.anyio
async def test_two_checked_in_volunteers_and_a_report_earn_first_mutirao_once_and_top_the_leaderboard(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer = factory.user("organizadora")
    ana, bruno = factory.user("ana"), factory.user("bruno")
    event_id = attended_event(client, factory, organizer, [ana, bruno], hours=3)

    filed = client.post(
        f"/api/events/{event_id}/report/", json={"trash_collected_kg": 84.5}, headers=factory.auth(organizer)
    )
    assert filed.status_code == 201, filed.text
    report = filed.json()
    # Defaults: the checked-in count, and attendees × duration.
    assert report["total_participants"] == 2 and report["total_hours"] == 6.0
    assert queued(factory, "process_event_report_statistics") == 1

    await run_jobs(settings)
    first = snapshot(factory)
    for volunteer in (ana, bruno):
        assert badges_of(factory, volunteer) == ["first_mutirao"]
        stats = client.get("/api/users/stats/", headers=factory.auth(volunteer)).json()
        assert stats["total_events_participated"] == 1
        assert stats["total_hours_volunteered"] == 3.0  # the event's hours, their share of the report's 6
        assert stats["trash_collected_kg"] == 42.25
        assert stats["badges_earned"] == 1
        assert stats["current_month_events"] in (0, 1)  # the event may have been in last month
        assert stats["favorite_categories"] == [{"id": CATEGORIES["Limpeza"], "name": "Limpeza", "events": 1}]
    assert badges_of(factory, organizer) == ["first_report"]
    assert factory.scalar("SELECT verified_participants FROM event_reports") == 2
    assert badge_notices(factory) == [("first_mutirao", 2), ("first_report", 1)]  # queued with the awards

    board = client.get("/api/users/leaderboard/?category=&period=all").json()
    assert board["count"] == 2
    assert {entry["username"] for entry in board["results"]} == {"ana", "bruno"}
    assert [entry["rank"] for entry in board["results"]] == [1, 1]  # a tie shares the rank
    assert all(entry["total_hours_volunteered"] == 3.0 for entry in board["results"])

    # The same jobs again (an edit of the report queues the whole chain): nothing changes, no badge is doubled.
    edited = client.patch(
        f"/api/events/{event_id}/report/", json={"summary": "Praia limpa!"}, headers=factory.auth(organizer)
    )
    assert edited.status_code == 200, edited.text
    await run_jobs(settings)
    assert snapshot(factory) == first
    assert factory.count("user_badges") == 3
    assert badge_notices(factory) == [("first_mutirao", 2), ("first_report", 1)]  # and no second email


@pytest.mark.anyio
async def test_every_statistics_job_run_twice_changes_nothing_the_second_time(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer = factory.user("organizadora")
    volunteers = [factory.user() for _ in range(3)]
    event_id = attended_event(client, factory, organizer, volunteers, hours=2)
    client.post(
        f"/api/events/{event_id}/report/",
        json={"trees_planted": 150, "total_participants": 3},
        headers=factory.auth(organizer),
    )
    await run_jobs(settings)
    settled = snapshot(factory)
    report_id = factory.scalar("SELECT id FROM event_reports")

    batch: list[tuple[jobs.Job, dict[str, Any]]] = [(jobs.PROCESS_EVENT_REPORT_STATISTICS, {"report_id": report_id})]
    for user_id in [*volunteers, organizer]:
        batch += [(jobs.UPDATE_USER_STATISTICS, {"user_id": user_id})]
        batch += [(jobs.CHECK_AND_AWARD_BADGES, {"user_id": user_id})]
    for _ in range(2):
        await defer(settings, batch)
        await run_jobs(settings)
        assert snapshot(factory) == settled
    # 150 trees over 3 participants: 50 each — exactly the "Forest guardian" threshold.
    assert all(badges_of(factory, v) == ["first_mutirao", "trees_50"] for v in volunteers)


@pytest.mark.anyio
async def test_a_check_in_alone_counts_the_events_duration(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    attended_event(client, factory, organizer, [volunteer], hours=2.5)
    assert queued(factory, "update_user_statistics") == 1  # deferred by the check-in itself
    await run_jobs(settings)
    stats = client.get("/api/users/stats/", headers=factory.auth(volunteer)).json()
    assert stats["total_events_participated"] == 1 and stats["total_hours_volunteered"] == 2.5
    assert stats["trash_collected_kg"] == 0 and stats["trees_planted"] == 0
    assert badges_of(factory, volunteer) == ["first_mutirao"]


@pytest.mark.anyio
async def test_badges_come_from_verified_data_only(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, volunteer, no_show = factory.user("org"), factory.user("vol"), factory.user("ausente")
    event_id = factory.event(organizer, starts_in=dt.timedelta(minutes=30))
    for user in (volunteer, no_show):
        assert client.post(f"/api/events/{event_id}/join/", json={}, headers=factory.auth(user)).status_code == 201
    client.post(f"/api/events/{event_id}/check_in/", json={"user_id": volunteer}, headers=factory.auth(organizer))
    end_in_the_past(factory, event_id)
    # A participant who joined but never checked in gets nothing; a counter edited by hand is recomputed.
    factory.execute("UPDATE user_profiles SET total_events_participated = 30 WHERE user_id = :u", u=no_show)
    client.post(f"/api/events/{event_id}/report/", json={}, headers=factory.auth(organizer))
    await defer(settings, [(jobs.UPDATE_USER_STATISTICS, {"user_id": no_show})])
    await run_jobs(settings)
    assert badges_of(factory, volunteer) == ["first_mutirao"]
    assert badges_of(factory, no_show) == []
    assert client.get("/api/users/stats/", headers=factory.auth(no_show)).json()["total_events_participated"] == 0


# --- the report's rules ---


def test_only_the_organizer_or_staff_file_a_report_once_the_event_has_ended(
    client: TestClient[Litestar], factory: Factory
) -> None:
    organizer, volunteer, staff = factory.user("org"), factory.user("vol"), factory.user("mod", is_staff=True)
    upcoming = factory.event(organizer)
    path = f"/api/events/{upcoming}/report/"
    refused = client.post(path, json={}, headers=factory.auth(organizer))
    assert refused.status_code == 409 and refused.json()["code"] == "event_not_ended"

    event_id = attended_event(client, factory, organizer, [volunteer])
    path = f"/api/events/{event_id}/report/"
    assert client.post(path, json={}).status_code == 401
    assert client.post(path, json={}, headers=factory.auth(volunteer)).status_code == 403
    assert client.get(path).status_code == 404  # nothing filed yet
    assert client.post(path, json={"total_hours": 10}, headers=factory.auth(staff)).status_code == 201
    again = client.post(path, json={}, headers=factory.auth(organizer))
    assert again.status_code == 409 and again.json()["code"] == "report_exists"
    read = client.get(path)  # anyone who can see the event
    assert read.status_code == 200 and read.json()["total_hours"] == 10.0 and read.json()["total_participants"] == 1


def test_bad_figures_are_refused_and_change_nothing(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    event_id = attended_event(client, factory, organizer, [volunteer])
    path = f"/api/events/{event_id}/report/"
    for body in (
        {"trash_collected_kg": -1},
        {"trees_planted": 2.5},
        {"total_hours": 1e12},
        {"area_cleaned_m2": "muito"},
        {"total_participants": -3},
    ):
        response = client.post(path, json=body, headers=factory.auth(organizer))
        assert response.status_code == 400, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert factory.count("event_reports") == 0
    assert factory.count("procrastinate_jobs", "task_name = 'process_event_report_statistics'") == 0


def test_a_report_is_editable_for_30_days(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, volunteer = factory.user("org"), factory.user("vol")
    event_id = attended_event(client, factory, organizer, [volunteer], hours=4)
    path = f"/api/events/{event_id}/report/"
    client.post(path, json={"trash_collected_kg": 10, "summary": "Bom"}, headers=factory.auth(organizer))
    patched = client.patch(path, json={"trash_collected_kg": 12.5}, headers=factory.auth(organizer))
    assert patched.status_code == 200
    assert patched.json()["trash_collected_kg"] == 12.5 and patched.json()["summary"] == "Bom"
    replaced = client.put(path, json={"summary": "Ótimo"}, headers=factory.auth(organizer))
    # PUT replaces everything: absent figures take their defaults again.
    assert replaced.json()["trash_collected_kg"] == 0 and replaced.json()["total_hours"] == 4.0
    assert factory.count("procrastinate_jobs", "task_name = 'process_event_report_statistics'") == 1  # one waiting
    factory.execute("UPDATE event_reports SET created_at = now() - interval '31 days'")
    locked = client.patch(path, json={"summary": "Tarde demais"}, headers=factory.auth(organizer))
    assert locked.status_code == 409 and locked.json()["code"] == "report_locked"


def test_cancelled_and_private_events(client: TestClient[Litestar], factory: Factory) -> None:
    organizer, stranger = factory.user("org"), factory.user("stranger")
    cancelled = factory.event(organizer, status="cancelled", starts_in=dt.timedelta(days=-3))
    response = client.post(f"/api/events/{cancelled}/report/", json={}, headers=factory.auth(organizer))
    assert response.status_code == 409 and response.json()["code"] == "event_not_held"
    private = factory.event(organizer, is_public=False, starts_in=dt.timedelta(days=-3))
    assert client.post(f"/api/events/{private}/report/", json={}, headers=factory.auth(stranger)).status_code == 404
    assert client.post(f"/api/events/{private}/report/", json={}, headers=factory.auth(organizer)).status_code == 201
    assert client.get(f"/api/events/{private}/report/", headers=factory.auth(stranger)).status_code == 404


# --- badges, leaderboard and rank ---


def test_the_badge_catalogue_in_both_languages(client: TestClient[Litestar]) -> None:
    badges = client.get("/api/users/badges/").json()
    assert [b["code"] for b in badges] == [
        "first_mutirao", "mutiroes_5", "mutiroes_10", "mutiroes_25",
        "first_report", "trees_50", "trash_100kg", "all_categories",
    ]  # fmt: skip
    assert badges[0]["name"] == "Primeiro mutirão"
    english = client.get("/api/users/badges/", headers={"Accept-Language": "en"}).json()
    assert english[0]["name"] == "First mutirão"


def attended(
    factory: Factory, organizer: int, user_id: int, hours: float, *, category: str = "Limpeza", days_ago: float = 0.5
) -> None:
    """A checked-in participation at an event of `hours` hours that ended `days_ago` days ago."""
    event_id = factory.event(organizer, category=category, hours=hours)
    end_in_the_past(factory, event_id, days_ago=days_ago)
    checked_in_at(factory, event_id, user_id)


def checked_in_at(factory: Factory, event_id: int, user_id: int) -> None:
    factory.execute(
        """
        INSERT INTO event_participants (event_id, user_id, status, emergency_contact, emergency_phone,
            special_needs, experience_level, checked_in, check_in_time, joined_at, created_at, updated_at)
        VALUES (:e, :u, 'confirmed', '', '', '', 'beginner', true, now(), now(), now(), now())
        """,
        e=event_id,
        u=user_id,
    )


async def update_statistics(settings: Settings, users: list[int]) -> None:
    await defer(settings, [(jobs.UPDATE_USER_STATISTICS, {"user_id": user}) for user in users])
    await run_jobs(settings)


@pytest.mark.anyio
async def test_the_leaderboard_ranks_public_profiles_by_verified_hours(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer = factory.user("org")
    ana, bia, caio, dora = (factory.user(n) for n in ("ana", "bia", "caio", "dora"))
    secret = factory.user("sigilo", is_public_profile=False)
    attended(factory, organizer, ana, 5)
    attended(factory, organizer, bia, 8, category="Plantio", days_ago=400)  # more than a year ago
    attended(factory, organizer, caio, 3, category="Plantio")
    attended(factory, organizer, secret, 50)
    await update_statistics(settings, [ana, bia, caio, dora, secret])

    board = client.get("/api/users/leaderboard/").json()
    assert [(e["username"], e["rank"], e["total_hours_volunteered"]) for e in board["results"]] == [
        ("bia", 1, 8.0),
        ("ana", 2, 5.0),
        ("caio", 3, 3.0),
    ]  # private profiles and people without hours do not appear
    this_year = client.get("/api/users/leaderboard/?period=year").json()
    assert [e["username"] for e in this_year["results"]] == ["ana", "caio"]
    planting_only = client.get("/api/users/leaderboard/?category=Plantio").json()
    assert [e["username"] for e in planting_only["results"]] == ["bia", "caio"]
    by_id = client.get(f"/api/users/leaderboard/?category={CATEGORIES['Plantio']}&period=all").json()
    assert by_id["results"] == planting_only["results"]
    paged = client.get("/api/users/leaderboard/?page_size=2&page=2").json()
    assert paged["count"] == 3 and [e["username"] for e in paged["results"]] == ["caio"] and paged["previous"]

    rank = client.get("/api/users/rank/", headers=factory.auth(ana)).json()
    assert rank["rank"] == 2 and rank["ranked_users"] == 3 and rank["on_leaderboard"] is True
    hidden = client.get("/api/users/rank/", headers=factory.auth(secret)).json()
    assert hidden["rank"] == 1 and hidden["on_leaderboard"] is False  # ranked, but not shown
    assert client.get("/api/users/rank/?period=year", headers=factory.auth(dora)).json()["rank"] is None
    assert client.get("/api/users/rank/").status_code == 401

    for bad in ("period=week", "category=Astronomia", "page=0", "page_size=1000"):
        response = client.get(f"/api/users/leaderboard/?{bad}")
        assert response.status_code == 400, (bad, response.text)


@pytest.mark.anyio
async def test_the_leaderboard_issues_a_constant_number_of_queries(
    client: TestClient[Litestar], app: Litestar, factory: Factory, settings: Settings
) -> None:
    organizer = factory.user("org")
    volunteers = [factory.user() for _ in range(40)]
    for n, volunteer in enumerate(volunteers):
        attended(factory, organizer, volunteer, n + 1)
    await update_statistics(settings, volunteers)
    log = app.state.query_log
    counts = []
    for query in ("page_size=5", "page_size=40", "period=month&page_size=5", "period=month&page_size=40"):
        client.get(f"/api/users/leaderboard/?{query}")  # warm-up
        before = log.count
        assert client.get(f"/api/users/leaderboard/?{query}").status_code == 200
        counts.append(log.count - before)
    assert counts[0] == counts[1] and counts[2] == counts[3] and max(counts) <= 2, counts


def test_stats_need_a_token(client: TestClient[Litestar]) -> None:
    assert client.get("/api/users/stats/").status_code == 401
    assert client.get("/api/users/badges/earned/").status_code == 401


@pytest.mark.anyio
async def test_a_profile_made_private_leaves_the_leaderboard_at_once(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer, ana, bia = factory.user("org"), factory.user("ana"), factory.user("bia")
    attended(factory, organizer, ana, 5)
    attended(factory, organizer, bia, 2)
    await update_statistics(settings, [ana, bia])

    def board() -> list[str]:
        return [entry["username"] for entry in client.get("/api/users/leaderboard/?period=month").json()["results"]]

    assert board() == ["ana", "bia"]
    hidden = client.patch("/api/users/profile/", json={"is_public_profile": False}, headers=factory.auth(ana))
    assert hidden.status_code == 200, hidden.text
    assert board() == ["bia"]
    assert client.get("/api/users/leaderboard/?period=month").json()["count"] == 1
    client.patch("/api/users/profile/", json={"is_public_profile": True}, headers=factory.auth(ana))
    assert board() == ["ana", "bia"]


@pytest.mark.anyio
async def test_two_workers_running_the_statistics_chain_at_once_agree_with_one(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    organizer = factory.user("org")
    volunteers = [factory.user() for _ in range(12)]
    for hours, category in ((2, "Limpeza"), (3, "Plantio"), (1.5, "Monitoramento"), (4, "Educação")):
        event_id = factory.event(organizer, category=category, hours=hours)
        end_in_the_past(factory, event_id)
        for volunteer in volunteers:
            checked_in_at(factory, event_id, volunteer)
        filed = client.post(
            f"/api/events/{event_id}/report/", json={"trash_collected_kg": 120}, headers=factory.auth(organizer)
        )
        assert filed.status_code == 201, filed.text
    # Every report's chain queues jobs for the same volunteers: two workers take them side by side.
    await run_jobs(settings, workers=2, concurrency=2)
    for volunteer in volunteers:
        stats = client.get("/api/users/stats/", headers=factory.auth(volunteer)).json()
        assert (stats["total_events_participated"], stats["total_hours_volunteered"]) == (4, 10.5)
        assert stats["trash_collected_kg"] == 40.0  # 4 × 120 kg shared by 12
        assert badges_of(factory, volunteer) == ["all_categories", "first_mutirao"]
    assert factory.count("procrastinate_jobs", "status = 'failed'") == 0
