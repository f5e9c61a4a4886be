"""New-event notices through the real worker and a real SMTP server: publishing an event tells the followers of its
organization and the volunteers interested in its category within 50 km, at most one email a day each (the rest in
the 08:00 digest), in their language, with a one-click unsubscribe link, and never twice."""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from app.config.database import create_engine, create_session_maker
from app.config.settings import Settings
from app.domain import jobs
from app.domain.accounts.models import User
from app.domain.events.search import normalize
from app.domain.events.services import EventService
from app.domain.notifications import new_events
from app.tasks.schedules import due
from tests.support.factories import CATEGORIES, Factory
from tests.support.notifications import defer, messages_to, opt_out, recipients, text_of, unsubscribe_url
from tests.support.settings import make_settings
from tests.support.smtp import SmtpSink
from tests.support.worker import run_jobs

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_URL = "https://mutiroes.example.org"
LIMPEZA = CATEGORIES["Limpeza"]
PLANTIO = CATEGORIES["Plantio"]


@pytest.fixture
def settings(database_url: str, tmp_path: Path, sink: SmtpSink) -> Settings:
    return make_settings(
        database_url, tmp_path, smtp_host=sink.host, smtp_port=sink.port, smtp_security="none", public_url=PUBLIC_URL
    )


def volunteer(
    factory: Factory,
    username: str,
    *,
    city: str = "",
    state: str = "SP",
    interests: tuple[int, ...] = (),
    language: str = "pt-BR",
) -> int:
    user_id = factory.user(username)
    factory.execute(
        "UPDATE user_profiles SET city = :city, state = :state, interests = :interests WHERE user_id = :id",
        city=city,
        state=state,
        interests=list(interests),
        id=user_id,
    )
    factory.execute("UPDATE users SET language = :language WHERE id = :id", language=language, id=user_id)
    return user_id


def follow(factory: Factory, organization_id: int, user_id: int) -> None:
    factory.execute(
        "INSERT INTO organization_followers (organization_id, user_id) VALUES (:org, :user)",
        org=organization_id,
        user=user_id,
    )


def draft(factory: Factory, organizer: int, *, organization_id: int | None = None, **options: object) -> int:
    """A draft clean-up on the beach in Santos (SP), a week from now."""
    event_id = factory.event(organizer, status="draft", **options)  # type: ignore[arg-type]
    factory.execute("UPDATE events SET organization_id = :org WHERE id = :id", org=organization_id, id=event_id)
    return event_id


def publish(client: TestClient[Litestar], factory: Factory, event_id: int, organizer: int) -> None:
    response = client.post(f"/api/events/{event_id}/publish/", headers=factory.auth(organizer))
    assert response.status_code == 200, response.text


def address(username: str) -> str:
    return f"{username}@example.org"


def as_if_emailed_yesterday(factory: Factory) -> None:
    """Move the clock on a day for the one-email-a-day rule: today's emails become yesterday's."""
    factory.execute("UPDATE new_event_emails SET day = day - 1")


@pytest.mark.anyio
async def test_publishing_tells_the_followers_and_the_interested_within_50_km_and_nobody_else(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    mar_limpo = factory.organization()
    follower = volunteer(factory, "follower", city="Manaus", state="AM")  # far away, but follows
    follow(factory, mar_limpo, follower)
    volunteer(factory, "cubatao", city="CUBATAO", interests=(LIMPEZA,))  # 12 km, typed without accents
    volunteer(factory, "guaruja", city="Guarujá", interests=(PLANTIO, LIMPEZA))  # 9 km
    volunteer(factory, "peruibe", city="Peruíbe", interests=(LIMPEZA,))  # 78 km
    volunteer(factory, "saopaulo", city="São Paulo", interests=(LIMPEZA,))  # 55 km
    volunteer(factory, "plantio", city="Santos", interests=(PLANTIO,))  # near, but another interest
    volunteer(factory, "nowhere", city="Cidade Inventada", interests=(LIMPEZA,))  # unknown city: follows only
    volunteer(factory, "otherstate", city="Santos", state="RJ", interests=(LIMPEZA,))  # no Santos in RJ
    quiet = volunteer(factory, "quiet", city="Santos", interests=(LIMPEZA,))
    opt_out(factory, quiet, "email_new_events")
    gone = volunteer(factory, "gone", city="Santos", interests=(LIMPEZA,))
    factory.execute("UPDATE users SET is_active = false WHERE id = :id", id=gone)
    factory.execute(
        "UPDATE user_profiles SET city = 'Santos', interests = :i WHERE user_id = :id", i=[LIMPEZA], id=organizer
    )
    follow(factory, mar_limpo, organizer)
    event_id = draft(factory, organizer, organization_id=mar_limpo, title="Limpeza da Ponta da Praia")

    publish(client, factory, event_id, organizer)
    await run_jobs(settings)

    assert recipients(sink) == {address("follower"): 1, address("cubatao"): 1, address("guaruja"): 1}
    message = messages_to(sink, address("cubatao"))[0]
    assert message["Subject"] == "Novo mutirão: Limpeza da Ponta da Praia"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = text_of(message)
    start = factory.scalar("SELECT start_date FROM events WHERE id = :id", id=event_id)
    assert f"{start.astimezone(ZoneInfo('America/Sao_Paulo')):%H:%M}" in body and "(horário de Sao Paulo)" in body
    assert "Onde: Santos - SP" in body and f"{PUBLIC_URL}/events/{event_id}" in body
    assert factory.count("new_event_notices", "sent_at IS NOT NULL") == 3
    assert factory.count("new_event_emails") == 3


@pytest.mark.anyio
async def test_creating_an_event_already_published_tells_the_same_people(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    volunteer(factory, "near", city="São Vicente", interests=(LIMPEZA,))
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=5)
    response = client.post(
        "/api/events/",
        json={
            "title": "Mutirão na orla",
            "category": LIMPEZA,
            "latitude": -23.9608,
            "longitude": -46.3336,
            "city": "Santos",
            "state": "SP",
            "start_date": start.isoformat(),
            "end_date": (start + dt.timedelta(hours=3)).isoformat(),
            "max_participants": 20,
            "status": "published",
        },
        headers=factory.auth(organizer),
    )
    assert response.status_code == 201, response.text
    await run_jobs(settings)
    assert recipients(sink) == {address("near"): 1}


@pytest.mark.anyio
async def test_a_second_event_the_same_day_waits_for_the_8_am_digest_which_lists_every_pending_one(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    volunteer(factory, "ana", city="Santos", interests=(LIMPEZA,))
    first, second, third = (
        draft(factory, organizer, title=title) for title in ("Praia um", "Praia dois", "Praia três")
    )

    publish(client, factory, first, organizer)
    await run_jobs(settings)
    assert [m["Subject"] for m in sink.messages] == ["Novo mutirão: Praia um"]

    publish(client, factory, second, organizer)
    publish(client, factory, third, organizer)
    await run_jobs(settings)
    assert len(sink.received) == 1  # already emailed today
    assert factory.count("new_event_notices", "sent_at IS NULL") == 2

    # The 08:00 run of the next day (APP_TIMEZONE) sends them together.
    eight_am = dt.datetime(2026, 12, 8, 8, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
    assert jobs.SEND_NEW_EVENT_EMAILS in [s.job for s in due(int(eight_am.timestamp()), "America/Sao_Paulo")]
    as_if_emailed_yesterday(factory)
    defer(factory, jobs.SEND_NEW_EVENT_EMAILS.task_name, jobs.SEND_NEW_EVENT_EMAILS.queue)
    await run_jobs(settings)
    assert len(sink.received) == 2
    digest = sink.messages[1]
    assert digest["Subject"] == "2 novos mutirões para você"
    body = text_of(digest)
    assert "Praia dois" in body and "Praia três" in body and "Praia um" not in body
    assert f"{PUBLIC_URL}/events/{second}" in body and f"{PUBLIC_URL}/events/{third}" in body
    assert factory.count("new_event_notices", "sent_at IS NULL") == 0

    # Nothing left: the next run sends nothing.
    as_if_emailed_yesterday(factory)
    defer(factory, jobs.SEND_NEW_EVENT_EMAILS.task_name, jobs.SEND_NEW_EVENT_EMAILS.queue)
    await run_jobs(settings)
    assert len(sink.received) == 2


@pytest.mark.anyio
async def test_running_the_fan_out_and_the_send_jobs_twice_sends_nothing_twice(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    for n in range(5):
        volunteer(factory, f"v{n}", city="Santos", interests=(LIMPEZA,))
    event_id = draft(factory, organizer)
    publish(client, factory, event_id, organizer)
    await run_jobs(settings)
    assert recipients(sink) == {address(f"v{n}"): 1 for n in range(5)}

    defer(factory, jobs.QUEUE_NEW_EVENT_NOTICES.task_name, jobs.QUEUE_NEW_EVENT_NOTICES.queue, event_id=event_id)
    defer(factory, jobs.SEND_NEW_EVENT_EMAILS.task_name, jobs.SEND_NEW_EVENT_EMAILS.queue)
    await run_jobs(settings)
    assert len(sink.received) == 5
    assert factory.count("new_event_notices") == 5
    assert set(factory.execute("SELECT status FROM procrastinate_jobs").scalars()) == {"succeeded"}


@pytest.mark.anyio
async def test_two_workers_running_send_jobs_at_once_send_each_volunteer_one_email(
    settings: Settings, sink: SmtpSink, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(new_events, "CLAIM_BATCH", 3)  # many small claims, so the jobs interleave
    organizer = factory.user("org")
    people = [volunteer(factory, f"v{n:02d}", city="Santos", interests=(LIMPEZA,)) for n in range(30)]
    events = [factory.event(organizer, title=f"Praia {n}") for n in range(2)]
    for event_id in events:  # two pending notices each: a digest
        factory.execute(
            "INSERT INTO new_event_notices (user_id, event_id) SELECT unnest(CAST(:users AS bigint[])), :event",
            users=people,
            event=event_id,
        )
    for _ in range(4):
        defer(factory, jobs.SEND_NEW_EVENT_EMAILS.task_name, jobs.SEND_NEW_EVENT_EMAILS.queue)
    sink.stop()
    sink.delay = 0.02
    sink.start()
    await run_jobs(settings, workers=2, concurrency=2)
    assert recipients(sink) == {address(f"v{n:02d}"): 1 for n in range(30)}
    assert {m["Subject"] for m in sink.messages} == {"2 novos mutirões para você"}
    assert factory.count("new_event_emails") == 30
    assert factory.count("new_event_notices", "sent_at IS NULL") == 0


@pytest.mark.anyio
async def test_an_english_speaker_gets_it_in_english_and_its_link_unsubscribes_from_new_events_only(
    client: TestClient[Litestar], settings: Settings, sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    mary = volunteer(factory, "mary", city="Santos", interests=(LIMPEZA,), language="en")
    first, second = draft(factory, organizer, title="Beach clean-up"), draft(factory, organizer)
    publish(client, factory, first, organizer)
    await run_jobs(settings)
    (message,) = sink.messages
    assert message["Subject"] == "New mutirão: Beach clean-up"
    assert "Where: Santos - SP" in text_of(message) and "(Sao Paulo time)" in text_of(message)

    link = urlsplit(unsubscribe_url(message))
    assert link.geturl().startswith(f"{PUBLIC_URL}/api/users/notifications/unsubscribe/?token=")
    path = f"{link.path}?{link.query}"
    assert "Stop receiving new mutirões?" in client.get(path).text
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    preferences = client.get("/api/users/notifications/settings/", headers=factory.auth(mary)).json()
    assert preferences == {
        "email_new_events": False,
        "email_event_reminders": True,
        "email_event_updates": True,
        "email_badge_earned": True,
    }
    as_if_emailed_yesterday(factory)
    publish(client, factory, second, organizer)
    await run_jobs(settings)
    assert len(sink.received) == 1


@pytest.mark.anyio
async def test_a_publication_whose_transaction_rolls_back_queues_nothing(settings: Settings, factory: Factory) -> None:
    organizer = factory.user("org")
    volunteer(factory, "ana", city="Santos", interests=(LIMPEZA,))
    event_id = draft(factory, organizer)
    engine = create_engine(settings)
    try:
        async with create_session_maker(engine)() as session, session.begin():
            user = (await session.scalars(select(User).where(User.id == organizer))).unique().one()
            await EventService(session).publish(event_id, user)
            assert factory.count("procrastinate_jobs") == 0  # not visible before the commit
            await session.rollback()
    finally:
        await engine.dispose()
    assert factory.count("procrastinate_jobs") == 0
    assert factory.scalar("SELECT status FROM events WHERE id = :id", id=event_id) == "draft"


@pytest.mark.anyio
async def test_publishing_queues_one_fan_out_job_in_the_request_and_sends_nothing_itself(
    client: TestClient[Litestar], sink: SmtpSink, factory: Factory
) -> None:
    organizer = factory.user("org")
    volunteer(factory, "ana", city="Santos", interests=(LIMPEZA,))
    event_id = draft(factory, organizer)
    publish(client, factory, event_id, organizer)
    assert factory.execute("SELECT task_name, args FROM procrastinate_jobs").all() == [
        ("queue_new_event_notices", {"event_id": event_id})
    ]
    assert factory.count("new_event_notices") == 0 and sink.received == []


def test_the_database_folds_every_place_name_as_the_search_does(factory: Factory) -> None:
    with (ROOT / "db" / "data" / "br_cities.csv").open(encoding="utf-8") as file:
        names = sorted({row["name"] for row in csv.DictReader(file)})
    letters = "".join(sorted({c for c in "".join(names) + "ÁÀÂÃÉÊÍÓÔÕÚÜÇáàâãéêíóôõúüç" if not c.isascii()}))
    folded = factory.execute(
        "SELECT mutiroes_fold(name) FROM unnest(CAST(:names AS text[])) AS name", names=[*names, letters]
    ).scalars()
    assert list(folded) == [normalize(name) for name in [*names, letters]]
    assert all(unicodedata.is_normalized("NFC", name) for name in names)  # no decomposed accents in the data


@pytest.mark.anyio
async def test_following_through_the_api_brings_the_organizations_new_events(
    client: TestClient[Litestar], factory: Factory, settings: Settings, sink: SmtpSink
) -> None:
    organizer = factory.user("organizadora")
    org = factory.organization()
    fan = volunteer(factory, "fa")
    headers = factory.auth(fan)
    url = f"/api/organizations/{org}/follow/"
    for _ in range(2):  # following twice is following
        answer = client.post(url, headers=headers)
        assert answer.status_code == 204, answer.text
    assert client.post(url).status_code == 401
    assert client.post("/api/organizations/999999/follow/", headers=headers).status_code == 404
    assert factory.count("organization_followers") == 1

    publish(client, factory, draft(factory, organizer, organization_id=org), organizer)
    await run_jobs(settings)
    assert len(sink.messages) == 1 and address("fa") in sink.messages[0]["To"]

    for _ in range(2):  # not following is not an error
        assert client.delete(url, headers=headers).status_code == 204
    assert factory.count("organization_followers") == 0
