"""The demo data a newcomer's first run loads: events to browse, and a volunteer's verified impact."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.config.database import create_engine, create_session_maker
from app.config.settings import Settings
from app.demo_data import load_demo_data
from app.domain.accounts.passwords import PasswordHashing
from tests.support.factories import Factory
from tests.support.worker import run_jobs


async def load(settings: Settings) -> bool:
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session, session.begin():
            return await load_demo_data(session, PasswordHashing.from_settings(settings))
    finally:
        await engine.dispose()


@pytest.mark.anyio
async def test_the_demo_shows_events_and_a_volunteers_impact_once_the_worker_ran(
    client: TestClient[Litestar], factory: Factory, settings: Settings
) -> None:
    assert await load(settings) is True
    assert await load(settings) is False  # once only
    await run_jobs(settings)
    assert factory.count("events") == 56  # 50 single mutirões and a weekly series of six
    assert factory.count("events", "series_id IS NOT NULL") == 6
    # The collective: an owner and an organizer, followed by the volunteer, running the series and a few more.
    assert factory.count("organization_members") == 2 and factory.count("organization_followers") == 2
    assert factory.count("events", "organization_id IS NOT NULL AND series_id IS NOT NULL") == 6
    assert factory.count("events", "organization_id IS NOT NULL") > 6
    assert factory.count("procrastinate_jobs", "status <> 'succeeded'") == 0

    token = client.post("/api/token/", json={"username": "voluntario", "password": "Mutirao-demo-2026"}).json()
    headers = {"Authorization": f"Bearer {token['access']}"}
    stats = client.get("/api/users/stats/", headers=headers).json()
    attended = factory.count("event_participants", "checked_in")
    assert attended > 0 and stats["total_events_participated"] == attended
    assert stats["total_hours_volunteered"] > 0
    earned = [b["badge"]["code"] for b in client.get("/api/users/badges/earned/", headers=headers).json()]
    assert "first_mutirao" in earned
    board = client.get("/api/users/leaderboard/").json()
    assert board["results"][0]["username"] == "voluntario"
    assert client.get("/api/reports/monthly/").json()["count"] == 1
    [organization] = client.get("/api/organizations/").json()["results"]
    page = client.get(f"/api/organizations/{organization['id']}/").json()
    assert (page["members_count"], page["followers_count"]) == (2, 2)
    assert page["upcoming_events"] and page["past_events"] and page["impact"]["check_ins"] > 0
